"""The announced-id set: ids are forgotten by time, relative to the next poll, never by count."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.util import dt as dt_util
import pytest

from custom_components.santral import tracker
from custom_components.santral.tracker import ANNOUNCED_MARGIN, AnnouncedIds


def test_ids_are_kept_while_a_poll_can_reach_them(
    freezer: FrozenDateTimeFactory,
) -> None:
    """An id goes only once the next poll starts more than the margin after it."""
    ids = AnnouncedIds()
    announced = dt_util.utcnow()
    ids.add("old", None)
    freezer.tick(timedelta(hours=8))
    ids.add("a", announced + ANNOUNCED_MARGIN - timedelta(minutes=1))
    assert "old" in ids
    ids.add("b", announced + ANNOUNCED_MARGIN + timedelta(minutes=1))
    assert "old" not in ids
    assert ("a" in ids, "b" in ids, len(ids)) == (True, True, 2)


def test_no_time_limit_before_the_first_poll(freezer: FrozenDateTimeFactory) -> None:
    """Without a watermark (no poll yet) nothing is forgotten by time."""
    ids = AnnouncedIds()
    ids.add("a", None)
    freezer.tick(timedelta(days=30))
    ids.add("b", None)
    assert len(ids) == 2


def test_a_burst_pushes_no_id_out() -> None:
    """Twenty thousand ids announced within one window are all kept."""
    ids = AnnouncedIds()
    since = dt_util.utcnow() - timedelta(hours=5)
    for number in range(20_000):
        ids.add(str(number), since)
    assert len(ids) == 20_000
    assert "0" in ids


def test_a_flood_past_the_safety_cap_warns_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Past MAX_ANNOUNCED the oldest go first, and the log says so once."""
    monkeypatch.setattr(tracker, "MAX_ANNOUNCED", 3)
    ids = AnnouncedIds()
    for key in "abcde":
        ids.add(key, None)
    assert [key for key in "abcde" if key in ids] == ["c", "d", "e"]
    warnings = [r for r in caplog.records if "forgotten early" in r.getMessage()]
    assert len(warnings) == 1


def test_stored_ids_come_back(freezer: FrozenDateTimeFactory) -> None:
    """Stored by minute as digests, the ids read back as announced, oldest going first."""
    ids = AnnouncedIds()
    start = dt_util.utcnow()
    for number in range(3):
        ids.add(f"call-{number}", None)
        freezer.tick(timedelta(minutes=1))
    stored = ids.as_storage()
    assert len(stored) == 3
    assert all(len(digests) == tracker.DIGEST_CHARS for digests in stored.values())
    assert "call-1" not in str(stored)

    again = AnnouncedIds.from_storage({**stored, "x": "bad", "1": 5})
    assert [f"call-{n}" in again for n in range(4)] == [True, True, True, False]
    again.add("call-3", start + timedelta(minutes=1) + ANNOUNCED_MARGIN)
    assert [f"call-{n}" in again for n in range(4)] == [False, True, True, True]


def test_ids_of_the_pair_format_are_migrated() -> None:
    """A store of minor version 2 keeps its ids: each is known after the migration."""
    stamp = dt_util.utcnow().isoformat()
    old = {"announced": [["c-1", stamp], ["c-2", stamp], ["bad"]], "log": []}
    migrated = tracker.MIGRATIONS["calls"][2](old)
    assert "announced" not in migrated
    assert migrated["log"] == []
    ids = AnnouncedIds.from_storage(migrated["announced_ids"])
    assert ("c-1" in ids, "c-2" in ids, len(ids)) == (True, True, 2)
    assert tracker.MIGRATIONS["faxes"][2] is tracker.MIGRATIONS["calls"][2]
