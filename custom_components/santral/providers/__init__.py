"""HA-free asyncio clients for Turkish cloud telephony and fax providers.

This package imports aiohttp and the standard library only. It turns each provider's wire
format into the normalized models in `models`, and every failure into an error of `errors`.
"""

from . import bulutfon, bulutsantralim, telsam
from .bulutfon import BulutfonClient
from .bulutsantralim import BulutsantralimClient
from .client import (
    CallControlSource,
    CallHistorySource,
    ExtensionSource,
    FaxSource,
    NotificationTarget,
    PreparedRequest,
    ProviderClient,
)
from .description import SECRET_FIELDS, ProviderDescription
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
from .telsam import TelsamClient, TelsamToken
from .webhooks import (
    is_bulutfon_fax_notice,
    parse_bulutfon_webhook,
    parse_bulutsantralim_webhook,
)

DESCRIPTIONS: dict[Provider, ProviderDescription] = {
    module.DESCRIPTION.provider: module.DESCRIPTION
    for module in (bulutfon, bulutsantralim, telsam)
}
DEFAULT_BASE_URLS: dict[Provider, str] = {
    provider: description.default_base_url
    for provider, description in DESCRIPTIONS.items()
}

__all__ = [
    "DEFAULT_BASE_URLS",
    "DESCRIPTIONS",
    "SECRET_FIELDS",
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
    "NotificationTarget",
    "PreparedRequest",
    "Provider",
    "ProviderClient",
    "ProviderDescription",
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
