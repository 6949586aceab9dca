"""The part every tracker shares: knowledge kept in a Store, silence once unloaded."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
import time
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
import homeassistant.util.dt as dt_util

from .const import DOMAIN, LOGGER
from .phonebook import PhoneBook

STORAGE_VERSION = 1
# A change is written once no other has followed for SAVE_DELAY seconds, and in any case
# no later than SAVE_MAX_WAIT seconds after it: steady traffic must not postpone the write
# for ever, or a crash would repeat every call announced since the last quiet second.
SAVE_DELAY = 1.0
SAVE_MAX_WAIT = 5.0

# An id stays known this long before the oldest start the next poll can ask for, in case
# the provider's clock runs ahead of Home Assistant's.
ANNOUNCED_MARGIN = timedelta(hours=1)
# Far more than any poll window holds (10,000 calls a day is ~2,500 in the call window):
# only a flood past it makes the oldest ids go early, with a warning.
MAX_ANNOUNCED = 100_000


class AnnouncedIds:
    """The ids a tracker announced, each with when, kept as long as a poll can meet them.

    Ids are forgotten by time, relative to where the next poll starts, never by how many
    arrived: a burst of webhooks must not push out ids the next poll will read again.
    """

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        """Start from the stored `(id, announced at)` pairs, oldest first."""
        self._ids: OrderedDict[str, str] = OrderedDict(items)
        self._overflowed = False

    def __contains__(self, key: object) -> bool:
        """Tell whether `key` was announced."""
        return key in self._ids

    def __len__(self) -> int:
        """Return how many ids are known."""
        return len(self._ids)

    def add(self, key: str, since: datetime | None) -> None:
        """Remember `key` as announced now; forget what no poll from `since` can reach.

        `since` is where the next poll starts (None before the first: nothing is forgotten
        by time then).
        """
        self._ids[key] = dt_util.utcnow().isoformat()
        self._ids.move_to_end(key)
        if since is not None:
            horizon = (since - ANNOUNCED_MARGIN).isoformat()
            while self._ids and next(iter(self._ids.values())) < horizon:
                self._ids.popitem(last=False)
        if len(self._ids) > MAX_ANNOUNCED:
            if not self._overflowed:
                LOGGER.warning(
                    "More than %s announcements within one poll window; the oldest are "
                    "forgotten early and may be announced again",
                    MAX_ANNOUNCED,
                )
                self._overflowed = True
            while len(self._ids) > MAX_ANNOUNCED:
                self._ids.popitem(last=False)

    def as_list(self) -> list[tuple[str, str]]:
        """Return the `(id, announced at)` pairs for storage, oldest first."""
        return list(self._ids.items())


# Stands for a store whose file exists but holds no JSON.
_UNREADABLE: dict[str, Any] = {}


def read_pairs(value: object) -> list[tuple[str, str]]:
    """Read stored `[id, stamp]` pairs, leaving out any that are not two strings."""
    if not isinstance(value, list):
        return []
    return [
        (item[0], item[1])
        for item in value
        if isinstance(item, list | tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], str)
    ]


def read_datetime(value: object) -> datetime | None:
    """Read a stored ISO time; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt_util.parse_datetime(value)
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def read_dicts(value: object) -> list[dict[str, Any]]:
    """Read a stored list of objects, leaving out whatever is not one."""
    return (
        [item for item in value if isinstance(item, dict)]
        if isinstance(value, list)
        else []
    )


def tracker_store(
    hass: HomeAssistant, entry_id: str, name: str
) -> Store[dict[str, Any]]:
    """Return the store `santral.<entry id>.<name>` (private: it holds phone numbers)."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.{name}", private=True)


class StoredTracker(ABC):
    """Persists what a tracker knows, so a restart neither repeats nor loses an event.

    Once flushed (the entry unloads) it saves no more and its subclass announces nothing:
    a poll that was still running must not speak for an entry that has been reloaded.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str, name: str) -> None:
        """Keep what is known in the entry's store `name`."""
        self.hass = hass
        self.entry_id = entry_id
        # Names for the numbers this tracker announces, from the entry's options.
        self.phonebook = PhoneBook()
        self._store = tracker_store(hass, entry_id, name)
        self._closed = False
        # When the oldest change not yet written was made (monotonic), if there is one.
        self._unsaved_since: float | None = None
        # Set when the store could not be read: the first poll announces what ended after.
        self.resume_after: datetime | None = None

    @abstractmethod
    def _to_storage(self) -> dict[str, Any]:
        """Return what to persist, JSON-able."""

    async def _async_read(self) -> dict[str, Any] | None:
        """Return the stored state; None when there is none or it cannot be read.

        A store that exists but cannot be read (truncated, empty, not an object) never
        fails setup: the tracker starts afresh, and `resume_after` says from when on the
        first poll must announce rather than take bearings, so the calls and faxes of the
        downtime are not lost.
        """
        try:
            stored = await self._store.async_load()
        except HomeAssistantError, KeyError, TypeError, ValueError:
            stored = _UNREADABLE
        if stored is None:
            return None
        if not isinstance(stored, dict) or stored is _UNREADABLE:
            await self._async_resume_from_last_write("it cannot be read")
            return None
        return stored

    async def _async_resume_from_last_write(self, why: str | None = None) -> None:
        """Announce, at the first poll, what ended after the store was last written.

        For a store with no poll watermark (the first poll never ran, or the store cannot be
        read): what ended before the last write was announced then or is history; what
        ended after may not have been announced at all. The time comes from the file
        itself. `why` is logged when the store's content could not be used.
        """
        path = Path(self._store.path)
        try:
            written = await self.hass.async_add_executor_job(path.stat)
        except OSError:
            if why is None:
                return
            self.resume_after = dt_util.utcnow()
        else:
            self.resume_after = dt_util.utc_from_timestamp(written.st_mtime)
        if why is not None:
            LOGGER.warning(
                "Santral's stored %s state cannot be used (%s); starting afresh, "
                "announcing what ended after %s",
                self._store.key.rsplit(".", 1)[-1],
                why,
                self.resume_after.isoformat(),
            )

    def resumes(self, moment: datetime | None) -> bool:
        """Tell whether the first poll announces an item of `moment` instead of keeping it.

        True only after a store without a watermark, for what happened after its last write.
        """
        return (
            self.resume_after is not None
            and moment is not None
            and moment >= self.resume_after
        )

    @callback
    def _schedule_save(self) -> None:
        if self._closed:
            return
        now = time.monotonic()
        if self._unsaved_since is None:
            self._unsaved_since = now
        left = SAVE_MAX_WAIT - (now - self._unsaved_since)
        self._store.async_delay_save(
            self._data_to_save, max(0.0, min(SAVE_DELAY, left))
        )

    @callback
    def _data_to_save(self) -> dict[str, Any]:
        """Return what the store writes now; every change so far is in it."""
        self._unsaved_since = None
        return self._to_storage()

    async def async_flush(self) -> None:
        """Write now and fall silent (on unload)."""
        self._closed = True
        self._unsaved_since = None
        await self._store.async_save(self._to_storage())
