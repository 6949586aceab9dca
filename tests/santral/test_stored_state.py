"""Stored state that cannot be used never fails setup, and loses no call or fax of the downtime.

A store can be cut short by a full disk or a failing SD card, emptied by hand, or hold JSON
of another shape. Santral keeps what it can read; without a watermark it starts afresh and
announces, at its first poll, what ended after the store was last written (the file's time),
taking bearings on the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
import logging
import os
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import storage
from homeassistant.util import dt as dt_util, json as json_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator
from tests.helpers import FAX_KINDS, file_calls, setup

HOUR = timedelta(hours=1)


def _written_at(hass: HomeAssistant, key: str, moment: datetime, body: str) -> None:
    """Leave the store file `key` with `body`, last written at `moment`."""
    path = Path(hass.config.path(storage.STORAGE_DIR, key))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    os.utime(path, (moment.timestamp(), moment.timestamp()))


@pytest.fixture
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Give Home Assistant a configuration folder of its own for real store files."""
    hass.config.config_dir = str(tmp_path)
    return tmp_path


@pytest.fixture
def unreadable(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make a store fail its next load as Home Assistant's loader does on a cut-short file."""
    keys: set[str] = set()
    original = storage.Store.async_load

    async def _load(store: storage.Store[Any]) -> Any:
        if store.key in keys:
            keys.discard(store.key)
            raise HomeAssistantError(f"Error while loading {store.path}: truncated")
        return await original(store)

    monkeypatch.setattr(storage.Store, "async_load", _load)
    return keys.add


@pytest.mark.usefixtures("config_dir")
@pytest.mark.parametrize("body", ['{"version": 1, "data": {"announced": [["c-', ""])
async def test_unreadable_calls_store_announces_the_downtime(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    call_events: list[dict[str, Any]],
    unreadable: Callable[[str], None],
    caplog: pytest.LogCaptureFixture,
    body: str,
) -> None:
    """Cut short or empty: setup works, calls after the last write are announced once."""
    entry = make_entry("bulutsantralim")
    entry.add_to_hass(hass)
    key = f"santral.{entry.entry_id}.calls"
    unreadable(key)
    now = dt_util.utcnow()
    _written_at(hass, key, now - 20 * timedelta(minutes=1), body)
    file_calls(simulator, "bulutsantralim", 2, first_start=now - 2 * HOUR)  # history
    downtime = file_calls(
        simulator,
        "bulutsantralim",
        3,
        first_start=now - 10 * timedelta(minutes=1),
        outcome="missed",
    )
    await setup(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert sorted(event["call_id"] for event in call_events) == sorted(
        call.uuid for call in downtime
    )
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "cannot be used" in r.getMessage()
    ]
    assert len(warnings) == 1
    assert "calls state" in warnings[0]

    assert await hass.config_entries.async_unload(entry.entry_id)
    await setup(hass, entry)
    await entry.runtime_data.call_history.async_refresh()
    await hass.async_block_till_done()
    assert len(call_events) == 3


@pytest.mark.parametrize(
    "data",
    [
        [],
        "calls",
        {
            "announced": 5,
            "watermark": 7,
            "log": "x",
            "extensions": [],
            "last_caller": 3,
        },
        {"announced": [["a"], [1, 2]], "log": [{"call_id": 1}], "extensions": {"1": 2}},
    ],
    ids=["list", "text", "wrong-types", "wrong-items"],
)
async def test_calls_store_of_another_shape_never_fails_setup(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    call_events: list[dict[str, Any]],
    data: Any,
) -> None:
    """Valid JSON that is not what Santral writes: loaded, nothing announced from history."""
    entry = make_entry("bulutsantralim")
    hass_storage[f"santral.{entry.entry_id}.calls"] = {"version": 1, "data": data}
    file_calls(simulator, "bulutsantralim", 2, first_start=dt_util.utcnow() - 2 * HOUR)
    await setup(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert call_events == []
    sensor = "sensor.bulutsantralim_908501234567_calls_today"
    assert hass.states.get(sensor).state == "0"


async def test_readable_parts_of_a_damaged_store_are_kept(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    call_events: list[dict[str, Any]],
) -> None:
    """Good ids and log lines survive next to bad ones: nothing known is announced again."""
    entry = make_entry("bulutsantralim")
    now = dt_util.utcnow()
    (known,) = file_calls(
        simulator, "bulutsantralim", 1, first_start=now - HOUR, outcome="missed"
    )
    logged = {
        "call_id": known.uuid,
        "type": "missed",
        "direction": "inbound",
        "caller": "+905321234567",
        "callee": "+908505320000",
        "extension": "1001",
        "time": now.isoformat(),
        "duration": None,
        "source": "webhook",
    }
    hass_storage[f"santral.{entry.entry_id}.calls"] = {
        "version": 1,
        "data": {
            "announced": [[known.uuid, now.isoformat()], ["bad"], 7],
            "watermark": (now - timedelta(minutes=5)).isoformat(),
            "log": [
                logged,
                {"call_id": "half"},
                {**logged, "duration": "long"},
                {**logged, "answered_by": 1004},
                {**logged, "rang": "1004"},
                {**logged, "rang": [1004]},
                {**logged, "steps_read": "yes"},
            ],
            "last_caller": None,
            "extensions": {"1001": {"state": "humming"}},
        },
    }
    await setup(hass, entry)
    assert call_events == []
    assert [call.call_id for call in entry.runtime_data.calls.data.log] == [known.uuid]
    missed = "sensor.bulutsantralim_908501234567_missed_calls_today"
    assert hass.states.get(missed).state == "1"


@pytest.mark.usefixtures("config_dir")
@pytest.mark.parametrize("provider", ["telsam", "bulutsantralim"])
async def test_unreadable_fax_store_announces_the_downtime(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    unreadable: Callable[[str], None],
    provider: str,
) -> None:
    """A fax that arrived after the last write is announced; older ones are history."""
    faxes: list[dict[str, Any]] = []
    hass.bus.async_listen("santral_fax", lambda event: faxes.append(event.data))
    entry = make_entry(FAX_KINDS[provider])
    entry.add_to_hass(hass)
    key = f"santral.{entry.entry_id}.faxes"
    unreadable(key)
    now = dt_util.utcnow()
    await simulator.receive_fax(provider, at=now - 3 * HOUR)
    _written_at(hass, key, now - HOUR, "{")
    fax = await simulator.receive_fax(provider)
    await setup(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert [event["fax_id"] for event in faxes] == [str(fax.id)]


@pytest.mark.parametrize("body", ['{"version": 1, "data": {"announced": [["c-', ""])
def test_home_assistant_cannot_load_such_a_file(tmp_path: Path, body: str) -> None:
    """The premise of the `unreadable` fixture: HA's own loader raises on these files."""
    path = tmp_path / "store"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(HomeAssistantError):
        json_util.load_json(path)
