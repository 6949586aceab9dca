"""HA-free asyncio clients for Turkish cloud telephony and fax providers.

This package imports aiohttp and the standard library only. It turns each provider's wire
format into the normalized models in `models`, and every failure into an error of `errors`.
"""

from . import bulutfon, bulutsantralim, telsam
from .bulutfon import BulutfonClient
from .bulutsantralim import BulutsantralimClient
from .client import (
    CallAlertService,
    CallControlSource,
    CallFlowSource,
    CallHistorySource,
    DoNotDisturbControl,
    ExtensionSource,
    FaxSource,
    LiveCallControl,
    NotificationTarget,
    PreparedRequest,
    ProviderClient,
    QueueSource,
    VoicemailSource,
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
    Agent,
    AgentStatus,
    AlertOutcome,
    AlertRecipient,
    AlertSound,
    CallAlert,
    CallDirection,
    CallEvent,
    CallEventType,
    CallFlow,
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
    Queue,
    RecordingLink,
    Voicemail,
)
from .phone import (
    NumberFormat,
    format_number,
    full_number,
    normalize_number,
    to_provider_number,
)
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
    "Agent",
    "AgentStatus",
    "AlertOutcome",
    "AlertRecipient",
    "AlertSound",
    "BulutfonClient",
    "BulutsantralimClient",
    "CallAlert",
    "CallAlertService",
    "CallControlSource",
    "CallDirection",
    "CallEvent",
    "CallEventType",
    "CallFlow",
    "CallFlowSource",
    "CallHistorySource",
    "CallRecord",
    "CallRecordPage",
    "Capability",
    "DoNotDisturbControl",
    "Document",
    "Extension",
    "ExtensionSource",
    "FaxDirection",
    "FaxFile",
    "FaxRecord",
    "FaxSource",
    "FaxStatus",
    "LiveCallControl",
    "NotificationTarget",
    "NumberFormat",
    "PbxState",
    "PreparedRequest",
    "Presence",
    "Provider",
    "ProviderClient",
    "ProviderDescription",
    "Queue",
    "QueueSource",
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
    "Voicemail",
    "VoicemailSource",
    "format_number",
    "full_number",
    "is_bulutfon_fax_notice",
    "normalize_number",
    "parse_bulutfon_webhook",
    "parse_bulutsantralim_webhook",
    "to_provider_number",
]
