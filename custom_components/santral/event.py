"""Call and fax event entities: ringing, answered, hangup, missed, voicemail and faxes.

They are for automations built in the UI; the `santral_call`, `santral_fax` and
`santral_voicemail` bus events carry the same.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .calls import CallTracker
from .const import SIGNAL_CALL, SIGNAL_FAX, SIGNAL_VOICEMAIL
from .coordinator import SantralConfigEntry
from .entity import SantralEntity
from .providers import CallEvent, CallEventType

# Events are pushed; nothing is polled per entity.
PARALLEL_UPDATES = 0

CALL_EVENT = EventEntityDescription(
    key="call",
    translation_key="call",
    event_types=[event_type.value for event_type in CallEventType],
)
# The call event entity of an account with voicemail also fires when a message is left.
VOICEMAIL_TYPE = "voicemail"
CALL_AND_VOICEMAIL_EVENT = EventEntityDescription(
    key="call",
    translation_key="call",
    event_types=[*(event_type.value for event_type in CallEventType), VOICEMAIL_TYPE],
)
VOICEMAIL_ATTRIBUTES = (
    "voicemail_id",
    "extension",
    "caller",
    "caller_name",
    "received",
    "duration",
)
ATTRIBUTES = (
    "call_id",
    "direction",
    "caller",
    "caller_name",
    "callee",
    "callee_name",
    "extension",
    "duration",
    "source",
)
FLOW_ATTRIBUTES = ("answered_by", "rang")
FAX_EVENT = EventEntityDescription(
    key="fax", translation_key="fax", event_types=["received", "sent", "failed"]
)
FAX_ATTRIBUTES = (
    "fax_id",
    "direction",
    "remote",
    "remote_name",
    "local",
    "pages",
    "subject",
    "file",
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the call and fax event entities to accounts that have calls or faxes."""
    if (tracker := entry.runtime_data.calls) is not None:
        async_add_entities([SantralCallEventEntity(entry, tracker)])
    if entry.runtime_data.faxes is not None:
        async_add_entities([SantralFaxEventEntity(entry)])


class SantralCallEventEntity(SantralEntity, EventEntity):
    """Fires once per announced call event of the account."""

    entity_description = CALL_EVENT

    def __init__(self, entry: SantralConfigEntry, tracker: CallTracker) -> None:
        """Attach to the account device."""
        super().__init__(entry, "call")
        self._tracker = tracker
        self._voicemail = entry.runtime_data.voicemail is not None
        if self._voicemail:
            self.entity_description = CALL_AND_VOICEMAIL_EVENT

    async def async_added_to_hass(self) -> None:
        """Subscribe to the account's call events, and its voicemail if it has any."""
        await super().async_added_to_hass()
        entry_id = self._tracker.entry_id
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, SIGNAL_CALL.format(entry_id), self._on_call
            )
        )
        if self._voicemail:
            self.async_on_remove(
                async_dispatcher_connect(
                    self.hass, SIGNAL_VOICEMAIL.format(entry_id), self._on_voicemail
                )
            )

    @callback
    def _on_voicemail(self, data: dict[str, Any]) -> None:
        self._trigger_event(
            VOICEMAIL_TYPE, {key: data[key] for key in VOICEMAIL_ATTRIBUTES}
        )
        self.async_write_ha_state()

    @callback
    def _on_call(self, event: CallEvent, data: dict[str, Any]) -> None:
        attributes = {key: data[key] for key in ATTRIBUTES}
        # Who answered and who rang, where the provider told it.
        attributes |= {key: data[key] for key in FLOW_ATTRIBUTES if key in data}
        self._trigger_event(event.type.value, attributes)
        self.async_write_ha_state()


class SantralFaxEventEntity(SantralEntity, EventEntity):
    """Fires once per received fax, and once per sent fax when it settles."""

    entity_description = FAX_EVENT

    def __init__(self, entry: SantralConfigEntry) -> None:
        """Attach to the account device."""
        super().__init__(entry, "fax")
        self._entry_id = entry.entry_id

    async def async_added_to_hass(self) -> None:
        """Subscribe to the account's fax events."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, SIGNAL_FAX.format(self._entry_id), self._on_fax
            )
        )

    @callback
    def _on_fax(self, kind: str, data: dict[str, Any]) -> None:
        self._trigger_event(kind, {key: data[key] for key in FAX_ATTRIBUTES})
        self.async_write_ha_state()
