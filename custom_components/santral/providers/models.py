"""Normalized models shared by every provider client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Provider(StrEnum):
    """The services Santral speaks to."""

    BULUTFON = "bulutfon"
    BULUTSANTRALIM = "bulutsantralim"
    TELSAM = "telsam"


class Capability(StrEnum):
    """What a provider can do; the integration creates entities and accepts actions by these."""

    CALL_EVENTS = "call_events"
    CALL_HISTORY = "call_history"
    FAX_HISTORY = "fax_history"
    SEND_FAX = "send_fax"
    ORIGINATE = "originate"
    RECORDINGS = "recordings"
    EXTENSIONS = "extensions"
    # The PBX can be told where to post its call events.
    NOTIFICATION_URL = "notification_url"
    # Its webhooks can carry HTTP Basic credentials of the user's choosing.
    WEBHOOK_AUTH = "webhook_auth"
    # It lists its call queues with the callers waiting, and its agents' statuses.
    QUEUES = "queues"
    # Each extension's do-not-disturb can be switched, and read back from its presence.
    DO_NOT_DISTURB = "do_not_disturb"
    # A call in progress can be hung up or transferred to another extension.
    LIVE_CALL_CONTROL = "live_call_control"
    # One call's record tells the steps it went through: which extension answered, and
    # which extensions of a group rang.
    CALL_FLOW = "call_flow"
    # It lists the messages left in its extensions' voicemail boxes, and plays them.
    VOICEMAIL = "voicemail"
    # It phones numbers, plays them audio it fetches from a URL, and tells who answered
    # and which key they pressed.
    CALL_ALERT = "call_alert"


# What a cloud PBX offers: live call events, call history, faxes, click-to-call,
# recordings and its extension list.
PBX_CAPABILITIES: frozenset[Capability] = frozenset(
    {
        Capability.CALL_EVENTS,
        Capability.CALL_HISTORY,
        Capability.FAX_HISTORY,
        Capability.SEND_FAX,
        Capability.ORIGINATE,
        Capability.RECORDINGS,
        Capability.EXTENSIONS,
    }
)


class PbxState(StrEnum):
    """Lifecycle of a Bulutfon PBX as `/me` reports it, lower-cased."""

    DRAFT = "draft"
    RECANTED = "recanted"
    CONFIRMED = "confirmed"
    CANCEL = "cancel"
    SUSPENDED = "suspended"
    PRETERMINATED = "preterminated"
    TERMINATED = "terminated"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """Who the credentials belong to, and what the provider says about the account.

    `identifier` is stable for the life of the account and does not contain a secret, so it
    can serve as the config entry's unique id.
    """

    identifier: str
    name: str
    balance: Decimal | None = None
    currency: str | None = None
    pbx_state: PbxState | None = None
    package: str | None = None
    numbers: tuple[str, ...] = ()


class CallDirection(StrEnum):
    """Which way a call went, seen from the PBX."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class CallEventType(StrEnum):
    """What happened to a call. `hangup` and `missed` end it; each call ends once."""

    RINGING = "ringing"
    ANSWERED = "answered"
    HANGUP = "hangup"
    MISSED = "missed"

    @property
    def ends_call(self) -> bool:
        """Whether this event is the end of the call."""
        return self in (CallEventType.HANGUP, CallEventType.MISSED)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEvent:
    """One moment of a call, from a webhook or derived from a call record.

    `leg_only` marks the end of one extension's leg (Bulutsantralim `user_hangup`): the
    extension is free again, but the call goes on.
    """

    type: CallEventType
    call_id: str
    direction: CallDirection
    caller: str
    callee: str
    extension: str | None = None
    started: datetime | None = None
    answered: datetime | None = None
    ended: datetime | None = None
    duration: int | None = None
    recording_available: bool = False
    hangup_cause: str | None = None
    leg_only: bool = False
    answered_by: str | None = None
    rang: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRecord:
    """A finished call as the provider's call detail records report it."""

    call_id: str
    direction: CallDirection
    caller: str
    callee: str
    extension: str | None
    started: datetime
    answered: datetime | None
    ended: datetime | None
    duration: int
    talk_seconds: int
    missed: bool
    recording_available: bool
    hangup_cause: str | None = None
    price: Decimal | None = None

    def to_event(self) -> CallEvent:
        """Return the event that ends this call: missed when nobody answered."""
        return CallEvent(
            type=CallEventType.MISSED if self.missed else CallEventType.HANGUP,
            call_id=self.call_id,
            direction=self.direction,
            caller=self.caller,
            callee=self.callee,
            extension=self.extension,
            started=self.started,
            answered=self.answered,
            ended=self.ended,
            duration=self.talk_seconds,
            recording_available=self.recording_available,
            hangup_cause=self.hangup_cause,
        )


@dataclass(frozen=True, slots=True)
class CallFlow:
    """Where a call went inside the PBX, from its steps: who answered, and who rang.

    `answered_by` is the extension that took the call (None when none did, or the steps do
    not say); `rang` lists the extensions a group rang, in the provider's order.
    """

    answered_by: str | None
    rang: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CallRecordPage:
    """One page of call detail records and whether another follows."""

    records: list[CallRecord]
    has_next: bool


