"""Santral: Turkish cloud telephony and fax (Bulutfon, Bulutsantralim, Telsam Yenifaks)."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .clients import create_client
from .coordinator import SantralAccountCoordinator, SantralConfigEntry, SantralData
from .entity import account_device_info

PLATFORMS: list[Platform] = [Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: SantralConfigEntry) -> bool:
    """Check the credentials with a first poll, then create the device and entities."""
    client = create_client(hass, entry.data)
    account = SantralAccountCoordinator(hass, entry, client)
    await account.async_config_entry_first_refresh()
    entry.runtime_data = SantralData(client=client, account=account)

    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **account_device_info(entry)
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SantralConfigEntry) -> bool:
    """Unload the platforms; the shared HTTP session stays with Home Assistant."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
