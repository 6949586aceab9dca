"""Extension devices: one per extension the PBX lists, gone when the PBX stops listing it."""

from __future__ import annotations

from collections.abc import Collection

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.translation import async_get_cached_translations

from .calls import async_forget_stored_extension
from .const import DOMAIN, LOGGER, SIGNAL_EXTENSION_REMOVED
from .coordinator import SantralConfigEntry, SantralData
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


@callback
def async_create_extension_device(
    hass: HomeAssistant, entry: SantralConfigEntry, number: str
) -> None:
    """Make the extension's device, shown under the account's device.

    Made here rather than by its entities, because the link to the account's device is
    spelled differently across the supported Home Assistant versions, except in an update.
    """
    registry = dr.async_get(hass)
    info = extension_device_info(entry, number)
    info["model"] = extension_model(hass)
    device = registry.async_get_or_create(config_entry_id=entry.entry_id, **info)
    if device.via_device_id != entry.runtime_data.device_id:
        registry.async_update_device(
            device.id, via_device_id=entry.runtime_data.device_id
        )


@callback
def async_forget_extension(
    hass: HomeAssistant, entry: SantralConfigEntry, number: str
) -> None:
    """Forget an extension whose device goes: its stored call state and its sensors.

    Its sensors can then be made again if the PBX lists it again.
    """
    data: SantralData | None = getattr(entry, "runtime_data", None)
    if data is None:
        hass.async_create_task(
            async_forget_stored_extension(hass, entry.entry_id, number),
            "santral forget extension",
        )
    elif data.calls is not None:
        data.calls.async_forget_extension(number)
    async_dispatcher_send(hass, SIGNAL_EXTENSION_REMOVED.format(entry.entry_id), number)


class StaleExtensionPruner:
    """Removes the devices of extensions the PBX no longer lists, once it is sure.

    An extension goes only when two successful reads in a row miss it, and an empty list is
    never believed: one odd answer must not delete devices a person has named and placed.
    """

    def __init__(self, hass: HomeAssistant, entry: SantralConfigEntry) -> None:
        """Prune the extension devices of `entry`."""
        self._hass = hass
        self._entry = entry
        self._missing: set[str] = set()

    @callback
    def async_prune(self, listed: Collection[str]) -> list[str]:
        """Take one successful read of the list; return the numbers whose device went."""
        if not listed:
            return []
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
            async_forget_extension(self._hass, self._entry, number)
            registry.async_remove_device(unlisted[number].id)
        if removed:
            LOGGER.info(
                "%s no longer lists extension(s) %s; removed",
                self._entry.title,
                ", ".join(removed),
            )
        return removed
