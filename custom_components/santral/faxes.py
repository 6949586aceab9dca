"""What Santral knows about faxes: which were announced, which are still going out, the archive.

Each received fax is announced once, after its document is saved to the archive (when the
archive is on); a document that cannot be fetched is tried again at the next polls and the
fax is announced without it after `ARCHIVE_ATTEMPTS`, so nothing is lost. Each sent fax is
announced once, when its status settles. All of it survives restarts through `Store`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
import homeassistant.util.dt as dt_util

from .const import (
    EVENT_FAX,
    FAX_HISTORY_OVERLAP,
    LOGGER,
    SIGNAL_FAX,
    SIGNAL_FAXES_UPDATED,
)
from .files import async_archive_fax
from .phonebook import PhoneBook
from .providers import (
    FaxDirection,
    FaxRecord,
    FaxSource,
    FaxStatus,
    Provider,
    SantralError,
)
from .tracker import HistoryTracker, read_dicts

MAX_LOG = 200
ARCHIVE_ATTEMPTS = 3


@dataclass(slots=True)
class LoggedFax:
    """A fax that was announced, as the sensors need it."""

    fax_id: str
    type: str
    direction: str
    remote: str
    time: str
    pages: int | None
    file: str | None


def _logged(item: dict[str, Any]) -> LoggedFax | None:
    """Read one stored fax of the log; None when it is not one."""
    try:
        fax = LoggedFax(**item)
    except TypeError:
        return None
    texts = (fax.fax_id, fax.type, fax.direction, fax.remote, fax.time)
    if not all(isinstance(text, str) for text in texts) or not all(
        isinstance(value, kind)
        for value, kind in ((fax.pages, int | None), (fax.file, str | None))
    ):
        return None
    return fax


class FaxTracker(HistoryTracker[FaxRecord]):
    """Announces fax events once, keeps the pending outgoing faxes and the archive."""

    HISTORY_NAME = "faxes"
    OVERLAP = FAX_HISTORY_OVERLAP
    UPDATED_SIGNAL = SIGNAL_FAXES_UPDATED

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        provider: Provider,
        client: FaxSource,
        *,
        device_id: str | None,
        phonebook: PhoneBook,
        archive: Path | None,
    ) -> None:
        """Prepare the store; nothing is read until `async_load`.

        Received faxes are saved under `archive` (by month), or not at all when it is None.
        """
        super().__init__(
            hass,
            entry_id,
            "faxes",
            provider=provider,
            device_id=device_id,
            phonebook=phonebook,
        )
        self.client = client
        self.archive = archive
        self.pending: dict[str, dict[str, Any]] = {}
        self.attempts: dict[str, int] = {}
        self.log: list[LoggedFax] = []

    async def async_load(self) -> None:
        """Read what was announced before the last stop, keeping whatever is readable."""
        stored = await self._async_read()
        if stored is None:
            return
        self._read_history(stored)
        pending = stored.get("pending")
        if isinstance(pending, dict):
            self.pending = {
                fax_id: fax for fax_id, fax in pending.items() if isinstance(fax, dict)
            }
        attempts = stored.get("attempts")
        if isinstance(attempts, dict):
            self.attempts = {
                key: count
                for key, count in attempts.items()
                if isinstance(count, int) and not isinstance(count, bool)
            }
        self.log = [
            fax for item in read_dicts(stored.get("log")) if (fax := _logged(item))
        ]
        await self._async_check_watermark(stored, "fax")

    def _to_storage(self) -> dict[str, Any]:
        return {
            **self._history_to_storage(),
            "pending": dict(self.pending),
            "attempts": dict(self.attempts),
            "log": [asdict(fax) for fax in self.log],
        }

    @staticmethod
    def _key(record: FaxRecord) -> str:
        return f"{record.direction.value}:{record.fax_id}"

    def _moment(self, record: FaxRecord) -> datetime | None:
        return record.created

    def _take_bearing(self, record: FaxRecord) -> None:
        """Know a listed fax as history; follow one going out, settle one we sent."""
        if record.status is FaxStatus.QUEUED:
            self._track_pending(record)
        elif (
            record.fax_id in self.pending and record.direction is FaxDirection.OUTBOUND
        ):
            self.pending.pop(record.fax_id)  # sent by us before the first poll worked
            self._announce(record, None)
        else:
            self._mark(self._key(record))

    def _track_pending(self, record: FaxRecord) -> None:
        if record.direction is not FaxDirection.OUTBOUND:
            return  # an incoming fax still arriving is not one of ours going out
        self.pending[record.fax_id] = {
            "remote": record.remote,
            "created": record.created.isoformat() if record.created else None,
        }

    @callback
    def async_add_sent(self, records: list[FaxRecord]) -> None:
        """Follow faxes the send action just queued."""
        for record in records:
            self._track_pending(record)
        self.async_tell_readers()
        self._schedule_save()

    async def async_handle_records(
        self, records: list[FaxRecord], polled_at: datetime
    ) -> int:
        """Announce what is new or newly settled; return how many faxes were announced."""
        before = (dict(self.pending), dict(self.attempts))
        announced = 0
        for record in sorted(records, key=lambda r: r.created or dt_util.utcnow()):
            key = self._key(record)
            if key in self.announced:
                continue
            if record.status is FaxStatus.QUEUED:
                self._track_pending(record)
                continue
            path: str | None = None
            if (
                record.direction is FaxDirection.INBOUND
                and record.status is FaxStatus.RECEIVED
            ):
                archived = await self._async_archive(record)
                if archived is False:
                    continue  # tried again at the next poll
                path = archived if isinstance(archived, str) else None
            if self._closed:  # unloaded while the document was fetched
                break
            self.pending.pop(record.fax_id, None)
            self._announce(record, path)
            announced += 1
        # A fax the provider no longer lists as waiting has settled, possibly under another
        # id (a Bulutsantralim order becomes a fax record): it stops being pending.
        listed = {record.fax_id for record in records}
        for fax_id in [fax_id for fax_id in self.pending if fax_id not in listed]:
            del self.pending[fax_id]
        # A quiet poll writes nothing: the stored watermark only falls behind, and a
        # restart then reads back a little further.
        self.watermark = polled_at
        if announced or (self.pending, self.attempts) != before:
            self._schedule_save()
        return announced

    async def _async_archive(self, record: FaxRecord) -> str | bool:
        """Save a received fax; return its path, True when not archiving, False to retry."""
        if (archive := self.archive) is None:
            return True
        try:
            document = await self.client.async_download_fax(record.fax_id)
            path = await async_archive_fax(self.hass, archive, record, document)
        except (SantralError, OSError) as err:
            attempts = self.attempts.get(record.fax_id, 0) + 1
            self.attempts[record.fax_id] = attempts
            if attempts < ARCHIVE_ATTEMPTS:
                LOGGER.info(
                    "Fax %s not archived yet (%s); trying again at the next poll",
                    record.fax_id,
                    err,
                )
                return False
            LOGGER.warning(
                "Fax %s could not be archived after %d tries: %s",
                record.fax_id,
                attempts,
                err,
            )
            self.attempts.pop(record.fax_id, None)
            return True
        self.attempts.pop(record.fax_id, None)
        return str(path)

    def _announce(self, record: FaxRecord, path: str | None) -> None:
        self._mark(self._key(record))
        kind = {
            FaxStatus.RECEIVED: "received",
            FaxStatus.SENT: "sent",
            FaxStatus.FAILED: "failed",
        }[record.status]
        when = (record.created or dt_util.utcnow()).isoformat()
        self.log.append(
            LoggedFax(
                record.fax_id,
                kind,
                record.direction.value,
                record.remote,
                when,
                record.pages,
                path,
            )
        )
        del self.log[:-MAX_LOG]
        data = {
            "entry_id": self.entry_id,
            "device_id": self.device_id,
            "provider": self.provider.value,
            "type": kind,
            "fax_id": record.fax_id,
            "direction": record.direction.value,
            "remote": record.remote,
            "remote_name": self.phonebook.name(record.remote),
            "local": record.local,
            "pages": record.pages,
            "created": record.created.isoformat() if record.created else None,
            "subject": record.subject,
            "file": path,
            "source": "poll",
        }
        self.hass.bus.async_fire(EVENT_FAX, data)
        async_dispatcher_send(self.hass, SIGNAL_FAX.format(self.entry_id), kind, data)

    def count_today(self, kind: str) -> int:
        """Return how many faxes of `kind` were announced for today (local time)."""
        start = dt_util.start_of_local_day()
        counts: Counter[str] = Counter(
            fax.type
            for fax in self.log
            if (when := dt_util.parse_datetime(fax.time)) is not None and when >= start
        )
        return counts[kind]

    def last(
        self, *kinds: str, direction: FaxDirection | None = None
    ) -> LoggedFax | None:
        """Return the newest announced fax of one of `kinds` (and `direction`, if given)."""
        return next(
            (
                fax
                for fax in reversed(self.log)
                if fax.type in kinds
                and (direction is None or fax.direction == direction.value)
            ),
            None,
        )
