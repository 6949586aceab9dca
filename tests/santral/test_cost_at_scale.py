"""A busy office (10,000 calls a day): what polls cost, and how often the stores are written.

Counted, not timed: requests from the simulator's log, store writes from the stores.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
import json
from typing import Any, cast

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.santral.const import (
    CALL_HISTORY_INTERVAL,
    CALL_HISTORY_MISSED_RING,
    CALL_HISTORY_OVERLAP,
    CALL_HISTORY_SWEEP,
    EVENT_FAX,
)
from custom_components.santral.faxes import FaxTracker
from custom_components.santral.phonebook import PhoneBook
from custom_components.santral.providers import (
    FaxDirection,
    FaxRecord,
    FaxSource,
    FaxStatus,
    Provider,
)
from custom_components.santral.tracker import WRITE_BURST, WRITE_REFILL, TrackerStore
from simulator import Simulator
from simulator.calls import SimulatedCall
from tests.helpers import (
    Events,
    MakeEntry,
    Poster,
    file_calls,
    poll_calls,
    santralim,
    santralim_stamp,
    setup,
)

CALLS_A_DAY = 10_000
SPACING = timedelta(days=1) / CALLS_A_DAY
PER_POLL = CALL_HISTORY_INTERVAL // SPACING
# The polls are run by the test, each just before Home Assistant's own would be due.
STEP = CALL_HISTORY_INTERVAL - timedelta(seconds=1)


@pytest.fixture
def store_writes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Record each write of a tracker store: its key and its size as JSON."""
    writes: list[tuple[str, int]] = []
    save = TrackerStore.async_save

    async def _counted(self: TrackerStore, data: dict[str, Any]) -> None:
        writes.append((self.key, len(json.dumps(data))))
        await save(self, data)

    monkeypatch.setattr(TrackerStore, "async_save", _counted)
    return writes


async def test_quiet_polls_and_the_hourly_sweep(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    webhook: Poster,
    call_events: Events,
    freezer: FrozenDateTimeFactory,
    figures: list[str],
) -> None:
    """A poll reads minutes back in one request; once an hour the sweep reads five hours.

    The account's webhook is heard all along: a call per poll interval is told by it too.
    """
    provider = "bulutsantralim"
    history = CALL_HISTORY_OVERLAP // SPACING
    file_calls(
        simulator,
        provider,
        history,
        first_start=dt_util.utcnow() - CALL_HISTORY_OVERLAP,
        spacing=SPACING,
    )
    entry = await setup(hass, make_entry(provider))
    assert await webhook(provider, santralim("hangup", answered="false")) == 200
    costs: list[int] = []
    filed: list[SimulatedCall] = []
    polls = CALL_HISTORY_SWEEP // STEP + 1  # the last is the first past the hour
    for number in range(polls):
        freezer.tick(STEP)
        if number == polls - 1:  # a call of three hours that no webhook told of
            (long_call,) = file_calls(
                simulator,
                provider,
                1,
                first_start=dt_util.utcnow() - timedelta(hours=3),
            )
            filed.append(long_call)
        batch = file_calls(
            simulator,
            provider,
            PER_POLL,
            first_start=dt_util.utcnow() - STEP,
            spacing=SPACING,
        )
        filed += batch
        told = santralim("hangup", call_uuid=batch[-1].uuid, answered="false")
        assert await webhook(provider, told) == 200
        before = simulator.count(provider, "cdrs")
        await poll_calls(hass, entry)
        costs.append(simulator.count(provider, "cdrs") - before)

    *quick, sweep = costs
    assert max(quick) == 1
    assert sweep > 10 * max(quick)
    assert long_call.uuid in {event["call_id"] for event in call_events}
    ended = Counter(
        event["call_id"] for event in call_events if event["type"] != "ringing"
    )
    assert set(ended) == {"c-1"} | {call.uuid for call in filed}
    assert set(ended.values()) == {1}

    # Half an hour in which the provider could not be polled leaves a backlog of CDRs.
    outage = 6 * STEP
    freezer.tick(outage)
    backlog = file_calls(
        simulator,
        provider,
        250,
        first_start=dt_util.utcnow() - outage,
        spacing=outage / 250,
    )
    after_backlog = []
    for _ in range(3):
        before = simulator.count(provider, "cdrs")
        await poll_calls(hass, entry)
        after_backlog.append(simulator.count(provider, "cdrs") - before)
        freezer.tick(STEP)
    assert after_backlog == [3, 1, 1]
    assert {call.uuid for call in backlog} <= {e["call_id"] for e in call_events}
    figures.append(
        f"{CALLS_A_DAY} calls a day: the quick polls of an hour cost "
        f"{quick} /cdrs requests, the sweep {sweep}; "
        f"{sum(costs)} requests an hour; 250 new CDRs cost {after_backlog}"
    )


