"""The part every tracker shares: knowledge kept in a Store, silence once unloaded."""

from __future__ import annotations

from abc import ABC, abstractmethod
import base64
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
import hashlib
from pathlib import Path
import time
from typing import Any, ClassVar

from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
import homeassistant.util.dt as dt_util
from homeassistant.util.signal_type import SignalType, SignalTypeFormat

from .const import DOMAIN, LOGGER, Figures
from .phonebook import PhoneBook
from .providers import Provider

STORAGE_VERSION = 1
# Minor versions: 1 as first released; 2 adds the calls store's day counts ("counts");
# 3 keeps the announced ids as digests by minute ("announced_ids" replaces "announced").
STORAGE_MINOR_VERSION = 3
# A change is written once no other has followed for SAVE_DELAY seconds, and in any case
# no later than SAVE_MAX_WAIT seconds after it: steady traffic must not postpone the write
# for ever, or a crash would repeat every call announced since the last quiet second.
SAVE_DELAY = 1.0
SAVE_MAX_WAIT = 5.0
# The writes of a store are budgeted, for the SD card of a Raspberry Pi: WRITE_BURST writes
# may follow each other as fast as the delays above allow, and the budget refills one write
# every WRITE_REFILL. A quiet office has each call on disk within seconds; a busy one
# (10,000 calls a day) writes at most 86,400 / 1,080 + 8 = 88 times a day, and a crash
# repeats at most the last WRITE_REFILL of announcements, losing none.
WRITE_BURST = 8
WRITE_REFILL = timedelta(minutes=18)

# An id stays known this long before the oldest start the next poll can ask for, in case
# the provider's clock runs ahead of Home Assistant's.
ANNOUNCED_MARGIN = timedelta(hours=1)
# Far more than any poll window holds (10,000 calls a day is ~2,500 in the call window):
# only a flood past it makes the oldest ids go early, with a warning.
MAX_ANNOUNCED = 100_000
# An announced id is kept as the first 8 bytes of its BLAKE2b digest, 11 characters of
# URL-safe base64: a provider's 36-character uuid costs a third of the store, and among
# 100,000 ids the chance of two digests colliding is below one in a hundred million.
DIGEST_BYTES = 8
DIGEST_CHARS = 11


# An event looks its call's id up, then adds it: the digest is made once for both.
@lru_cache(maxsize=256)
def digest(key: str) -> str:
    """Return the short, fixed-length stand-in of an announced id."""
    raw = hashlib.blake2b(key.encode(), digest_size=DIGEST_BYTES).digest()
    return base64.urlsafe_b64encode(raw).decode("ascii")[:DIGEST_CHARS]


def _minute(moment: datetime) -> int:
    return int(moment.timestamp()) // 60


class AnnouncedIds:
    """The ids a tracker announced, each with when, kept as long as a poll can meet them.

    Ids are forgotten by time, relative to where the next poll can start, never by how
    many arrived: a burst of webhooks must not push out ids the next poll will read again.
    Each id is held as its digest with the minute it was announced; stored, the digests of
    a minute are one string.
    """

    def __init__(self, items: Iterable[tuple[str, int]] = ()) -> None:
        """Start from `(digest, minute announced)` pairs, oldest first."""
        self._ids: OrderedDict[str, int] = OrderedDict(items)
        self._overflowed = False

    @classmethod
    def from_storage(cls, value: object) -> AnnouncedIds:
        """Read the stored `{minute: digests}`, leaving out what is not readable."""
        if not isinstance(value, dict):
            return cls()
        pairs: list[tuple[int, str]] = []
        for minute, digests in value.items():
            if not (isinstance(minute, str) and minute.isdigit()) or not isinstance(
                digests, str
            ):
                continue
            pairs.extend(
                (int(minute), digests[start : start + DIGEST_CHARS])
                for start in range(0, len(digests) - DIGEST_CHARS + 1, DIGEST_CHARS)
            )
        pairs.sort(key=lambda pair: pair[0])
        return cls((key, minute) for minute, key in pairs)

    def __contains__(self, key: object) -> bool:
        """Tell whether `key` was announced."""
        return isinstance(key, str) and digest(key) in self._ids

    def __len__(self) -> int:
        """Return how many ids are known."""
        return len(self._ids)

    def add(self, key: str, since: datetime | None) -> None:
        """Remember `key` as announced now; forget what no poll from `since` can reach.

        `since` is the oldest start a poll can ask for (None before the first: nothing is
        forgotten by time then).
        """
        token = digest(key)
        self._ids[token] = _minute(dt_util.utcnow())
        self._ids.move_to_end(token)
        if since is not None:
            horizon = _minute(since - ANNOUNCED_MARGIN)
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

    def as_storage(self) -> dict[str, str]:
        """Return the digests by the minute they were announced, for storage."""
        minutes: dict[int, list[str]] = {}
        for token, minute in self._ids.items():
            minutes.setdefault(minute, []).append(token)
        return {str(minute): "".join(tokens) for minute, tokens in minutes.items()}


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
            # What the trackers hand over is a snapshot no one changes: the JSON can be
            # made in the executor, so a large store never stalls the event loop.
            serialize_in_event_loop=False,
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


@migration("calls", from_minor=2)
@migration("faxes", from_minor=2)
def _digest_announced(data: dict[str, Any]) -> dict[str, Any]:
    """Keep the announced ids of a store from before as digests by minute."""
    announced = AnnouncedIds(
        (digest(key), _minute(moment))
        for key, stamp in read_pairs(data.get("announced"))
        if (moment := read_datetime(stamp)) is not None
    )
    migrated = {key: value for key, value in data.items() if key != "announced"}
    return {**migrated, "announced_ids": announced.as_storage()}


