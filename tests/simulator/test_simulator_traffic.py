"""The office day: calls and faxes that happen by themselves, the same for the same seed."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from simulator import Simulator, traffic
from simulator.faxes import FAX_PROVIDERS
from simulator.traffic import CALLING_PROVIDERS, OfficeDay, run_office_day


def test_the_same_seed_brings_the_same_day() -> None:
    """A demo can be replayed: the seed decides every call and fax and the pauses."""
    first, second = OfficeDay(7), OfficeDay(7)
    days = [[(day.pause(), day.next()) for _ in range(50)] for day in (first, second)]
    assert days[0] == days[1]
    assert days[0] != [(OfficeDay(8).pause(), OfficeDay(8).next())] * 50


def test_an_office_day_has_every_kind_of_call() -> None:
    """Mostly inbound calls, some missed, outbound and internal ones, and faxes."""
    day = OfficeDay(2026)
    happenings = [day.next() for _ in range(2000)]
    calls = [item for item in happenings if item.spec is not None]
    kinds = Counter((item.spec.direction, item.spec.outcome) for item in calls)  # type: ignore[union-attr]
    assert kinds.most_common(1)[0][0] == ("inbound", "answered")
    assert kinds[("inbound", "missed")] > kinds[("outbound", "missed")] > 0
    assert kinds[("internal", "answered")] > 0
    assert all(
        item.spec.direction != "internal"  # type: ignore[union-attr]
        for item in calls
        if item.provider == "bulutfon"
    )
    assert {item.provider for item in calls} == set(CALLING_PROVIDERS)
    faxes = [item for item in happenings if item.spec is None]
    assert 0 < len(faxes) < len(calls) / 4
    assert all(1 <= item.pages <= 4 for item in faxes)


async def test_the_day_files_calls_and_faxes(
    simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run for a moment, sped up further: CDRs and faxes are filed, and it stops cleanly."""
    monkeypatch.setattr(traffic, "CALLS_A_MINUTE", 1200.0)
    monkeypatch.setattr(traffic, "FAXES_A_MINUTE", 300.0)
    simulator.switchboard.realtime_step = 0.01
    day = asyncio.create_task(
        run_office_day(simulator.switchboard, simulator.fax_office, seed=3)
    )
    state = simulator.state
    for _ in range(200):
        await asyncio.sleep(0.02)
        filed = len(state.bulutfon.cdrs) + len(state.bulutsantralim.cdrs)
        received = sum(
            fax.direction == "incoming"
            for provider in FAX_PROVIDERS
            for fax in state.fax_book(provider).faxes
        )
        if filed >= 5 and received >= 1:
            break
    day.cancel()
    with pytest.raises(asyncio.CancelledError):
        await day
    assert filed >= 5
    assert received >= 1
