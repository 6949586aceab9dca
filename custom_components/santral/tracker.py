"""The part every tracker shares: knowledge kept in a Store, silence once unloaded."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .phonebook import PhoneBook

STORAGE_VERSION = 1
SAVE_DELAY = 1.0


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

    @abstractmethod
    def _to_storage(self) -> dict[str, Any]:
        """Return what to persist, JSON-able."""

    async def _async_read(self) -> dict[str, Any] | None:
        return await self._store.async_load()

    @callback
    def _schedule_save(self) -> None:
        if not self._closed:
            self._store.async_delay_save(self._to_storage, SAVE_DELAY)

    async def async_flush(self) -> None:
        """Write now and fall silent (on unload)."""
        self._closed = True
        await self._store.async_save(self._to_storage())
