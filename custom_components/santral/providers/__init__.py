"""HA-free asyncio clients for Turkish cloud telephony and fax providers.

This package imports aiohttp and the standard library only. It turns each provider's wire
format into the normalized models in `models`, and every failure into an error of `errors`.
"""

from .bulutfon import BULUTFON_BASE_URL, BulutfonClient
from .bulutsantralim import BULUTSANTRALIM_BASE_URL, BulutsantralimClient
from .client import ProviderClient
from .errors import (
    SantralAuthenticationError,
    SantralConnectionError,
    SantralError,
    SantralInvalidResponseError,
    SantralProviderError,
    SantralRateLimitedError,
)
from .models import Account, Capability, PbxState, Provider
from .phone import normalize_number, to_provider_number
from .telsam import TELSAM_BASE_URL, TelsamClient, TelsamToken

DEFAULT_BASE_URLS: dict[Provider, str] = {
    Provider.BULUTFON: BULUTFON_BASE_URL,
    Provider.BULUTSANTRALIM: BULUTSANTRALIM_BASE_URL,
    Provider.TELSAM: TELSAM_BASE_URL,
}

__all__ = [
    "DEFAULT_BASE_URLS",
    "Account",
    "BulutfonClient",
    "BulutsantralimClient",
    "Capability",
    "PbxState",
    "Provider",
    "ProviderClient",
    "SantralAuthenticationError",
    "SantralConnectionError",
    "SantralError",
    "SantralInvalidResponseError",
    "SantralProviderError",
    "SantralRateLimitedError",
    "TelsamClient",
    "TelsamToken",
    "normalize_number",
    "to_provider_number",
]
