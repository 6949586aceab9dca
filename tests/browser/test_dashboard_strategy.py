"""The telephony dashboard strategy: one line of configuration gives the whole view."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from simulator import Simulator
from tests.santral.live_hass import BULUTSANTRALIM

from .conftest import TURKISH, Dashboard, DashboardHass, set_language

SHOWN = 30_000
BULUTFON = "bulutfon"
# The extension the strategy calls from unless told otherwise: the account's first.
FIRST_EXTENSION = "1001"


async def test_strategy_builds_the_telephony_view(
    live: DashboardHass, dashboard: Dashboard, simulator: Simulator
) -> None:
    """Call log, counts, account, extensions, fax inbox and call buttons; a button dials.

    Bulutfon's account brings a balance and a PBX state; Bulutsantralim's has the calls.
    """
    await live.add_entry(
        [BULUTFON, "bulutfon_token"],
        {
            "access_token": simulator.state.bulutfon.token,
            "webhook": {},
            "advanced": {"base_url": simulator.url(BULUTFON)},
        },
    )
    missed = await simulator.place_call(
        BULUTSANTRALIM, direction="inbound", outcome="missed", extension="1004"
    )
    calls = (await live.command({"type": "santral/calls"}))["calls"]
    assert [call["call_id"] for call in calls] == [missed.uuid]
    caller = calls[0]["caller_name"] or calls[0]["caller_display"]
    registry = await live.command({"type": "config/entity_registry/list"})
    call_states = [
        item
        for item in registry
        if item["platform"] == "santral"
        and item["translation_key"] == "extension_call_state"
        and item["disabled_by"] is None
    ]
    assert len(call_states) >= 10

    path = await live.dashboard({"strategy": {"type": "custom:santral"}})
    _context, page = await dashboard.open(f"{path}/telephony")
    view = page.locator("hui-sections-view")

    log = page.locator("santral-calls-card").filter(has_text="Calls")
    await expect(log.locator(f'li[data-call-id="{missed.uuid}"]')).to_be_visible(
        timeout=60_000
    )
    faxes = page.locator("santral-calls-card").filter(has_text="Faxes")
    await expect(faxes.locator(".empty")).to_have_text(["No faxes"] * 2, timeout=SHOWN)
    tiles = page.locator("hui-tile-card")
    # One tile of each count per account, named without the account (its heading says it):
    # Bulutsantralim's counts the missed call. Case matters: "Calls today" is not
    # "Missed calls today".
    for name, counts in (
        ("Calls today", (0, 1)),
        ("Missed calls today", (0, 1)),
        ("Faxes received today", (0, 0)),
    ):
        named = tiles.filter(has_text=re.compile(name))
        await expect(named).to_have_count(2, timeout=SHOWN)
        for count in set(counts):
            await expect(
                named.filter(has_text=re.compile(rf"{name}\s*{count} "))
            ).to_have_count(counts.count(count), timeout=SHOWN)
    for name in ("Balance", "PBX state"):
        tile = tiles.filter(has_text=re.compile(name))
        await expect(tile).to_have_count(1, timeout=SHOWN)
        await expect(tile).not_to_contain_text("Unavailable")
        await expect(tile).not_to_contain_text("Unknown")
    for account in ("Bulutfon", "Bulutsantralim"):
        await expect(
            page.locator("hui-heading-card").filter(has_text=account)
        ).to_have_count(1)
    extensions = tiles.filter(has_text="Extension ")
    await expect(extensions).to_have_count(len(call_states), timeout=SHOWN)
    await expect(extensions.filter(has_text="Extension 1004").first).to_contain_text(
        "Idle"
    )
    for text in ("Today and account", "Extensions", "Call"):
        await expect(
            page.locator("hui-heading-card").get_by_text(text, exact=True).first
        ).to_be_visible()
    await dashboard.shot(view, "strategy-1-view")

    button = page.locator("hui-button-card").filter(has_text=caller)
    await expect(button).to_have_count(1)
    originates = simulator.count(BULUTSANTRALIM, "originate")
    await button.click()
    # The button's action is sent over the page's websocket; the originate follows.
    async with asyncio.timeout(SHOWN / 1000):
        while simulator.count(BULUTSANTRALIM, "originate") == originates:
            await asyncio.sleep(0.2)
    await simulator.wait_dialed()
    assert simulator.count(BULUTSANTRALIM, "originate") == originates + 1
    dialed = [
        call
        for call in simulator.state.cdrs(BULUTSANTRALIM)
        if call.uuid != missed.uuid
    ]
    assert [(c.direction, c.extension, c.callee) for c in dialed] == [
        ("outbound", FIRST_EXTENSION, missed.caller)
    ]

    await set_language(page, TURKISH)
    # The strategy builds the view as the page loads, in the language of that moment.
    await page.reload()
    for text in ("Bugün ve hesap", "Dahililer", "Ara"):
        await expect(
            page.locator("hui-heading-card").get_by_text(text, exact=True).first
        ).to_be_visible(timeout=60_000)
    await expect(page.locator("santral-calls-card .title").first).to_have_text(
        "Aramalar"
    )
    await dashboard.shot(view, "strategy-2-turkish")
