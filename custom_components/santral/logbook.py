"""Logbook lines for `santral_call` and `santral_fax`: what happened, and with whom.

"Missed: Ayşe (+90 532 123 45 67) → 1001". The kind of call or fax is the event entity's
translated event type, so the line reads in Home Assistant's language; the number is shown
in the entry's chosen format, with the phonebook's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.translation import async_get_cached_translations

from .const import DOMAIN, EVENT_CALL, EVENT_FAX
from .phonebook import PhoneBook

type DescribeEvent = Callable[[str, str, Callable[[Event], dict[str, str]]], None]


@callback
def async_describe_events(
    hass: HomeAssistant, async_describe_event: DescribeEvent
) -> None:
    """Describe Santral's call and fax events in the logbook."""

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
        return {LOGBOOK_ENTRY_NAME: title, LOGBOOK_ENTRY_MESSAGE: message}

    @callback
    def describe_fax(event: Event) -> dict[str, str]:
        data = event.data
        title, phonebook = _context(data)
        who = phonebook.describe(data.get("remote"), data.get("remote_name"))
        message = f"{_label('fax', data.get('type', ''))}: {who}"
        return {LOGBOOK_ENTRY_NAME: title, LOGBOOK_ENTRY_MESSAGE: message}

    async_describe_event(DOMAIN, EVENT_CALL, describe_call)
    async_describe_event(DOMAIN, EVENT_FAX, describe_fax)
