"""Call alerts on Bulutsantralim: the message uploaded once, the outcomes posted back.

The simulator keeps the announcement Home Assistant uploaded, checks the entry's report
webhook with an empty post, then posts one report per number to it over real HTTP, at
Home Assistant's external URL on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.santral.alert_tracker import MAX_EARLY_REPORTS
from custom_components.santral.const import ALERT_BUDGET, DOMAIN
from custom_components.santral.providers import AlertOutcome, AlertRecipient, CallAlert
from simulator import Simulator
from simulator.automatic_calls import Callee
from simulator.ivr_campaigns import IvrCampaigns
from tests.helpers import setup, tick
from tests.santral.conftest import MP3, CountingEngine
from tests.santral.test_call_alert import ANSWERS, MESSAGE, SILENT, outcomes, send

LATE = "+905327778899"


@pytest.fixture
def campaigns(simulator: Simulator) -> IvrCampaigns:
    """One number answers and presses 1, one does not answer; calls follow quickly."""
    table = simulator.state.bulutfon.automatic_calls
    table.set_callee(ANSWERS[1:], Callee(answers=True, digit=1))
    table.set_callee(SILENT[1:], Callee(answers=False))
    calls = simulator.state.bulutsantralim.ivr_campaigns
    calls.call_delay = 0.01
    return calls


async def reported(hass: HomeAssistant, calls: IvrCampaigns) -> None:
    """Wait until every campaign has posted its reports, and Home Assistant took them."""
    await calls.async_idle()
    await hass.async_block_till_done(wait_background_tasks=True)


def requests_to(simulator: Simulator, endpoint: str) -> int:
    """Return how often the simulator answered at `endpoint`."""
    return sum(1 for r in simulator.state.requests if r.endpoint == endpoint)


@pytest.mark.usefixtures("served")
async def test_answered_acknowledged_and_failed_once(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    engine: CountingEngine,
    campaigns: IvrCampaigns,
    alert_events: list[dict[str, Any]],
) -> None:
    """The clip is uploaded, the webhook checked, each outcome told once, the campaign ended."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    response = await send(
        hass, entry, number=[ANSWERS, "0532 444 55 66", LATE], acknowledge_digit="1"
    )
    campaign = campaigns.campaigns[int(response["alert_id"])]
    [announcement] = campaigns.announcements.values()
    assert announcement.content == MP3
    assert campaign.body["welcome_announcement_id"] == announcement.id
    assert campaign.verification == 200
    tracker = entry.runtime_data.call_alerts
    assert tracker is not None
    assert campaign.body["webhook_url"] == tracker.report_url
    assert str(tracker.report_url).startswith(
        f"{hass.config.external_url}/api/webhook/"
    )
    assert engine.spoken == [(f"{MESSAGE} ... {MESSAGE}", "tr")]
    await reported(hass, campaigns)
    assert outcomes(alert_events) == [
        (ANSWERS, "answered", "1"),
        (ANSWERS, "acknowledged", "1"),
        (SILENT, "failed", None),
        (LATE, "answered", None),
    ]
    assert {e["provider"] for e in alert_events} == {"bulutsantralim"}
    assert {e["alert_id"] for e in alert_events} == {response["alert_id"]}
    assert tracker.pending == {}
    assert campaign.deleted
    # A report told again changes nothing.
    tracker.async_report(
        CallAlert(
            response["alert_id"],
            (AlertRecipient(ANSWERS, AlertOutcome.ANSWERED, "1"),),
        )
    )
    assert len(alert_events) == 4


