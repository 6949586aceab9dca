"""Who answered and who rang, in the call log card, for Bulutfon's group calls.

Bulutfon tells it in each call's record (`call_flow`), which Santral reads with the call
history; the card shows it from the call log the websocket API serves.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import Path

import aiohttp
from playwright.async_api import expect
import pytest

from simulator import Simulator

from .conftest import Dashboard, DashboardHass

BULUTFON = "bulutfon"
CARD = "santral-calls-card"
RINGS = ("1004", "1008", "1009")
SHOWN = 30_000


@pytest.fixture
async def live(
    socket_enabled: None, simulator: Simulator, tmp_path: Path
) -> AsyncGenerator[DashboardHass]:
    """Run Home Assistant with its frontend and one Bulutfon entry on the simulator."""
    async with aiohttp.ClientSession() as session:
        hass = DashboardHass(tmp_path / "config", session)
        try:
            await hass.start()
            await hass.add_entry(
                [BULUTFON, "bulutfon_token"],
                {
                    "access_token": simulator.state.bulutfon.token,
                    "webhook": {},
                    "advanced": {"base_url": simulator.url(BULUTFON)},
                },
            )
            yield hass
        finally:
            await hass.stop()


async def test_group_calls_show_who_answered_and_who_rang(
    live: DashboardHass, dashboard: Dashboard, simulator: Simulator
) -> None:
    """The answered row names the extension that took it; the missed one lists who rang."""
    answered = await simulator.place_call(
        BULUTFON, outcome="answered", group="101", rings=RINGS, extension="1008"
    )
    missed = await simulator.place_call(
        BULUTFON, outcome="missed", group="101", rings=RINGS, extension="1004"
    )
    # The entry reads the history, and each call's steps, when it loads.
    await live.reload_entries()
    path = await live.dashboard(
        {"views": [{"path": "calls", "cards": [{"type": f"custom:{CARD}"}]}]}
    )
    _context, page = await dashboard.open(f"{path}/calls")
    card = page.locator(CARD)

    answered_row = card.locator(f'li[data-call-id="{answered.uuid}"]')
    await expect(answered_row.locator(".details")).to_contain_text(
        "ext. 1008", timeout=SHOWN
    )
    await answered_row.locator(".text").click()
    await expect(answered_row.locator(".more")).to_contain_text("Answered by 1008")
    await answered_row.locator(".text").click()
    missed_row = card.locator(f'li[data-call-id="{missed.uuid}"]')
    await expect(missed_row).to_be_visible(timeout=SHOWN)
    await expect(missed_row.locator(".more")).to_have_count(0)
    await missed_row.locator(".text").click()
    await expect(missed_row.locator(".more")).to_contain_text("Rang: 1004, 1008, 1009")
    await dashboard.shot(card, "calls-who-answered")
    served = {
        call["call_id"]: call
        for call in (await live.command({"type": "santral/calls", "limit": 20}))[
            "calls"
        ]
    }
    assert served[answered.uuid]["answered_by"] == "1008"
    assert served[missed.uuid]["rang"] == list(RINGS)
    assert simulator.count(BULUTFON, "cdr") == 2
