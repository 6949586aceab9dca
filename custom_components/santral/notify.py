"""A notify entity per account that places call alerts: `notify.send_message` phones people.

The numbers it calls are the account's options ("Numbers a call alert phones"); the
message is spoken by Home Assistant's default TTS engine. The `santral.call_alert` action
does the same with every choice open: numbers, engine, language, key, sender.
"""

from __future__ import annotations

from homeassistant.components.notify import NotifyEntity
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .call_alert import AlertRequest, async_send_call_alert
from .const import CONF_ALERT_NUMBERS, DOMAIN
from .coordinator import SantralConfigEntry
from .entity import SantralEntity

# Each message is one request to the provider; the provider places the calls in turn.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the call alert entity when the account's provider places call alerts."""
    if entry.runtime_data.call_alerts is not None:
        async_add_entities([SantralCallAlertNotify(entry)])


class SantralCallAlertNotify(SantralEntity, NotifyEntity):
    """Phones the account's alert numbers and speaks the message."""

    _attr_translation_key = "call_alert"

    def __init__(self, entry: SantralConfigEntry) -> None:
        """Attach to the account device."""
        super().__init__(entry, "call_alert")
        self._entry = entry

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Call the numbers of the options; the title names the alert in the panel."""
        numbers = list(self._entry.options.get(CONF_ALERT_NUMBERS) or [])
        if not numbers:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="call_alert_no_numbers",
                translation_placeholders={"title": self._entry.title},
            )
        await async_send_call_alert(
            self.hass, self._entry, AlertRequest(numbers, message, title=title)
        )