class FaxDirection(StrEnum):
    """Whether a fax came in or went out."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class FaxStatus(StrEnum):
    """Where a fax stands. `queued` is the only status that can still change."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    RECEIVED = "received"


@dataclass(frozen=True, slots=True, kw_only=True)
class FaxRecord:
    """One fax as the provider lists it."""

    fax_id: str
    direction: FaxDirection
    status: FaxStatus
    remote: str
    local: str
    pages: int | None = None
    created: datetime | None = None
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A file the provider serves: a fax document or a call recording."""

    content: bytes
    content_type: str

    @property
    def extension(self) -> str:
        """Return the file extension that fits the content (its magic bytes first)."""
        magic = (
            (b"%PDF", "pdf"),
            (b"II*\x00", "tiff"),
            (b"MM\x00*", "tiff"),
            (b"OggS", "ogg"),
            (b"ID3", "mp3"),
            (b"RIFF", "wav"),
        )
        for prefix, extension in magic:
            if self.content.startswith(prefix):
                return extension
        for fragment, extension in (
            ("pdf", "pdf"),
            ("tif", "tiff"),
            ("ogg", "ogg"),
            ("mpeg", "mp3"),
            ("wav", "wav"),
        ):
            if fragment in self.content_type:
                return extension
        return "bin"


@dataclass(frozen=True, slots=True)
class RecordingLink:
    """A URL a browser or media player can open, and until when (None: no expiry known)."""

    url: str
    expires_at: datetime | None


class Presence(StrEnum):
    """What an extension is doing, as Bulutsantralim's `/user_statuses` reports it."""

    AVAILABLE = "available"
    TALKING = "talking"
    UNREGISTERED = "unregistered"
    DO_NOT_DISTURB = "do_not_disturb"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Extension:
    """An extension of the PBX as the provider lists it.

    `presence` is filled only where the same request reports it, so listing extensions
    never costs a second, rate-limited request.
    """

    number: str
    name: str | None = None
    presence: Presence | None = None


@dataclass(frozen=True, slots=True)
class FaxFile:
    """A file to send, already read: its name, MIME type and bytes."""

    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Queue:
    """A call queue of the PBX and, once read, when each caller waiting in it joined.

    `waiting_since` is None when only the queue list was read, so a count of zero always
    means nobody waits rather than "not read yet".
    """

    number: str
    name: str | None = None
    waiting_since: tuple[datetime, ...] | None = None

    @property
    def waiting(self) -> int | None:
        """Return how many callers wait, or None when the callers were not read."""
        return None if self.waiting_since is None else len(self.waiting_since)

    def longest_wait(self, now: datetime) -> int | None:
        """Return the seconds the longest-waiting caller has waited by `now` (0: nobody)."""
        if self.waiting_since is None:
            return None
        if not self.waiting_since:
            return 0
        return max(0, int((now - min(self.waiting_since)).total_seconds()))


class AgentStatus(StrEnum):
    """What a queue agent is doing, as Bulutsantralim's `/agent_statuses` reports it."""

    AVAILABLE = "available"
    TALKING = "talking"
    LOGGED_OUT = "logged_out"
    ON_BREAK = "on_break"


@dataclass(frozen=True, slots=True)
class Agent:
    """An extension that answers queue calls, its status and the queues it serves."""

    number: str
    status: AgentStatus | None
    queues: tuple[str, ...] = ()
    break_description: str | None = None


@dataclass(frozen=True, slots=True)
class Voicemail:
    """A message a caller left in the voicemail box of `extension`, read or not yet."""

    voicemail_id: str
    extension: str | None
    caller: str
    caller_name: str | None
    received: datetime
    duration: int
    read: bool


class AlertOutcome(StrEnum):
    """What became of one recipient of a call alert; only `pending` can still change."""

    PENDING = "pending"
    ANSWERED = "answered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class AlertRecipient:
    """One number a call alert phones: whether it was called, answered, and the key pressed.

    `digit` is the key the person pressed while the message played, when the provider
    recorded one.
    """

    number: str
    outcome: AlertOutcome
    digit: str | None = None


@dataclass(frozen=True, slots=True)
class AlertSound:
    """The spoken message of a call alert, as each provider takes it.

    Bulutfon fetches the audio from `url`; Bulutsantralim takes `content` uploaded as an
    announcement. `digest` names the message (text, language and engine), so a provider
    that keeps uploaded audio finds the same message again instead of uploading it twice.
    """

    url: str
    content: bytes
    content_type: str
    digest: str


@dataclass(frozen=True, slots=True)
class CallAlert:
    """A call alert as the provider reports it: its id and each recipient's outcome."""

    alert_id: str
    recipients: tuple[AlertRecipient, ...]

    @property
    def settled(self) -> bool:
        """Return whether every recipient was called, so nothing more will change."""
        return all(r.outcome is not AlertOutcome.PENDING for r in self.recipients)