async def test_a_missed_call_no_webhook_told_waits_one_poll(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    webhook: Poster,
    call_events: Events,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A missed call that rang past a quick poll, told by no webhook, comes at the next one.

    Its record is filed when the caller hangs up, after the poll it started before; the
    next quick poll reads back far enough to meet its start, without waiting for the sweep.
    """
    provider = "bulutsantralim"
    entry = await setup(hass, make_entry(provider))
    assert await webhook(provider, santralim("hangup", answered="false")) == 200
    await poll_calls(hass, entry)
    freezer.tick(STEP)
    await poll_calls(hass, entry)
    polled_at = dt_util.utcnow()
    freezer.tick(timedelta(seconds=10))
    (missed,) = file_calls(
        simulator,
        provider,
        1,
        first_start=polled_at - (CALL_HISTORY_MISSED_RING - timedelta(seconds=10)),
        outcome="missed",
    )
    freezer.tick(STEP - timedelta(seconds=10))
    before = simulator.count(provider, "cdrs")
    await poll_calls(hass, entry)
    assert simulator.count(provider, "cdrs") - before == 1
    assert [e["type"] for e in call_events if e["call_id"] == missed.uuid] == ["missed"]


async def test_store_writes_of_a_busy_hour(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    webhook: Poster,
    call_events: Events,
    freezer: FrozenDateTimeFactory,
    store_writes: list[tuple[str, int]],
    figures: list[str],
) -> None:
    """An hour of webhooks at 10,000 calls a day is written a dozen times, in small files."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    store_writes.clear()
    calls = timedelta(hours=1) // SPACING
    for number in range(calls):
        uuid = f"busy-{number}"
        stamp = santralim_stamp(-30)
        for body in (
            santralim("ringing", call_uuid=uuid, start_stamp=stamp),
            santralim(
                "hangup",
                call_uuid=uuid,
                start_stamp=stamp,
                answered="false",
            ),
        ):
            assert await webhook("bulutsantralim", body) == 200
        freezer.tick(SPACING)
        async_fire_time_changed(hass)
    await hass.async_block_till_done()

    key = f"santral.{entry.entry_id}.calls"
    sizes = [size for name, size in store_writes if name == key]
    budget = WRITE_BURST + timedelta(hours=1) // WRITE_REFILL
    assert 1 <= len(sizes) <= budget
    assert max(sizes) <= 200_000
    missed = [event for event in call_events if event["type"] == "missed"]
    assert len(missed) == calls
    figures.append(
        f"busy hour ({calls} calls by webhook): {len(sizes)} writes of the calls store "
        f"(budget {budget}), largest {max(sizes) / 1000:.0f} kB"
    )


async def test_a_quiet_poll_writes_nothing(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    freezer: FrozenDateTimeFactory,
    store_writes: list[tuple[str, int]],
) -> None:
    """Polls that find nothing new leave the stores alone."""
    simulator.add_cdrs("bulutsantralim", 30)
    entry = await setup(hass, make_entry("bulutsantralim"))
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    store_writes.clear()
    for _ in range(3):
        await poll_calls(hass, entry)
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert store_writes == []


async def test_faxes_exactly_once_at_ten_thousand_a_day(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    figures: list[str],
) -> None:
    """Two days of 10,000 received faxes a day, a restart on the way: each announced once.

    Every poll reads the whole day back, as the fax polls do.
    """
    faxes_a_day = 10_000
    spacing = timedelta(days=1) / faxes_a_day
    every = timedelta(hours=2)
    announced: Counter[str] = Counter()

    @callback
    def _count(event: Event[dict[str, Any]]) -> None:
        # In the event loop: a plain listener would cost an executor job per fax.
        announced.update([event.data["fax_id"]])

    hass.bus.async_listen(EVENT_FAX, _count)

    def tracker() -> FaxTracker:
        return FaxTracker(
            hass,
            "faxes-at-scale",
            Provider.TELSAM,
            cast("FaxSource", None),
            device_id=None,
            phonebook=PhoneBook(),
            archive=None,
        )

    faxes = tracker()
    await faxes.async_load()
    listed: list[FaxRecord] = []
    start = dt_util.utcnow()
    for poll in range(24):
        freezer.tick(every)
        now = dt_util.utcnow()
        while not listed or listed[-1].created < now - spacing:  # type: ignore[operator]
            created = start + spacing * len(listed)
            listed.append(
                FaxRecord(
                    fax_id=str(len(listed)),
                    direction=FaxDirection.INBOUND,
                    status=FaxStatus.RECEIVED,
                    remote="905321112233",
                    local="908502590260",
                    pages=1,
                    created=created,
                )
            )
        since = faxes.window_start(now)
        window = [fax for fax in listed if fax.created >= since]  # type: ignore[operator]
        await faxes.async_handle_poll(window, now, since)
        await hass.async_block_till_done()
        if poll == 15:  # Home Assistant restarts
            await faxes.async_flush()
            faxes = tracker()
            await faxes.async_load()

    # The first poll took bearings: what was listed then is history.
    history = sum(1 for fax in listed if fax.created < start + every)  # type: ignore[operator]
    assert len(announced) == len(listed) - history
    assert set(announced.values()) == {1}
    stored = hass_storage["santral.faxes-at-scale.faxes"]["data"]
    size = len(json.dumps(stored))
    figures.append(
        f"faxes at {faxes_a_day} a day over two days with a restart: "
        f"{len(announced)} announced, each once; fax store {size / 1000:.0f} kB"
    )