@pytest.mark.usefixtures("served")
async def test_same_message_uploaded_once(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    engine: CountingEngine,
    campaigns: IvrCampaigns,
) -> None:
    """Two alerts of the same text share one synthesis and one announcement."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    await send(hass, entry, number=ANSWERS)
    await send(hass, entry, number=SILENT)
    assert len(engine.spoken) == 1
    assert len(campaigns.announcements) == 1
    assert requests_to(simulator, "announcements_create") == 1
    assert len(campaigns.campaigns) == 2
    await reported(hass, campaigns)


@pytest.mark.usefixtures("served", "engine", "campaigns")
async def test_refusal_in_verimors_words(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """A sender the PBX does not own is refused in the PBX's words."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, entry, number=ANSWERS, sender="+902120000000")
    assert err.value.translation_placeholders == {
        "message": "cli is not one of your caller ids"
    }
    assert not simulator.state.bulutsantralim.ivr_campaigns.campaigns


@pytest.mark.usefixtures("engine")
async def test_report_webhook_answers(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    served: TestClient,
    campaigns: IvrCampaigns,
) -> None:
    """The empty check is answered 200, a post that is no report 400, a huge one 413."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    tracker = entry.runtime_data.call_alerts
    assert tracker is not None and tracker.report_url is not None
    path = tracker.report_url.removeprefix(str(hass.config.external_url))
    assert (await served.post(path)).status == 200
    assert (await served.post(path, data={"event_type": "ringing"})).status == 400
    assert (await served.post(path, data=b"x" * 70_000)).status == 413
    assert (await served.get(path)).status == 405
    # A report of a campaign Santral does not follow is kept aside, not announced.
    body = {"ivr_campaign_id": "9", "phone": ANSWERS[1:], "digit": "1"}
    assert (await served.post(path, data=body)).status == 200
    assert tracker.pending == {}


@pytest.mark.usefixtures("served", "engine")
async def test_report_before_the_campaign_id(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    alert_events: list[dict[str, Any]],
) -> None:
    """A report that overtakes the answer naming its campaign is told once it is known."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    tracker = entry.runtime_data.call_alerts
    assert tracker is not None
    early = CallAlert("77", (AlertRecipient(ANSWERS, AlertOutcome.FAILED),))
    tracker.async_report(early)
    for n in range(MAX_EARLY_REPORTS + 1):
        tracker.async_report(CallAlert(f"x{n}", early.recipients))
    tracker.async_track("x0", [ANSWERS], None)
    assert alert_events == []
    tracker.async_report(early)
    tracker.async_track("77", [ANSWERS, SILENT], None)
    assert outcomes(alert_events) == [(ANSWERS, "failed", None)]
    assert "77" in tracker.pending


@pytest.mark.usefixtures("served", "engine")
async def test_webhook_survives_a_reload(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    campaigns: IvrCampaigns,
    alert_events: list[dict[str, Any]],
) -> None:
    """A campaign started before a reload still reaches Home Assistant, told once."""
    campaigns.call_delay = 0.3
    entry = await setup(hass, make_entry("bulutsantralim"))
    tracker = entry.runtime_data.call_alerts
    assert tracker is not None
    url = tracker.report_url
    await send(hass, entry, number=ANSWERS)
    assert await hass.config_entries.async_reload(entry.entry_id)
    tracker = entry.runtime_data.call_alerts
    assert tracker is not None
    assert tracker.report_url == url
    assert len(tracker.pending) == 1
    await reported(hass, campaigns)
    assert outcomes(alert_events) == [
        (ANSWERS, "answered", "1"),
        (ANSWERS, "acknowledged", "1"),
    ]
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert DOMAIN in hass.config.components


@pytest.mark.usefixtures("served", "engine")
async def test_no_report_fails_past_the_budget(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    campaigns: IvrCampaigns,
    alert_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without a report a number fails after the budget, and the campaign is ended."""
    campaigns.call_delay = 3600
    entry = await setup(hass, make_entry("bulutsantralim"))
    response = await send(hass, entry, number=[ANSWERS, SILENT])
    await tick(hass, freezer, ALERT_BUDGET)
    assert outcomes(alert_events) == [
        (ANSWERS, "failed", None),
        (SILENT, "failed", None),
    ]
    assert campaigns.campaigns[int(response["alert_id"])].deleted
    assert requests_to(simulator, "ivr_campaign_delete") == 1
