"""Normalized models shared by every provider client."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Provider(StrEnum):
    """The services Santral speaks to."""

    BULUTFON = "bulutfon"
    BULUTSANTRALIM = "bulutsantralim"
    TELSAM = "telsam"


class Capability(StrEnum):
    """What a provider can do; the integration creates entities and accepts actions by these."""

    ACCOUNT_BALANCE = "account_balance"
    CALL_EVENTS = "call_events"
    CALL_HISTORY = "call_history"
    FAX_HISTORY = "fax_history"
    SEND_FAX = "send_fax"
    ORIGINATE = "originate"
    RECORDINGS = "recordings"
    PRESENCE = "presence"


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
