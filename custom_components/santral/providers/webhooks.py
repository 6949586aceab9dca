"""Webhook payload parsers: each provider's notification becomes a normalized CallEvent.

Bulutsantralim posts form fields (`event_type` ringing, answer, hangup, user_hangup) and
validates a new notification URL with an empty POST. Bulutfon posts JSON or form fields with
`event_type` spellings that changed between its documents and its examples, numbers as JSON
integers, and `timestamp` in epoch microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import SantralWebhookError
from .models import CallDirection, CallEvent, CallEventType
from .phone import MAX_SHORT_NUMBER_LENGTH, normalize_number
from .timeparse import parse_bool, parse_datetime, parse_duration, parse_epoch

BULUTSANTRALIM_DIRECTIONS = {
    "inbound": CallDirection.INBOUND,
    "outbound": CallDirection.OUTBOUND,
    "internal": CallDirection.INTERNAL,
}
BULUTFON_DIRECTIONS = {
    "IN": CallDirection.INBOUND,
    "OUT": CallDirection.OUTBOUND,
    "INTERNAL": CallDirection.INTERNAL,
}
BULUTFON_CALL_START = frozenset({"call_init"})
BULUTFON_EXTENSION_RINGS = frozenset({"call_init_extension", "incoming_call_extension"})
BULUTFON_ROUTED = frozenset(
    {
        "call_init_group",
        "incoming_call_group",
        "call_init_menu",
        "call_init_manu",
        "incoming_call_menu",
    }
)
BULUTFON_HANGUP = frozenset({"call_hangup"})
BULUTFON_MISSED = frozenset({"missing_call"})
BULUTFON_FAX = frozenset({"fax_init"})
BULUTFON_EVENTS = (
    BULUTFON_CALL_START
    | BULUTFON_EXTENSION_RINGS
    | BULUTFON_ROUTED
    | BULUTFON_HANGUP
    | BULUTFON_MISSED
    | BULUTFON_FAX
)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _short(number: str) -> str | None:
    """Return `number` when it is an extension (a short number), else None."""
    return (
        number
        if number and len(number) <= MAX_SHORT_NUMBER_LENGTH and number.isdigit()
        else None
    )


def _required(data: Mapping[str, Any], key: str) -> str:
    value = _text(data, key)
    if not value:
        raise SantralWebhookError(f"missing {key}")
    return value


def parse_bulutsantralim_webhook(fields: Mapping[str, Any]) -> CallEvent | None:
    """Read one Bulutsantralim event notification; None for the empty validation POST."""
    if not any(_text(fields, key) for key in fields):
        return None
    event_type = _required(fields, "event_type")
    call_id = _required(fields, "call_uuid")
    direction = BULUTSANTRALIM_DIRECTIONS.get(_text(fields, "direction").lower())
    if direction is None:
        raise SantralWebhookError("unknown direction")
    caller = normalize_number(_text(fields, "caller_id_number"))
    callee = normalize_number(_text(fields, "destination_number"))
    extension = next(
        (
            number
            for number in (
                _short(normalize_number(_text(fields, "connected_user"))),
                _short(normalize_number(_text(fields, "dialed_user"))),
                _short(caller) if direction is not CallDirection.INBOUND else None,
                _short(callee),
            )
            if number
        ),
        None,
    )
    answered = parse_bool(fields.get("answered"))
    if event_type == "ringing":
        kind = CallEventType.RINGING
    elif event_type == "answer":
        kind = CallEventType.ANSWERED
    elif event_type in ("hangup", "user_hangup"):
        missed = not answered and direction is not CallDirection.OUTBOUND
        kind = CallEventType.MISSED if missed else CallEventType.HANGUP
    else:
        raise SantralWebhookError("unknown event_type")
    return CallEvent(
        type=kind,
        call_id=call_id,
        direction=direction,
        caller=caller,
        callee=callee,
        extension=extension,
        started=parse_datetime(fields.get("start_stamp")),
        answered=parse_datetime(fields.get("answer_stamp")),
        ended=parse_datetime(fields.get("end_stamp")),
        duration=parse_duration(fields.get("duration")) if kind.ends_call else None,
        recording_available=parse_bool(fields.get("recording_present")),
        hangup_cause=_text(fields, "hangup_cause") or None,
        leg_only=event_type == "user_hangup",
    )


def parse_bulutfon_webhook(body: Mapping[str, Any]) -> CallEvent | None:
    """Read one Bulutfon web hook; None for events that are not about calls (faxes)."""
    event_type = _required(body, "event_type").lower()
    if event_type not in BULUTFON_EVENTS:
        raise SantralWebhookError("unknown event_type")
    if event_type in BULUTFON_FAX:
        return None
    call_id = _required(body, "uuid")
    direction = BULUTFON_DIRECTIONS.get(_text(body, "direction").upper())
    if direction is None:
        raise SantralWebhookError("unknown direction")
    when = parse_epoch(body["timestamp"]) if _text(body, "timestamp") else None
    if _text(body, "timestamp") and when is None:
        raise SantralWebhookError("unreadable timestamp")
    talk = parse_duration(body.get("talk_duration"))
    # Listening to a menu counts as talk, so only SUCCESS (bridged) means answered.
    answered = _text(body, "result_disposition").upper() == "SUCCESS"
    extension = None
    ended = None
    started = None
    if event_type in BULUTFON_EXTENSION_RINGS:
        kind = CallEventType.RINGING
        extension = _short(normalize_number(_text(body, "destination")))
    elif event_type in BULUTFON_CALL_START | BULUTFON_ROUTED:
        kind = CallEventType.RINGING
        started = when
    elif event_type in BULUTFON_MISSED or (
        not answered and direction is not CallDirection.OUTBOUND
    ):
        kind = CallEventType.MISSED
        ended = when
    else:
        kind = CallEventType.HANGUP
        ended = when
    return CallEvent(
        type=kind,
        call_id=call_id,
        direction=direction,
        caller=normalize_number(body.get("caller")),
        callee=normalize_number(body.get("callee")),
        extension=extension,
        started=started,
        ended=ended,
        duration=talk if kind.ends_call else None,
        hangup_cause=_text(body, "hangup_cause") or None,
    )


def is_bulutfon_fax_notice(body: Mapping[str, Any]) -> bool:
    """Return whether a Bulutfon web hook says a fax arrived (its document is polled)."""
    return _text(body, "event_type").lower() in BULUTFON_FAX
