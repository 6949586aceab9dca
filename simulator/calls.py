"""Simulated calls and the words each provider uses to report them.

One `SimulatedCall` is the single truth about a call; the functions below render it as the
providers' CDR list items (Bulutfon `/cdrs`, Bulutsantralim `/cdrs`) and as the ordered
webhook posts each provider sends while the call goes on, with the field names, value types
and time formats of their documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import random
from typing import Any, Literal, cast
import uuid as uuid_lib
from zoneinfo import ZoneInfo

ISTANBUL = ZoneInfo("Europe/Istanbul")

type ProviderName = Literal["bulutfon", "bulutsantralim"]
type Direction = Literal["inbound", "outbound", "internal"]
type Outcome = Literal["answered", "missed", "busy"]

PROVIDERS: tuple[str, ...] = ("bulutfon", "bulutsantralim")
DIRECTIONS: tuple[str, ...] = ("inbound", "outbound", "internal")
OUTCOMES: tuple[str, ...] = ("answered", "missed", "busy")

# How long the phone rings before each outcome, in seconds (low, high).
RING_SECONDS: dict[str, tuple[int, int]] = {
    "answered": (3, 12),
    "missed": (20, 30),
    "busy": (0, 2),
}
# The Turkish operators' prefixes used for random, realistic numbers.
MOBILE_PREFIXES = ("530", "532", "533", "535", "536", "541", "542", "505", "506", "555")
LANDLINE_PREFIXES = ("212", "216", "312", "232", "224", "242")

# The Q.850 hang-up cause both providers report per outcome.
HANGUP_CAUSE = {
    "answered": "NORMAL_CLEARING",
    "missed": "NO_ANSWER",
    "busy": "USER_BUSY",
}
BULUTSANTRALIM_DIRECTION = {
    "inbound": "Gelen",
    "outbound": "Giden",
    "internal": "Santral içi",
}
BULUTSANTRALIM_RESULT = {
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
BULUTFON_PRICE_PER_SECOND = 0.0015  # 0.09 TL a minute, close to the §1.5 example


@dataclass(slots=True)
class WebhookDelivery:
    """The result of one webhook post: the status the receiver answered, or why it failed."""

    event_type: str
    url: str
    status: int | None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the delivery for the control API's answer."""
        return {
            "event_type": self.event_type,
            "url": self.url,
            "status": self.status,
            "error": self.error,
        }


