"""Verimor's words: its CDRs, event posts and fax records, rendered from the simulation.

Field names, value types and time formats are those of providers.md §2.3 to §2.5 and seed
002; records carry Turkish words (`Gelen`, `Cevaplandı`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from simulator.calls import (
    HANGUP_CAUSE,
    ISTANBUL,
    SimulatedCall,
    WebhookEvent,
    national,
    user_name,
)
from simulator.faxes import SimulatedFax

DIRECTIONS = {
    "inbound": "Gelen",
    "outbound": "Giden",
    "internal": "Santral içi",
}
RESULTS = {
    "answered": "Cevaplandı",
    "missed": "Cevapsız",
    "busy": "Meşgul",
}
# SIP failure status and phrase Verimor reports on a call that did not connect.
SIP_FAILURE = {
    "answered": ("", ""),
    "missed": ("480", "Temporarily Unavailable"),
    "busy": ("486", "Busy Here"),
}
TRANSFER_RATE = 14400
ANSWER_DELAY = timedelta(seconds=4)


def _hms(seconds: int) -> str:
    """Return a duration as Verimor's `HH:MM:SS`."""
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def record_stamp(moment: datetime | None) -> str | None:
    """Return Verimor's record time (CDRs and FDRs), `2017-08-03 12:30:32 +0300`."""
    if moment is None:
        return None
    return moment.astimezone(ISTANBUL).strftime("%Y-%m-%d %H:%M:%S %z")


def _event_stamp(moment: datetime | None) -> str:
    """Return Verimor's webhook time, Istanbul local `2016-01-01 00:00:00`, or empty."""
    if moment is None:
        return ""
    return moment.astimezone(ISTANBUL).strftime("%Y-%m-%d %H:%M:%S")


# How Verimor spells its booleans: `true`/`false` in its API repository, `t`/`f` in seed 002.
BOOLEANS: dict[str, tuple[str, str]] = {
    "true/false": ("true", "false"),
    "t/f": ("t", "f"),
}


def _true_false(value: bool, spelling: tuple[str, str] = ("true", "false")) -> str:
    return spelling[0] if value else spelling[1]


def _sip_hangup_disposition(call: SimulatedCall) -> str:
    """Return which side hung up: the caller gives up on missed calls, the callee refuses busy ones."""
    if call.outcome == "busy":
        return "callee"
    if call.outcome == "missed":
        return "caller"
    return "caller" if call.talk_seconds % 2 else "callee"


def cdr_item(call: SimulatedCall) -> dict[str, Any]:
    """Return the call as an item of Verimor's `GET /cdrs` list (providers.md §2.3).

    Inbound callers appear in national form (`03121234567`) and the called DID in
    `90…` form, as in the document's example; outbound calls are made by an extension.
    """
    if call.direction == "inbound":
        caller_number, caller_name = national(call.caller), ""
        destination_number, destination_name = call.callee, user_name(call.extension)
    elif call.direction == "outbound":
        caller_number, caller_name = call.extension, user_name(call.extension)
        destination_number, destination_name = call.callee, ""
    else:
        caller_number, caller_name = call.caller, user_name(call.caller)
        destination_number, destination_name = call.callee, user_name(call.callee)
    return {
        "start_stamp": record_stamp(call.started),
        "direction": DIRECTIONS[call.direction],
        "caller_id_number": caller_number,
        "caller_id_name": caller_name,
        "destination_number": destination_number,
        "destination_name": destination_name,
        "duration": _hms(call.duration_seconds),
        "talk_duration": _hms(call.talk_seconds),
        "queue_wait_seconds": _hms(0),
        "queue": "",
        "result": RESULTS[call.outcome],
        "missed": _true_false(call.missed),
        "return_uuid": None,
        "recording_present": _true_false(call.recording),
        "sip_hangup_disposition": _sip_hangup_disposition(call),
        "call_uuid": call.uuid,
        "answer_stamp": record_stamp(call.answered),
        "end_stamp": record_stamp(call.ended),
    }


