"""Extension devices read by their number, in Home Assistant's language, with a model."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import DOMAIN
from tests.helpers import post_santralim_form, santralim, setup


@pytest.mark.parametrize(
    ("language", "name", "model", "entity_id"),
    [
        ("en", "Extension 1001", "PBX extension", "sensor.extension_1001"),
        ("tr", "Dahili 1001", "Santral dahilisi", "sensor.dahili_1001"),
    ],
)
async def test_extension_named_by_its_number(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    hass_client_no_auth: ClientSessionGenerator,
    language: str,
    name: str,
    model: str,
    entity_id: str,
) -> None:
    """The card shows "Dahili 1001 Çalıyor"; the account is the device above it."""
    hass.config.language = language
    await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    entry = await setup(hass, make_entry("bulutsantralim"))
    assert await post_santralim_form(client, santralim("ringing")) == 200
    await hass.async_block_till_done()

    registry = er.async_get(hass)
    found = registry.async_get_entity_id(
        "sensor", DOMAIN, f"{entry.entry_id}_extension_1001"
    )
    assert found == entity_id
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["friendly_name"] == name
    assert state.state == "ringing"

    devices = {
        identifier: device
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        for _, identifier in device.identifiers
    }
    device = devices[f"{entry.entry_id}_extension_1001"]
    assert (device.name, device.model) == (name, model)
    account = devices[entry.entry_id]
    assert device.via_device_id == account.id
    assert account.name == entry.title


async def test_two_accounts_keep_their_extensions_apart(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Extension 1001 of Bulutfon and of Bulutsantralim are two devices, two entities."""
    await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    santralim_entry = await setup(hass, make_entry("bulutsantralim"))
    bulutfon_entry = await setup(hass, make_entry("bulutfon_token"))
    assert await post_santralim_form(client, santralim("ringing")) == 200
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    ids = {
        entry.entry_id: registry.async_get_entity_id(
            "sensor", DOMAIN, f"{entry.entry_id}_extension_{number}"
        )
        for entry, number in ((santralim_entry, "1001"), (bulutfon_entry, "1001"))
    }
    assert sorted(ids.values()) == ["sensor.extension_1001", "sensor.extension_1001_2"]
    names = {hass.states.get(entity_id).name for entity_id in ids.values()}
    assert names == {"Extension 1001"}  # told apart by their account's device
