"""Extension devices: added as the PBX lists them, removed when it stops; presence sensors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.santral import async_remove_config_entry_device
from custom_components.santral.const import (
    DOMAIN,
    EXTENSIONS_INTERVAL,
    PRESENCE_INTERVAL,
)
from simulator import Fault, FaultKind, Simulator
from tests.helpers import post_santralim_form, santralim, setup

KINDS = {"bulutfon": "bulutfon_token", "bulutsantralim": "bulutsantralim"}
PRESENCE_1002 = "sensor.extension_1002_status"


def extension_devices(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Return the entry's extension devices, by extension number."""
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    prefix = f"{entry.entry_id}_extension_"
    return {
        identifier.removeprefix(prefix): device.id
        for device in devices
        for domain, identifier in device.identifiers
        if domain == DOMAIN and identifier.startswith(prefix)
    }


async def refresh_list(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Read the PBX's extension list as its timer would: Bulutsantralim allows 2 a minute."""
    freezer.tick(timedelta(seconds=31))
    assert entry.runtime_data.extensions is not None
    await entry.runtime_data.extensions.async_refresh()
    await hass.async_block_till_done()


def ringing(extension: str) -> str:
    """Return a Bulutsantralim notification that `extension` is ringing."""
    return santralim(
        "ringing",
        destination_number=extension,
        dialed_user=extension,
        connected_user=extension,
        call_uuid=f"c-{extension}",
    )


@pytest.mark.parametrize("provider", ["bulutfon", "bulutsantralim"])
async def test_extensions_come_and_go(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    provider: str,
) -> None:
    """A new extension gets its device at once; one missing from two reads in a row goes."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    assert sorted(extension_devices(hass, entry)) == [
        str(number) for number in range(1001, 1011)
    ]
    registry = dr.async_get(hass)
    for device_id in extension_devices(hass, entry).values():
        device = registry.async_get(device_id)
        assert device is not None
        assert device.via_device_id == entry.runtime_data.device_id
    assert hass.states.get("sensor.extension_1002").state == "idle"

    simulator.set_extensions(provider, [1001, 1003, 1011])
    await refresh_list(hass, entry, freezer)
    assert hass.states.get("sensor.extension_1011").state == "idle"
    assert len(extension_devices(hass, entry)) == 11  # one read is not proof

    await refresh_list(hass, entry, freezer)
    assert sorted(extension_devices(hass, entry)) == ["1001", "1003", "1011"]
    assert hass.states.get("sensor.extension_1011").state == "idle"
    assert hass.states.get("sensor.extension_1002") is None
    assert entity_registry.async_get("sensor.extension_1002") is None
    assert "1002" not in entry.runtime_data.calls.extensions

    simulator.set_extensions(provider, [1001, 1002, 1003, 1011])
    await refresh_list(hass, entry, freezer)
    assert hass.states.get("sensor.extension_1002").state == "idle"


async def test_misses_must_be_consecutive(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A listing between two misses starts the count again; a failed read counts for nothing."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    simulator.set_extensions("bulutfon", [1001])
    await refresh_list(hass, entry, freezer)  # miss
    simulator.set_extensions("bulutfon", [1001, 1002])
    await refresh_list(hass, entry, freezer)  # listed
    simulator.set_extensions("bulutfon", [1001])
    await refresh_list(hass, entry, freezer)  # miss
    simulator.inject("bulutfon", "extensions", Fault(FaultKind.SERVER_ERROR))
    await refresh_list(hass, entry, freezer)  # failed: neither a miss nor a listing
    assert "1002" in extension_devices(hass, entry)
    await refresh_list(hass, entry, freezer)  # second miss in a row
    assert "1002" not in extension_devices(hass, entry)


async def test_empty_list_removes_nothing(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
) -> None:
    """An empty list is not believed, however often it comes."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    simulator.set_extensions("bulutfon", [])
    for _ in range(3):
        await refresh_list(hass, entry, freezer)
    assert len(extension_devices(hass, entry)) == 10


async def test_list_is_read_on_its_timer(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """Without an enabled presence sensor the list is read every half hour."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    extensions = entry.runtime_data.extensions
    assert extensions is not None
    assert extensions.update_interval == EXTENSIONS_INTERVAL
    assert simulator.count("bulutfon", "extensions") == 1


async def test_unlisted_extension_gets_no_device(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A number the PBX does not list (a queue, a group) is tracked but gets no device."""
    await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    entry = await setup(hass, make_entry("bulutsantralim"))
    assert await post_santralim_form(client, ringing("2999")) == 200
    await hass.async_block_till_done()
    assert "2999" not in extension_devices(hass, entry)
    assert hass.states.get("sensor.extension_2999") is None
    assert entry.runtime_data.calls.extension("2999").state == "ringing"


async def test_failed_list_keeps_devices(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A failed read removes nothing; until a first good one, calls bring extensions in."""
    await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    simulator.inject("bulutsantralim", "user_statuses", Fault(FaultKind.SERVER_ERROR))
    entry = await setup(hass, make_entry("bulutsantralim"))
    assert extension_devices(hass, entry) == {}
    assert entity_registry.async_get(PRESENCE_1002) is None

    assert await post_santralim_form(client, ringing("1001")) == 200
    await hass.async_block_till_done()
    assert list(extension_devices(hass, entry)) == ["1001"]
    assert hass.states.get("sensor.extension_1001").state == "ringing"

    await refresh_list(hass, entry, freezer)
    assert len(extension_devices(hass, entry)) == 10
    assert entity_registry.async_get(PRESENCE_1002) is not None

    simulator.inject("bulutsantralim", "user_statuses", Fault(FaultKind.SERVER_ERROR))
    await refresh_list(hass, entry, freezer)
    assert len(extension_devices(hass, entry)) == 10


async def test_presence_sensors(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Presence sensors are disabled by default; enabled, the list is read every 40 s."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    registry_entry = entity_registry.async_get(PRESENCE_1002)
    assert registry_entry is not None
    assert registry_entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert registry_entry.device_id == extension_devices(hass, entry)["1002"]
    assert entry.runtime_data.extensions.update_interval == EXTENSIONS_INTERVAL

    entity_registry.async_update_entity(PRESENCE_1002, disabled_by=None)
    simulator.set_user_status("1002", "SS_DND")
    freezer.tick(timedelta(seconds=31))  # Home Assistant reloads the entry by itself
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(PRESENCE_1002).state == "do_not_disturb"
    assert entry.runtime_data.extensions.update_interval == PRESENCE_INTERVAL

    simulator.set_user_status("1002", "TALKING")
    before = simulator.count("bulutsantralim", "user_statuses")
    freezer.tick(PRESENCE_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert simulator.count("bulutsantralim", "user_statuses") == before + 1
    assert hass.states.get(PRESENCE_1002).state == "talking"

    simulator.set_extensions("bulutsantralim", [1001])
    await refresh_list(hass, entry, freezer)
    await refresh_list(hass, entry, freezer)
    assert hass.states.get(PRESENCE_1002) is None
    assert entry.runtime_data.extensions.update_interval == EXTENSIONS_INTERVAL

    simulator.set_extensions("bulutsantralim", [1001, 1002])
    await refresh_list(hass, entry, freezer)
    assert hass.states.get(PRESENCE_1002).state == "available"  # enabled as before
    assert entry.runtime_data.extensions.update_interval == PRESENCE_INTERVAL


async def test_bulutfon_has_no_presence(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
) -> None:
    """Bulutfon's list reports no presence, so no presence sensor is made."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    unique_ids = {
        item.unique_id
        for item in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    assert f"{entry.entry_id}_extension_1002" in unique_ids
    assert not any("_presence_" in unique_id for unique_id in unique_ids)


async def test_manual_device_removal(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Only an extension the PBX does not list may be deleted by hand; never the account.

    A deleted extension comes back with its sensors when the PBX lists it again.
    """
    await async_setup_component(hass, "webhook", {})
    await async_setup_component(hass, "websocket_api", {})
    await async_setup_component(hass, "config", {})
    client = await hass_client_no_auth()
    ws = await hass_ws_client(hass)
    simulator.set_extensions("bulutsantralim", [1002, 1003])
    entry = await setup(hass, make_entry("bulutsantralim"))
    assert await post_santralim_form(client, ringing("1001")) == 200
    await hass.async_block_till_done()
    devices = extension_devices(hass, entry)
    assert "1001" not in devices  # listed extensions only

    async def remove(device_id: str) -> bool:
        command = (
            {"type": "config/device_registry/remove", "device_id": device_id}
            if "config/device_registry/remove" in hass.data["websocket_api"]
            else {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": entry.entry_id,
                "device_id": device_id,
            }
        )
        await ws.send_json_auto_id(command)
        response = await ws.receive_json()
        return bool(response["success"])

    (account,) = (
        device
        for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        if device.identifiers == {(DOMAIN, entry.entry_id)}
    )
    assert not await remove(account.id)
    assert not await remove(devices["1002"])

    simulator.inject("bulutsantralim", "user_statuses", Fault(FaultKind.SERVER_ERROR))
    await refresh_list(hass, entry, freezer)
    assert not await remove(devices["1002"])  # the last good list still has it

    simulator.set_extensions("bulutsantralim", [1003])
    await refresh_list(hass, entry, freezer)
    assert await remove(devices["1002"])
    assert "1002" not in extension_devices(hass, entry)
    assert hass.states.get("sensor.extension_1002") is None

    simulator.set_extensions("bulutsantralim", [1002, 1003])
    await refresh_list(hass, entry, freezer)
    assert "1002" in extension_devices(hass, entry)
    assert hass.states.get("sensor.extension_1002").state == "idle"


async def test_device_removal_while_unloaded(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    device_registry: dr.DeviceRegistry,
) -> None:
    """An entry that is not loaded knows no list: its extension devices may be deleted.

    The deleted extension's stored call state goes too, so it does not come back.
    """
    await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    entry = await setup(hass, make_entry("bulutsantralim"))
    assert await post_santralim_form(client, ringing("1001")) == 200
    await hass.async_block_till_done()
    device: Any = device_registry.async_get(extension_devices(hass, entry)["1001"])
    await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage[f"santral.{entry.entry_id}.calls"]["data"]
    assert "1001" in stored["extensions"]

    assert await async_remove_config_entry_device(hass, entry, device)
    await hass.async_block_till_done()
    stored = hass_storage[f"santral.{entry.entry_id}.calls"]["data"]
    assert "1001" not in stored["extensions"]
