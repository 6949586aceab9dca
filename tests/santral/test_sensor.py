"""Account sensors, and how sensors follow a provider that fails."""

from __future__ import annotations

from collections.abc import Callable
import logging

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Fault, FaultKind, Simulator
from tests.helpers import setup

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


async def test_unavailable_while_the_provider_fails(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Sensors go unavailable with their poll; the failure and the return log once each."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    account = entry.runtime_data.account
    history = entry.runtime_data.call_history
    assert history is not None
    simulator.inject("bulutfon", "me", Fault(FaultKind.SERVER_ERROR, times=2))
    simulator.inject("bulutfon", "cdrs", Fault(FaultKind.SERVER_ERROR, times=2))
    for _ in range(2):
        await account.async_refresh()
        await history.async_refresh()
        await hass.async_block_till_done()
        assert hass.states.get(f"{PREFIX}_balance").state == STATE_UNAVAILABLE
        assert hass.states.get(f"{PREFIX}_calls_today").state == STATE_UNAVAILABLE
        assert hass.states.get("sensor.extension_1001").state == "idle"
        assert hass.states.get(f"{PREFIX}_last_caller").state == STATE_UNKNOWN

    await account.async_refresh()
    await history.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"{PREFIX}_balance").state == "300.06"
    assert hass.states.get(f"{PREFIX}_calls_today").state == "0"

    santral = [r for r in caplog.records if r.name == "custom_components.santral"]
    failed = [r for r in santral if r.levelno >= logging.WARNING]
    recovered = [r for r in santral if "recovered" in r.getMessage()]
    assert len(failed) == 2  # the account poll and the call history poll, once each
    assert len(recovered) == 2
