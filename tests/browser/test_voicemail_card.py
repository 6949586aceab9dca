"""The card's voicemail mode, in Chromium: a message left in the box shows and plays.

The row comes from `santral/voicemails` and its subscription; the audio from
`santral.get_voicemail_url`, a link to Home Assistant that carries no key of the PBX.
"""

from __future__ import annotations

from datetime import timedelta

import homeassistant.util.dt as dt_util
from playwright.async_api import expect

from simulator import Simulator
from tests.santral.live_hass import BULUTSANTRALIM

from .conftest import Dashboard, DashboardHass

CARD = "santral-calls-card"
SHOWN = 30_000


async def test_voicemail_box_shows_a_new_message_and_plays_it(
    live: DashboardHass, dashboard: Dashboard, simulator: Simulator
) -> None:
    """A message for 1001 appears live, the other box's does not; play fetches its audio."""
    path = await live.dashboard(
        {
            "views": [
                {
                    "path": "voicemail",
                    "cards": [
                        {
                            "type": f"custom:{CARD}",
                            "mode": "voicemails",
                            "extension": "1001",
                        }
                    ],
                }
            ]
        }
    )
    _context, page = await dashboard.open(f"{path}/voicemail")
    card = page.locator(CARD)
    await expect(card.locator(".empty")).to_have_text("No voicemail", timeout=60_000)
    await expect(card.locator(".title")).to_have_text("Voicemail")

    # Left a moment ago: a poll lists the messages up to its own second.
    when = dt_util.utcnow() - timedelta(seconds=2)
    mine = simulator.leave_voicemail("1001", "905321112233", duration=9, when=when)
    simulator.leave_voicemail("1002", "905324445566", when=when)
    # The entry reads the boxes as it loads; the card's subscription follows it.
    await live.reload_entries()
    row = card.locator(f'li[data-voicemail-id="{mine}"]')
    await expect(row).to_be_visible(timeout=SHOWN)
    await expect(card.locator("li")).to_have_count(1)
    await expect(row.locator(".name")).to_have_text("+90 532 111 22 33")
    await expect(row.locator(".details")).to_contain_text("0:09")
    await expect(row.locator(".details")).to_contain_text("ext. 1001")

    links = simulator.count(BULUTSANTRALIM, "voicemail_recording_url")
    async with page.expect_response(
        lambda response: "/voicemail/" in response.url, timeout=SHOWN
    ) as fetched:
        await row.locator("button.play").click()
    response = await fetched.value
    assert response.status == 200
    assert response.headers["content-type"] == "audio/mpeg"
    assert simulator.count(BULUTSANTRALIM, "voicemail_recording_url") == links + 1
    source = await card.locator("audio").evaluate("(element) => element.src")
    assert simulator.state.bulutsantralim.api_key not in source
    await expect(card.locator(".playing")).to_have_text(
        "Message from +90 532 111 22 33"
    )
    await dashboard.shot(card, "voicemail-1-playing")
