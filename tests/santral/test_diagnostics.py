"""Diagnostics carry the state that helps debugging and no secret or phone number."""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.santral.const import CONF_NUMBER_FORMAT, CONF_PHONEBOOK
from simulator import Simulator
from tests.helpers import WEBHOOK_IDS, setup


@pytest.mark.parametrize(
    "kind", ["bulutfon_token", "bulutfon_login", "bulutsantralim", "telsam"]
)
async def test_diagnostics_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    kind: str,
) -> None:
    """After calls and faxes, diagnostics hold counts and states, never numbers or secrets."""
    assert await async_setup_component(
        hass, "diagnostics", {}
    )  # before the test server starts
    entry = await setup(hass, make_entry(kind))
    provider = entry.data["provider"]
    numbers = ["905321112233"]
    await simulator.receive_fax(provider, sender=numbers[0])
    if provider != "telsam":
        client = await hass_client()
        url = str(client.make_url(f"/api/webhook/{WEBHOOK_IDS[provider]}"))
        if provider == "bulutfon":
            simulator.set_bulutfon_webhook(url)
        else:
            simulator.set_crm_integration(url)
        call = await simulator.place_call(provider, caller=numbers[0], outcome="missed")
        numbers += [call.caller, call.callee]
    await entry.runtime_data.fax_history.async_refresh()
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    for secret in [*simulator.state.all_secrets(), *WEBHOOK_IDS.values(), entry.title]:
        assert secret not in text
    for number in numbers:
        digits = number.lstrip("+")
        assert digits[-10:] not in text
    assert diagnostics["provider"] == provider
    assert diagnostics["entry"]["data"]["provider"] == provider
    assert diagnostics["pollers"]["account"]["last_update_success"] is True
    assert diagnostics["faxes"]["announced"] >= 1
    if provider != "telsam":
        assert diagnostics["calls"]["missed_today"] == 1
    if provider == "bulutfon":
        assert diagnostics["account"]["balance"] == "300.06"


async def test_diagnostics_snapshot(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    snapshot: SnapshotAssertion,
) -> None:
    """The whole document, after a missed call and a fax, with a phonebook in the options."""
    assert await async_setup_component(hass, "diagnostics", {})
    options = {
        CONF_PHONEBOOK: {"+905321112233": "Ayşe"},
        CONF_NUMBER_FORMAT: "national",
    }
    entry = await setup(hass, make_entry("bulutsantralim"), options)
    client = await hass_client()
    simulator.set_crm_integration(
        str(client.make_url(f"/api/webhook/{WEBHOOK_IDS['bulutsantralim']}"))
    )
    await simulator.place_call(
        "bulutsantralim", caller="905321112233", outcome="missed"
    )
    await simulator.receive_fax("bulutsantralim", sender="905321112233")
    await entry.runtime_data.fax_history.async_refresh()
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert "Ayşe" not in json.dumps(diagnostics, ensure_ascii=False)
    assert diagnostics["entry"]["data"].pop("base_url") == simulator.url(
        "bulutsantralim"
    )
    assert diagnostics == snapshot(exclude=props("watermark"))
