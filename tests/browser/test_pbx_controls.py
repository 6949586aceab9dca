"""Do-not-disturb and hang-up from a dashboard, in Chromium, against a real Home Assistant.

The dashboard is the one the README suggests: an entities card with the extension's switch
and call state, and a button that runs a script calling `santral.hangup` with the call id
the extension's sensor carries.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

from playwright.async_api import expect
import pytest

from simulator import Simulator
from tests.santral.live_hass import BULUTSANTRALIM, running_bulutsantralim

from .conftest import Dashboard, DashboardHass

SWITCH = "switch.extension_1001_do_not_disturb"
EXTENSION = "sensor.extension_1001"
SHOWN = 30_000
# The README's script: the entry is found from the sensor, the call from its attribute.
HANG_UP_SCRIPT = """\
hang_up_1001:
  alias: Hang up extension 1001
  sequence:
    - condition: not
      conditions:
        - condition: state
          entity_id: sensor.extension_1001
          state: idle
    - action: santral.hangup
      data:
        config_entry_id: "{{ config_entry_id('sensor.extension_1001') }}"
        call_id: "{{ state_attr('sensor.extension_1001', 'call_id') }}"
"""


class ScriptedHass(DashboardHass):
    """A live Home Assistant whose scripts include the README's hang-up script."""

    def __init__(self, config_dir: Path, session: Any) -> None:
        """Add the script to the configuration."""
        super().__init__(config_dir, session)
        (config_dir / "scripts.yaml").write_text(HANG_UP_SCRIPT, encoding="utf-8")
        configuration = config_dir / "configuration.yaml"
        configuration.write_text(
            configuration.read_text(encoding="utf-8")
            + "script: !include scripts.yaml\n",
            encoding="utf-8",
        )


@pytest.fixture
async def live(
    socket_enabled: None, simulator: Simulator, tmp_path: Path
) -> AsyncGenerator[DashboardHass]:
    """Run the scripted Home Assistant with one Bulutsantralim entry on the simulator."""
    async with running_bulutsantralim(
        ScriptedHass, tmp_path / "config", simulator
    ) as hass:
        yield hass


async def _state(live: DashboardHass, entity_id: str) -> dict[str, Any]:
    state: dict[str, Any] = await live.request("GET", f"/api/states/{entity_id}")
    return state


async def test_do_not_disturb_and_hang_up_from_the_dashboard(
    live: DashboardHass,
    dashboard: Dashboard,
    simulator: Simulator,
    figures: list[str],
) -> None:
    """The switch sets the PBX's DND and back; the button ends the extension's call."""
    await live.command(
        {
            "type": "config/entity_registry/update",
            "entity_id": SWITCH,
            "disabled_by": None,
        }
    )
    await live.reload_entries()
    path = await live.dashboard(
        {
            "views": [
                {
                    "path": "pbx",
                    "cards": [
                        {"type": "entities", "entities": [SWITCH, EXTENSION]},
                        {
                            "type": "button",
                            "name": "Hang up",
                            "icon": "mdi:phone-hangup",
                            "tap_action": {
                                "action": "perform-action",
                                "perform_action": "script.hang_up_1001",
                            },
                        },
                    ],
                }
            ]
        }
    )
    _context, page = await dashboard.open(f"{path}/pbx")
    entities = page.locator("hui-entities-card")
    toggle = entities.locator("hui-toggle-entity-row ha-entity-toggle")
    await expect(toggle).to_be_visible(timeout=60_000)
    pbx = simulator.state.bulutsantralim
    assert pbx.user_status("1001") != "SS_DND"

    await toggle.click()
    async with asyncio.timeout(SHOWN / 1000):
        while pbx.user_status("1001") != "SS_DND":
            await asyncio.sleep(0.2)
    assert (await _state(live, SWITCH))["state"] == "on"
    assert simulator.count(BULUTSANTRALIM, "dnd") == 1
    await dashboard.shot(entities, "pbx-1-do-not-disturb")
    await toggle.click()
    async with asyncio.timeout(SHOWN / 1000):
        while pbx.user_status("1001") == "SS_DND":
            await asyncio.sleep(0.2)
    assert simulator.count(BULUTSANTRALIM, "dnd") == 2

    simulator.switchboard.realtime_step = 0.2
    call = asyncio.create_task(
        simulator.place_call(BULUTSANTRALIM, realtime=True, hold=300, extension="1001")
    )
    state_row = entities.locator("#states > *").nth(1)
    await expect(state_row).to_contain_text("Talking", timeout=SHOWN)
    call_id = (await _state(live, EXTENSION))["attributes"]["call_id"]
    await dashboard.shot(entities, "pbx-2-talking")

    loop = asyncio.get_running_loop()
    pressed = loop.time()
    await page.locator("hui-button-card").click()
    ended = await asyncio.wait_for(call, SHOWN / 1000)
    await expect(state_row).to_contain_text("Idle", timeout=SHOWN)
    figures.append(
        "dashboard hang-up: the extension showed idle "
        f"{(loop.time() - pressed) * 1000:.0f} ms after the button was pressed"
    )
    assert ended.uuid == call_id
    assert simulator.count(BULUTSANTRALIM, "hangup") == 1
    assert (await _state(live, EXTENSION))["state"] == "idle"
