"""Diagnostics: what helps debugging, without credentials, webhook ids or phone numbers.

Call, fax and voicemail history is summarised as counts and times; numbers never leave the tracker.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant

from .const import (
    CONF_ALERT_NUMBERS,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_PHONEBOOK,
    CONF_WEBHOOK_PASSWORD,
    CONF_WEBHOOK_USERNAME,
)
from .coordinator import SantralConfigEntry

TO_REDACT = {
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_USERNAME,
    CONF_WEBHOOK_PASSWORD,
    CONF_PHONEBOOK,
    CONF_ALERT_NUMBERS,
    "title",
    "unique_id",
}


def _coordinator(coordinator: Any) -> dict[str, Any] | None:
    if coordinator is None:
        return None
    return {
        "last_update_success": coordinator.last_update_success,
        "update_interval": str(coordinator.update_interval),
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SantralConfigEntry
) -> dict[str, Any]:
    """Return the entry's configuration (redacted) and the state of its pollers and trackers."""
    data = entry.runtime_data
    account = data.account.data
    diagnostics: dict[str, Any] = {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            TO_REDACT,
        ),
        "provider": data.client.provider.value,
        "capabilities": sorted(
            capability.value for capability in data.client.capabilities
        ),
        "account": {
            "balance": str(account.balance) if account.balance is not None else None,
            "pbx_state": account.pbx_state.value if account.pbx_state else None,
            "package": account.package,
            "numbers": len(account.numbers),
        },
        "pollers": {
            "account": _coordinator(data.account),
            "call_history": _coordinator(data.call_history),
            "fax_history": _coordinator(data.fax_history),
            "extensions": _coordinator(data.extensions),
            "voicemail": _coordinator(data.voicemail_history),
        },
    }
    if (calls := data.calls) is not None:
        diagnostics["calls"] = {
            "announced": len(calls.announced),
            "logged": len(calls.data.log),
            "today": calls.count_today(),
            "missed_today": calls.count_today("missed"),
            "extensions": dict(
                Counter(
                    status.state.value
                    for status in calls.extension_states.statuses.values()
                )
            ),
            "watermark": calls.watermark.isoformat() if calls.watermark else None,
        }
    if (faxes := data.faxes) is not None:
        diagnostics["faxes"] = {
            "announced": len(faxes.announced),
            "pending": len(faxes.pending),
            "awaiting_archive": len(faxes.attempts),
            "archive": faxes.archive is not None,
            "watermark": faxes.watermark.isoformat() if faxes.watermark else None,
        }
    if (voicemail := data.voicemail) is not None:
        diagnostics["voicemail"] = {
            "announced": len(voicemail.announced),
            "logged": len(voicemail.log),
            "unread": voicemail.unread_count(),
            "watermark": (
                voicemail.watermark.isoformat() if voicemail.watermark else None
            ),
        }
    return diagnostics
