"""The simulator's memory: accounts, credentials, tokens, faults and a log of requests.

Seed values come from the providers' own documents (the `/me` example of Bulutfon, the key
of the Bulutsantralim document, the Telsam client secret example, the PBX numbers and ids of
the webhook examples).
"""

from __future__ import annotations

from collections import Counter
import copy
from dataclasses import dataclass, field
from datetime import datetime
import random
import re
import secrets
from typing import Any, Literal

from .automatic_calls import AutomaticCalls
from .callees import Callee, Callees
from .calls import SimulatedCall, WebhookDelivery, choose
from .faults import Fault
from .faxes import FAX_PROVIDERS, FaxBook
from .ivr_campaigns import IvrCampaigns
from .limits import RollingLimit
from .queues import QueueBoard
from .recordings import Recording, RecordingLink, record
from .voicemail import VoicemailBoxes

type WebhookFormat = Literal["json", "form"]

# Verimor's presence words (`user_status.md`); an extension nobody set is AVAILABLE.
USER_STATUSES: tuple[str, ...] = ("AVAILABLE", "TALKING", "UNREGISTERED", "SS_DND")


# Both APIs send extension numbers as JSON integers, so a leading zero would not survive.
EXTENSION_NUMBER = re.compile(r"[1-9][0-9]{1,5}")
EXTENSION_PROVIDERS: tuple[str, ...] = ("bulutfon", "bulutsantralim")


def _extensions() -> list[str]:
    """Return the extensions of a simulated PBX: 1001 to 1010."""
    return [str(number) for number in range(1001, 1011)]


def extension_numbers(numbers: object) -> list[str]:
    """Return control input as extension numbers, or raise on anything a PBX would not have.

    Numbers have 2 to 6 digits, the first not 0, as text or whole numbers, each at most
    once; a list that is no list is a TypeError, a bad number a ValueError.
    """
    if not isinstance(numbers, (list, tuple)):
        raise TypeError("numbers must be a list")
    kept: list[str] = []
    for number in numbers:
        text = str(number) if isinstance(number, (str, int)) else ""
        if isinstance(number, bool) or not EXTENSION_NUMBER.fullmatch(text):
            raise ValueError(
                f"extension {number!r} must be 2 to 6 digits, not starting with 0"
            )
        if text in kept:
            raise ValueError(f"extension {text} is listed twice")
        kept.append(text)
    return kept


# The shapes a provider's lists can be served in, where its documents show more than one.
# Bulutfon CDRs: this simulator's own (`default`), seed 003's example (`seed`: numbers,
# a 12-digit `extension` and a float `call_price` as JSON numbers, `call_record` `Var`/
# `Yok`, no `missing_call`) or the later `cdr.md` example (`documents`: `extension` and
# `call_price` as strings, `missing_call`, `YES`/`NO`). Telsam fax lists: Laravel's
# paginator with this simulator's `pages` field (`default`), only `current_page` and
# `last_page` (`pages`), or a bare list (`bare`); both of the latter give faxes as seed
# 004 shows them, without `pages` and with `created_at` null on failed faxes.
DIALECTS: dict[str, tuple[str, ...]] = {
    "bulutfon": ("default", "seed", "documents"),
    "telsam": ("default", "pages", "bare"),
}


BULUTFON_ME: dict[str, Any] = {
    "user": {"email": "mail@mail.com", "name": "Ad Soyad", "gsm": "902222222"},
    "pbx": {
        "name": "santral",
        "url": "santral.bulutfon.net",
        "state": "CONFIRMED",
        "package": "LARGE",
        "customer_type": "CORPORATE",
    },
    "credit": {"balance": "300.06", "sms_credits": 0},
}


@dataclass(slots=True)
class BulutfonWebhook:
    """Where Bulutfon posts call events; set in its panel, so here through the control API."""

    url: str = ""
    format: WebhookFormat = "json"
    username: str | None = None
    password: str | None = None