@dataclass(slots=True)
class SimulatedCall:
    """One call as the PBX saw it; numbers are `90XXXXXXXXXX` or 4-digit extensions."""

    uuid: str
    provider: ProviderName
    direction: Direction
    caller: str
    callee: str
    extension: str
    outcome: Outcome
    started: datetime
    answered: datetime | None
    ended: datetime
    talk_seconds: int
    recording: bool
    deliveries: list[WebhookDelivery] = field(default_factory=list)

    @property
    def missed(self) -> bool:
        """Return whether this is a missed call: inbound and nobody answered before hang-up."""
        return self.direction == "inbound" and self.outcome == "missed"

    @property
    def duration_seconds(self) -> int:
        """Return the whole call's length, ringing included."""
        return round((self.ended - self.started).total_seconds())

    def as_dict(self) -> dict[str, Any]:
        """Return the call for the control API's answer."""
        return {
            "uuid": self.uuid,
            "provider": self.provider,
            "direction": self.direction,
            "outcome": self.outcome,
            "caller": self.caller,
            "callee": self.callee,
            "extension": self.extension,
            "started": self.started.isoformat(),
            "answered": self.answered.isoformat() if self.answered else None,
            "ended": self.ended.isoformat(),
            "talk_seconds": self.talk_seconds,
            "recording": self.recording,
            "missed": self.missed,
            "webhooks": [delivery.as_dict() for delivery in self.deliveries],
        }


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One webhook post: its event type, when it happens in the call, and its fields."""

    event_type: str
    at: datetime
    fields: dict[str, str | int]


def international(number: str) -> str:
    """Return an external number as `90XXXXXXXXXX`; extensions and others pass unchanged."""
    digits = "".join(char for char in number if char.isdigit())
    if len(digits) == 11 and digits.startswith("0"):
        return "9" + digits
    if len(digits) == 10 and not digits.startswith("0"):
        return "90" + digits
    if len(digits) == 14 and digits.startswith("0090"):
        return digits[2:]
    return digits or number


def national(number: str) -> str:
    """Return a Turkish `90XXXXXXXXXX` number as `0XXXXXXXXXX`, the way Verimor shows callers."""
    if len(number) == 12 and number.startswith("90"):
        return "0" + number[2:]
    return number


def random_external_number(rng: random.Random) -> str:
    """Return a plausible Turkish mobile or landline number as `90XXXXXXXXXX`."""
    prefixes = MOBILE_PREFIXES if rng.random() < 0.7 else LANDLINE_PREFIXES
    return f"90{rng.choice(prefixes)}{rng.randrange(10_000_000):07d}"


def choose(value: str, allowed: tuple[str, ...], name: str) -> str:
    """Return `value` when it is one of `allowed`, so control input can be trusted."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def build_call(
    provider: str,
    *,
    pbx_number: str,
    direction: str = "inbound",
    outcome: str = "answered",
    caller: str | None = None,
    callee: str | None = None,
    extension: str = "1001",
    talk_seconds: int = 35,
    recording: bool | None = None,
    started: datetime | None = None,
    ended: datetime | None = None,
    rng: random.Random | None = None,
    uuid: str | None = None,
) -> SimulatedCall:
    """Return a consistent call; it starts at `started`, or ends at `ended` (default now).

    Missing numbers are made up: the far end is a random Turkish number and the PBX side is
    `pbx_number`. Only answered calls talk or record. `uuid` is for a call whose uuid an
    API answered before the call happened. Raises ValueError on input a provider could not
    have produced, such as an internal call on Bulutfon, whose CDRs and webhooks only know
    IN and OUT.
    """
    rng = rng or random.Random()
    provider = choose(provider, PROVIDERS, "provider")
    direction = choose(direction, DIRECTIONS, "direction")
    outcome = choose(outcome, OUTCOMES, "outcome")
    if provider == "bulutfon" and direction == "internal":
        raise ValueError("Bulutfon reports only inbound and outbound calls")
    if not (extension.isdigit() and 2 <= len(extension) <= 6):
        raise ValueError(
            f"extension must be a short number such as 1001, not {extension!r}"
        )
    if talk_seconds < 0:
        raise ValueError("talk_seconds must not be negative")
    if direction == "inbound":
        caller = international(caller) if caller else random_external_number(rng)
        callee = international(callee) if callee else pbx_number
    elif direction == "outbound":
        caller = international(caller) if caller else pbx_number
        callee = international(callee) if callee else random_external_number(rng)
    else:
        caller = caller or extension
        callee = callee or str(int(extension) + 1)
    answered_call = outcome == "answered"
    talk = talk_seconds if answered_call else 0
    ring = timedelta(seconds=rng.randint(*RING_SECONDS[outcome]), milliseconds=480)
    length = ring + timedelta(seconds=talk)
    if started is None:
        ended = ended or datetime.now(ISTANBUL)
        started = ended - length
    started = started.astimezone(ISTANBUL)
    return SimulatedCall(
        uuid=uuid or str(uuid_lib.UUID(int=rng.getrandbits(128), version=4)),
        provider=cast("ProviderName", provider),
        direction=cast("Direction", direction),
        caller=caller,
        callee=callee,
        extension=extension,
        outcome=cast("Outcome", outcome),
        started=started,
        answered=started + ring if answered_call else None,
        ended=started + length,
        talk_seconds=talk,
        recording=answered_call if recording is None else (recording and answered_call),
    )


# --- Bulutfon -------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    """Return Bulutfon's ISO time with the Istanbul offset, `2017-03-15T09:46:05+03:00`."""
    if moment is None:
        return None
    return moment.astimezone(ISTANBUL).isoformat(timespec="seconds")


def _hangup_state(call: SimulatedCall) -> str:
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


def bulutfon_cdr(call: SimulatedCall, dialect: str = "default") -> dict[str, Any]:
    """Return the call as an item of Bulutfon's `GET /cdrs` list (providers.md §1.5).

    `dialect` is one of `state.DIALECTS["bulutfon"]`: this simulator's own shape, seed
    003's or the later `cdr.md` document's, each with its fields, order and value types.
    """
    if dialect == "seed":
        return _bulutfon_seed_cdr(call)
    outbound = call.direction == "outbound"
    item: dict[str, Any] = {
        "uuid": call.uuid,
        "bf_calltype": "voice",
        "direction": "OUT" if outbound else "IN",
        "caller": int(call.caller),
        "callee": int(call.callee),
    }
    if outbound:
        item["extension"] = (
            extension_line(call) if dialect == "documents" else call.extension
        )
    item |= {
        "call_time": _iso(call.started),
        "answer_time": _iso(call.answered),
        "hangup_time": _iso(call.ended),
        "missing_call": call.missed,
    }
    if outbound:
        item["call_price"] = f"{call.talk_seconds * BULUTFON_PRICE_PER_SECOND:.4f}"
    item |= {
        "call_record": "YES" if call.recording else "NO",
        "hangup_cause": HANGUP_CAUSE[call.outcome],
        "hangup_state": _hangup_state(call),
    }
    return item


def _bulutfon_seed_cdr(call: SimulatedCall) -> dict[str, Any]:
    """Return the call as seed 003's example shows a CDR: numbers as JSON numbers.

    The extension and the price appear on outbound calls only, the extension as a 12-digit
    integer and the price as a float; `call_record` is `Var` or `Yok`, and there is no
    `missing_call`.
    """
    outbound = call.direction == "outbound"
    item: dict[str, Any] = {
        "uuid": call.uuid,
        "bf_calltype": "voice",
        "direction": "OUT" if outbound else "IN",
        "caller": int(call.caller),
        "callee": int(call.callee),
    }
    if outbound:
        item["extension"] = int(extension_line(call))
    item |= {
        "call_time": _iso(call.started),
        "answer_time": _iso(call.answered),
        "hangup_time": _iso(call.ended),
    }
    if outbound:
        item["call_price"] = round(call.talk_seconds * BULUTFON_PRICE_PER_SECOND, 5)
    item |= {
        "call_record": "Var" if call.recording else "Yok",
        "hangup_cause": HANGUP_CAUSE[call.outcome],
        "hangup_state": _hangup_state(call),
    }
    return item


