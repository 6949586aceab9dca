"""The part every tracker shares: knowledge kept in a Store, silence once unloaded."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
import time
from typing import Any

from homeassistant.core import HomeAssistant, callback
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

    @abstractmethod
    def _to_storage(self) -> dict[str, Any]:
        """Return what to persist, JSON-able."""

    async def _async_read(self) -> dict[str, Any] | None:
        return await self._store.async_load()

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
