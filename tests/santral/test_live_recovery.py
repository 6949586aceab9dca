"""Nothing lost or repeated by a real Home Assistant process that is killed or flooded.

Each test runs `python -m homeassistant` with Santral against the simulator, places calls
through the simulator (webhooks to Home Assistant, CDRs in the PBX's history) and counts,
over the websocket API, how often each call ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
import time

import pytest

from custom_components.santral.tracker import SAVE_DELAY, SAVE_MAX_WAIT
from simulator import Fault, FaultKind, Simulator
from simulator.calls import SimulatedCall, build_call
from simulator.providers.bulutsantralim.render import (
    call_webhooks as bulutsantralim_webhooks,
)

from .live_hass import BULUTSANTRALIM, EventLog, LiveHass, running_bulutsantralim

# Time the process may need to write the store once it decided to: a margin on the bound.
WRITE_MARGIN = 2.0


@pytest.fixture
async def live(
    socket_enabled: None, simulator: Simulator, tmp_path: Path
) -> AsyncGenerator[LiveHass]:
    """Run a Home Assistant process with one Bulutsantralim entry on the simulator."""
    async with running_bulutsantralim(LiveHass, tmp_path / "config", simulator) as hass:
        yield hass


async def _restart_and_poll(
    hass: LiveHass, simulator: Simulator, log: EventLog
) -> None:
    """Start the process again and let one call history poll run while we listen.

    The poll at start-up runs before a listener can subscribe, so it is made to fail; the
    entry is then reloaded with the listener there, and its first poll reconciles.
    """
    simulator.inject(BULUTSANTRALIM, "cdrs", Fault(FaultKind.SERVER_ERROR, times=None))
    await hass.start()
    async with hass.listening(log):
        simulator.state.clear_faults()
        before = simulator.count(BULUTSANTRALIM, "cdrs")
        await hass.reload_entries()
        async with asyncio.timeout(60):
            while simulator.count(BULUTSANTRALIM, "cdrs") == before:
                await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # the announcements of that poll reach the listener


async def test_sigkill_under_steady_traffic_repeats_only_unsaved_calls(
    live: LiveHass, simulator: Simulator, figures: list[str]
) -> None:
    """Killed mid-traffic, the restart announces only the calls of the last save wait.

    Calls end at a steady 7 or so a second for 3 maximum waits. After SIGKILL and a restart,
    every call has ended at least once (none lost), and the calls that end a second time
    are only those heard in the last `SAVE_MAX_WAIT` (plus the write time) before the kill.
    """
    log = EventLog()
    placed: list[str] = []
    traffic_seconds = 3 * SAVE_MAX_WAIT

    async def traffic() -> None:
        while True:
            outcome = "missed" if len(placed) % 4 == 0 else "answered"
            call = await simulator.place_call(BULUTSANTRALIM, outcome=outcome)
            placed.append(call.uuid)
            await asyncio.sleep(0.125)

    async with live.listening(log):
        generator = asyncio.create_task(traffic())
        await asyncio.sleep(traffic_seconds)
        killed_at = time.monotonic()
        await live.kill()
    generator.cancel()
    await asyncio.gather(generator, return_exceptions=True)
    heard_before_kill = dict(log.ends())
    last_heard = {
        item.data["call_id"]: item.heard for item in log.heard if "call_id" in item.data
    }

    await _restart_and_poll(live, simulator, log)

    ends = log.ends()
    assert len(placed) >= 6 * SAVE_MAX_WAIT
    assert [call for call in placed if ends[call] == 0] == []
    repeated = [call for call in placed if ends[call] > 1]
    bound = SAVE_MAX_WAIT + SAVE_DELAY + WRITE_MARGIN
    late = {call for call in heard_before_kill if killed_at - last_heard[call] <= bound}
    assert set(repeated) <= late
    assert all(ends[call] <= 2 for call in placed)
    figures.append(
        f"SIGKILL under traffic: {len(placed)} calls in {traffic_seconds:.0f} s, {len(heard_before_kill)} ended "
        f"before SIGKILL; after the restart {len(repeated)} ended again, all within "
        f"{bound:.0f} s of the kill ({len(late)} calls ended in that time)"
    )


async def _post_hangups(
    simulator: Simulator, calls: list[SimulatedCall], *, at_once: int = 25
) -> None:
    """Post each call's hang-up as the PBX does, `at_once` at a time, and file the CDRs."""
    pbx = simulator.state.bulutsantralim

    async def post(call: SimulatedCall) -> None:
        for event in bulutsantralim_webhooks(call, domain_id=pbx.domain_id):
            if event.event_type == "hangup":
                delivery = await simulator.switchboard.deliver(BULUTSANTRALIM, event)
                assert delivery.status == 200, delivery

    for start in range(0, len(calls), at_once):
        await asyncio.gather(*(post(call) for call in calls[start : start + at_once]))
    simulator.state.add_cdrs(BULUTSANTRALIM, calls)


