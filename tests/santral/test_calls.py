"""Calls end to end: CDR polling, bearings, paging cost, exactly-once with webhooks, restarts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import (
    CALL_HISTORY_SWEEP,
    MAX_CALL_FLOW_READS,
    RINGING_TIMEOUT,
    TALKING_TIMEOUT,
)
from simulator import Fault, FaultKind, Simulator
from tests.helpers import (
    CALL_KINDS as KINDS,
    OBJECT_IDS as DEVICE,
    Events,
    MakeEntry,
    Poster,
    deliver_webhooks,
    file_calls,
    poll_calls as poll,
    santralim,
    santralim_stamp,
    setup,
)

RINGING = "event_type=ringing&direction=inbound&caller_id_number=05321234567&destination_number=1001&dialed_user=1001"


@pytest.fixture
async def ringing(
    hass: HomeAssistant, make_entry: MakeEntry, webhook: Poster, call_events: Events
) -> MockConfigEntry:
    """Set up a Bulutsantralim entry whose extension 1001 rings for call `lost-1`.

    The ringing is among `call_events`.
    """
    entry = await setup(hass, make_entry("bulutsantralim"))
    await webhook("bulutsantralim", f"{RINGING}&call_uuid=lost-1")
    assert hass.states.get("sensor.extension_1001").state == "ringing"
    return entry


@pytest.mark.parametrize("provider", ["bulutfon", "bulutsantralim"])
async def test_first_poll_takes_bearings(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    call_events: Events,
    provider: str,
) -> None:
    """History already there fires nothing; one request took the bearings."""
    simulator.add_cdrs(provider, 30)
    await setup(hass, make_entry(KINDS[provider]))
    assert call_events == []
    assert simulator.count(provider, "cdrs") == 1


@pytest.mark.parametrize("provider", ["bulutfon", "bulutsantralim"])
async def test_quiet_poll_costs_one_request(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    call_events: Events,
    provider: str,
) -> None:
    """With nothing new, a poll is one request and announces nothing."""
    simulator.add_cdrs(provider, 30)
    entry = await setup(hass, make_entry(KINDS[provider]))
    before = simulator.count(provider, "cdrs")
    for _ in range(3):
        await poll(hass, entry)
    assert simulator.count(provider, "cdrs") - before == 3
    assert call_events == []


@pytest.mark.parametrize("provider", ["bulutfon", "bulutsantralim"])
async def test_new_calls_cost_pages_not_history(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    call_events: Events,
    provider: str,
) -> None:
    """250 new CDRs at 100 a page cost 3 requests and are each announced once, by the poll.

    Bulutfon's polls read who answered for 10 calls at most: the first announces those,
    the next the rest.
    """
    simulator.add_cdrs(provider, 400)  # old history, never read again
    entry = await setup(hass, make_entry(KINDS[provider]))
    calls = file_calls(
        simulator, provider, 250, first_start=dt_util.utcnow() - timedelta(hours=2)
    )
    before = simulator.count(provider, "cdrs")
    await poll(hass, entry)
    assert simulator.count(provider, "cdrs") - before == 3
    first = MAX_CALL_FLOW_READS if provider == "bulutfon" else 250
    assert len(call_events) == first
    await poll(hass, entry)
    assert len(call_events) == 250
    assert {event["call_id"] for event in call_events} == {call.uuid for call in calls}
    assert {event["source"] for event in call_events} == {"poll"}
    assert {event["type"] for event in call_events} == {"hangup"}
    await poll(hass, entry)
    assert len(call_events) == 250
    today = dt_util.start_of_local_day()
    ended_today = sum(1 for call in calls if call.ended >= today)
    calls_today = hass.states.get(f"sensor.{DEVICE[provider]}_calls_today")
    assert calls_today.state == str(ended_today)


@pytest.mark.parametrize("provider", ["bulutfon", "bulutsantralim"])
async def test_webhook_then_poll_fires_once(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    make_entry: MakeEntry,
    call_events: Events,
    provider: str,
) -> None:
    """A missed call the webhook announced is not announced again by the poll."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    await deliver_webhooks(simulator, hass_client_no_auth, provider)
    call = await simulator.place_call(provider, outcome="missed", extension="1001")
    await hass.async_block_till_done()
    assert [event["type"] for event in call_events if event["type"] == "missed"] == [
        "missed"
    ]
    assert {event["source"] for event in call_events} == {"webhook"}
    assert call_events[-1]["call_id"] == call.uuid
    await poll(hass, entry)
    assert [event["type"] for event in call_events].count("missed") == 1
    assert hass.states.get(f"sensor.{DEVICE[provider]}_missed_calls_today").state == "1"