class WriteBudget:
    """How many writes a store may make now: WRITE_BURST at most, one more every refill."""

    def __init__(self) -> None:
        """Start with a full budget."""
        self._tokens = float(WRITE_BURST)
        self._at = time.monotonic()

    def _refill(self, now: float) -> None:
        refill = WRITE_REFILL.total_seconds()
        self._tokens = min(WRITE_BURST, self._tokens + (now - self._at) / refill)
        self._at = now

    def wait(self, now: float) -> float:
        """Return how many seconds from `now` until a write is within the budget."""
        self._refill(now)
        return max(0.0, (1 - self._tokens) * WRITE_REFILL.total_seconds())

    def spend(self, now: float) -> None:
        """Count one write made at `now`."""
        self._refill(now)
        self._tokens -= 1


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
        self._changed_at = 0.0
        self._budget = WriteBudget()
        self._cancel_write: CALLBACK_TYPE | None = None
        self._cancel_final_write: CALLBACK_TYPE | None = None
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
        """Write the change soon: after the delays, and within the write budget.

        A busy account changes state several times a second, so a change only notes its
        time; the one armed timer works out, when it fires, whether to write or wait on.
        """
        if self._closed:
            return
        now = time.monotonic()
        self._changed_at = now
        if self._unsaved_since is None:
            self._unsaved_since = now
        if self._cancel_write is None:
            self._arm_write(max(SAVE_DELAY, self._budget.wait(now)))
        if self._cancel_final_write is None:
            self._cancel_final_write = self.hass.bus.async_listen_once(
                EVENT_HOMEASSISTANT_FINAL_WRITE, self._async_final_write
            )

    def _arm_write(self, delay: float) -> None:
        self._cancel_write = async_call_later(self.hass, delay, self._async_write_due)

    async def _async_write_due(self, _now: datetime) -> None:
        """Write now, unless changes keep coming within the delays or the budget is spent."""
        self._cancel_write = None
        if self._unsaved_since is None:
            return
        now = time.monotonic()
        wait = max(
            0.0,
            min(
                SAVE_DELAY - (now - self._changed_at),
                SAVE_MAX_WAIT - (now - self._unsaved_since),
            ),
            self._budget.wait(now),
        )
        if wait > 0:
            self._arm_write(wait)
            return
        await self._async_write()

    async def _async_write(self) -> None:
        """Hand a snapshot of every change so far to the store, which writes it."""
        if self._cancel_write is not None:
            self._cancel_write()
            self._cancel_write = None
        self._unsaved_since = None
        self._budget.spend(time.monotonic())
        await self._store.async_save(self._to_storage())

    async def _async_final_write(self, _event: Event) -> None:
        """Write what is pending when Home Assistant stops, whatever the budget says."""
        self._cancel_final_write = None
        if self._unsaved_since is not None:
            await self._async_write()

    async def async_flush(self) -> None:
        """Write now and fall silent (on unload)."""
        self._closed = True
        self._unsaved_since = None
        for cancel in (self._cancel_write, self._cancel_final_write):
            if cancel is not None:
                cancel()
        self._cancel_write = self._cancel_final_write = None
        await self._store.async_save(self._to_storage())


class HistoryTracker[RecordT](StoredTracker):
    """Announces each record of a provider's history once, whoever reports it and when.

    The ids announced are kept with the watermark (when the last poll started). A poll
    reads back at most `OVERLAP` before the watermark, so a record that changes after
    newer ones began (a long call, a fax still going out) is read again, and the ids tell
    it was announced; a tracker may read back less on most polls (see `window_start`), but
    keeps its ids for as long as the full overlap can meet them. The first poll ever takes
    bearings: what the provider already lists is history and fires nothing.
    """

    # What the history is called in logs, how far before the last poll's start a poll may
    # read back, and the signal that tells the sensors their figures may have changed.
    HISTORY_NAME: ClassVar[str]
    OVERLAP: ClassVar[timedelta]
    UPDATED_SIGNAL: ClassVar[SignalTypeFormat[Figures]]

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
        """The oldest start a poll can ask for, or None to take bearings.

        The watermark is when the last poll started, not the newest record's time: a record
        that settles after newer ones began is still within the overlap at the next poll.
        """
        return None if self.watermark is None else self.watermark - self.OVERLAP

    @property
    def updated_signal(self) -> SignalType[Figures]:
        """Return the entry's signal for the sensors that read this tracker."""
        return self.UPDATED_SIGNAL.format(self.entry_id)

    @callback
    def async_tell_readers(self, figures: Figures = None) -> None:
        """Tell the sensors that read this tracker to read it again.

        `figures` names the sensors whose figures moved, where the tracker knows; the
        others skip the read (a busy line moves one or two figures per call event).
        """
        async_dispatcher_send(self.hass, self.updated_signal, figures)

    def window_start(self, polled_at: datetime) -> datetime:
        """Return the oldest time the poll starting at `polled_at` asks for."""
        return self.poll_since or polled_at - self.OVERLAP

    def _read_history(self, stored: dict[str, Any]) -> None:
        """Restore the announced ids and the watermark, keeping whatever is readable."""
        self.announced = AnnouncedIds.from_storage(stored.get("announced_ids"))
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
            "announced_ids": self.announced.as_storage(),
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
        self, records: list[RecordT], polled_at: datetime, since: datetime
    ) -> int:
        """Reconcile a poll that started at `polled_at` and read back to `since`.

        Return how many records were announced.
        """
        self._polled(polled_at, since)
        if self.poll_since is None:
            records = self.async_take_bearings(records, polled_at)
            if not records:
                return 0
        return await self.async_handle_records(records, polled_at)

    def _polled(self, polled_at: datetime, since: datetime) -> None:
        """Learn that a poll from `polled_at` back to `since` is being reconciled."""
