"""Account sensors."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator

PREFIX = "sensor.bulutfon_santral_bulutfon_net"


async def test_bulutfon_account_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """Balance in TRY, PBX state as an enum and the package as a diagnostic, off by default."""
    entry = make_entry("bulutfon_token")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    package = entity_registry.async_get(f"{PREFIX}_package")
    assert package.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get(f"{PREFIX}_package") is None

    entity_registry.async_update_entity(package.entity_id, disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    balance = hass.states.get(f"{PREFIX}_balance")
    assert balance.state == "300.06"
    assert balance.attributes[ATTR_UNIT_OF_MEASUREMENT] == "TRY"
    assert balance.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.MONETARY

    pbx_state = hass.states.get(f"{PREFIX}_pbx_state")
    assert pbx_state.state == "confirmed"
    assert "suspended" in pbx_state.attributes["options"]

    assert hass.states.get(f"{PREFIX}_package").state == "LARGE"
    package = entity_registry.async_get(f"{PREFIX}_package")
    assert package.entity_category is EntityCategory.DIAGNOSTIC
    assert package.unique_id == f"{entry.entry_id}_package"


async def test_providers_without_account_data_have_no_account_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """Bulutsantralim and Telsam report no balance: no empty account sensors are made."""
    for kind in ("bulutsantralim", "telsam"):
        entry = make_entry(kind)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        keys = {
            entity.unique_id.removeprefix(f"{entry.entry_id}_")
            for entity in er.async_entries_for_config_entry(
                entity_registry, entry.entry_id
            )
        }
        assert not keys & {"balance", "pbx_state", "package"}