async def test_poll_then_late_webhook_fires_once(
    hass: HomeAssistant,
    webhook: Poster,
    simulator: Simulator,
    make_entry: MakeEntry,
    call_events: Events,
) -> None:
    """A call the poll announced first is not announced again by a late webhook."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    (call,) = file_calls(
        simulator,
        "bulutsantralim",
        1,
        first_start=dt_util.utcnow() - timedelta(minutes=2),
        outcome="missed",
    )
    await poll(hass, entry)
    assert [event["source"] for event in call_events] == ["poll"]
    body = f"event_type=hangup&direction=inbound&call_uuid={call.uuid}&answered=false&caller_id_number=05321234567&destination_number=1001"
    assert await webhook("bulutsantralim", body) == 200
    assert len(call_events) == 1


@pytest.mark.usefixtures("midday")
@pytest.mark.parametrize("provider", ["bulutfon", "bulutsantralim"])
async def test_restart_announces_downtime_once(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    call_events: Events,
    provider: str,
) -> None:
    """Calls that ended while Home Assistant was down are announced once after it starts."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    assert await hass.config_entries.async_unload(entry.entry_id)
    calls = file_calls(
        simulator,
        provider,
        3,
        first_start=dt_util.utcnow() - timedelta(minutes=30),
        outcome="missed",
    )
    await setup(hass, entry)
    assert sorted(event["call_id"] for event in call_events) == sorted(
        call.uuid for call in calls
    )
    assert {event["source"] for event in call_events} == {"poll"}
    assert {event["type"] for event in call_events} == {"missed"}

    assert await hass.config_entries.async_unload(entry.entry_id)
    await setup(hass, entry)
    await poll(hass, entry)
    assert len(call_events) == 3
    assert hass.states.get(f"sensor.{DEVICE[provider]}_missed_calls_today").state == "3"


async def test_lost_hangup_repaired_by_poll(
    hass: HomeAssistant,
    simulator: Simulator,
    ringing: MockConfigEntry,
    call_events: Events,
) -> None:
    """An extension left ringing by a lost hangup goes idle when the call's CDR arrives."""
    sensor = "sensor.extension_1001"
    file_calls(
        simulator,
        "bulutsantralim",
        1,
        first_start=dt_util.utcnow() - timedelta(minutes=1),
        outcome="missed",
        call_id="lost-1",
    )
    await poll(hass, ringing)
    assert hass.states.get(sensor).state == "idle"
    assert [(event["type"], event["source"]) for event in call_events] == [
        ("ringing", "webhook"),
        ("missed", "poll"),
    ]


