"""The part every tracker shares: knowledge kept in a Store, silence once unloaded."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
import time
from typing import Any, ClassVar

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
import homeassistant.util.dt as dt_util
from homeassistant.util.signal_type import SignalType, SignalTypeFormat

from .const import DOMAIN, LOGGER
from .phonebook import PhoneBook
from .providers import Provider

STORAGE_VERSION = 1
# Minor versions: 1 as first released; 2 adds the calls store's day counts ("counts").
STORAGE_MINOR_VERSION = 2
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


type Migration = Callable[[dict[str, Any]], dict[str, Any]]

# What brings a store's data from a minor version to the next, by store name.
MIGRATIONS: dict[str, dict[int, Migration]] = {}


def migration(name: str, from_minor: int) -> Callable[[Migration], Migration]:
    """Register how the `name` store's data leaves minor version `from_minor`."""

    def _register(func: Migration) -> Migration:
        MIGRATIONS.setdefault(name, {})[from_minor] = func
        return func

    return _register


class TrackerStore(Store[dict[str, Any]]):
    """A tracker's store, which brings data written by earlier versions up to date.

    Data from a newer minor version (a downgrade) is read as it is: minor versions only
    add what older code can ignore.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str, name: str) -> None:
        """Open the store `santral.<entry id>.<name>` (private: it holds phone numbers)."""
        super().__init__(
            hass,
            STORAGE_VERSION,
            f"{DOMAIN}.{entry_id}.{name}",
            private=True,
            minor_version=STORAGE_MINOR_VERSION,
        )
        self._name = name

    async def _async_migrate_func(
        self,
        old_major_version: int,
        old_minor_version: int,
        old_data: Mapping[str, Any],
    ) -> dict[str, Any]:
        data = dict(old_data)
        for minor in range(old_minor_version, STORAGE_MINOR_VERSION):
            if func := MIGRATIONS.get(self._name, {}).get(minor):
                data = func(data)
        return data


def tracker_store(hass: HomeAssistant, entry_id: str, name: str) -> TrackerStore:
    """Return the entry's store `name`."""
    return TrackerStore(hass, entry_id, name)


class StoredTracker(ABC):
    """Persists what a tracker knows, so a restart neither repeats nor loses an event.

    Once flushed (the entry unloads) it saves no more and its subclass announces nothing:
    a poll that was still running must not speak for an entry that has been reloaded.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str, name: str) -> None:
        """Keep what is known in the entry's store `name`."""
        self.hass = hass
        self.entry_id = entry_id
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


class HistoryTracker[RecordT](StoredTracker):
    """Announces each record of a provider's history once, whoever reports it and when.

    The ids announced are kept with the watermark (when the last poll started): the next
    poll reads back from the watermark minus `OVERLAP`, so a record that changes after
    newer ones began (a long call, a fax still going out) is read again, and the ids tell
    it was announced. The first poll ever takes bearings: what the provider already lists
    is history and fires nothing.
    """

    # What the history is called in logs, how far before the last poll's start the next
    # one reads back, and the signal that tells the sensors their figures may have changed.
    HISTORY_NAME: ClassVar[str]
    OVERLAP: ClassVar[timedelta]
    UPDATED_SIGNAL: ClassVar[SignalTypeFormat[()]]

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        name: str,
        *,
        provider: Provider,
        device_id: str | None,
        phonebook: PhoneBook,
    ) -> None:
        """Announce for the account device `device_id`, naming numbers from `phonebook`."""
        super().__init__(hass, entry_id, name)
        self.provider = provider
        self.device_id = device_id
        self.phonebook = phonebook
        self.announced = AnnouncedIds()
        self.watermark: datetime | None = None

    @property
    def poll_since(self) -> datetime | None:
        """Where the next poll starts, or None to take bearings.

        The watermark is when the last poll started, not the newest record's time: a record
        that settles after newer ones began is still within the overlap at the next poll.
        """
        return None if self.watermark is None else self.watermark - self.OVERLAP

    @property
    def updated_signal(self) -> SignalType[()]:
        """Return the entry's signal for the sensors that read this tracker."""
        return self.UPDATED_SIGNAL.format(self.entry_id)

    @callback
    def async_tell_readers(self) -> None:
        """Tell the sensors that read this tracker to read it again."""
        async_dispatcher_send(self.hass, self.updated_signal)

    def window_start(self, polled_at: datetime) -> datetime:
        """Return the oldest time the poll starting at `polled_at` asks for."""
        return self.poll_since or polled_at - self.OVERLAP

    def _read_history(self, stored: dict[str, Any]) -> None:
        """Restore the announced ids and the watermark, keeping whatever is readable."""
        self.announced = AnnouncedIds(read_pairs(stored.get("announced")))
        self.watermark = read_datetime(stored.get("watermark"))

    async def _async_check_watermark(self, stored: dict[str, Any], what: str) -> None:
        """Resume from the store's last write when it holds no usable watermark.

        A watermark stored as null means no poll ever ran; a missing or unreadable one is
        damage, logged as lacking `what`.
        """
        if self.watermark is None:
            await self._async_resume_from_last_write(
                None
                if stored.get("watermark", "") is None
                else f"it has no {what} watermark"
            )

    def _history_to_storage(self) -> dict[str, Any]:
        return {
            "announced": self.announced.as_list(),
            "watermark": self.watermark.isoformat() if self.watermark else None,
        }

    def _mark(self, key: str) -> None:
        """Remember `key` as announced for as long as a poll can still report it."""
        self.announced.add(key, self.poll_since)

    @abstractmethod
    def _moment(self, record: RecordT) -> datetime | None:
        """Return when `record` happened, to tell whether a resumed poll announces it."""

    @abstractmethod
    def _take_bearing(self, record: RecordT) -> None:
        """Know `record` as history at the first poll, announcing nothing."""

    @abstractmethod
    async def async_handle_records(
        self, records: list[RecordT], polled_at: datetime
    ) -> int:
        """Announce what is new in a poll that started at `polled_at`; return how many."""

    @callback
    def async_take_bearings(
        self, records: Iterable[RecordT], polled_at: datetime
    ) -> list[RecordT]:
        """Know every record of the first poll as history, announcing none of them.

        Return the records to announce all the same: after a store without a watermark,
        those of after its last write (see `resume_after`).
        """
        if self._closed:
            return []
        late: list[RecordT] = []
        for record in records:
            if self.resumes(self._moment(record)):
                late.append(record)
            else:
                self._take_bearing(record)
        self.watermark = polled_at
        self._schedule_save()
        return late

    async def async_handle_poll(
        self, records: list[RecordT], polled_at: datetime
    ) -> int:
        """Reconcile a poll that started at `polled_at`; return how many were announced."""
        if self.poll_since is None:
            records = self.async_take_bearings(records, polled_at)
            if not records:
                return 0
        return await self.async_handle_records(records, polled_at)