@dataclass(slots=True)
class BulutfonState:
    """One Bulutfon PBX."""

    token: str = "bulutfon-master-token-1f0c9d"
    email: str = "mail@mail.com"
    password: str = "bulutfon-parola"
    token_expired: bool = False
    me: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(BULUTFON_ME))
    did: str = "908508850000"
    domain_id: int = 1234
    account_id: int = 5678
    webhook: BulutfonWebhook = field(default_factory=BulutfonWebhook)
    cdrs: list[SimulatedCall] = field(default_factory=list)
    faxes: FaxBook = field(
        default_factory=lambda: FaxBook(next_id=1, incoming_by_uuid=True)
    )
    # Where `call_and_bridge` may bridge to: 2-digit menus, 3-digit groups, 4-digit
    # extensions, numbered as in the `/dids` and `/groups` examples (providers.md §1.4).
    extensions: list[str] = field(default_factory=_extensions)
    groups: list[str] = field(default_factory=lambda: ["101"])
    menus: list[str] = field(default_factory=lambda: ["10"])
    recordings: dict[str, Recording] = field(default_factory=dict)
    automatic_calls: AutomaticCalls = field(default_factory=AutomaticCalls)

    @property
    def sent_documents(self) -> list[bytes]:
        """Return the decoded attachments clients sent, in order of arrival."""
        return self.faxes.sent_documents

    def set_extensions(self, numbers: list[str]) -> None:
        """Replace the extensions `call_and_bridge` may bridge to."""
        self.extensions = list(numbers)

    @property
    def numbers(self) -> tuple[str, ...]:
        """Return the PBX's own numbers, the only callers `call_and_bridge` takes."""
        return (self.did,)


@dataclass(slots=True)
class CrmIntegration:
    """Verimor's "CRM Entegrasyonu": which events are posted, and where."""

    ringing: str = "on"
    answered: str = "on"
    hangup: str = "on"
    notification_url: str = ""
    # How the posts spell booleans: "true/false" or seed 002's "t/f" (not part of the API).
    booleans: str = "true/false"

    def as_dict(self) -> dict[str, str]:
        """Return the settings as `GET /crm_integrations` answers them."""
        return {
            "ringing": self.ringing,
            "answered": self.answered,
            "hangup": self.hangup,
            "notification_url": self.notification_url,
        }

    def sends(self, event_type: str) -> bool:
        """Return whether the switch of this webhook event type is on."""
        switch = {"ringing": self.ringing, "answer": self.answered}
        return switch.get(event_type, self.hangup) == "on"


@dataclass(slots=True)
class BulutsantralimState:
    """One Bulutsantralim PBX."""

    api_key: str = "K12345678-1234-5678-4321-123456789012"
    caller_ids: list[str] = field(
        default_factory=lambda: ["908505320000", "908501234567"]
    )
    domain_id: str = "101"
    crm: CrmIntegration = field(default_factory=CrmIntegration)
    cdrs: list[SimulatedCall] = field(default_factory=list)
    # Order ids count on from the `20212` of the fax document's example.
    faxes: FaxBook = field(
        default_factory=lambda: FaxBook(next_id=20212, incoming_by_uuid=True)
    )
    # When each fax document URL was handed out, by call uuid; such a URL lives one hour.
    fax_document_urls: dict[str, datetime] = field(default_factory=dict)
    extensions: list[str] = field(default_factory=_extensions)
    # Statuses set by a test or the control API; every other extension is AVAILABLE.
    user_statuses: dict[str, str] = field(default_factory=dict)
    recordings: dict[str, Recording] = field(default_factory=dict)
    # Every recording URL handed out, by the uuid after `/recording/R`.
    recording_urls: dict[str, RecordingLink] = field(default_factory=dict)
    # The documented per-key limits, by route name (providers.md §2.1).
    limits: dict[str, RollingLimit] = field(
        default_factory=lambda: {
            "recording_url": RollingLimit(5),
            "user_statuses": RollingLimit(2),
            "agent_statuses": RollingLimit(2),
        }
    )
    queues: QueueBoard = field(default_factory=QueueBoard)
    voicemail: VoicemailBoxes = field(default_factory=VoicemailBoxes)
    ivr_campaigns: IvrCampaigns = field(default_factory=IvrCampaigns)

    @property
    def sent_documents(self) -> list[bytes]:
        """Return the decoded `filedata` of every fax order, in order of arrival."""
        return self.faxes.sent_documents

    def set_extensions(self, numbers: list[str]) -> None:
        """Replace the PBX's extensions; statuses of removed ones are forgotten.

        A removed extension that comes back later is AVAILABLE again, as a new phone is.
        """
        self.extensions = list(numbers)
        self.user_statuses = {
            extension: status
            for extension, status in self.user_statuses.items()
            if extension in self.extensions
        }

    def user_status(self, extension: str) -> str:
        """Return the presence of an extension."""
        return self.user_statuses.get(extension, USER_STATUSES[0])

    def set_user_status(self, extension: str, status: str) -> None:
        """Set the presence of one of the PBX's extensions; raise ValueError otherwise."""
        if extension not in self.extensions:
            raise ValueError(f"extension {extension} not found")
        self.user_statuses[extension] = choose(status, USER_STATUSES, "status")

    def set_dnd(self, extension: str, on: bool) -> None:
        """Switch an extension's do-not-disturb, which its presence shows as `SS_DND`.

        Switched off, an extension in do-not-disturb is available again; one that is
        talking or unregistered stays so. An unknown extension raises ValueError.
        """
        if extension not in self.extensions:
            raise ValueError(f"extension {extension} not found")
        if on:
            self.user_statuses[extension] = "SS_DND"
        elif self.user_status(extension) == "SS_DND":
            self.user_statuses[extension] = "AVAILABLE"

    @property
    def did(self) -> str:
        """Return the PBX number calls come in on, the last outbound number."""
        return self.caller_ids[-1]