@pytest.mark.usefixtures("ringing")
async def test_ringing_times_out(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Without any news, a ringing extension is idle again after the ringing timeout."""
    sensor = "sensor.extension_1001"
    freezer.tick(RINGING_TIMEOUT + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "idle"


@pytest.mark.usefixtures("ringing")
async def test_answered_call_outlives_the_ringing_timeout(
    hass: HomeAssistant, webhook: Poster, freezer: FrozenDateTimeFactory
) -> None:
    """An answer moves the deadline: talking lasts past the ringing one, up to its own."""
    sensor = "sensor.extension_1001"
    await webhook(
        "bulutsantralim",
        RINGING.replace("event_type=ringing", "event_type=answer")
        + "&connected_user=1001&call_uuid=lost-1",
    )
    assert hass.states.get(sensor).state == "talking"

    freezer.tick(RINGING_TIMEOUT + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "talking"

    freezer.tick(TALKING_TIMEOUT)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "idle"


async def test_extension_survives_restart(
    hass: HomeAssistant, webhook: Poster, make_entry: MakeEntry
) -> None:
    """An extension seen once keeps its sensor and state across a restart."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    body = "event_type=answer&direction=inbound&call_uuid=r-1&caller_id_number=05321234567&destination_number=1007&connected_user=1007"
    await webhook("bulutsantralim", body)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await setup(hass, entry)
    state = hass.states.get("sensor.extension_1007")
    assert state.state == "talking"
    assert state.attributes["remote"] == "+905321234567"


async def test_counters_reset_at_midnight(
    hass: HomeAssistant,
    webhook: Poster,
    make_entry: MakeEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Calls today start from zero at local midnight."""
    await hass.config.async_set_time_zone("Europe/Istanbul")
    freezer.move_to("2026-11-23 20:59:00+00:00")  # 23:59 in Istanbul
    await setup(hass, make_entry("bulutsantralim"))
    body = "event_type=hangup&direction=inbound&call_uuid=n-1&answered=false&caller_id_number=05321234567&destination_number=1001"
    await webhook("bulutsantralim", body)
    missed = "sensor.bulutsantralim_908501234567_missed_calls_today"
    assert hass.states.get(missed).state == "1"
    freezer.move_to("2026-11-23 21:00:01+00:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(missed).state == "0"
    assert (
        hass.states.get("sensor.bulutsantralim_908501234567_last_missed_caller").state
        == "+90 532 123 45 67"
    )


@pytest.mark.parametrize("provider", ["bulutfon", "bulutsantralim"])
async def test_bearings_cover_more_than_a_page(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    call_events: Events,
    provider: str,
) -> None:
    """250 recent calls before setup are all history: the next polls announce none."""
    file_calls(
        simulator, provider, 250, first_start=dt_util.utcnow() - timedelta(hours=2)
    )
    entry = await setup(hass, make_entry(KINDS[provider]))
    await poll(hass, entry)
    assert call_events == []


async def test_long_call_is_not_lost(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    call_events: Events,
) -> None:
    """A 3.5-hour call that ends after newer calls started is still announced."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    file_calls(
        simulator, "bulutfon", 1, first_start=dt_util.utcnow() - timedelta(minutes=10)
    )
    await poll(hass, entry)
    (long_call,) = file_calls(
        simulator,
        "bulutfon",
        1,
        first_start=dt_util.utcnow() - timedelta(hours=3, minutes=30),
    )
    await poll(hass, entry)
    assert long_call.uuid in {event["call_id"] for event in call_events}


async def test_long_call_no_webhook_told_of_is_swept(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    webhook: Poster,
    call_events: Events,
    freezer: FrozenDateTimeFactory,
) -> None:
    """While the webhook is heard, polls read minutes back; the hourly sweep reads hours.

    A 3.5-hour call no webhook told of is left to the sweep, which announces it once.
    """
    entry = await setup(hass, make_entry("bulutsantralim"))
    assert await webhook("bulutsantralim", santralim("hangup", answered="false")) == 200
    (long_call,) = file_calls(
        simulator,
        "bulutsantralim",
        1,
        first_start=dt_util.utcnow() - timedelta(hours=3, minutes=30),
    )
    await poll(hass, entry)
    assert long_call.uuid not in {event["call_id"] for event in call_events}
    freezer.tick(CALL_HISTORY_SWEEP)
    assert await webhook("bulutsantralim", santralim("hangup", call_uuid="c-2")) == 200
    await poll(hass, entry)
    await poll(hass, entry)
    assert [event["call_id"] for event in call_events].count(long_call.uuid) == 1


async def test_open_call_widens_the_quick_poll(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    webhook: Poster,
    call_events: Events,
) -> None:
    """A call a webhook saw start hours ago, whose hangup webhook is lost, ends at the next poll."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    (long_call,) = file_calls(
        simulator,
        "bulutsantralim",
        1,
        first_start=dt_util.utcnow() - timedelta(hours=3, minutes=30),
    )
    stamp = santralim_stamp(-3.5 * 3600)
    assert (
        await webhook(
            "bulutsantralim",
            f"{RINGING}&call_uuid={long_call.uuid}&start_stamp={stamp}",
        )
        == 200
    )
    await poll(hass, entry)
    ends = [e for e in call_events if e["type"] in ("hangup", "missed")]
    assert [event["call_id"] for event in ends] == [long_call.uuid]
    assert entry.runtime_data.calls.open_calls == {}


async def test_open_call_older_than_the_overlap_is_forgotten(
    hass: HomeAssistant, make_entry: MakeEntry, webhook: Poster
) -> None:
    """A ringing no end ever follows stops widening the polls once it is past the overlap."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    stamp = santralim_stamp(-6 * 3600)
    await webhook("bulutsantralim", f"{RINGING}&call_uuid=stale-1&start_stamp={stamp}")
    tracker = entry.runtime_data.calls
    assert list(tracker.open_calls) == ["stale-1"]

    await poll(hass, entry)

    assert tracker.open_calls == {}


async def test_reload_during_poll_announces_once(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    call_events: Events,
) -> None:
    """A poll still running when the entry reloads announces nothing; the new one does, once."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    file_calls(
        simulator,
        "bulutsantralim",
        2,
        first_start=dt_util.utcnow() - timedelta(minutes=20),
        outcome="missed",
    )
    old_history = entry.runtime_data.call_history
    simulator.inject("bulutsantralim", "cdrs", Fault(FaultKind.SLOW, delay=0.5))
    running = hass.async_create_task(old_history.async_refresh())
    await asyncio.sleep(0.1)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await running
    await hass.async_block_till_done()
    assert sorted(event["type"] for event in call_events) == ["missed", "missed"]
