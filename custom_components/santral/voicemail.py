"""What Santral knows about voicemail: which messages were announced, which are unread.

Each message is announced once, when a poll first lists it, across restarts like calls and
faxes. Each poll also lists every unread message the PBX keeps (of the last 31 days), so
the unread counts are those of the boxes, whether a message was left before Home Assistant
started or heard on a phone since.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .const import (
    EVENT_VOICEMAIL,
    SIGNAL_VOICEMAIL,
    SIGNAL_VOICEMAILS_UPDATED,
    VOICEMAIL_OVERLAP,
)
from .phonebook import PhoneBook
from .providers import Provider, Voicemail
from .tracker import HistoryTracker, read_dicts

MAX_LOG = 100


@dataclass(slots=True)
class LoggedVoicemail:
    """A message that was announced, as the sensors and the websocket API show it."""

    voicemail_id: str
    extension: str | None
    caller: str
    caller_name: str | None
    received: str
    duration: int
    read: bool


def _logged(item: dict[str, Any]) -> LoggedVoicemail | None:
    """Read one stored message of the log; None when it is not one."""
    try:
        message = LoggedVoicemail(**item)
    except TypeError:
        return None
    fields: tuple[tuple[object, Any], ...] = (
        (message.voicemail_id, str),
        (message.extension, str | None),
        (message.caller, str),
        (message.caller_name, str | None),
        (message.received, str),
        (message.duration, int),
        (message.read, bool),
    )
    if not all(isinstance(value, kind) for value, kind in fields):
        return None
    return message


class VoicemailTracker(HistoryTracker[Voicemail]):
    """Announces each voicemail once and keeps the boxes' unread messages."""

    HISTORY_NAME = "voicemail"
    OVERLAP = VOICEMAIL_OVERLAP
    UPDATED_SIGNAL = SIGNAL_VOICEMAILS_UPDATED

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        provider: Provider,
        *,
        device_id: str | None,
        phonebook: PhoneBook,
    ) -> None:
        """Prepare the store; nothing is read until `async_load`."""
        super().__init__(
            hass,
            entry_id,
            "voicemail",
            provider=provider,
            device_id=device_id,
            phonebook=phonebook,
        )
        self.log: list[LoggedVoicemail] = []
        # The unread messages the last poll listed, by id; None before the first poll.
        self.unread: dict[str, Voicemail] | None = None
        self._since: datetime | None = None

    async def async_load(self) -> None:
        """Read what was announced before the last stop, keeping whatever is readable."""
        stored = await self._async_read()
        if stored is None:
            return
        self._read_history(stored)
        self.log = [
            message
            for item in read_dicts(stored.get("log"))
            if (message := _logged(item))
        ]
        await self._async_check_watermark(stored, "voicemail")

    def _to_storage(self) -> dict[str, Any]:
        return {
            **self._history_to_storage(),
            "log": [asdict(message) for message in self.log],
        }

    def _moment(self, record: Voicemail) -> datetime | None:
        return record.received

    def _take_bearing(self, record: Voicemail) -> None:
        self._mark(record.voicemail_id)

    def _polled(self, polled_at: datetime, since: datetime) -> None:
        """Keep the poll's window start: older unread messages are counted, not news."""
        self._since = since
        super()._polled(polled_at, since)

    async def async_handle_poll(
        self, records: list[Voicemail], polled_at: datetime, since: datetime
    ) -> int:
        """Reconcile a poll, bearings included, then take its unread messages."""
        announced = await super().async_handle_poll(records, polled_at, since)
        self.unread = {
            record.voicemail_id: record for record in records if not record.read
        }
        # Every unread message is listed; one no longer listed so was heard (or deleted).
        read_now = [
            message
            for message in self.log
            if not message.read and message.voicemail_id not in self.unread
        ]
        for message in read_now:
            message.read = True
        if read_now and not announced:
            self._schedule_save()
        return announced

    async def async_handle_records(
        self, records: list[Voicemail], polled_at: datetime
    ) -> int:
        """Announce the messages first listed in this poll's window; return how many."""
        since = self._since
        announced = 0
        for record in records:
            if record.voicemail_id in self.announced or (
                since is not None and record.received < since
            ):
                continue
            self._announce(record)
            announced += 1
        # A quiet poll writes nothing: the stored watermark only falls behind, and a
        # restart then reads back a little further.
        self.watermark = polled_at
        if announced:
            self._schedule_save()
        return announced

    def _announce(self, record: Voicemail) -> None:
        self._mark(record.voicemail_id)
        caller_name = self.phonebook.name(record.caller) or record.caller_name
        self.log.append(
            LoggedVoicemail(
                record.voicemail_id,
                record.extension,
                record.caller,
                caller_name,
                record.received.isoformat(),
                record.duration,
                record.read,
            )
        )
        del self.log[:-MAX_LOG]
        data = {
            "entry_id": self.entry_id,
            "device_id": self.device_id,
            "provider": self.provider.value,
            "voicemail_id": record.voicemail_id,
            "extension": record.extension,
            "caller": record.caller,
            "caller_name": caller_name,
            "received": record.received.isoformat(),
            "duration": record.duration,
            "source": "poll",
        }
        self.hass.bus.async_fire(EVENT_VOICEMAIL, data)
        async_dispatcher_send(self.hass, SIGNAL_VOICEMAIL.format(self.entry_id), data)

    def unread_count(self, extension: str | None = None) -> int | None:
        """Return how many messages wait unheard (in `extension`'s box); None if not read."""
        if self.unread is None:
            return None
        if extension is None:
            return len(self.unread)
        return Counter(message.extension for message in self.unread.values())[extension]

    def newest_unread(self, extension: str | None = None) -> Voicemail | None:
        """Return the newest unread message (of `extension`'s box), if any."""
        return max(
            (
                message
                for message in (self.unread or {}).values()
                if extension is None or message.extension == extension
            ),
            key=lambda message: message.received,
            default=None,
        )
