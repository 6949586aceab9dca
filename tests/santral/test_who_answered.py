"""Who answered a Bulutfon call: its steps read once, within each poll's cap, and kept."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.santral.const import MAX_CALL_FLOW_READS
from simulator import Fault, FaultKind, Simulator
from simulator.calls import SimulatedCall, build_call
from tests.helpers import Events, MakeEntry, deliver_webhooks, poll_calls as poll, setup

# Seed 003's group call: 1004 picks up, the others of group 101 lose the race.
RINGS = ("1004", "1008", "1009", "1015")


@pytest.fixture
async def bulutfon(hass: HomeAssistant, make_entry: MakeEntry) -> MockConfigEntry:
    """Set up Bulutfon, whose PBX posts no webhook: the poll tells each call."""
    assert await async_setup_component(hass, "websocket_api", {})
    return await setup(hass, make_entry("bulutfon_token"))


async def group_call(
    simulator: Simulator, outcome: str = "answered", **fields: Any
) -> SimulatedCall:
    """Place an inbound call through menu 10 to group 101, answered by 1004 unless missed."""
    return await simulator.place_call(
        "bulutfon",
        outcome=outcome,
        menu="10",
        group="101",
        rings=RINGS,
        extension="1004",
        **fields,
    )


def file_group_calls(simulator: Simulator, count: int) -> list[SimulatedCall]:
    """File `count` answered group calls of the last hour, a minute apart, oldest first."""
    first = dt_util.utcnow() - timedelta(hours=1)
    calls = [
        build_call(
            "bulutfon",
            pbx_number=simulator.state.bulutfon.did,
            started=first + timedelta(minutes=index),
            menu="10",
            group="101",
            rings=RINGS,
            extension="1004",
        )
        for index in range(count)
    ]
    simulator.state.add_cdrs("bulutfon", calls)
    return calls


def by_id(events: Events) -> dict[str, dict[str, Any]]:
    """Return the events that ended a call by call id; each call must have ended once."""
    ends = [event for event in events if event["type"] in ("hangup", "missed")]
    ids = [event["call_id"] for event in ends]
    assert len(ids) == len(set(ids))
    return {event["call_id"]: event for event in ends}


async def logged_calls(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> dict[str, dict[str, Any]]:
    """Return the call log's rows, as the call log card reads them, by call id."""
    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id({"type": "santral/calls"})
    answer = await ws.receive_json()
    assert answer["success"], answer
    return {row["call_id"]: row for row in answer["result"]["calls"]}


