"""One record no parser can read withholds no other call or fax of the list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import logging
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Fault, FaultKind, Simulator
from simulator.faults import with_bad_record
from tests.helpers import (
    CALL_KINDS,
    FAX_KINDS,
    file_calls,
    poll_calls,
    poll_faxes,
    setup,
)

FAX_LISTS = {
    "bulutfon": "incoming_faxes",
    "bulutsantralim": "fdrs",
    "telsam": "fax_list",
}


def _left_out(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING
        and "left out record" in record.getMessage()
    ]


def test_the_fault_drops_only_the_id() -> None:
    """The simulator's bad record is the list's first record without its id."""
    body = {"cdrs": [{"uuid": "a", "caller": 905321234567}], "pagination": {}}
    assert with_bad_record(body) == {
        "cdrs": [{"caller": 905321234567}, {"uuid": "a", "caller": 905321234567}],
        "pagination": {},
    }
    assert with_bad_record([]) == [{}]
    assert with_bad_record({"message": "ok"}) == {"message": "ok"}


@pytest.mark.parametrize("provider", ["bulutfon", "bulutsantralim"])
async def test_bad_call_record_is_left_out(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    call_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    provider: str,
) -> None:
    """Every other call of the poll is announced; the bad record is logged once."""
    entry = await setup(hass, make_entry(CALL_KINDS[provider]))
    calls = file_calls(
        simulator,
        provider,
        3,
        first_start=dt_util.utcnow() - timedelta(minutes=5),
        outcome="missed",
    )
    simulator.inject(provider, "cdrs", Fault(FaultKind.BAD_RECORD, times=None))
    await poll_calls(hass, entry)
    await poll_calls(hass, entry)
    assert sorted(event["call_id"] for event in call_events) == sorted(
        call.uuid for call in calls
    )
    assert entry.runtime_data.call_history.last_update_success
    assert len(_left_out(caplog)) == 1
    assert calls[0].caller not in _left_out(caplog)[0]


@pytest.mark.usefixtures("media")
@pytest.mark.parametrize("provider", ["bulutfon", "bulutsantralim", "telsam"])
async def test_bad_fax_record_is_left_out(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
    provider: str,
) -> None:
    """The fax beside the bad record is announced, and the poll counts as a success."""
    faxes: list[dict[str, Any]] = []
    hass.bus.async_listen("santral_fax", lambda event: faxes.append(dict(event.data)))
    entry = await setup(hass, make_entry(FAX_KINDS[provider]))
    fax = await simulator.receive_fax(provider)
    simulator.inject(
        provider, FAX_LISTS[provider], Fault(FaultKind.BAD_RECORD, times=None)
    )
    await poll_faxes(hass, entry)
    await poll_faxes(hass, entry)
    assert [event["fax_id"] for event in faxes] == [str(fax.id)]
    assert entry.runtime_data.fax_history.last_update_success
    assert len(_left_out(caplog)) == 1


async def test_unreadable_record_without_an_id_is_named_by_digest(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A record with no id at all is named by a digest of its content, not its numbers."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    file_calls(simulator, "bulutsantralim", 1, first_start=dt_util.utcnow())
    simulator.inject("bulutsantralim", "cdrs", Fault(FaultKind.BAD_RECORD))
    await poll_calls(hass, entry)
    (line,) = _left_out(caplog)
    assert "record sha1:" in line
    assert "Bulutsantralim /cdrs" in line


@pytest.mark.parametrize("provider", ["bulutfon", "bulutsantralim"])
async def test_listed_times_are_bounded(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    call_events: list[dict[str, Any]],
    provider: str,
) -> None:
    """A start no call has leaves the record out; an end no call has is left out of it."""
    entry = await setup(hass, make_entry(CALL_KINDS[provider]))
    now = dt_util.utcnow()
    late_end, far_start = file_calls(
        simulator, provider, 2, first_start=now - timedelta(minutes=5)
    )
    late_end.ended = now.replace(year=9999)
    far_start.started = now.replace(year=9999)
    far_start.answered = far_start.ended = None
    await poll_calls(hass, entry)
    assert [(event["call_id"], event["ended"]) for event in call_events] == [
        (late_end.uuid, None)
    ]