def made_up_calls(
    provider: str, pbx_number: str, page: int, count: int
) -> list[SimulatedCall]:
    """Return `count` answered calls that just ended, for a page of a list without end.

    Their uuids follow from `page` and their place on it, so each page has calls of its
    own and reading a page again gives the same ones.
    """
    now = datetime.now(ISTANBUL)
    calls = []
    for index in range(count):
        name = f"{provider}/page-{page}/call-{index}"
        calls.append(
            build_call(
                provider,
                pbx_number=pbx_number,
                ended=now - timedelta(seconds=index),
                rng=random.Random(name),
                uuid=str(uuid_lib.uuid5(uuid_lib.NAMESPACE_URL, name)),
            )
        )
    return calls


def bulutfon_webhooks(
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
            hangup_detail=_hangup_state(call),
            result_disposition="SUCCESS" if call.outcome == "answered" else "",
            cdr_url=f"https://oim.bulutfon.com/account/pbx/call-records/{day}/{call.uuid}",
            cdr_api_url=f"https://api.bulutfon.com/v2/cdr/{day}/{call.uuid}",
        )
    )
    return events


# --- Bulutsantralim -------------------------------------------------------------------


def _hms(seconds: int) -> str:
    """Return a duration as Verimor's `HH:MM:SS`."""
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def _cdr_stamp(moment: datetime | None) -> str | None:
    """Return Verimor's CDR time, `2017-08-03 12:30:32 +0300`."""
    if moment is None:
        return None
    return moment.astimezone(ISTANBUL).strftime("%Y-%m-%d %H:%M:%S %z")


def _event_stamp(moment: datetime | None) -> str:
    """Return Verimor's webhook time, Istanbul local `2016-01-01 00:00:00`, or empty."""
    if moment is None:
        return ""
    return moment.astimezone(ISTANBUL).strftime("%Y-%m-%d %H:%M:%S")


# How Verimor spells its booleans: `true`/`false` in its API repository, `t`/`f` in seed 002.
BULUTSANTRALIM_BOOLEANS: dict[str, tuple[str, str]] = {
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


def _user_name(extension: str) -> str:
    return f"Dahili {extension}"


def bulutsantralim_cdr(call: SimulatedCall) -> dict[str, Any]:
    """Return the call as an item of Verimor's `GET /cdrs` list (providers.md §2.3).

    Inbound callers appear in national form (`03121234567`) and the called DID in
    `90…` form, as in the document's example; outbound calls are made by an extension.
    """
    if call.direction == "inbound":
        caller_number, caller_name = national(call.caller), ""
        destination_number, destination_name = call.callee, _user_name(call.extension)
    elif call.direction == "outbound":
        caller_number, caller_name = call.extension, _user_name(call.extension)
        destination_number, destination_name = call.callee, ""
    else:
        caller_number, caller_name = call.caller, _user_name(call.caller)
        destination_number, destination_name = call.callee, _user_name(call.callee)
    return {
        "start_stamp": _cdr_stamp(call.started),
        "direction": BULUTSANTRALIM_DIRECTION[call.direction],
        "caller_id_number": caller_number,
        "caller_id_name": caller_name,
        "destination_number": destination_number,
        "destination_name": destination_name,
        "duration": _hms(call.duration_seconds),
        "talk_duration": _hms(call.talk_seconds),
        "queue_wait_seconds": _hms(0),
        "queue": "",
        "result": BULUTSANTRALIM_RESULT[call.outcome],
        "missed": _true_false(call.missed),
        "return_uuid": None,
        "recording_present": _true_false(call.recording),
        "sip_hangup_disposition": _sip_hangup_disposition(call),
        "call_uuid": call.uuid,
        "answer_stamp": _cdr_stamp(call.answered),
        "end_stamp": _cdr_stamp(call.ended),
    }


def bulutsantralim_webhooks(
    call: SimulatedCall, *, domain_id: str, booleans: str = "true/false"
) -> list[WebhookEvent]:
    """Return Verimor's event posts for the call, in order (providers.md §2.5, seed 002).

    `ringing` carries exactly the fields of the seed's example; `answer` adds who picked
    up and when; `hangup`, which doubles as the CDR notification, carries every field.
    `booleans` is "true/false" (the API repository's spelling) or "t/f" (seed 002's).
    """
    spelling = BULUTSANTRALIM_BOOLEANS[booleans]
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


def form_fields(fields: dict[str, str | int]) -> dict[str, str]:
    """Return the fields as form values: every value becomes text."""
    return {name: str(value) for name, value in fields.items()}
