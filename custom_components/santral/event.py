"""Call event entity: ringing, answered, hangup and missed, for automations built in the UI."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .calls import CallTracker
from .const import SIGNAL_CALL
from .coordinator import SantralConfigEntry
from .entity import account_device_info
from .providers import CallEvent, CallEventType

# Events are pushed; nothing is polled per entity.
PARALLEL_UPDATES = 0

CALL_EVENT = EventEntityDescription(
    key="call",
    translation_key="call",
    event_types=[event_type.value for event_type in CallEventType],
)
ATTRIBUTES = (
    "call_id",
    "direction",
    "caller",
    "callee",
    "extension",
    "duration",
    "source",
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the call event entity to accounts that have calls."""
    if (tracker := entry.runtime_data.calls) is not None:
        async_add_entities([SantralCallEventEntity(entry, tracker)])


class SantralCallEventEntity(EventEntity):
    """Fires once per announced call event of the account."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description = CALL_EVENT

    def __init__(self, entry: SantralConfigEntry, tracker: CallTracker) -> None:
        """Attach to the account device."""
        self._tracker = tracker
        self._attr_unique_id = f"{entry.entry_id}_call"
        self._attr_device_info = account_device_info(entry)

    async def async_added_to_hass(self) -> None:
        """Subscribe to the account's call events."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, SIGNAL_CALL.format(self._tracker.entry_id), self._on_call
            )
        )

    @callback
    def _on_call(self, event: CallEvent, data: dict[str, Any]) -> None:
        self._trigger_event(event.type.value, {key: data[key] for key in ATTRIBUTES})
        self.async_write_ha_state()
