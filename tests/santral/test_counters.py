"""Today's counters count every call of the day, not only the ones the log still holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.calls import MAX_LOG
from tests.helpers import post_santralim_form, santralim, setup

PREFIX = "sensor.bulutsantralim_908501234567"


@pytest.fixture(autouse=True)
async def istanbul_noon(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Count days as the office does, at noon: no call of the test falls on another day."""
    await hass.config.async_set_time_zone("Europe/Istanbul")
    freezer.move_to(dt_util.start_of_local_day() + timedelta(hours=12))


async def test_counts_go_past_the_log(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    make_entry: Callable[[str], MockConfigEntry],
    hass_storage: dict[str, Any],
) -> None:
    """A day of more calls than the log keeps is counted in full, across a restart."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    client = await hass_client_no_auth()
    total = MAX_LOG + 150
    missed = 0
    for number in range(total):
        answered = number % 3 != 0
        missed += not answered
        body = santralim(
            "hangup",
            call_uuid=f"day-{number}",
            answered="true" if answered else "false",
            duration="20" if answered else "0",
        )
        assert await post_santralim_form(client, body) == 200
    await hass.async_block_till_done()
    assert len(entry.runtime_data.calls.data.log) == MAX_LOG
    assert hass.states.get(f"{PREFIX}_calls_today").state == str(total)
    assert hass.states.get(f"{PREFIX}_missed_calls_today").state == str(missed)

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert hass_storage[f"santral.{entry.entry_id}.calls"]["data"]["counts"]["calls"]
    await setup(hass, entry)
    assert hass.states.get(f"{PREFIX}_calls_today").state == str(total)
    assert hass.states.get(f"{PREFIX}_missed_calls_today").state == str(missed)


async def test_store_without_counts_counts_its_log(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    make_entry: Callable[[str], MockConfigEntry],
    hass_storage: dict[str, Any],
) -> None:
    """A store written before the counts were kept gives today's calls from its log."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    client = await hass_client_no_auth()
    for number in range(3):
        body = santralim("hangup", call_uuid=f"old-{number}", answered="false")
        assert await post_santralim_form(client, body) == 200
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    del hass_storage[f"santral.{entry.entry_id}.calls"]["data"]["counts"]
    await setup(hass, entry)
    assert hass.states.get(f"{PREFIX}_missed_calls_today").state == "3"
