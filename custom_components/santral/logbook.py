"""Logbook lines for Santral's call, fax, voicemail and call alert events: what, with whom.

"Missed: Ayşe (+90 532 123 45 67) → 1001". The kind of call or fax is the event entity's
translated event type, so the line reads in Home Assistant's language; the number is shown
in the entry's chosen format, with the phonebook's name. Each line has the icon of its kind
and belongs to the account's call or fax event entity, so it also shows on that entity's
and its device's logbook. A call alert's line ("Acknowledged: Ayşe (+90 532 123 45 67) (1)",
with the key pressed) belongs to the account's call alert entity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_ICON,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.translation import async_get_cached_translations

from .const import DOMAIN, EVENT_CALL, EVENT_CALL_ALERT, EVENT_FAX, EVENT_VOICEMAIL
from .phonebook import PhoneBook

type DescribeEvent = Callable[[str, str, Callable[[Event], dict[str, str]]], None]

# The icons of the event entities' event types (icons.json), by entity and event type.
ICONS: dict[str, dict[str, str]] = {
    "call": {
        "ringing": "mdi:phone-ring",
        "answered": "mdi:phone-in-talk",
        "hangup": "mdi:phone-hangup",
        "missed": "mdi:phone-missed",
        "voicemail": "mdi:voicemail",
    },
    "fax": {
        "received": "mdi:fax",
        "sent": "mdi:send",
        "failed": "mdi:send-lock",
    },
}
DEFAULT_ICONS = {"call": "mdi:phone", "fax": "mdi:fax"}
ALERT_ICONS = {
    "answered": "mdi:phone-check",
    "acknowledged": "mdi:check-decagram",
    "failed": "mdi:phone-off",
}
# Where the outcomes' names are translated: the call alert entity's `outcome` states.
ALERT_LABELS = (
    f"component.{DOMAIN}.entity.notify.call_alert.state_attributes.outcome.state"
)


@callback
def async_describe_events(
    hass: HomeAssistant, async_describe_event: DescribeEvent
) -> None:
    """Describe Santral's call, fax and voicemail events in the logbook."""

    def _context(data: Mapping[str, Any]) -> tuple[str, PhoneBook]:
        entry = hass.config_entries.async_get_entry(data.get("entry_id", ""))
        if entry is None:
            return str(data.get("provider", DOMAIN)), PhoneBook()
        return entry.title, PhoneBook.from_options(entry.options)

    def _label(entity: str, kind: str) -> str:
        translations = async_get_cached_translations(
            hass, hass.config.language, "entity", DOMAIN
        )
        key = f"component.{DOMAIN}.entity.event.{entity}.state_attributes.event_type.state.{kind}"
        return translations.get(key, kind)

    def _line(
        entity: str, data: Mapping[str, Any], title: str, message: str
    ) -> dict[str, str]:
        kind = str(data.get("type", "voicemail" if "voicemail_id" in data else ""))
        line = {
            LOGBOOK_ENTRY_NAME: title,
            LOGBOOK_ENTRY_MESSAGE: message,
            LOGBOOK_ENTRY_ICON: ICONS[entity].get(kind, DEFAULT_ICONS[entity]),
        }
        entity_id = er.async_get(hass).async_get_entity_id(
            "event", DOMAIN, f"{data.get('entry_id')}_{entity}"
        )
        if entity_id is not None:
            line[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
        return line

    @callback
    def describe_call(event: Event) -> dict[str, str]:
        data = event.data
        title, phonebook = _context(data)
        if data.get("direction") == "outbound":
            who = phonebook.describe(data.get("callee"), data.get("callee_name"))
        else:
            who = phonebook.describe(data.get("caller"), data.get("caller_name"))
        message = f"{_label('call', data.get('type', ''))}: {who}"
        if (extension := data.get("extension")) and data.get("direction") != "outbound":
            message += f" → {extension}"
        return _line("call", data, title, message)

    @callback
    def describe_fax(event: Event) -> dict[str, str]:
        data = event.data
        title, phonebook = _context(data)
        who = phonebook.describe(data.get("remote"), data.get("remote_name"))
        message = f"{_label('fax', data.get('type', ''))}: {who}"
        return _line("fax", data, title, message)

    @callback
    def describe_voicemail(event: Event) -> dict[str, str]:
        data = event.data
        title, phonebook = _context(data)
        who = phonebook.describe(data.get("caller"), data.get("caller_name"))
        message = f"{_label('call', 'voicemail')}: {who}"
        if extension := data.get("extension"):
            message += f" → {extension}"
        return _line("call", data, title, message)

    @callback
    def describe_call_alert(event: Event) -> dict[str, str]:
        data = event.data
        title, phonebook = _context(data)
        kind = str(data.get("type", ""))
        translations = async_get_cached_translations(
            hass, hass.config.language, "entity", DOMAIN
        )
        message = f"{translations.get(f'{ALERT_LABELS}.{kind}', kind)}: "
        message += phonebook.describe(data.get("number"))
        if digit := data.get("digit"):
            message += f" ({digit})"
        line = {
            LOGBOOK_ENTRY_NAME: title,
            LOGBOOK_ENTRY_MESSAGE: message,
            LOGBOOK_ENTRY_ICON: ALERT_ICONS.get(kind, "mdi:phone-alert"),
        }
        entity_id = er.async_get(hass).async_get_entity_id(
            "notify", DOMAIN, f"{data.get('entry_id')}_call_alert"
        )
        if entity_id is not None:
            line[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
        return line

    async_describe_event(DOMAIN, EVENT_CALL, describe_call)
    async_describe_event(DOMAIN, EVENT_CALL_ALERT, describe_call_alert)
    async_describe_event(DOMAIN, EVENT_VOICEMAIL, describe_voicemail)
    async_describe_event(DOMAIN, EVENT_FAX, describe_fax)
