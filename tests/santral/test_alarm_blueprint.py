"""The "call me when an alarm triggers" blueprint, run on a sensor and the simulated PBX.

The numbers are called in turn through `santral.call_alert`; the simulator fetches each
spoken message from Home Assistant and places the call as each number is set to take it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
from typing import Any

from homeassistant.core import HomeAssistant
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.santral.const import ALERT_POLL_INTERVAL
from simulator import Simulator
from simulator.automatic_calls import Callee
from tests.helpers import setup
from tests.santral.conftest import CountingEngine
from tests.santral.test_blueprints import ALARM, hass_config_dir, use
from tests.santral.test_call_alert import ANSWERS, SILENT

__all__ = ["hass_config_dir"]

AUTOMATION_LOGGER = "homeassistant.components.automation"
LATER = "+905327778899"
LEAK = "binary_sensor.water_leak"


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Let the event loop run until `condition` holds (the run waits for events)."""
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)


async def arm(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Use the blueprint on the leak sensor: phone three numbers in turn from `entry`."""
    hass.states.async_set(LEAK, "off", {"friendly_name": "Su kaçağı"})
    await use(
        hass,
        ALARM,
        {
            "alarm": [LEAK],
            "account": entry.entry_id,
            "numbers": [SILENT, ANSWERS, LATER],
            "message": "Mutfakta su var. Onay için 1.",
        },
    )


async def poll(hass: HomeAssistant) -> None:
    """Let the alert tracker read its pending alerts once, and the run go on."""
    async_fire_time_changed(hass, dt_util.utcnow() + ALERT_POLL_INTERVAL)
    await asyncio.sleep(0.1)


@pytest.mark.usefixtures("served")
async def test_calls_in_turn_until_acknowledged(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    engine: CountingEngine,
    alert_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A number that does not answer is followed by the next; the key stops the rest."""
    calls = simulator.state.bulutfon.automatic_calls
    calls.set_callee(SILENT[1:], Callee(answers=False))
    calls.set_callee(ANSWERS[1:], Callee(answers=True, digit=1))
    entry = await setup(hass, make_entry("bulutfon_token"))
    await arm(hass, entry)
    tracker = entry.runtime_data.call_alerts
    assert tracker is not None
    hass.states.async_set(LEAK, "on", {"friendly_name": "Su kaçağı"})
    # Time moves only once the alert is sent: it would time out a request on its way.
    await until(lambda: "1" in tracker.pending)
    for _ in range(2):
        await poll(hass)
    await until(lambda: "2" in tracker.pending)
    for _ in range(3):
        await poll(hass)
    await until(lambda: any(e["type"] == "acknowledged" for e in alert_events))
    for _ in range(4):
        await poll(hass)
    receivers = [[r.number for r in c.recipients] for c in calls.campaigns.values()]
    assert receivers == [[int(SILENT[1:])], [int(ANSWERS[1:])]]
    assert [(e["number"], e["type"]) for e in alert_events] == [
        (SILENT, "failed"),
        (ANSWERS, "answered"),
        (ANSWERS, "acknowledged"),
    ]
    spoken = "Su kaçağı: Mutfakta su var. Onay için 1."
    assert engine.spoken == [(f"{spoken} ... {spoken}", "tr")]
    assert all(fetch.is_audio for fetch in calls.fetches)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [r for r in failures if r.name.startswith(AUTOMATION_LOGGER)]


@pytest.mark.usefixtures("served")
async def test_bulutsantralim_calls_in_turn_until_acknowledged(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    engine: CountingEngine,
    alert_events: list[dict[str, Any]],
) -> None:
    """On Bulutsantralim the reports drive the blueprint: no read of the alert is made."""
    simulator.state.set_callee(SILENT[1:], Callee(answers=False))
    simulator.state.set_callee(ANSWERS[1:], Callee(answers=True, digit=1))
    campaigns = simulator.state.bulutsantralim.ivr_campaigns
    campaigns.call_delay = 0.01
    entry = await setup(hass, make_entry("bulutsantralim"))
    await arm(hass, entry)
    hass.states.async_set(LEAK, "on", {"friendly_name": "Su kaçağı"})
    await until(lambda: any(e["type"] == "acknowledged" for e in alert_events))
    await campaigns.async_idle()
    await hass.async_block_till_done()
    phones = [[lead.phone for lead in c.leads] for c in campaigns.campaigns.values()]
    assert phones == [[SILENT[1:]], [ANSWERS[1:]]]
    assert [(e["number"], e["type"]) for e in alert_events] == [
        (SILENT, "failed"),
        (ANSWERS, "answered"),
        (ANSWERS, "acknowledged"),
    ]
    assert len(campaigns.announcements) == 1
    assert len(engine.spoken) == 1
    assert all(c.deleted for c in campaigns.campaigns.values())