def call_webhooks(
    call: SimulatedCall, *, domain_id: str, booleans: str = "true/false"
) -> list[WebhookEvent]:
    """Return Verimor's event posts for the call, in order (providers.md §2.5, seed 002).

    `ringing` carries exactly the fields of the seed's example; `answer` adds who picked
    up and when; `hangup`, which doubles as the CDR notification, carries every field.
    `booleans` is "true/false" (the API repository's spelling) or "t/f" (seed 002's).
    """
    spelling = BOOLEANS[booleans]
    if call.direction == "inbound":
        caller_number, outbound_caller = national(call.caller), ""
        destination, dialed_user = call.extension, call.extension
    elif call.direction == "outbound":
        caller_number, outbound_caller = call.extension, call.caller
        destination, dialed_user = call.callee, ""
    else:
        caller_number, outbound_caller = call.caller, ""
        destination, dialed_user = call.callee, call.callee
    answered = call.answered is not None
    connected_user = dialed_user if answered else ""
    ringing: dict[str, str | int] = {
        "event_type": "ringing",
        "domain_id": domain_id,
        "direction": call.direction,
        "caller_id_number": caller_number,
        "outbound_caller_id_number": outbound_caller,
        "destination_number": destination,
        "dialed_user": dialed_user,
        "call_uuid": call.uuid,
        "start_stamp": _event_stamp(call.started),
    }
    events = [WebhookEvent("ringing", call.started, ringing)]
    if call.answered is not None:
        answer = ringing | {
            "event_type": "answer",
            "connected_user": connected_user,
            "answer_stamp": _event_stamp(call.answered),
        }
        events.append(WebhookEvent("answer", call.answered, answer))
    failure_status, failure_phrase = SIP_FAILURE[call.outcome]
    hangup = ringing | {
        "event_type": "hangup",
        "connected_user": connected_user,
        "answer_stamp": _event_stamp(call.answered),
        "end_stamp": _event_stamp(call.ended),
        "duration": str(call.talk_seconds),
        "recording_present": _true_false(call.recording, spelling),
        "answered": _true_false(answered, spelling),
        "queue": "",
        "queue_wait_duration": "0",
        "sip_hangup_disposition": _sip_hangup_disposition(call),
        "hangup_cause": HANGUP_CAUSE[call.outcome],
        "failure_status": failure_status,
        "failure_phrase": failure_phrase,
    }
    events.append(WebhookEvent("hangup", call.ended, hangup))
    return events


def transfer_webhook(
    call: SimulatedCall, at: datetime, *, domain_id: str
) -> WebhookEvent:
    """Return the `answer` post of a call the API moved: its new extension has it at `at`."""
    moved = replace(call, answered=at)
    return next(
        event
        for event in call_webhooks(moved, domain_id=domain_id)
        if event.event_type == "answer"
    )


def fdr_item(fax: SimulatedFax) -> dict[str, Any]:
    """Return a finished fax as an item of `GET /fdrs`; `success` is a real boolean."""
    incoming = fax.direction == "incoming"
    success = fax.status == "success"
    return {
        "call_uuid": fax.uuid,
        "direction": "Gelen" if incoming else "Giden",
        "caller_id_number": national(fax.remote) if incoming else fax.local,
        "local_station_header": fax.header,
        "original_destination": fax.local if incoming else fax.remote,
        "pages_count": f"{fax.pages if success else 0} / {fax.pages}",
        "transfer_rate": TRANSFER_RATE if success else 0,
        "start_stamp": record_stamp(fax.started),
        "answer_stamp": record_stamp(fax.started + ANSWER_DELAY) if success else None,
        "end_stamp": record_stamp(fax.ended),
        "duration": fax.duration_seconds,
        "success": success,
        "result": "Başarılı" if success else "Başarısız",
    }


def order_item(fax: SimulatedFax) -> dict[str, Any]:
    """Return a waiting fax as an item of `GET /fax_orders`."""
    return {
        "id": fax.id,
        "created_at": fax.created.astimezone(ISTANBUL).strftime("%Y-%m-%d %H:%M:%S"),
        "local_station_id": fax.local,
        "remote_station_id": fax.remote,
        "status": "Bekliyor",
    }
