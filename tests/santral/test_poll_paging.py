"""Home Assistant's polls of a list that never ends: each costs its cap, and nothing fires."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.santral.const import EVENT_CALL, EVENT_FAX
from simulator import Fault, FaultKind, Simulator
from tests.helpers import (
    FAX_KINDS,
    OBJECT_IDS,
    PAGED_LISTS,
    MakeEntry,
    capped_warnings,
    setup,
)


@pytest.mark.parametrize("name", list(PAGED_LISTS))
async def test_poll_of_never_ending_list_costs_the_cap(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    """Home Assistant's polls of a list without end: the cap each, one warning, no events."""
    paged = PAGED_LISTS[name]
    simulator.inject(
        paged.provider, paged.endpoint, Fault(FaultKind.ENDLESS_PAGES, times=None)
    )
    call_events = async_capture_events(hass, EVENT_CALL)
    fax_events = async_capture_events(hass, EVENT_FAX)
    entry = await setup(hass, make_entry(FAX_KINDS[paged.provider]))
    # The bearings read the bare overlap, which costs what a poll's window does (the
    # same started hours); Telsam's account check reads one page more.
    account_check = 1 if paged.provider == "telsam" else 0
    assert simulator.count(paged.provider, paged.endpoint) == paged.cap + account_check
    coordinator = (
        entry.runtime_data.call_history
        if paged.kind == "calls"
        else entry.runtime_data.fax_history
    )
    assert coordinator is not None
    before = simulator.count(paged.provider, paged.endpoint)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.last_update_success
    assert simulator.count(paged.provider, paged.endpoint) - before == paged.cap
    assert len(capped_warnings(caplog)) == 1
    assert call_events == fax_events == []
    sensor = "calls_today" if paged.kind == "calls" else "faxes_received_today"
    assert hass.states.get(f"sensor.{OBJECT_IDS[paged.provider]}_{sensor}").state == "0"
