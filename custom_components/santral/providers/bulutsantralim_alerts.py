"""Bulutsantralim's IVR campaigns (`ivr_campaigns.md`, providers.md §2.6) read as call alerts.

The message is uploaded once as an announcement (`announcements.md`) named after its
digest, and a one-off campaign plays it to every number as its welcome announcement, then
waits for a key. Every key and the timeout hang up, so the person who pressed a key hears
no menu; what happened to each number is posted, as a form, to the campaign's
`webhook_url`: `digit` empty when the call did not connect, `-` when no key was pressed,
a key, or `!N` for a key the campaign has no target for. Bulutsantralim has no request
that reads a campaign's outcomes, so these reports are all there is.

Details the document leaves open, each read in one constant below: whether `*` and `#` are
reported as such (their targets exist, the report's list names only 0–9), and how many
announcements may be kept (the document names no limit; Santral keeps a few).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus

from .errors import SantralInvalidResponseError, SantralWebhookError
from .models import AlertOutcome, AlertRecipient, AlertSound, CallAlert
from .phone import normalize_number

ANNOUNCEMENTS_PATH = "/announcements"
CAMPAIGNS_PATH = "/ivr_campaigns"
# Santral names the announcements it uploads with this, then the message's digest; only
# these are ever reused or deleted.
ANNOUNCEMENT_PREFIX = "Santral "
# Santral's announcements kept at most; the oldest beyond these are deleted when a new one
# is uploaded (an alert that still plays an older one has long started by then).
ANNOUNCEMENTS_KEPT = 5
# The campaign's keys and where each sends the call: every key, and the timeout, hang up.
KEY_TARGETS = (
    *(f"digit_target_{digit}" for digit in "0123456789"),
    "digit_target_star",
    "digit_target_square",
    "timeout_target",
)
END_CALL = "hangup/hangup"
# Keys a report may name (`*` and `#` read as themselves, the document lists only 0–9).
DIGITS = frozenset("0123456789*#")
# How long a phone rings (25–60) and how long a key is waited for after the message (1–10).
RING_TIMEOUT = 30
DIGIT_TIMEOUT = 10
# An alert phones each number once: an unanswered call fails, the next alert tries again.
CALL_RETRIES = 0
# The longest campaign name kept: the panel lists campaigns by it.
MAX_NAME_LENGTH = 60
# The report's fields.
REPORT_CAMPAIGN = "ivr_campaign_id"
REPORT_PHONE = "phone"
REPORT_DIGIT = "digit"
NOT_CONNECTED = ""
INVALID_KEY_MARK = "!"
# Answers of a delete for what is gone already.
ALREADY_GONE = ("cannot find",)


def announcement_name(sound: AlertSound) -> str:
    """Return the name Santral uploads the message under."""
    return f"{ANNOUNCEMENT_PREFIX}{sound.digest}"


def announcements(listing: Any) -> dict[str, int]:
    """Read `GET /announcements` into each of Santral's announcements' id, by name."""
    if not isinstance(listing, list):
        raise SantralInvalidResponseError(
            "Bulutsantralim /announcements did not return a list"
        )
    found: dict[str, int] = {}
    for item in listing:
        if not isinstance(item, dict):
            continue
        name, value = item.get("name"), item.get("id")
        if not isinstance(name, str) or not name.startswith(ANNOUNCEMENT_PREFIX):
            continue
        if isinstance(value, bool) or not str(value).isdigit():
            continue
        found[name] = max(int(str(value)), found.get(name, 0))
    return found


def stale_announcements(kept: Mapping[str, int], newest: int) -> list[int]:
    """Return Santral's announcements beyond the newest `ANNOUNCEMENTS_KEPT`, oldest first."""
    ids = sorted({*kept.values(), newest}, reverse=True)
    return sorted(ids[ANNOUNCEMENTS_KEPT:])


def upload_form(api_key: str, sound: AlertSound, extension: str) -> dict[str, str]:
    """Return `POST /announcements`' form: the audio as a data URL, URL-safe base64."""
    file_name = quote_plus(f"{sound.digest}.{extension}")
    data = base64.urlsafe_b64encode(sound.content).decode("ascii")
    return {
        "key": api_key,
        "name": announcement_name(sound),
        "sounddata": f"data:{sound.content_type};name:{file_name};base64,{data}",
    }


def created_id(text: str, what: str) -> int:
    """Return the id a creating POST answers with, in plain text."""
    value = text.strip()
    if not value.isdigit():
        raise SantralInvalidResponseError(f"Bulutsantralim returned no {what} id")
    return int(value)


def campaign_body(
    api_key: str,
    numbers: Sequence[str],
    *,
    name: str,
    cli: str,
    announcement_id: int,
    webhook_url: str,
) -> dict[str, Any]:
    """Return `POST /ivr_campaigns.json`' body: one call to each number, every key ends it."""
    return {
        "key": api_key,
        "call_type": "ivr",
        "name": name[:MAX_NAME_LENGTH],
        "ring_timeout": RING_TIMEOUT,
        "cli": cli,
        "welcome_announcement_id": announcement_id,
        "call_retries": CALL_RETRIES,
        "webhook_url": webhook_url,
        **dict.fromkeys(KEY_TARGETS, END_CALL),
        "invalid_target": END_CALL,
        "digit_retries": 0,
        "digit_timeout": DIGIT_TIMEOUT,
        "is_commercial": False,
        "phone_list": [{"phone": number} for number in numbers],
    }


def read_report(fields: Mapping[str, Any]) -> CallAlert | None:
    """Read one report of a campaign: the number it called and how that went.

    An empty post is the check Bulutsantralim makes of the URL when a campaign is created.
    """
    if not fields:
        return None
    campaign = str(fields.get(REPORT_CAMPAIGN, "")).strip()
    number = normalize_number(fields.get(REPORT_PHONE))
    if not campaign.isdigit() or not number:
        raise SantralWebhookError("not a campaign report")
    digit = str(fields.get(REPORT_DIGIT, NOT_CONNECTED)).strip()
    if digit == NOT_CONNECTED:
        recipient = AlertRecipient(number, AlertOutcome.FAILED)
    else:
        key = digit.removeprefix(INVALID_KEY_MARK)
        recipient = AlertRecipient(
            number, AlertOutcome.ANSWERED, key if key in DIGITS else None
        )
    return CallAlert(campaign, (recipient,))
