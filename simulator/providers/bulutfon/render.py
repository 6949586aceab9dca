"""Bulutfon's words: its CDRs, webhook posts and fax lists, rendered from the simulation.

Times carry the Istanbul offset, numbers are JSON integers (form delivery turns them into
text), and the values are those of Bulutfon's documents (providers.md §1.5, §1.7, §1.10).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.calls import HANGUP_CAUSE, ISTANBUL, SimulatedCall, WebhookEvent
from simulator.faxes import SimulatedFax

PRICE_PER_SECOND = 0.0015  # 0.09 TL a minute, close to the §1.5 example
# Per status of a sent fax: the recipient's state, hang-up cause and who hung up.
RECIPIENT_STATES: dict[str, tuple[str, str | None, str | None]] = {
    "pending": ("WAITING", None, None),
    "success": ("SENT", "NORMAL_CLEARING", "send_bye"),
    "failed": ("FAILED", "NO_ANSWER", "send_cancel"),
}


def iso_time(moment: datetime | None) -> str | None:
    """Return Bulutfon's ISO time with the Istanbul offset, `2017-03-15T09:46:05+03:00`."""
    if moment is None:
        return None
    return moment.astimezone(ISTANBUL).isoformat(timespec="seconds")


def hangup_state(call: SimulatedCall) -> str:
    """Return who ended the call, in Bulutfon's `hangup_state` words (send_* is the PBX)."""
    if call.outcome == "busy":
        return "send_refuse"
    if call.outcome == "missed":
        return "recv_cancel" if call.direction == "inbound" else "send_cancel"
    return "recv_bye" if call.talk_seconds % 2 else "send_bye"


def microseconds(moment: datetime) -> int:
    """Return Unix time in microseconds, the 16-digit `timestamp` of Bulutfon webhooks."""
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def extension_line(call: SimulatedCall) -> str:
    """Return the full number Bulutfon's documents give an outbound call's extension.

    Both CDR examples name the calling extension by a 12-digit number (`908508850249`);
    here it is the PBX number with the extension in place of its last digits.
    """
    if len(call.caller) == 12 and call.caller.isdigit():
        return call.caller[: -len(call.extension)] + call.extension
    return call.extension


def cdr_item(call: SimulatedCall, dialect: str = "default") -> dict[str, Any]:
    """Return the call as an item of Bulutfon's `GET /cdrs` list (providers.md §1.5).

    `dialect` is one of `state.DIALECTS["bulutfon"]`: this simulator's own shape, seed
    003's or the later `cdr.md` document's, each with its fields, order and value types.
    Seed 003 gives the extension as a 12-digit integer and the price as a float, on
    outbound calls only; `call_record` is `Var` or `Yok`, and there is no `missing_call`.
    """
    seed = dialect == "seed"
    outbound = call.direction == "outbound"
    item: dict[str, Any] = {
        "uuid": call.uuid,
        "bf_calltype": "voice",
        "direction": "OUT" if outbound else "IN",
        "caller": int(call.caller),
        "callee": int(call.callee),
    }
    if outbound and seed:
        item["extension"] = int(extension_line(call))
    elif outbound:
        item["extension"] = (
            extension_line(call) if dialect == "documents" else call.extension
        )
    item |= {
        "call_time": iso_time(call.started),
        "answer_time": iso_time(call.answered),
        "hangup_time": iso_time(call.ended),
    }
    if not seed:
        item["missing_call"] = call.missed
    if outbound:
        price = call.talk_seconds * PRICE_PER_SECOND
        item["call_price"] = round(price, 5) if seed else f"{price:.4f}"
    recorded, unrecorded = ("Var", "Yok") if seed else ("YES", "NO")
    item |= {
        "call_record": recorded if call.recording else unrecorded,
        "hangup_cause": HANGUP_CAUSE[call.outcome],
        "hangup_state": hangup_state(call),
    }
    return item


def call_flow(call: SimulatedCall) -> list[dict[str, Any]]:
    """Return the steps of `GET /cdrs/{uuid}`'s `call_flow` (seed 003's example).

    An inbound call is redirected from the PBX number to its menu, group or extension
    (each step's target is the next step's `callee`), and ends connecting to the group,
    whose `origination` has a leg per extension it rang, or to the extension. Numbers,
    menus, groups and extensions are JSON integers. The seed shows group legs ANSWERED
    and LOSE_RACE only; a leg nobody answered is NO_ANSWER, a `hangup_cause` word.
    Outbound calls have a single step.
    """
    answered, ended = iso_time(call.answered), iso_time(call.ended)
    if call.direction != "inbound":
        return [
            {
                "callee": int(call.callee),
                "start_time": iso_time(call.started),
                "answer_time": answered,
                "hangup_time": ended,
                "redirection": "OTHER",
            }
        ]
    started = iso_time(call.started)
    last = (
        ("CONNECTING_TO_GROUP", call.group)
        if call.group
        else ("CONNECTING_TO_EXTENSION", call.extension)
    )
    route = [("MENU", call.menu)] if call.menu else []
    route.append(("GROUP", call.group) if call.group else ("EXTENSION", call.extension))
    steps: list[dict[str, Any]] = []
    callee, picked_up = int(call.callee), None
    for kind, target in route:
        steps.append(
            {
                "callee": callee,
                "start_time": started,
                "answer_time": picked_up,
                "hangup_time": None,
                "redirection": f"REDIRECTED_TO_{kind}",
                "redirection_target": int(target),
            }
        )
        # A menu answers the call itself, before it sends the call on.
        callee, picked_up = int(target), started
    final: dict[str, Any] = {
        "callee": int(last[1]),
        "start_time": started,
        "answer_time": answered,
        "hangup_time": ended,
        "redirection": last[0],
    }
    if call.group:
        final["origination"] = [
            {
                "destination": int(ring),
                "start_time": started,
                # As in the seed, the legs that lost the race carry the answer time too.
                "answer_time": answered,
                "hangup_time": ended,
                "result": _leg_result(call, ring),
            }
            for ring in call.rings
        ]
    return [*steps, final]


