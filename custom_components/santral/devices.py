"""Extension devices: one owner creates, announces, prunes and forgets them.

Where the provider lists its extensions, the list decides which extensions have a device:
one it does not list gets none, however often it appears in calls. Until the list is first
read, the extensions seen in calls get theirs. A device goes only when two successful reads
in a row miss its extension, and an empty list is never believed: one odd answer must not
delete devices a person has named and placed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import (
    async_dispatcher_connect,
    async_dispatcher_send,
)
from homeassistant.helpers.translation import async_get_cached_translations

from .calls import CallTracker, async_forget_stored_extension
from .const import DOMAIN, LOGGER, SIGNAL_EXTENSIONS_ADDED, SIGNAL_NEW_EXTENSION
from .coordinator import SantralConfigEntry, SantralData, SantralExtensionsCoordinator
from .entity import extension_device_info, extension_identifier


def extension_number(entry: SantralConfigEntry, device: dr.DeviceEntry) -> str | None:
    """Return the extension a device of the entry stands for; None for the account."""
    prefix = extension_identifier(entry.entry_id, "")
    for domain, identifier in device.identifiers:
        if domain == DOMAIN and identifier.startswith(prefix):
            return identifier.removeprefix(prefix)
    return None


@callback
def extension_model(hass: HomeAssistant) -> str | None:
    """Return what an extension device is, in Home Assistant's language."""
    translations = async_get_cached_translations(
        hass, hass.config.language, "device", DOMAIN
    )
    return translations.get(f"component.{DOMAIN}.device.extension_model.name")


class ExtensionDevices:
    """The extension devices of one entry, from the calls seen and the PBX's list.

    Each device it makes is announced once per load with `SIGNAL_EXTENSIONS_ADDED`, which
    the sensor platform turns into entities; a device that goes is forgotten here, so it is
    announced again if the PBX lists its extension again.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SantralConfigEntry,
        calls: CallTracker | None,
        listing: SantralExtensionsCoordinator | None,
    ) -> None:
        """Follow the extensions `calls` sees and the ones `listing` reads."""
        self._hass = hass
        self._entry = entry
        self._calls = calls
        self._listing = listing
        self._announced: set[str] = set()
        self._missing: set[str] = set()

    @property
    def numbers(self) -> list[str]:
        """Return the extensions whose device was announced."""
        return sorted(self._announced)

    @callback
    def async_start(self) -> None:
        """Make the devices known now, then follow the calls and the list until unload."""
        if self._calls is not None:
            self._async_add(self._calls.extensions)
            self._entry.async_on_unload(
                async_dispatcher_connect(
                    self._hass,
                    SIGNAL_NEW_EXTENSION.format(self._entry.entry_id),
                    self._async_seen_in_a_call,
                )
            )
        if self._listing is not None:
            self._async_on_list()
            self._entry.async_on_unload(
                self._listing.async_add_listener(self._async_on_list)
            )

    @callback
    def async_forget(self, number: str) -> None:
        """Forget an extension whose device goes: its call state and its announcement."""
        self._announced.discard(number)
        if self._calls is not None:
            self._calls.async_forget_extension(number)

    @callback
    def _async_seen_in_a_call(self, number: str) -> None:
        self._async_add([number])

    @callback
    def _async_on_list(self) -> None:
        listing = self._listing
        assert listing is not None
        if listing.last_update_success:
            self._async_prune(listing.data)
        if listing.data is not None:
            self._async_add(listing.data)

    def _listed(self) -> Collection[str] | None:
        """Return the last list read successfully, or None before the first one."""
        return self._listing.data if self._listing is not None else None

    @callback
    def _async_add(self, numbers: Iterable[str]) -> None:
        listed = self._listed()
        new = sorted(
            number
            for number in set(numbers) - self._announced
            if listed is None or number in listed
        )
        if not new:
            return
        for number in new:
            self._async_create_device(number)
        self._announced.update(new)
        async_dispatcher_send(
            self._hass, SIGNAL_EXTENSIONS_ADDED.format(self._entry.entry_id), new
        )

    @callback
    def _async_create_device(self, number: str) -> None:
        """Make the extension's device, shown under the account's device.

        Made here rather than by its entities, because the link to the account's device is
        spelled differently across the supported Home Assistant versions, except in an
        update.
        """
        registry = dr.async_get(self._hass)
        account_device = self._entry.runtime_data.device_id
        info = extension_device_info(self._entry, number)
        info["model"] = extension_model(self._hass)
        device = registry.async_get_or_create(
            config_entry_id=self._entry.entry_id, **info
        )
        if device.via_device_id != account_device:
            registry.async_update_device(device.id, via_device_id=account_device)

    @callback
    def _async_prune(self, listed: Iterable[str]) -> None:
        """Take one successful read of the list: remove the devices missing twice in a row."""
        listed = set(listed)
        if not listed:
            return
        registry = dr.async_get(self._hass)
        unlisted = {
            number: device
            for device in dr.async_entries_for_config_entry(
                registry, self._entry.entry_id
            )
            if (number := extension_number(self._entry, device)) is not None
            and number not in listed
        }
        removed = sorted(number for number in unlisted if number in self._missing)
        self._missing = set(unlisted) - set(removed)
        for number in removed:
            self.async_forget(number)
            registry.async_remove_device(unlisted[number].id)
        if removed:
            LOGGER.info(
                "%s no longer lists extension(s) %s; removed",
                self._entry.title,
                ", ".join(removed),
            )


@callback
def async_forget_extension(
    hass: HomeAssistant, entry: SantralConfigEntry, number: str
) -> None:
    """Forget an extension whose device a person deleted, loaded or not."""
    data: SantralData | None = getattr(entry, "runtime_data", None)
    if data is None:
        hass.async_create_task(
            async_forget_stored_extension(hass, entry.entry_id, number),
            "santral forget extension",
        )
    elif data.extension_devices is not None:
        data.extension_devices.async_forget(number)