@dataclass(slots=True)
class TelsamState:
    """One Yenifaks API user and the tokens issued to it."""

    username: str = "api-kullanici"
    password: str = "yenifaks-parola"
    client_id: str = "1"
    client_secret: str = "z3Kewxm2K6H4stFslvJHqx7kvzasiDKvsvIBQnaX"
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    grants: Counter[str] = field(default_factory=Counter)
    issued: list[str] = field(default_factory=list)
    issue_refresh_tokens: bool = True
    # The account's fax number and fax ids, from the page's send example.
    did: str = "908502590260"
    faxes: FaxBook = field(default_factory=lambda: FaxBook(next_id=278563))

    @property
    def sent_documents(self) -> list[bytes]:
        """Return the decoded `files` of every send request, in order of arrival."""
        return self.faxes.sent_documents

    def issue(self, grant_type: str) -> dict[str, str | int]:
        """Issue a token pair as Laravel Passport does."""
        self.grants[grant_type] += 1
        access = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(48)
        refresh = "def50200" + secrets.token_hex(64)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        self.issued += [access, refresh]
        answer: dict[str, str | int] = {
            "token_type": "Bearer",
            "expires_in": 31536000,
            "access_token": access,
        }
        if self.issue_refresh_tokens:
            answer["refresh_token"] = refresh
        return answer

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far stale; refresh tokens still work."""
        self.access_tokens.clear()

    def revoke_refresh_tokens(self) -> None:
        """Make every refresh token issued so far useless."""
        self.refresh_tokens.clear()


@dataclass(slots=True)
class RequestRecord:
    """One request the simulator answered."""

    provider: str
    endpoint: str
    method: str
    path: str


@dataclass(slots=True)
class SimulatorState:
    """Everything the simulated providers know."""

    bulutfon: BulutfonState = field(default_factory=BulutfonState)
    bulutsantralim: BulutsantralimState = field(default_factory=BulutsantralimState)
    telsam: TelsamState = field(default_factory=TelsamState)
    faults: dict[tuple[str, str], Fault] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)
    deliveries: list[WebhookDelivery] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    dialects: dict[str, str] = field(
        default_factory=lambda: dict.fromkeys(DIALECTS, "default")
    )
    # How each number takes the alert calls of both providers (`callees.py`).
    callees: Callees = field(default_factory=Callees)

    def __post_init__(self) -> None:
        """Let Bulutfon's automatic calls read and set the one callee table."""
        self.bulutfon.automatic_calls.callees = self.callees

    def dialect(self, provider: str) -> str:
        """Return the shape the lists of `provider` are served in (see `DIALECTS`)."""
        return self.dialects.get(provider, "default")

    def set_dialect(self, provider: str, dialect: str) -> None:
        """Serve the lists of `provider` in `dialect`; raise ValueError on an unknown one."""
        chosen = choose(provider, tuple(DIALECTS), "provider")
        self.dialects[chosen] = choose(dialect, DIALECTS[chosen], "dialect")

    def pbx(self, provider: str) -> BulutfonState | BulutsantralimState:
        """Return the simulated PBX of a calling provider; raise ValueError otherwise."""
        pbxes: dict[str, BulutfonState | BulutsantralimState] = {
            "bulutfon": self.bulutfon,
            "bulutsantralim": self.bulutsantralim,
        }
        return pbxes[choose(provider, EXTENSION_PROVIDERS, "provider")]

    def callee(self, number: str) -> Callee:
        """Return how `number` (`90…`) takes an alert call of either provider.

        One table serves Bulutfon's automatic calls and Bulutsantralim's campaigns: a
        number nobody set answers and presses nothing.
        """
        return self.callees.of(number)

    def set_callee(self, number: str, callee: Callee) -> None:
        """Make `number` (`90…`) answer alert calls of either provider or not."""
        self.callees.set(number, callee)

    def cdrs(self, provider: str) -> list[SimulatedCall]:
        """Return the CDRs of a calling provider, newest first."""
        return self.pbx(provider).cdrs

    def add_cdrs(self, provider: str, calls: list[SimulatedCall]) -> None:
        """Record finished calls, keeping the list newest first, with their recordings."""
        cdrs = self.cdrs(provider)
        cdrs.extend(calls)
        cdrs.sort(key=lambda call: call.started, reverse=True)
        for call in calls:
            self.keep_recording(call)

    def keep_recording(self, call: SimulatedCall) -> None:
        """Keep the recording of a recorded call, once; others have none."""
        recordings = self.recordings(call.provider)
        if call.recording and call.uuid not in recordings:
            recordings[call.uuid] = record(call)

    def find_cdr(self, provider: str, call_uuid: str) -> SimulatedCall | None:
        """Return the filed call of a calling provider with this uuid, if any."""
        for call in self.cdrs(provider):
            if call.uuid == call_uuid:
                return call
        return None

    def recordings(self, provider: str) -> dict[str, Recording]:
        """Return the recordings of a calling provider, by call uuid."""
        return self.pbx(provider).recordings

    def provider_state(
        self, provider: str
    ) -> BulutfonState | BulutsantralimState | TelsamState:
        """Return the simulated account of a provider."""
        accounts: dict[str, BulutfonState | BulutsantralimState | TelsamState] = {
            "bulutfon": self.bulutfon,
            "bulutsantralim": self.bulutsantralim,
            "telsam": self.telsam,
        }
        return accounts[choose(provider, FAX_PROVIDERS, "provider")]

    def set_extensions(self, provider: str, numbers: object) -> list[str]:
        """Replace the extensions of a PBX provider; return them as the PBX now lists them."""
        pbx = self.pbx(provider)
        kept = extension_numbers(numbers)
        pbx.set_extensions(kept)
        return kept

    def fax_book(self, provider: str) -> FaxBook:
        """Return the faxes of a provider."""
        return self.provider_state(provider).faxes

    def inject(self, provider: str, endpoint: str, fault: Fault) -> None:
        """Make `endpoint` of `provider` misbehave as `fault` says."""
        self.faults[(provider, endpoint)] = fault

    def clear_faults(self) -> None:
        """Let every endpoint behave again."""
        self.faults.clear()

    def take_fault(self, provider: str, endpoint: str) -> Fault | None:
        """Return the fault to apply to this request, counting it down."""
        fault = self.faults.get((provider, endpoint))
        if fault is None:
            return None
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                del self.faults[(provider, endpoint)]
        return fault

    def all_secrets(self) -> list[str]:
        """Every credential the simulated providers accept or ever issued."""
        known = [
            self.bulutfon.token,
            self.bulutfon.password,
            self.bulutsantralim.api_key,
            self.telsam.password,
            self.telsam.client_secret,
            *self.telsam.issued,
        ]
        if self.bulutfon.webhook.password:
            known.append(self.bulutfon.webhook.password)
        return known

    def count(self, provider: str | None = None, endpoint: str | None = None) -> int:
        """How many requests matched `provider` and `endpoint` (None matches all)."""
        return sum(
            1
            for record in self.requests
            if (provider is None or record.provider == provider)
            and (endpoint is None or record.endpoint == endpoint)
        )
