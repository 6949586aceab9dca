"""Bulutsantralim's per-key limits hold across clients: reloads of an entry never meet a 429.

The PBX allows `/user_statuses` twice a minute and `/recording_url` five times (providers.md
§2.1). Each setup of an entry builds a new client, so the limiters come from outside it:
the integration keeps them per account for as long as Home Assistant runs.
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.santral.clients import RATE_LIMITS, create_client
from custom_components.santral.providers import (
    BulutsantralimClient,
    SantralRateLimitedError,
)
from custom_components.santral.providers.ratelimit import RateLimits
from simulator import Fault, FaultKind, Simulator
from tests.helpers import WatchedLimit, entry_data, file_calls, new_entry, setup

PRESENCE_1002 = "sensor.extension_1002_status"
WINDOW = timedelta(minutes=1)


@pytest.fixture
def presence_limit(simulator: Simulator) -> WatchedLimit:
    """Watch the simulator's `/user_statuses` limit of 2 a minute."""
    watched = WatchedLimit(2)
    simulator.state.bulutsantralim.limits["user_statuses"] = watched
    return watched


def client_with(
    simulator: Simulator, session: aiohttp.ClientSession, limits: RateLimits | None
) -> BulutsantralimClient:
    """Return a Bulutsantralim client of the simulator's account, with `limits`."""
    return BulutsantralimClient(
        session,
        api_key=simulator.state.bulutsantralim.api_key,
        base_url=simulator.url("bulutsantralim"),
        limits=limits,
    )


async def reload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Reload the entry, as a change of its options does."""
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_reloads_keep_the_presence_limit(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    presence_limit: WatchedLimit,
) -> None:
    """Reloads in quick succession read presence twice a minute and never draw a 429."""
    entry = await setup(hass, new_entry(simulator, "bulutsantralim"))
    entity_registry.async_update_entity(PRESENCE_1002, disabled_by=None)
    for _ in range(4):
        await reload(hass, entry)
    assert simulator.count("bulutsantralim", "user_statuses") == 2
    assert hass.states.get(PRESENCE_1002) is not None

    freezer.tick(WINDOW + timedelta(seconds=1))
    for _ in range(3):
        await reload(hass, entry)
    assert simulator.count("bulutsantralim", "user_statuses") == 4

    assert [answer for _, answer in presence_limit.answers] == [None] * 4
    moments = [moment for moment, _ in presence_limit.answers]
    assert all(
        later - earlier >= WINDOW
        for earlier, later in zip(moments, moments[2:], strict=False)
    )


async def test_a_provider_429_holds_the_next_setup_back(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A 429 the PBX answered one client still holds back the client of the next setup."""
    simulator.inject(
        "bulutsantralim", "user_statuses", Fault(FaultKind.RATE_LIMIT, retry_after=30)
    )
    entry = await setup(hass, new_entry(simulator, "bulutsantralim"))
    assert simulator.count("bulutsantralim", "user_statuses") == 1
    await reload(hass, entry)
    await reload(hass, entry)
    assert simulator.count("bulutsantralim", "user_statuses") == 1


async def test_limits_follow_the_account_and_are_dropped_with_it(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Clients of one account share limits; keys only tried in a form are not kept."""
    entry = await setup(hass, new_entry(simulator, "bulutsantralim"))
    kept = hass.data[RATE_LIMITS]
    assert len(kept) == 1
    first = dict(kept)
    await reload(hass, entry)
    assert kept == first
    for attempt in range(5):
        data = {**entry_data(simulator, "bulutsantralim"), CONF_API_KEY: f"K-{attempt}"}
        create_client(hass, data)
        assert len(kept) == 2
    assert simulator.state.bulutsantralim.api_key not in "".join(kept)

    assert await hass.config_entries.async_remove(entry.entry_id)
    create_client(hass, entry_data(simulator, "bulutsantralim") | {CONF_API_KEY: "K"})
    assert len(kept) == 1


async def test_clients_given_the_same_limits_share_them(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Two clients handed one `RateLimits` count against one window; a third has its own."""
    limits = RateLimits()
    first = client_with(simulator, session, limits)
    second = client_with(simulator, session, limits)
    await first.async_get_extensions()
    await second.async_get_extensions()
    with pytest.raises(SantralRateLimitedError):
        await first.async_get_extensions()
    with pytest.raises(SantralRateLimitedError):
        await second.async_get_extensions()
    assert simulator.count("bulutsantralim", "user_statuses") == 2

    calls = [
        call.uuid
        for call in file_calls(
            simulator, "bulutsantralim", 6, first_start=dt_util.now() - WINDOW
        )
    ]
    for call_id in calls[:3]:
        await first.async_get_recording_url(call_id)
    for call_id in calls[3:5]:
        await second.async_get_recording_url(call_id)
    with pytest.raises(SantralRateLimitedError):
        await second.async_get_recording_url(calls[5])
    assert simulator.count("bulutsantralim", "recording_url") == 5

    simulator.state.bulutsantralim.limits["user_statuses"].clear()
    await client_with(simulator, session, None).async_get_extensions()
    assert simulator.count("bulutsantralim", "user_statuses") == 3