def _leg_result(call: SimulatedCall, ring: str) -> str:
    """Return how a group's leg to `ring` ended: answered, lost the race, or unanswered."""
    if call.answered is None:
        return "NO_ANSWER"
    return "ANSWERED" if ring == call.extension else "LOSE_RACE"


def call_webhooks(
    call: SimulatedCall, *, domain_id: int, account_id: int
) -> list[WebhookEvent]:
    """Return the posts Bulutfon sends for the call, in order (providers.md §1.10).

    Numbers are integers here, as in the JSON examples; form delivery turns them into text.
    Inbound calls report the extension they land on; missed inbound calls add
    `missing_call` before the hang-up.
    """
    common: dict[str, str | int] = {
        "domain_id": domain_id,
        "account_id": account_id,
        "caller": int(call.caller),
        "callee": int(call.callee),
        "uuid": call.uuid,
        "direction": "OUT" if call.direction == "outbound" else "IN",
    }

    def event(event_type: str, at: datetime, **extra: str | int) -> WebhookEvent:
        fields: dict[str, str | int] = {"event_type": event_type, **common}
        fields["timestamp"] = microseconds(at)
        return WebhookEvent(event_type, at, fields | extra)

    events = [event("call_init", call.started)]
    if call.direction == "inbound":
        landed = call.started + timedelta(milliseconds=240)
        events.append(
            event("incoming_call_extension", landed, destination=int(call.extension))
        )
    if call.missed:
        events.append(event("missing_call", call.ended))
    day = call.started.strftime("%Y/%m/%d")
    events.append(
        event(
            "call_hangup",
            call.ended + timedelta(milliseconds=35),
            talk_duration=call.talk_seconds,
            hangup_cause=HANGUP_CAUSE[call.outcome],
            hangup_detail=hangup_state(call),
            result_disposition="SUCCESS" if call.outcome == "answered" else "",
            cdr_url=f"https://oim.bulutfon.com/account/pbx/call-records/{day}/{call.uuid}",
            cdr_api_url=f"https://api.bulutfon.com/v2/cdr/{day}/{call.uuid}",
        )
    )
    return events


def fax_init_event(
    fax: SimulatedFax, *, domain_id: int, account_id: int
) -> WebhookEvent:
    """Return Bulutfon's `fax_init` post: only the fields every event carries (§1.10)."""
    fields: dict[str, str | int] = {
        "event_type": "fax_init",
        "domain_id": domain_id,
        "account_id": account_id,
        "caller": int(fax.remote),
        "callee": int(fax.local),
        "uuid": fax.uuid,
        "direction": "IN",
        "timestamp": microseconds(fax.started),
    }
    return WebhookEvent("fax_init", fax.started, fields)


def fax_time(moment: datetime) -> str:
    """Return Bulutfon's fax time, with milliseconds: `2014-04-19T21:52:52.721+03:00`."""
    return moment.astimezone(ISTANBUL).isoformat(timespec="milliseconds")


def _receiver(number: str) -> int:
    """Return the receiving DID as the document's example shows it: 8508850000, no 90."""
    return int(number.removeprefix("90"))


def incoming_item(fax: SimulatedFax) -> dict[str, Any]:
    """Return a received fax as an item of `GET /incoming-faxes`."""
    return {
        "uuid": fax.uuid,
        "sender": int(fax.remote),
        "receiver": _receiver(fax.local),
        "created_at": fax_time(fax.created),
    }


def outgoing_item(fax: SimulatedFax) -> dict[str, Any]:
    """Return a sent fax as an item of `GET /outgoing-faxes`."""
    return {
        "id": fax.id,
        "title": fax.subject,
        "did": int(fax.local),
        "recipient_count": len(fax.remotes),
        "created_at": fax_time(fax.created),
    }


def outgoing_detail(fax: SimulatedFax) -> dict[str, Any]:
    """Return a sent fax with its recipients, as `GET /outgoing-faxes/{id}` does."""
    state, cause, hangup = RECIPIENT_STATES[fax.status]
    recipients = [
        {
            "number": int(number),
            "state": state,
            "hangup_cause": cause,
            "hangup_state": hangup,
            "uuid": None if fax.pending else call_uuid,
        }
        for number, call_uuid in zip(fax.remotes, fax.call_uuids, strict=True)
    ]
    return outgoing_item(fax) | {"recipients": recipients}
