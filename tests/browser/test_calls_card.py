"""The call log and fax inbox card on a real dashboard, in Chromium at a phone's width.

Home Assistant runs as a process with its frontend; Chromium opens a dashboard holding the
card, signed in as the user. Calls and faxes are placed through the simulator, whose
webhooks reach the process as a PBX's would.
"""

from __future__ import annotations

import time
from typing import Any

from playwright.async_api import Locator, expect
from yarl import URL

from simulator import Simulator
from tests.santral.live_hass import BULUTSANTRALIM

from .conftest import TURKISH, Dashboard, DashboardHass, set_language

EXTENSION = "1001"
CARD = "santral-calls-card"
# What the page may take to show a change: generous, for a loaded two-core machine.
SHOWN = 30_000


def _view(card: dict[str, Any]) -> dict[str, Any]:
    return {"views": [{"title": "Santral", "path": "santral", "cards": [card]}]}


async def _served_call(live: DashboardHass, call_id: str) -> dict[str, Any]:
    """Return the call as the websocket API serves it, which the row must show."""
    calls = (await live.command({"type": "santral/calls", "limit": 20}))["calls"]
    return next(call for call in calls if call["call_id"] == call_id)


async def _icon(row: Locator) -> str | None:
    return await row.locator("ha-icon.kind").get_attribute("icon")


async def test_call_log_live_row_call_back_recording_and_turkish(
    live: DashboardHass,
    dashboard: Dashboard,
    simulator: Simulator,
    figures: list[str],
) -> None:
    """A missed call appears without a reload; call back dials it; a recording plays."""
    path = await live.dashboard(
        _view({"type": f"custom:{CARD}", "extension": EXTENSION, "limit": 20})
    )
    _context, page = await dashboard.open(f"{path}/santral")
    card = page.locator(CARD)
    await expect(card.locator("ha-card")).to_be_visible(timeout=60_000)
    await expect(card.locator(".empty")).to_have_text("No calls", timeout=SHOWN)
    await dashboard.shot(card, "calls-1-empty")

    missed = await simulator.place_call(
        BULUTSANTRALIM, direction="inbound", outcome="missed", extension=EXTENSION
    )
    assert [d.status for d in missed.deliveries if d.event_type == "hangup"] == [200]
    answered_at = time.monotonic()
    row = card.locator(f'li[data-call-id="{missed.uuid}"]')
    await expect(row).to_be_visible(timeout=SHOWN)
    figures.append(
        "call log card: the missed call's row was visible "
        f"{(time.monotonic() - answered_at) * 1000:.0f} ms after its hang-up webhook "
        "was answered"
    )
    served = await _served_call(live, missed.uuid)
    assert served["type"] == "missed"
    await expect(row.locator(".name")).to_have_text(
        served["caller_name"] or served["caller_display"]
    )
    assert await _icon(row) == "mdi:phone-missed"
    await expect(row.locator(".details")).to_contain_text(f"ext. {EXTENSION}")
    await expect(row.locator("button.play")).to_have_count(0)
    await dashboard.shot(card, "calls-2-missed")

    await row.locator(".text").click()
    details = row.locator(".more")
    await expect(details).to_contain_text("Incoming · Missed")
    await expect(details).to_contain_text(f"From: {served['caller_display']}")
    await expect(details).to_contain_text(f"To: {served['callee_display']}")
    await dashboard.shot(card, "calls-2-missed-details")
    await row.locator(".text").click()
    await expect(details).to_have_count(0)

    originates = simulator.count(BULUTSANTRALIM, "originate")
    await row.locator("button.call-back").click()
    await expect(card.locator(".message")).to_contain_text(
        f"from extension {EXTENSION}", timeout=SHOWN
    )
    assert simulator.count(BULUTSANTRALIM, "originate") == originates + 1
    await simulator.wait_dialed()
    dialed = [
        call
        for call in simulator.state.cdrs(BULUTSANTRALIM)
        if call.uuid != missed.uuid
    ]
    assert [(c.direction, c.extension, c.callee) for c in dialed] == [
        ("outbound", EXTENSION, missed.caller)
    ]
    back = card.locator(f'li[data-call-id="{dialed[0].uuid}"]')
    await expect(back.locator("ha-icon.kind")).to_have_attribute(
        "icon", "mdi:phone-outgoing", timeout=SHOWN
    )
    await dashboard.shot(card, "calls-3-called-back")

    await card.locator("input.missed-only").check()
    await expect(card.locator("li")).to_have_count(1, timeout=SHOWN)
    await expect(card.locator("li")).to_have_attribute("data-call-id", missed.uuid)
    await card.locator("input.missed-only").uncheck()
    await expect(card.locator("li")).to_have_count(2, timeout=SHOWN)

    recorded = await simulator.place_call(
        BULUTSANTRALIM, outcome="answered", recording=True, extension=EXTENSION
    )
    recorded_row = card.locator(f'li[data-call-id="{recorded.uuid}"]')
    await expect(recorded_row.locator("button.play")).to_be_visible(timeout=SHOWN)
    assert await _icon(recorded_row) == "mdi:phone-incoming"
    links = simulator.count(BULUTSANTRALIM, "recording_url")
    async with page.expect_response(
        lambda response: "/recording/" in response.url, timeout=SHOWN
    ) as fetched:
        await recorded_row.locator("button.play").click()
    response = await fetched.value
    audio = card.locator("audio")
    await expect(audio).to_be_visible()
    source = await audio.evaluate("(element) => element.src")
    # The URL is the one `santral.get_recording_url` handed out for this call.
    assert simulator.count(BULUTSANTRALIM, "recording_url") == links + 1
    link = simulator.state.bulutsantralim.recording_urls[URL(source).name[1:]]
    assert link.call_uuid == recorded.uuid
    assert response.url == source
    assert response.status == 200
    assert response.headers["content-type"] == "audio/mpeg"
    await expect(audio).to_have_js_property("paused", False, timeout=SHOWN)
    served = await _served_call(live, recorded.uuid)
    await expect(card.locator(".playing")).to_have_text(
        f"Recording: {served['caller_name'] or served['caller_display']}"
    )
    await dashboard.shot(card, "calls-4-recording")

    await set_language(page, TURKISH)
    await expect(card.locator(".title")).to_have_text("Aramalar", timeout=SHOWN)
    await expect(card.locator(".toggle")).to_have_text("Yalnızca cevapsız")
    await expect(row.locator(".details")).to_contain_text(f"dahili {EXTENSION}")
    await expect(row.locator("button.call-back")).to_have_attribute("title", "Geri ara")
    await expect(recorded_row.locator("button.play")).to_have_attribute(
        "title", "Kaydı dinle"
    )
    await row.locator(".text").click()
    await expect(row.locator(".more")).to_contain_text("Gelen · Cevapsız")
    await dashboard.shot(card, "calls-5-turkish")


