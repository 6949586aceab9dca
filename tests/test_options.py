"""Options flow and pointing the Bulutsantralim PBX's notifications at Home Assistant."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import (
    CONF_ARCHIVE_FAXES,
    CONF_DOWNLOAD_RECORDINGS,
    CONF_SET_NOTIFICATION_URL,
)
from simulator import Fault, FaultKind, Simulator

from .conftest import WEBHOOK_IDS

WEBHOOK_PATH = f"/api/webhook/{WEBHOOK_IDS['bulutsantralim']}"


@pytest.fixture
async def reachable(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> str:
    """Make Home Assistant's test server its external URL; return the webhook URL on it.

    The simulator validates a notification URL with a real POST, so the URL must answer.
    """
    await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    base = str(client.make_url("/")).rstrip("/")
    await async_process_ha_core_config(hass, {"external_url": base})
    return f"{base}{WEBHOOK_PATH}"


@pytest.fixture
async def unreachable(hass: HomeAssistant) -> str:
    """Make a closed local port Home Assistant's external URL."""
    await async_process_ha_core_config(hass, {"external_url": "http://127.0.0.1:9"})
    return f"http://127.0.0.1:9{WEBHOOK_PATH}"


async def _setup(
    hass: HomeAssistant, entry: MockConfigEntry, *, point_pbx: bool
) -> None:
    entry.add_to_hass(hass)
    if point_pbx:
        hass.config_entries.async_update_entry(
            entry, options={CONF_SET_NOTIFICATION_URL: True}
        )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_options_show_url_and_apply(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    reachable: str,
) -> None:
    """The options show the webhook URL; switching the PBX option on points the PBX here."""
    entry = make_entry("bulutsantralim")
    await _setup(hass, entry, point_pbx=False)
    assert not simulator.state.bulutsantralim.crm.notification_url

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"] == {"webhook_url": reachable}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SET_NOTIFICATION_URL: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options == {
        CONF_ARCHIVE_FAXES: True,
        CONF_SET_NOTIFICATION_URL: True,
        CONF_DOWNLOAD_RECORDINGS: False,
    }
    assert entry.state is ConfigEntryState.LOADED
    assert simulator.state.bulutsantralim.crm.notification_url == reachable


async def test_bulutfon_options_have_no_fields(
    hass: HomeAssistant, make_entry: Callable[[str], MockConfigEntry]
) -> None:
    """Bulutfon's options only show the URL to give the Bulutfon panel."""
    entry = make_entry("bulutfon_token")
    await _setup(hass, entry, point_pbx=False)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert list(result["data_schema"].schema) == [
        CONF_ARCHIVE_FAXES,
        CONF_DOWNLOAD_RECORDINGS,
    ]
    assert result["description_placeholders"]["webhook_url"].endswith(
        f"/api/webhook/{WEBHOOK_IDS['bulutfon']}"
    )


async def test_telsam_options_archive_only(
    hass: HomeAssistant, make_entry: Callable[[str], MockConfigEntry]
) -> None:
    """Telsam Yenifaks pushes nothing: its options only switch the fax archive."""
    entry = make_entry("telsam")
    await _setup(hass, entry, point_pbx=False)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "faxes"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ARCHIVE_FAXES: False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {CONF_ARCHIVE_FAXES: False}
    assert entry.runtime_data.faxes.archive is False


async def test_pbx_is_pointed_here(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    reachable: str,
) -> None:
    """With the option on, the PBX's notification URL becomes the webhook."""
    await _setup(hass, make_entry("bulutsantralim"), point_pbx=True)
    crm = simulator.state.bulutsantralim.crm
    assert crm.notification_url == reachable
    assert (crm.ringing, crm.answered, crm.hangup) == ("on", "on", "on")


async def test_pbx_already_pointed_here(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    reachable: str,
) -> None:
    """A PBX that already posts here is left alone: one read, no write."""
    simulator.set_crm_integration(reachable)
    await _setup(hass, make_entry("bulutsantralim"), point_pbx=True)
    methods = [
        r.method for r in simulator.state.requests if r.endpoint == "crm_integrations"
    ]
    assert methods == ["GET"]


async def test_pbx_cannot_reach_url(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
    unreachable: str,
) -> None:
    """When the PBX refuses a URL it cannot reach, a warning says so and setup goes on."""
    entry = make_entry("bulutsantralim")
    await _setup(hass, entry, point_pbx=True)
    assert "Could not set the PBX notification URL" in caplog.text
    assert not simulator.state.bulutsantralim.crm.notification_url
    assert entry.state is ConfigEntryState.LOADED


async def test_pbx_refuses(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
    reachable: str,
) -> None:
    """A provider refusal while pointing the PBX is a warning with its words."""
    simulator.inject(
        "bulutsantralim",
        "crm_integrations",
        Fault(FaultKind.REJECT, message="yetkisiz"),
    )
    entry = make_entry("bulutsantralim")
    await _setup(hass, entry, point_pbx=True)
    assert "yetkisiz" in caplog.text
    assert entry.state is ConfigEntryState.LOADED
