"""Setting entries up and down, and how provider failures surface after setup."""

from __future__ import annotations

from collections.abc import Callable

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.santral.const import DOMAIN
from custom_components.santral.providers import DESCRIPTIONS, Provider
from simulator import Fault, FaultKind, Simulator

KINDS = ["bulutfon_token", "bulutfon_login", "bulutsantralim", "telsam"]
ACCOUNT_ENDPOINTS = {
    "bulutfon": "me",
    "bulutsantralim": "caller_ids",
    "telsam": "fax_list",
}
MANUFACTURERS = {
    "bulutfon": "Bulutfon",
    "bulutsantralim": "Verimor",
    "telsam": "Telsam",
}
BALANCE = "sensor.bulutfon_santral_bulutfon_net_balance"


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add and set up one entry."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.parametrize("kind", KINDS)
async def test_setup_and_unload(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    make_entry: Callable[[str], MockConfigEntry],
    kind: str,
) -> None:
    """Each provider sets up a service device named after the account, and unloads cleanly."""
    entry = make_entry(kind)
    await setup(hass, entry)
    assert entry.state is ConfigEntryState.LOADED

    devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    (device,) = (d for d in devices if d.identifiers == {(DOMAIN, entry.entry_id)})
    extensions = sorted(d.name or "" for d in devices if d is not device)
    if entry.data["provider"] == "telsam":
        assert extensions == []
    else:
        assert extensions == [f"Extension {number}" for number in range(1001, 1011)]
    assert device.name == entry.title
    assert device.manufacturer == MANUFACTURERS[entry.data["provider"]]
    assert device.entry_type is dr.DeviceEntryType.SERVICE

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "fault",
    [
        Fault(FaultKind.SERVER_ERROR),
        Fault(FaultKind.RATE_LIMIT),
        Fault(FaultKind.HTML),
        Fault(FaultKind.REJECT, status=404),
    ],
)
async def test_setup_retry(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    kind: str,
    fault: Fault,
) -> None:
    """A provider that fails at start-up makes the entry retry, not fail."""
    entry = make_entry(kind)
    simulator.inject(
        entry.data["provider"], ACCOUNT_ENDPOINTS[entry.data["provider"]], fault
    )
    await setup(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize("kind", KINDS)
async def test_setup_auth_failed_starts_reauth(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    kind: str,
) -> None:
    """Rejected credentials at start-up fail the entry and ask the user to sign in again."""
    entry = make_entry(kind)
    state = simulator.state
    state.bulutfon.token = state.bulutfon.password = "changed"
    state.bulutsantralim.api_key = "K-changed"
    state.telsam.password = "changed"
    await setup(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == entry.entry_id


@pytest.mark.parametrize(
    "fault",
    [
        Fault(FaultKind.SERVER_ERROR),
        Fault(FaultKind.RATE_LIMIT, retry_after=60),
        Fault(FaultKind.TRUNCATED),
        Fault(FaultKind.REJECT, status=404, message="bakımda"),
    ],
)
async def test_entities_unavailable_then_back(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    fault: Fault,
) -> None:
    """A failing poll makes the entities unavailable; the next good poll brings them back."""
    entry = make_entry("bulutfon_token")
    await setup(hass, entry)
    assert hass.states.get(BALANCE).state == "300.06"

    simulator.state.bulutfon.me["credit"]["balance"] = "12.50"
    simulator.inject("bulutfon", "me", fault)
    freezer.tick(DESCRIPTIONS[Provider.BULUTFON].account_interval)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(BALANCE).state == STATE_UNAVAILABLE

    freezer.tick(DESCRIPTIONS[Provider.BULUTFON].account_interval)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(BALANCE).state == "12.50"


async def test_timeout_makes_entities_unavailable(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """A provider that stops answering in time makes the entities unavailable until it does."""
    entry = make_entry("bulutfon_token")
    await setup(hass, entry)
    coordinator = entry.runtime_data.account
    coordinator.client._timeout = 0.2  # noqa: SLF001
    simulator.inject("bulutfon", "me", Fault(FaultKind.SLOW, delay=1.0))
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(BALANCE).state == STATE_UNAVAILABLE
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(BALANCE).state == "300.06"


async def test_unavailable_logged_once(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An outage over several polls is logged once when it starts and once when it ends."""
    entry = make_entry("bulutfon_token")
    await setup(hass, entry)
    simulator.inject("bulutfon", "me", Fault(FaultKind.SERVER_ERROR, times=3))
    for _ in range(4):
        freezer.tick(DESCRIPTIONS[Provider.BULUTFON].account_interval)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    failures = [r for r in caplog.records if "Error fetching" in r.getMessage()]
    recoveries = [r for r in caplog.records if "recovered" in r.getMessage()]
    assert len(failures) == 1
    assert len(recoveries) == 1
    assert "HTTP 503" in failures[0].getMessage()


async def test_credentials_revoked_while_running(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A token that expires while Home Assistant runs starts reauthentication."""
    entry = make_entry("bulutfon_token")
    await setup(hass, entry)
    simulator.state.bulutfon.token_expired = True
    freezer.tick(DESCRIPTIONS[Provider.BULUTFON].account_interval)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_telsam_token_expiry_needs_no_reauth(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """Telsam access tokens that expire are refreshed behind the scenes."""
    entry = make_entry("telsam")
    await setup(hass, entry)
    simulator.state.telsam.expire_access_tokens()
    await entry.runtime_data.account.async_refresh()
    await hass.async_block_till_done()
    assert entry.runtime_data.account.last_update_success
    assert entry.state is ConfigEntryState.LOADED
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert simulator.state.telsam.grants == {"password": 1, "refresh_token": 1}
