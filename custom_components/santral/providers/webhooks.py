"""Webhook payload parsers: each provider's notification becomes a normalized CallEvent.

Bulutsantralim posts form fields (`event_type` ringing, answer, hangup, user_hangup, and
booleans as `t`/`f` in its document, `true`/`false` elsewhere) and validates a new
notification URL with an empty POST. Bulutfon posts JSON or form fields with `event_type`
spellings that changed between its documents and its examples, numbers as JSON integers,
and `timestamp` in epoch microseconds.

Every value that reaches the event is held to what a call can be (`bounds`); a body with a
value outside is refused whole with `SantralWebhookError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from . import bounds
from .errors import SantralWebhookError
from .models import CallDirection, CallEvent, CallEventType

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


def _required(data: Mapping[str, Any], key: str) -> str:
    value = _text(data, key)
    if not value:
        raise SantralWebhookError(f"missing {key}")
    return value


def parse_bulutsantralim_webhook(
    fields: Mapping[str, Any], *, now: datetime | None = None
) -> CallEvent | None:
    """Read one Bulutsantralim event notification; None for the empty validation POST.

    Times are bounded around `now` (the current time when None).
    """
    if not any(_text(fields, key) for key in fields):
        return None
    try:
        return _bulutsantralim_event(fields, now)
    except bounds.OutOfBoundsError as err:
        raise SantralWebhookError(str(err)) from err


def _bulutsantralim_event(fields: Mapping[str, Any], now: datetime | None) -> CallEvent:
    event_type = _required(fields, "event_type")
    call_id = bounds.identifier(fields.get("call_uuid"), "call_uuid")
    direction = BULUTSANTRALIM_DIRECTIONS.get(_text(fields, "direction").lower())
    if direction is None:
        raise SantralWebhookError("unknown direction")
    caller = bounds.party(fields.get("caller_id_number"), "caller_id_number")
    callee = bounds.party(fields.get("destination_number"), "destination_number")
    extension = next(
        (
            number
            for number in (
                bounds.extension(fields.get("connected_user"), "connected_user"),
                bounds.extension(fields.get("dialed_user"), "dialed_user"),
                bounds.as_extension(caller)
                if direction is not CallDirection.INBOUND
                else None,
                bounds.as_extension(callee),
            )
            if number
        ),
        None,
    )
    answered = bounds.flag(fields.get("answered"), "answered")
    if event_type == "ringing":
        kind = CallEventType.RINGING
    elif event_type == "answer":
        kind = CallEventType.ANSWERED
    elif event_type in ("hangup", "user_hangup"):
        missed = not answered and direction is not CallDirection.OUTBOUND
        kind = CallEventType.MISSED if missed else CallEventType.HANGUP
    else:
        raise SantralWebhookError("unknown event_type")
    started = bounds.stamp(fields.get("start_stamp"), "start_stamp", now=now)
    answered_at = bounds.stamp(fields.get("answer_stamp"), "answer_stamp", now=now)
    ended = bounds.stamp(fields.get("end_stamp"), "end_stamp", now=now)
    bounds.call_span(started, answered_at, ended)
    duration = bounds.call_seconds(fields.get("duration"), "duration")
    return CallEvent(
        type=kind,
        call_id=call_id,
        direction=direction,
        caller=caller,
        callee=callee,
        extension=extension,
        started=started,
        answered=answered_at,
        ended=ended,
        duration=duration if kind.ends_call else None,
        recording_available=bounds.flag(
            fields.get("recording_present"), "recording_present"
        ),
        hangup_cause=bounds.text(fields.get("hangup_cause"), "hangup_cause"),
        leg_only=event_type == "user_hangup",
    )


def parse_bulutfon_webhook(
    body: Mapping[str, Any], *, now: datetime | None = None
) -> CallEvent | None:
    """Read one Bulutfon web hook; None for events that are not about calls (faxes).

    The timestamp is bounded around `now` (the current time when None).
    """
    event_type = _required(body, "event_type").lower()
    if event_type not in BULUTFON_EVENTS:
        raise SantralWebhookError("unknown event_type")
    if event_type in BULUTFON_FAX:
        return None
    try:
        return _bulutfon_event(body, event_type, now)
    except bounds.OutOfBoundsError as err:
        raise SantralWebhookError(str(err)) from err


def _bulutfon_event(
    body: Mapping[str, Any], event_type: str, now: datetime | None
) -> CallEvent:
    call_id = bounds.identifier(body.get("uuid"), "uuid")
    direction = BULUTFON_DIRECTIONS.get(_text(body, "direction").upper())
    if direction is None:
        raise SantralWebhookError("unknown direction")
    when = bounds.stamp(body.get("timestamp"), "timestamp", now=now)
    talk = bounds.call_seconds(body.get("talk_duration"), "talk_duration")
    destination = bounds.party(body.get("destination"), "destination")
    # Listening to a menu counts as talk, so only SUCCESS (bridged) means answered.
    answered = _text(body, "result_disposition").upper() == "SUCCESS"
    extension = None
    ended = None
    started = None
    if event_type in BULUTFON_EXTENSION_RINGS:
        kind = CallEventType.RINGING
        extension = bounds.extension(destination, "destination")
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
        caller=bounds.party(body.get("caller"), "caller"),
        callee=bounds.party(body.get("callee"), "callee"),
        extension=extension,
        started=started,
        ended=ended,
        duration=talk if kind.ends_call else None,
        hangup_cause=bounds.text(body.get("hangup_cause"), "hangup_cause"),
    )


def is_bulutfon_fax_notice(body: Mapping[str, Any]) -> bool:
    """Return whether a Bulutfon web hook says a fax arrived (its document is polled)."""
    return _text(body, "event_type").lower() in BULUTFON_FAX