async def test_answered_and_missed_group_calls(
    hass: HomeAssistant,
    simulator: Simulator,
    bulutfon: MockConfigEntry,
    call_events: Events,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """The hang-up names who answered, a missed group call who rang, each read once."""
    answered = await group_call(simulator)
    direct = await simulator.place_call("bulutfon", menu="10", extension="1002")
    missed = await group_call(simulator, "missed")
    outbound = await simulator.place_call("bulutfon", direction="outbound")
    await poll(hass, bulutfon)
    events = by_id(call_events)
    assert events[answered.uuid]["answered_by"] == "1004"
    assert "rang" not in events[answered.uuid]
    assert events[direct.uuid]["answered_by"] == "1002"
    assert events[missed.uuid]["type"] == "missed"
    assert events[missed.uuid]["rang"] == list(RINGS)
    assert "answered_by" not in events[missed.uuid]
    assert "answered_by" not in events[outbound.uuid]
    # One detail read per inbound call; the outbound call's record names its extension.
    assert simulator.count("bulutfon", "cdr") == 3

    rows = await logged_calls(hass, hass_ws_client)
    assert rows[answered.uuid]["answered_by"] == "1004"
    assert rows[direct.uuid]["answered_by"] == "1002"
    assert rows[missed.uuid]["rang"] == list(RINGS)
    assert "answered_by" not in rows[outbound.uuid]
    assert "rang" not in rows[answered.uuid]

    await poll(hass, bulutfon)
    assert simulator.count("bulutfon", "cdr") == 3
    assert len(call_events) == 4


async def test_reads_are_capped_per_poll(
    hass: HomeAssistant,
    simulator: Simulator,
    bulutfon: MockConfigEntry,
    call_events: Events,
) -> None:
    """Past the cap, calls wait one poll for their steps, and are then read first."""
    calls = file_group_calls(simulator, MAX_CALL_FLOW_READS + 3)
    await poll(hass, bulutfon)
    assert simulator.count("bulutfon", "cdr") == MAX_CALL_FLOW_READS
    assert len(call_events) == MAX_CALL_FLOW_READS
    # The calls that started first are read first.
    assert set(by_id(call_events)) == {
        call.uuid for call in calls[:MAX_CALL_FLOW_READS]
    }
    late = await group_call(simulator)
    await poll(hass, bulutfon)
    assert simulator.count("bulutfon", "cdr") == len(calls) + 1
    events = by_id(call_events)
    assert set(events) == {call.uuid for call in [*calls, late]}
    assert {event["answered_by"] for event in events.values()} == {"1004"}
    # The call event entity carries it too, on its last call.
    attributes = hass.states.get("event.bulutfon_santral_bulutfon_net_call").attributes
    assert attributes["answered_by"] == "1004"
    assert "rang" not in attributes


async def test_no_call_waits_more_than_one_poll(
    hass: HomeAssistant,
    simulator: Simulator,
    bulutfon: MockConfigEntry,
    call_events: Events,
) -> None:
    """A burst past two polls' reads is announced by the second, some without the steps."""
    burst = MAX_CALL_FLOW_READS * 2 + 5
    calls = file_group_calls(simulator, burst)
    await poll(hass, bulutfon)
    await poll(hass, bulutfon)
    events = by_id(call_events)
    assert set(events) == {call.uuid for call in calls}
    assert simulator.count("bulutfon", "cdr") == MAX_CALL_FLOW_READS * 2
    told = [event for event in events.values() if "answered_by" in event]
    assert len(told) == MAX_CALL_FLOW_READS * 2
    await poll(hass, bulutfon)
    assert len(call_events) == burst


@pytest.mark.parametrize(
    "fault",
    [
        Fault(FaultKind.REJECT, status=404, message="Kayıt bulunamadı"),
        Fault(FaultKind.SERVER_ERROR, status=500),
        Fault(FaultKind.HTML),
    ],
    ids=["404", "500", "html"],
)
async def test_failed_read_announces_without_it(
    hass: HomeAssistant,
    simulator: Simulator,
    bulutfon: MockConfigEntry,
    call_events: Events,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
) -> None:
    """A detail that cannot be read is not asked for again; the call is announced once."""
    call = await group_call(simulator)
    simulator.inject("bulutfon", "cdr", fault)
    caplog.set_level(logging.DEBUG, logger="custom_components.santral")
    await poll(hass, bulutfon)
    (event,) = call_events
    assert event["call_id"] == call.uuid
    assert event["type"] == "hangup"
    assert "answered_by" not in event
    assert f"Who answered call {call.uuid} cannot be read" in caplog.text
    await poll(hass, bulutfon)
    assert len(call_events) == 1
    assert simulator.count("bulutfon", "cdr") == 1


async def test_restart_keeps_who_answered(
    hass: HomeAssistant,
    simulator: Simulator,
    bulutfon: MockConfigEntry,
    call_events: Events,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """The call log keeps who answered across a restart, and nothing is read again."""
    answered = await group_call(simulator)
    missed = await group_call(simulator, "missed")
    await poll(hass, bulutfon)
    assert simulator.count("bulutfon", "cdr") == 2
    assert await hass.config_entries.async_unload(bulutfon.entry_id)
    await setup(hass, bulutfon)
    await poll(hass, bulutfon)
    assert simulator.count("bulutfon", "cdr") == 2
    assert len(by_id(call_events)) == 2
    rows = await logged_calls(hass, hass_ws_client)
    assert rows[answered.uuid]["answered_by"] == "1004"
    assert rows[missed.uuid]["rang"] == list(RINGS)


async def test_webhook_calls_learn_it_in_the_log(
    hass: HomeAssistant,
    simulator: Simulator,
    bulutfon: MockConfigEntry,
    call_events: Events,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A call the webhook announced gets who answered in its log entry at the next poll.

    Its event went out live, without it; the poll reads its steps once, and the
    log keeps them across a restart without another read.
    """
    await deliver_webhooks(simulator, hass_client_no_auth, "bulutfon")
    answered = await group_call(simulator)
    missed = await group_call(simulator, "missed")
    events = by_id(call_events)
    assert {events[answered.uuid]["source"], events[missed.uuid]["source"]} == {
        "webhook"
    }
    assert "answered_by" not in events[answered.uuid]
    before = len(call_events)
    await poll(hass, bulutfon)
    assert simulator.count("bulutfon", "cdr") == 2
    assert len(call_events) == before
    rows = await logged_calls(hass, hass_ws_client)
    assert rows[answered.uuid]["answered_by"] == "1004"
    assert rows[missed.uuid]["rang"] == list(RINGS)
    await poll(hass, bulutfon)
    assert await hass.config_entries.async_unload(bulutfon.entry_id)
    await setup(hass, bulutfon)
    await poll(hass, bulutfon)
    assert simulator.count("bulutfon", "cdr") == 2
    rows = await logged_calls(hass, hass_ws_client)
    assert rows[answered.uuid]["answered_by"] == "1004"


async def test_calls_past_two_polls_learn_it_later(
    hass: HomeAssistant,
    simulator: Simulator,
    bulutfon: MockConfigEntry,
    call_events: Events,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Calls announced without their steps have them read with the reads left over."""
    burst = MAX_CALL_FLOW_READS * 2 + 5
    calls = file_group_calls(simulator, burst)
    for _ in range(3):
        await poll(hass, bulutfon)
    assert simulator.count("bulutfon", "cdr") == burst
    rows = await logged_calls(hass, hass_ws_client)
    assert {rows[call.uuid]["answered_by"] for call in calls} == {"1004"}
    await poll(hass, bulutfon)
    assert simulator.count("bulutfon", "cdr") == burst
