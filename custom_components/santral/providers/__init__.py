"""HA-free asyncio clients for Turkish cloud telephony and fax providers.

This package imports aiohttp and the standard library only. It turns each provider's wire
format into the normalized models in `models`, and every failure into an error of `errors`.
"""

from .bulutfon import BULUTFON_BASE_URL, BulutfonClient
from .bulutsantralim import BULUTSANTRALIM_BASE_URL, BulutsantralimClient
from .client import (
    CallControlSource,
    CallHistorySource,
    ExtensionSource,
    FaxSource,
    PreparedRequest,
    ProviderClient,
)
from .errors import (
    SantralAuthenticationError,
    SantralConnectionError,
    SantralError,
    SantralInvalidResponseError,
    SantralProviderError,
    SantralRateLimitedError,
    SantralWebhookError,
)
from .models import (
    Account,
    CallDirection,
    CallEvent,
    CallEventType,
    CallRecord,
    CallRecordPage,
    Capability,
    Document,
    Extension,
    FaxDirection,
    FaxFile,
    FaxRecord,
    FaxStatus,
    PbxState,
    Presence,
    Provider,
    RecordingLink,
)
from .phone import NumberFormat, format_number, normalize_number, to_provider_number
from .telsam import TELSAM_BASE_URL, TelsamClient, TelsamToken
from .webhooks import (
    is_bulutfon_fax_notice,
    parse_bulutfon_webhook,
    parse_bulutsantralim_webhook,
)

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
    "CallControlSource",
    "CallDirection",
    "CallHistorySource",
    "CallEvent",
    "CallEventType",
    "CallRecord",
    "CallRecordPage",
    "Capability",
    "FaxDirection",
    "Document",
    "Extension",
    "ExtensionSource",
    "FaxFile",
    "FaxRecord",
    "FaxSource",
    "FaxStatus",
    "PbxState",
    "Presence",
    "PreparedRequest",
    "Provider",
    "ProviderClient",
    "RecordingLink",
    "SantralAuthenticationError",
    "SantralConnectionError",
    "SantralError",
    "SantralInvalidResponseError",
    "SantralProviderError",
    "SantralRateLimitedError",
    "SantralWebhookError",
    "TelsamClient",
    "TelsamToken",
    "is_bulutfon_fax_notice",
    "NumberFormat",
    "format_number",
    "normalize_number",
    "parse_bulutfon_webhook",
    "parse_bulutsantralim_webhook",
    "to_provider_number",
]
