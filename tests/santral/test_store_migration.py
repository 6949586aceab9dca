"""Stores written by the first released version load, are migrated, and repeat nothing.

The fixtures are the calls and faxes stores as that version wrote them (minor version 1):
ids announced, the watermark, the call log, the last caller, the extension states, the fax
log. The first poll after the upgrade meets the same calls and faxes again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.santral.const import EVENT_FAX
from custom_components.santral.tracker import (
    STORAGE_MINOR_VERSION,
    AnnouncedIds,
    tracker_store,
)
from simulator import Simulator
from tests.helpers import FIXTURES, file_calls, setup

CALLS = "sensor.bulutsantralim_908501234567"
FAXES = "sensor.telsam_yenifaks_api_kullanici"
# A couple of minutes after the fixtures were written.
NOW = "2026-11-23 07:32:00+00:00"


def _store_of_the_first_version(
    hass_storage: dict[str, Any], entry: MockConfigEntry, name: str
) -> dict[str, Any]:
    """Leave the fixture as the entry's store `name`; return its data."""
    body = json.loads((FIXTURES / f"store_{name}_1_1.json").read_text("utf-8"))
    assert (body["version"], body["minor_version"]) == (1, 1)
    body["key"] = f"santral.{entry.entry_id}.{name}"
    hass_storage[body["key"]] = body
    return body["data"]


def assert_ids_kept(data: dict[str, Any], old: dict[str, Any]) -> None:
    """Every id the old store announced is known from the migrated one, and no other."""
    ids = AnnouncedIds.from_storage(data["announced_ids"])
    assert "announced" not in data
    assert len(ids) == len(old["announced"])
    assert all(key in ids for key, _ in old["announced"])


@pytest.mark.freeze_time(NOW)
async def test_calls_store_of_the_first_version(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    hass_storage: dict[str, Any],
    call_events: list[dict[str, Any]],
) -> None:
    """The log, the last caller, today's counts and the extensions come back; no call again."""
    entry = make_entry("bulutsantralim")
    entry.add_to_hass(hass)
    old = _store_of_the_first_version(hass_storage, entry, "calls")
    now = dt_util.utcnow()
    for call_id, minutes in (("h-1", 122), ("c-1", 12), ("c-2", 10), ("p-1", 17)):
        file_calls(
            simulator,
            "bulutsantralim",
            1,
            first_start=now - timedelta(minutes=minutes),
            call_id=call_id,
        )

    migrated = await tracker_store(hass, entry.entry_id, "calls").async_load()
    assert migrated is not None
    assert migrated["counts"]["calls"] == {"hangup": 1, "missed": 2}
    assert {key: migrated[key] for key in old if key != "announced"} == {
        key: value for key, value in old.items() if key != "announced"
    }
    assert_ids_kept(migrated, old)

    await setup(hass, entry)
    assert simulator.count("bulutsantralim", "cdrs") >= 1
    assert call_events == []
    tracker = entry.runtime_data.calls
    assert [call.call_id for call in tracker.data.log] == ["c-1", "c-2", "p-1"]
    assert tracker.data.last_caller == old["last_caller"]
    assert hass.states.get(f"{CALLS}_calls_today").state == "3"
    assert hass.states.get(f"{CALLS}_missed_calls_today").state == "2"
    assert hass.states.get(f"{CALLS}_last_caller").state == "+90 212 864 54 07"
    assert tracker.extensions == ["1001", "1002"]
    assert tracker.extension("1002").state == "ringing"
    assert tracker.extension("1001").call_id == "c-1"

    assert await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage[f"santral.{entry.entry_id}.calls"]
    assert stored["minor_version"] == STORAGE_MINOR_VERSION
    assert stored["data"]["counts"]["calls"] == {"hangup": 1, "missed": 2}
    assert_ids_kept(stored["data"], old)
    assert stored["data"]["log"] == old["log"]
    assert stored["data"]["extensions"] == old["extensions"]


@pytest.mark.freeze_time(NOW)
@pytest.mark.usefixtures("media")
async def test_faxes_store_of_the_first_version(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    hass_storage: dict[str, Any],
) -> None:
    """The fax log comes back and counts today's fax; the listed faxes are not announced."""
    entry = make_entry("telsam")
    entry.add_to_hass(hass)
    old = _store_of_the_first_version(hass_storage, entry, "faxes")
    fax_events = async_capture_events(hass, EVENT_FAX)
    now = dt_util.utcnow()
    for sender, pages, age, fax_id in (
        ("905321112233", 2, timedelta(hours=1, minutes=2), "278563"),
        ("905324445566", 3, timedelta(minutes=2), "278564"),
    ):
        fax = await simulator.receive_fax(
            "telsam", sender=sender, pages=pages, at=now - age
        )
        assert str(fax.id) == fax_id

    await setup(hass, entry)
    assert simulator.count("telsam", "fax_list") >= 1
    assert fax_events == []
    assert [fax.fax_id for fax in entry.runtime_data.faxes.log] == ["278564"]
    assert hass.states.get(f"{FAXES}_faxes_received_today").state == "1"

    assert await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage[f"santral.{entry.entry_id}.faxes"]
    assert stored["minor_version"] == STORAGE_MINOR_VERSION
    assert_ids_kept(stored["data"], old)
    for key in ("pending", "attempts", "log"):
        assert stored["data"][key] == old[key]
