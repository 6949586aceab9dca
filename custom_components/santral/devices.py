"""Extension devices: one per extension the PBX lists, gone when the PBX stops listing it."""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN, LOGGER
from .coordinator import SantralConfigEntry
from .entity import extension_identifier


def extension_number(entry: SantralConfigEntry, device: dr.DeviceEntry) -> str | None:
    """Return the extension a device of the entry stands for; None for the account."""
    prefix = extension_identifier(entry.entry_id, "")
    for domain, identifier in device.identifiers:
        if domain == DOMAIN and identifier.startswith(prefix):
            return identifier.removeprefix(prefix)
    return None


@callback
def async_remove_stale_extensions(
    hass: HomeAssistant, entry: SantralConfigEntry, listed: Iterable[str]
) -> list[str]:
    """Remove the devices (and so the entities) of extensions the PBX no longer lists.

    Their call state is forgotten too, so that they do not come back after a restart.
    Return the numbers removed.
    """
    registry = dr.async_get(hass)
    keep = set(listed)
    removed = []
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        number = extension_number(entry, device)
        if number is None or number in keep:
            continue
        registry.async_update_device(device.id, remove_config_entry_id=entry.entry_id)
        if (calls := entry.runtime_data.calls) is not None:
            calls.async_forget_extension(number)
        removed.append(number)
    if removed:
        LOGGER.info(
            "%s no longer lists extension(s) %s; removed",
            entry.title,
            ", ".join(removed),
        )
    return removed
