"""Simulated calls: one `SimulatedCall` is the single truth about a call.

Each provider's package renders it in that provider's words (CDR list items, the ordered
webhook posts the call causes); this module makes consistent calls and knows the numbers
and outcomes both calling providers share.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
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
    # Bulutfon: the menu (2 digits) and the group (3 digits) an inbound call went through,
    # and the extensions the group rang; `extension` is the one that answered, if any did.
    menu: str | None = None
    group: str | None = None
    rings: list[str] = field(default_factory=list)

    @property
    def missed(self) -> bool:
        """Return whether this is a missed call: inbound and nobody answered before hang-up."""
        return self.direction == "inbound" and self.outcome == "missed"

    @property
    def duration_seconds(self) -> int:
        """Return the whole call's length, ringing included."""
        return round((self.ended - self.started).total_seconds())

    def cut(self, moment: datetime, *, answered: bool) -> None:
        """End the call at `moment`, as a hang-up through the PBX's API does.

        An `answered` call (its answer was announced) talked until then; any other never
        connected and is missed. A call in real time announces its posts faster than its
        own clock runs, so `moment` is never before the answer it announced.
        """
        if answered and self.answered is not None:
            moment = max(moment, self.answered)
            self.talk_seconds = round((moment - self.answered).total_seconds())
        else:
            moment = max(moment, self.started)
            self.outcome, self.answered = "missed", None
            self.talk_seconds, self.recording = 0, False
        self.ended = moment

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
            "menu": self.menu,
            "group": self.group,
            "rings": self.rings,
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


@dataclass(frozen=True, slots=True)
class CallSpec:
    """What a caller of the simulator says about a call; `build_call` makes up the rest.

    Missing numbers are made up: the far end is a random Turkish number and the PBX side is
    the PBX's own. Only answered calls talk or record (`recording` None: when answered).
    `uuid` is for a call whose uuid an API answered before the call happened. On Bulutfon
    an inbound call may go through a `menu` and a `group`, which rings `rings` (default:
    `extension` and the two after it); `extension` answers unless the call is missed.
    """

    direction: str = "inbound"
    outcome: str = "answered"
    caller: str | None = None
    callee: str | None = None
    extension: str = "1001"
    talk_seconds: int = 35
    recording: bool | None = None
    uuid: str | None = None
    menu: str | None = None
    group: str | None = None
    rings: tuple[str, ...] = ()


def build_call(
    provider: str,
    spec: CallSpec | None = None,
    *,
    pbx_number: str,
    started: datetime | None = None,
    ended: datetime | None = None,
    rng: random.Random | None = None,
    **fields: Any,
) -> SimulatedCall:
    """Return a consistent call; it starts at `started`, or ends at `ended` (default now).

    `fields` change the `CallSpec` by name, for callers that spell a call out in keywords.
    Raises ValueError on input a provider could not have produced, such as an internal
    call on Bulutfon, whose CDRs and webhooks only know IN and OUT.
    """
    spec = replace(spec or CallSpec(), **fields)
    rng = rng or random.Random()
    provider = choose(provider, PROVIDERS, "provider")
    direction = choose(spec.direction, DIRECTIONS, "direction")
    outcome = choose(spec.outcome, OUTCOMES, "outcome")
    extension, caller, callee = spec.extension, spec.caller, spec.callee
    if provider == "bulutfon" and direction == "internal":
        raise ValueError("Bulutfon reports only inbound and outbound calls")
    if not (extension.isdigit() and 2 <= len(extension) <= 6):
        raise ValueError(
            f"extension must be a short number such as 1001, not {extension!r}"
        )
    if spec.talk_seconds < 0:
        raise ValueError("talk_seconds must not be negative")
    rings = _group_rings(provider, direction, spec)
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
    talk = spec.talk_seconds if answered_call else 0
    ring = timedelta(seconds=rng.randint(*RING_SECONDS[outcome]), milliseconds=480)
    length = ring + timedelta(seconds=talk)
    if started is None:
        ended = ended or datetime.now(ISTANBUL)
        started = ended - length
    started = started.astimezone(ISTANBUL)
    recording = spec.recording
    return SimulatedCall(
        uuid=spec.uuid or str(uuid_lib.UUID(int=rng.getrandbits(128), version=4)),
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
        menu=spec.menu,
        group=spec.group,
        rings=rings,
    )


def _group_rings(provider: str, direction: str, spec: CallSpec) -> list[str]:
    """Return the extensions the call's group rings; raise on a route no PBX would take.

    Only Bulutfon's inbound calls tell their menu and group; a menu has 2 digits, a group
    3, and the extension that answers a group call is one the group rang.
    """
    if spec.menu is None and spec.group is None and not spec.rings:
        return []
    if provider != "bulutfon" or direction != "inbound":
        raise ValueError("only Bulutfon's inbound calls go through menus and groups")
    if spec.menu is not None and not (spec.menu.isdigit() and len(spec.menu) == 2):
        raise ValueError(f"menu must be 2 digits, such as 10, not {spec.menu!r}")
    if spec.group is None:
        if spec.rings:
            raise ValueError("rings needs a group")
        return []
    if not (spec.group.isdigit() and len(spec.group) == 3):
        raise ValueError(f"group must be 3 digits, such as 101, not {spec.group!r}")
    rings = list(spec.rings) or [str(int(spec.extension) + step) for step in range(3)]
    if any(not (ring.isdigit() and 2 <= len(ring) <= 6) for ring in rings):
        raise ValueError("rings must be extensions such as 1001")
    if spec.outcome == "answered" and spec.extension not in rings:
        raise ValueError("the extension that answers must be one the group rings")
    return rings


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
        uuid = str(uuid_lib.uuid5(uuid_lib.NAMESPACE_URL, name))
        calls.append(
            build_call(
                provider,
                CallSpec(uuid=uuid),
                pbx_number=pbx_number,
                ended=now - timedelta(seconds=index),
                rng=random.Random(name),
            )
        )
    return calls


def user_name(extension: str) -> str:
    """Return the name both PBXs give an extension's user, as their examples show."""
    return f"Dahili {extension}"
