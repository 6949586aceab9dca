"""Do-not-disturb switches: one on each extension's device, where the PBX switches it."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SIGNAL_EXTENSIONS_ADDED
from .coordinator import SantralConfigEntry, SantralExtensionsCoordinator
from .entity import SantralListedEntity, extension_device_info
from .failures import provider_failed
from .providers import DoNotDisturbControl, Presence, SantralError

# The presence list is read by its coordinator; a switch only sends its own change.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Give each extension whose presence the PBX reports a do-not-disturb switch."""
    data = entry.runtime_data
    control = data.client.do_not_disturb
    listing = data.extensions
    devices = data.extension_devices
    if control is None or listing is None or devices is None:
        return

    @callback
    def _add(numbers: list[str]) -> None:
        switches = [
            SantralDoNotDisturbSwitch(listing, control, number)
            for number in numbers
            if listing.data is not None
            and (extension := listing.data.get(number)) is not None
            and extension.presence is not None
        ]
        if switches:
            async_add_entities(switches)

    _add(devices.numbers)
    entry.async_on_unload(
        async_dispatcher_connect(
            hass, SIGNAL_EXTENSIONS_ADDED.format(entry.entry_id), _add
        )
    )


class SantralDoNotDisturbSwitch(
    SantralListedEntity[SantralExtensionsCoordinator], SwitchEntity
):
    """An extension's do-not-disturb, as the PBX's presence list shows it (`SS_DND`).

    Disabled by default: enabling one has the list read every 40 seconds, as a presence
    sensor does, and that one read serves every extension. After a toggle the switch
    shows the new state at once, until a read sent after the PBX took the change says
    what it is; the read is brought forward within the PBX's limit, never added.
    """

    _attr_translation_key = "do_not_disturb"
    _attr_entity_registry_enabled_default = False

    def __init__(
        self,
        coordinator: SantralExtensionsCoordinator,
        control: DoNotDisturbControl,
        number: str,
    ) -> None:
        """Attach to the extension's device."""
        super().__init__(
            coordinator,
            f"do_not_disturb_{number}",
            extension_device_info(coordinator.config_entry, number),
        )
        self._control = control
        self._number = number
        # What the switch was set to, and when (loop time) the PBX took it, until read.
        self._set_to: bool | None = None
        self._set_at: float | None = None

    async def async_added_to_hass(self) -> None:
        """Have the list read at presence pace while this switch is enabled."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_follow_presence())

    @property
    def is_on(self) -> bool | None:
        """Return the state set last, until read; else whether the PBX says `SS_DND`."""
        if self._set_to is not None:
            return self._set_to
        presence = self.coordinator.data[self._number].presence
        if presence is None or presence is Presence.UNKNOWN:
            return None
        return presence is Presence.DO_NOT_DISTURB

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the extension's do-not-disturb on."""
        await self._async_set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the extension's do-not-disturb off."""
        await self._async_set(False)

    async def _async_set(self, on: bool) -> None:
        """Tell the PBX, show the change, and have the next read brought forward."""
        try:
            await self._control.async_set_dnd(self._number, on)
        except SantralError as err:
            raise provider_failed(self.coordinator.config_entry, err) from err
        self._set_to, self._set_at = on, self.hass.loop.time()
        self.async_write_ha_state()
        self.coordinator.async_confirm_soon(self._control)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Let a read sent after the change replace the state shown since."""
        read_at = self.coordinator.read_at
        if (
            self._set_at is not None
            and self.coordinator.last_update_success
            and read_at is not None
            and read_at > self._set_at
        ):
            self._set_to = self._set_at = None
        super()._handle_coordinator_update()