async def test_fax_inbox_opens_the_document_in_dark_mode_and_turkish(
    live: DashboardHass,
    dashboard: Dashboard,
    simulator: Simulator,
) -> None:
    """A received fax appears; opening it loads its PDF through a signed link."""
    path = await live.dashboard(_view({"type": f"custom:{CARD}", "mode": "faxes"}))
    context, page = await dashboard.open(f"{path}/santral", color_scheme="dark")
    card = page.locator(CARD)
    await expect(card.locator(".empty")).to_have_text("No faxes", timeout=60_000)
    await dashboard.shot(card, "faxes-1-empty-dark")

    fax = await simulator.receive_fax(BULUTSANTRALIM, sender="05321234567", pages=3)
    # Bulutsantralim announces no fax: Santral finds it when it polls, as at setup.
    await live.reload_entries()
    row = card.locator(f'li[data-fax-id="{fax.id}"]')
    await expect(row).to_be_visible(timeout=SHOWN)
    (served,) = (await live.command({"type": "santral/faxes"}))["faxes"]
    await expect(row.locator(".name")).to_have_text(served["remote_display"])
    await expect(row.locator(".details")).to_contain_text("Received")
    await expect(row.locator(".details")).to_contain_text("3 p.")
    await dashboard.shot(card, "faxes-2-received-dark")

    async with (
        context.expect_page() as opened,
        context.expect_event(
            "response",
            lambda response: "/api/santral/fax/" in response.url,
            timeout=SHOWN,
        ) as fetched,
    ):
        await row.locator("button.open").click()
    response = await fetched.value
    document = URL(response.url)
    assert document.path == served["document_url"]
    # Signed by `auth/sign_path`: the link works without the page's token.
    assert "authSig" in document.query
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    await (await opened.value).close()
    # Chromium shows the PDF in its viewer; the same link, fetched again, is the document.
    again = await context.request.get(response.url)
    assert again.status == 200
    assert (await again.body()).startswith(b"%PDF")
    unsigned = await context.request.get(f"{live.url}{document.path}")
    assert unsigned.status == 401

    await set_language(page, TURKISH)
    await expect(card.locator(".title")).to_have_text("Fakslar", timeout=SHOWN)
    await expect(row.locator(".details")).to_contain_text("Alındı")
    await expect(row.locator(".details")).to_contain_text("3 sf.")
    await expect(row.locator("button.open")).to_have_attribute("title", "Aç")
    await dashboard.shot(card, "faxes-3-turkish-dark")