def _calls(simulator: Simulator, count: int, latest: datetime) -> list[SimulatedCall]:
    """Make `count` answered calls, the latest starting at `latest`, a second apart."""
    return [
        build_call(
            BULUTSANTRALIM,
            pbx_number=simulator.state.bulutsantralim.did,
            started=latest - timedelta(seconds=number),
            rng=simulator.state.rng,
        )
        for number in range(count)
    ]


async def test_flood_of_webhooks_does_not_bring_earlier_calls_back(
    live: LiveHass, simulator: Simulator, figures: list[str]
) -> None:
    """After 10,100 webhooks, the next poll announces none of the calls again.

    The 309 calls heard first are the newest of the PBX's history, so the poll after the
    flood reads them on its first page: an id set that forgot the oldest ids by count
    would announce every one of them again.
    """
    now = datetime.now(UTC)
    earlier = _calls(simulator, 309, now - timedelta(minutes=1))
    flood = _calls(simulator, 10_100, now - timedelta(minutes=10))
    log = EventLog()
    async with live.listening(log):
        started = time.monotonic()
        await _post_hangups(simulator, earlier)
        await _post_hangups(simulator, flood)
        posting = time.monotonic() - started
        async with asyncio.timeout(120):
            while len(log.ends()) < len(earlier) + len(flood):
                await asyncio.sleep(0.5)
        before = simulator.count(BULUTSANTRALIM, "cdrs")
        await live.reload_entries()
        async with asyncio.timeout(120):
            while simulator.count(BULUTSANTRALIM, "cdrs") == before:
                await asyncio.sleep(0.2)
        await asyncio.sleep(5)  # the poll's announcements, if any, reach the listener
        polled = simulator.count(BULUTSANTRALIM, "cdrs") - before

    ends = log.ends()
    again = [call.uuid for call in earlier + flood if ends[call.uuid] != 1]
    assert again == []
    assert sum(ends.values()) == len(earlier) + len(flood)
    figures.append(
        f"flood: {len(earlier) + len(flood)} hang-up webhooks in {posting:.0f} s, then a "
        f"poll of {polled} /cdrs pages: {len(again)} calls announced again"
    )


async def test_bad_records_withhold_no_call_or_fax(
    live: LiveHass, simulator: Simulator, figures: list[str]
) -> None:
    """A record no parser can read in each list: every other call and fax is announced."""
    now = datetime.now(UTC)
    calls = _calls(simulator, 40, now - timedelta(minutes=2))
    simulator.state.add_cdrs(BULUTSANTRALIM, calls)
    faxes = [await simulator.receive_fax(BULUTSANTRALIM) for _ in range(3)]
    for endpoint in ("cdrs", "fdrs"):
        simulator.inject(
            BULUTSANTRALIM, endpoint, Fault(FaultKind.BAD_RECORD, times=None)
        )
    log = EventLog()
    async with live.listening(log):
        await live.reload_entries()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(60):
                while len(log.ends()) < len(calls) or len(log.faxes()) < len(faxes):
                    await asyncio.sleep(0.2)
        await asyncio.sleep(3)
    ends, announced = log.ends(), log.faxes()
    assert [call.uuid for call in calls if ends[call.uuid] != 1] == []
    assert [str(fax.id) for fax in faxes if announced[str(fax.id)] != 1] == []
    figures.append(
        f"bad records: one unreadable record in /cdrs and in /fdrs; {len(ends)} of "
        f"{len(calls)} calls and {len(announced)} of {len(faxes)} faxes announced once"
    )
