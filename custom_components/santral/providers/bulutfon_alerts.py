"""Bulutfon's automatic calls (`/automatic-calls`, providers.md §1.8) read as call alerts.

Bulutfon phones the receivers one after another and plays the audio at `sound_url`; the
campaign's detail then tells, per recipient, whether it was called (`has_called`),
answered (`answer`) and which key was pressed (`gather`). Two details are not documented
and are read in the most plausible way, each in one constant below: where the answer to
the creating POST names the new campaign's id (the document shows only a `message`), and
what `has_called` means where a recipient carries no `answer` (the 2015 example).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import SantralInvalidResponseError
from .models import AlertOutcome, AlertRecipient, CallAlert
from .phone import normalize_number
from .timeparse import parse_bool

AUTOMATIC_CALLS_PATH = "/automatic-calls"
# The audio field of the creating POST, of the three the document allows (the others
# are `announcement_id` and `bulutfon_xm_id`).
SOUND_URL_FIELD = "sound_url"
# Where the creating POST's answer may name the new campaign: at the top level or inside
# an `automatic_call` object. The document shows only `message`; without an id the
# campaign is found in the list by its title, which Santral makes unique.
CREATED_ID_FIELD = "id"
CREATED_OBJECT_FIELD = "automatic_call"
# A recipient's fields in `GET /automatic-calls/{id}`.
RECIPIENT_NUMBER = "number"
RECIPIENT_CALLED = "has_called"
RECIPIENT_ANSWERED = "answer"
RECIPIENT_DIGIT = "gather"
# Keys a phone can send; anything else in `gather` is not a key press.
DIGITS = frozenset("0123456789*#")
# The longest title kept: the panel lists campaigns by it.
MAX_TITLE_LENGTH = 60


def alert_body(
    numbers: Sequence[str], sound_url: str, *, title: str, did: str, gather: bool
) -> dict[str, str]:
    """Return the creating POST's fields, as text ("değişkenlerini string olarak")."""
    return {
        "title": title[:MAX_TITLE_LENGTH],
        "receivers": ",".join(numbers),
        "did": did,
        SOUND_URL_FIELD: sound_url,
        "gather": "true" if gather else "false",
    }


def created_id(answer: dict[str, Any]) -> str | None:
    """Return the id the creating POST's answer names, if it names one."""
    for holder in (answer, answer.get(CREATED_OBJECT_FIELD)):
        if isinstance(holder, dict):
            value = holder.get(CREATED_ID_FIELD)
            if isinstance(value, int | str) and not isinstance(value, bool):
                if str(value).strip():
                    return str(value).strip()
    return None


def find_by_title(listing: dict[str, Any], title: str) -> str | None:
    """Return the id of the newest campaign of `GET /automatic-calls` titled `title`."""
    items = listing.get("automatic_calls")
    if not isinstance(items, list):
        raise SantralInvalidResponseError(
            "Bulutfon /automatic-calls lacks the automatic_calls list"
        )
    wanted = title[:MAX_TITLE_LENGTH]
    ids = [
        item["id"]
        for item in items
        if isinstance(item, dict)
        and item.get("title") == wanted
        and isinstance(item.get("id"), int | str)
        and not isinstance(item.get("id"), bool)
    ]
    if not ids:
        return None
    return str(max(ids, key=lambda value: (len(str(value)), str(value))))


def call_alert(alert_id: str, detail: dict[str, Any]) -> CallAlert:
    """Read `GET /automatic-calls/{id}` into each recipient's outcome so far."""
    campaign = detail.get("automatic_call")
    if not isinstance(campaign, dict):
        raise SantralInvalidResponseError(
            "Bulutfon /automatic-calls/{id} lacks the automatic_call object"
        )
    recipients = campaign.get("recipients")
    if not isinstance(recipients, list):
        raise SantralInvalidResponseError(
            "Bulutfon /automatic-calls/{id} lacks the recipients list"
        )
    read = (
        _recipient(item)
        for item in recipients
        if isinstance(item, dict) and normalize_number(item.get(RECIPIENT_NUMBER))
    )
    return CallAlert(alert_id, tuple(read))


def _recipient(item: dict[str, Any]) -> AlertRecipient:
    """Read one recipient.

    Not called yet is pending. Once called, `answer` says whether the person picked up;
    a recipient without `answer` (the 2015 example, where `has_called` reads "was the call
    successful") counts as answered.
    """
    digit = _digit(item.get(RECIPIENT_DIGIT))
    if not parse_bool(item.get(RECIPIENT_CALLED)):
        outcome = AlertOutcome.PENDING
    elif RECIPIENT_ANSWERED in item and item[RECIPIENT_ANSWERED] is not None:
        answered = parse_bool(item[RECIPIENT_ANSWERED])
        outcome = AlertOutcome.ANSWERED if answered else AlertOutcome.FAILED
    else:
        outcome = AlertOutcome.ANSWERED
    return AlertRecipient(
        normalize_number(item[RECIPIENT_NUMBER]),
        outcome,
        digit if outcome is AlertOutcome.ANSWERED else None,
    )


def _digit(value: Any) -> str | None:
    """Return the key pressed, from a JSON number or text; None when none was."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    return text if text in DIGITS else None


def first_did(listing: dict[str, Any]) -> str | None:
    """Return the PBX number `GET /dids` lists first, a confirmed one before others."""
    items = listing.get("dids")
    if not isinstance(items, list):
        raise SantralInvalidResponseError("Bulutfon /dids lacks the dids list")
    numbers = [
        (str(item.get("state", "")).upper() != "CONFIRMED", number)
        for item in items
        if isinstance(item, dict) and (number := normalize_number(item.get("number")))
    ]
    return min(numbers, key=lambda pair: pair[0])[1] if numbers else None
