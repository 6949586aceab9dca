"""Reconfigure: new credentials or API address for the same account, nothing else lost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.santral.const import (
    CONF_BASE_URL,
    CONF_PROVIDER,
    CONF_WEBHOOK_PASSWORD,
    CONF_WEBHOOK_USERNAME,
    SECTION_ADVANCED,
    SECTION_WEBHOOK,
)
from simulator import Simulator
from tests.helpers import entry_data, file_calls, poll_calls as poll, setup, suggested

SECRETS = {"access_token", "api_key", "password", "client_secret"}
KINDS = ["bulutfon_token", "bulutfon_login", "bulutsantralim", "telsam"]


def reconfigure_input(
    simulator: Simulator, kind: str, **changes: Any
) -> dict[str, Any]:
    """Return what a person submits on the reconfigure form of `kind`."""
    data = entry_data(simulator, kind)
    provider = data.pop(CONF_PROVIDER)
    base_url = changes.pop(CONF_BASE_URL, data.pop(CONF_BASE_URL))
    data.update(changes)
    if provider == "bulutfon":
        data.setdefault(SECTION_WEBHOOK, {})
    return {**data, SECTION_ADVANCED: {CONF_BASE_URL: base_url}}


@pytest.mark.parametrize("kind", KINDS)
async def test_reconfigure(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    kind: str,
) -> None:
    """A wrong API address is put right: same entry, same entities, same webhook.

    The form shows no secret and refuses bad input first.
    """
    entry = await setup(hass, make_entry(kind))
    registry = er.async_get(hass)
    entities = {
        item.entity_id
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
    }
    assert entities
    good = dict(entry.data)
    hass.config_entries.async_update_entry(
        entry, data={**good, CONF_BASE_URL: "http://127.0.0.1:9/kapali"}
    )
    await hass.config_entries.async_reload(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    before = dict(entry.data)

    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    shown = suggested(result["data_schema"])
    assert not SECRETS & set(shown)
    assert shown[SECTION_ADVANCED] == {CONF_BASE_URL: before[CONF_BASE_URL]}
    assert not set(simulator.state.all_secrets()) & set(map(str, shown.values()))

    secret = next(key for key in entry_data(simulator, kind) if key in SECRETS)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], reconfigure_input(simulator, kind, **{secret: "yanlis"})
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], reconfigure_input(simulator, kind, base_url="ftp://santral")
    )
    assert result["errors"] == {SECTION_ADVANCED: "invalid_url"}

    new_url = simulator.url(before[CONF_PROVIDER])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], reconfigure_input(simulator, kind, base_url=f" {new_url}/ ")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert entry.data == good
    assert entry.data.get(CONF_WEBHOOK_ID) == before.get(CONF_WEBHOOK_ID)
    assert {
        item.entity_id
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
    } == entities


@pytest.mark.usefixtures("midday")
@pytest.mark.parametrize(
    ("provider", "kind"),
    [("bulutfon", "bulutfon_token"), ("bulutsantralim", "bulutsantralim")],
)
async def test_reconfigure_keeps_call_history(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    call_events: list[dict[str, Any]],
    provider: str,
    kind: str,
) -> None:
    """A call announced before reconfiguring is neither announced again nor forgotten."""
    entry = await setup(hass, make_entry(kind))
    file_calls(
        simulator,
        provider,
        1,
        first_start=dt_util.utcnow() - timedelta(hours=1),
        outcome="missed",
    )
    await poll(hass, entry)
    assert [event["type"] for event in call_events] == ["missed"]

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], reconfigure_input(simulator, kind)
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    await poll(hass, entry)
    assert [event["type"] for event in call_events] == ["missed"]
    assert entry.runtime_data.calls is not None
    assert entry.runtime_data.calls.count_today("missed") == 1


async def test_reconfigure_webhook_credentials(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """Bulutfon web hook credentials can be added, are shown without the password, and removed."""
    entry = make_entry("bulutfon_token")
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        reconfigure_input(
            simulator,
            "bulutfon_token",
            webhook={CONF_WEBHOOK_USERNAME: " kanca ", CONF_WEBHOOK_PASSWORD: "gizli"},
        ),
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_WEBHOOK_USERNAME] == "kanca"
    assert entry.data[CONF_WEBHOOK_PASSWORD] == "gizli"

    result = await entry.start_reconfigure_flow(hass)
    shown = suggested(result["data_schema"])
    assert shown[SECTION_WEBHOOK] == {CONF_WEBHOOK_USERNAME: "kanca"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        reconfigure_input(simulator, "bulutfon_token", webhook=shown[SECTION_WEBHOOK]),
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_WEBHOOK_PASSWORD] == "gizli"  # left empty, kept

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        reconfigure_input(
            simulator, "bulutfon_token", webhook={CONF_WEBHOOK_USERNAME: "yeni"}
        ),
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_WEBHOOK_USERNAME] == "yeni"
    assert entry.data[CONF_WEBHOOK_PASSWORD] == ""  # a new user keeps no old password

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], reconfigure_input(simulator, "bulutfon_token")
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert CONF_WEBHOOK_USERNAME not in entry.data
    assert CONF_WEBHOOK_PASSWORD not in entry.data


@pytest.mark.parametrize("source", ["reauth", "reconfigure"])
async def test_wrong_account(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    source: str,
) -> None:
    """Neither reauth nor reconfigure lets credentials of another account replace the entry's."""
    entry = make_entry("bulutfon_token")
    entry.add_to_hass(hass)
    simulator.state.bulutfon.me["pbx"]["url"] = "baska.bulutfon.net"
    if source == "reauth":
        result = await entry.start_reauth_flow(hass)
        user_input = {CONF_ACCESS_TOKEN: simulator.state.bulutfon.token}
    else:
        result = await entry.start_reconfigure_flow(hass)
        user_input = reconfigure_input(simulator, "bulutfon_token")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
