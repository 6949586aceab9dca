"""What Santral knows about calls: which were announced, today's log, each extension's state.

Webhooks and the call detail record poll both report calls; the tracker makes sure each call
ends (hangup or missed) exactly once, across restarts, by persisting the ids it announced
with `Store`. Extension states are persisted too, and time out, so none stays stuck.
"""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
import homeassistant.util.dt as dt_util

from .const import (
    CALL_HISTORY_OVERLAP,
    EVENT_CALL,
    LOGGER,
    RINGING_TIMEOUT,
    SIGNAL_CALL,
    SIGNAL_CALLS_UPDATED,
    SIGNAL_EXTENSION,
    SIGNAL_NEW_EXTENSION,
    TALKING_TIMEOUT,
)
from .providers import CallDirection, CallEvent, CallEventType, CallRecord, Provider
from .tracker import (
    AnnouncedIds,
    StoredTracker,
    read_datetime,
    read_dicts,
    read_pairs,
    tracker_store,
)

MAX_LOG = 500
MAX_RECENT = 500

type Source = Literal["webhook", "poll"]


class ExtensionCallState(StrEnum):
    """What an extension is doing."""

    IDLE = "idle"
    RINGING = "ringing"
    TALKING = "talking"


@dataclass(slots=True)
class ExtensionStatus:
    """An extension's state and the call behind it."""

    state: ExtensionCallState = ExtensionCallState.IDLE
    call_id: str | None = None
    direction: CallDirection | None = None
    other_party: str | None = None
    since: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able form for storage."""
        return {
            "state": self.state.value,
            "call_id": self.call_id,
            "direction": self.direction.value if self.direction else None,
            "other_party": self.other_party,
            "since": self.since.isoformat() if self.since else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExtensionStatus:
        """Read the stored form back."""
        return cls(
            state=ExtensionCallState(data.get("state", "idle")),
            call_id=data.get("call_id"),
            direction=CallDirection(data["direction"])
            if data.get("direction")
            else None,
            other_party=data.get("other_party"),
            since=dt_util.parse_datetime(data["since"]) if data.get("since") else None,
        )


@dataclass(slots=True)
class LoggedCall:
    """A call that ended, as the sensors need it."""

    call_id: str
    type: str
    direction: str
    caller: str
    callee: str
    extension: str | None
    time: str
    duration: int | None
    source: str


@dataclass(slots=True)
class CallTrackerData:
    """What the tracker persists."""

    announced: AnnouncedIds = field(default_factory=AnnouncedIds)
    watermark: datetime | None = None
    log: deque[LoggedCall] = field(default_factory=lambda: deque(maxlen=MAX_LOG))
    extensions: dict[str, ExtensionStatus] = field(default_factory=dict)
    last_caller: dict[str, str] | None = None


def _logged(item: dict[str, Any]) -> LoggedCall | None:
    """Read one stored call of the log; None when it is not one."""
    try:
        call = LoggedCall(**item)
    except TypeError:
        return None
    texts = (
        call.call_id,
        call.type,
        call.direction,
        call.caller,
        call.callee,
        call.time,
    )
    if not all(isinstance(text, str) for text in texts) or not isinstance(
        call.duration, int | None
    ):
        return None
    return call


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def async_forget_stored_extension(
    hass: HomeAssistant, entry_id: str, number: str
) -> None:
    """Drop an extension from the stored call state of an entry that is not loaded."""
    store = tracker_store(hass, entry_id, "calls")
    stored = await store.async_load()
    if stored and stored.get("extensions", {}).pop(number, None) is not None:
        await store.async_save(stored)


class CallTracker(StoredTracker):
    """Announces call events once, keeps today's call log and the extension states."""

    def __init__(self, hass: HomeAssistant, entry_id: str, provider: Provider) -> None:
        """Prepare the store; nothing is read until `async_load`."""
        super().__init__(hass, entry_id, "calls")
        self.provider = provider
        self.device_id: str | None = None
        self.data = CallTrackerData()
        # Called with each call that ended with a recording (the automatic download).
        self.on_recorded: Callable[[CallEvent], None] | None = None
        self._recent: OrderedDict[tuple[str, str, str | None], None] = OrderedDict()
        self._counted_day: datetime | None = None
        self._counts: Counter[str] = Counter()
        self._last: dict[str, LoggedCall] = {}
        self._timeouts: dict[str, CALLBACK_TYPE] = {}

    @property
    def poll_since(self) -> datetime | None:
        """Where the next call detail record poll starts, or None to take bearings.

        The watermark is when the last poll started, not the newest call's start: a call
        that ends after newer calls began is still within the overlap at the next poll.
        """
        if self.data.watermark is None:
            return None
        return self.data.watermark - CALL_HISTORY_OVERLAP

    async def async_load(self) -> None:
        """Read what was announced before the last stop, keeping whatever is readable."""
        stored = await self._async_read()
        if stored is None:
            return
        self.data.announced = AnnouncedIds(read_pairs(stored.get("announced")))
        self.data.watermark = read_datetime(stored.get("watermark"))
        self.data.log.extend(
            call for item in read_dicts(stored.get("log")) if (call := _logged(item))
        )
        last_caller = stored.get("last_caller")
        if isinstance(last_caller, dict) and all(
            isinstance(value, str) for value in last_caller.values()
        ):
            self.data.last_caller = last_caller
        self._counts_from_storage(stored.get("counts"))
        extensions = stored.get("extensions")
        for number, status in (
            extensions if isinstance(extensions, dict) else {}
        ).items():
            try:
                self.data.extensions[number] = ExtensionStatus.from_dict(status)
            except AttributeError, KeyError, TypeError, ValueError:
                continue
            self._arm_timeout(number)
        if self.data.watermark is None:
            await self._async_resume_from_last_write(
                None
                if stored.get("watermark", "") is None
                else "it has no call history watermark"
            )

    def _to_storage(self) -> dict[str, Any]:
        return {
            "announced": self.data.announced.as_list(),
            "watermark": _iso(self.data.watermark),
            "log": [asdict(call) for call in self.data.log],
            "last_caller": self.data.last_caller,
            "counts": self._counts_to_storage(),
            "extensions": {
                number: status.as_dict()
                for number, status in self.data.extensions.items()
            },
        }

    async def async_flush(self) -> None:
        """Stop the extension timers, write now and fall silent (on unload)."""
        for cancel in self._timeouts.values():
            cancel()
        self._timeouts.clear()
        await super().async_flush()

    # Call detail records

    @callback
    def async_take_bearings(
        self, records: Iterable[CallRecord], polled_at: datetime
    ) -> list[CallRecord]:
        """Remember the calls of the overlap window as known, announcing none of them.

        Return the calls to announce all the same: after a store without a watermark,
        those that ended after its last write (see `resume_after`).
        """
        if self._closed:
            return []
        late: list[CallRecord] = []
        for record in records:
            if self.resumes(record.ended or record.started):
                late.append(record)
            else:
                self._mark_announced(record.call_id)
        self.data.watermark = polled_at
        self._schedule_save()
        return late

    @callback
    def async_handle_records(
        self, records: Iterable[CallRecord], polled_at: datetime
    ) -> int:
        """Announce the calls no webhook reported; return how many were new."""
        if self._closed:
            return 0
        announced = 0
        for record in sorted(records, key=lambda record: record.started):
            if self.async_handle_event(record.to_event(), "poll"):
                announced += 1
        self.data.watermark = polled_at
        self._schedule_save()
        return announced

    def _mark_announced(self, call_id: str) -> None:
        """Remember `call_id` for as long as a poll can still report the call."""
        self.data.announced.add(call_id, self.poll_since)

    # Events

    @callback
    def async_handle_event(self, event: CallEvent, source: Source) -> bool:
        """Apply one call event; return whether it was announced (False: already was).

        A call that has ended takes no more events: a duplicate end only makes sure no
        extension still rings for it, and a late ringing or answer is dropped.
        """
        if self._closed:
            return False
        if event.call_id in self.data.announced:
            if event.type.ends_call and not event.leg_only:
                self._release_call(event.call_id)
            LOGGER.debug(
                "Call %s already ended; %s from %s ignored",
                event.call_id,
                event.type,
                source,
            )
            return False
        self._update_extension(event)
        if event.leg_only:
            return False
        if event.type.ends_call:
            self._mark_announced(event.call_id)
        else:
            key = (event.call_id, event.type.value, event.extension)
            if key in self._recent:
                return False
            self._recent[key] = None
            while len(self._recent) > MAX_RECENT:
                self._recent.popitem(last=False)
        changed = self._record(event, source)
        data = self.event_data(event, source)
        self.hass.bus.async_fire(EVENT_CALL, data)
        async_dispatcher_send(self.hass, SIGNAL_CALL.format(self.entry_id), event, data)
        if changed:
            async_dispatcher_send(self.hass, SIGNAL_CALLS_UPDATED.format(self.entry_id))
        if event.type.ends_call and event.recording_available and self.on_recorded:
            self.on_recorded(event)
        self._schedule_save()
        return True

    def event_data(self, event: CallEvent, source: Source) -> dict[str, Any]:
        """Return the documented `santral_call` event data."""
        return {
            "entry_id": self.entry_id,
            "device_id": self.device_id,
            "provider": self.provider.value,
            "type": event.type.value,
            "call_id": event.call_id,
            "direction": event.direction.value,
            "caller": event.caller,
            "caller_name": self.phonebook.name(event.caller),
            "callee": event.callee,
            "callee_name": self.phonebook.name(event.callee),
            "extension": event.extension,
            "started": _iso(event.started),
            "answered": _iso(event.answered),
            "ended": _iso(event.ended),
            "duration": event.duration,
            "recording_available": event.recording_available,
            "source": source,
        }

    def _record(self, event: CallEvent, source: Source) -> bool:
        """Log the call's end and its caller; return whether the call sensors changed."""
        now = dt_util.utcnow()
        changed = False
        last = self.data.last_caller or {}
        if (
            event.direction is CallDirection.INBOUND
            and event.caller
            and (last.get("call_id"), last.get("number"))
            != (event.call_id, event.caller)
        ):
            changed = True
            self.data.last_caller = {
                "number": event.caller,
                "time": (event.started or now).isoformat(),
                "call_id": event.call_id,
            }
        if event.type.ends_call:
            call = LoggedCall(
                call_id=event.call_id,
                type=event.type.value,
                direction=event.direction.value,
                caller=event.caller,
                callee=event.callee,
                extension=event.extension,
                time=(event.ended or event.started or now).isoformat(),
                duration=event.duration,
                source=source,
            )
            self.data.log.append(call)
            self._count(call)
            self._last[call.type] = call
            changed = True
        return changed

    # Counters

    def count_today(self, kind: str | None = None) -> int:
        """Return how many calls (of `kind`) ended today, in Home Assistant's time zone.

        The counts are kept apart from the log, which holds only the last `MAX_LOG` calls:
        a busy day has more.
        """
        if self._counted_day != dt_util.start_of_local_day():
            return 0
        return self._counts[kind] if kind else self._counts.total()

    def _count(self, call: LoggedCall) -> None:
        """Count a logged call on the day it ended; a newer day starts from zero."""
        when = read_datetime(call.time)
        if when is None:
            return
        day = dt_util.start_of_local_day(dt_util.as_local(when).date())
        if self._counted_day is None or day > self._counted_day:
            self._counted_day = day
            self._counts.clear()
        if day == self._counted_day:
            self._counts[call.type] += 1

    def _counts_to_storage(self) -> dict[str, Any] | None:
        if self._counted_day is None:
            return None
        return {"day": self._counted_day.isoformat(), "calls": dict(self._counts)}

    def _counts_from_storage(self, stored: object) -> None:
        """Restore the day's counts; without them (an older store) count the log."""
        day = read_datetime(stored.get("day")) if isinstance(stored, dict) else None
        calls = stored.get("calls") if isinstance(stored, dict) else None
        if day is None or not isinstance(calls, dict):
            for call in self.data.log:
                self._count(call)
            return
        self._counted_day = day
        self._counts = Counter(
            {
                kind: count
                for kind, count in calls.items()
                if isinstance(count, int) and not isinstance(count, bool) and count > 0
            }
        )

    def last_call(self, kind: str) -> LoggedCall | None:
        """Return the newest logged call of `kind`."""
        if kind not in self._last:
            found = next(
                (call for call in reversed(self.data.log) if call.type == kind), None
            )
            if found is None:
                return None
            self._last[kind] = found
        return self._last[kind]

    # Extensions

    def extension(self, number: str) -> ExtensionStatus:
        """Return an extension's status (idle when unknown)."""
        return self.data.extensions.get(number) or ExtensionStatus()

    @property
    def extensions(self) -> list[str]:
        """Return every extension seen so far."""
        return sorted(self.data.extensions)

    @callback
    def async_forget_extension(self, number: str) -> None:
        """Drop an extension the PBX no longer has."""
        if cancel := self._timeouts.pop(number, None):
            cancel()
        if self.data.extensions.pop(number, None) is not None:
            self._schedule_save()

    def _update_extension(self, event: CallEvent) -> None:
        number = event.extension
        if number is None:
            if event.type.ends_call:
                self._release_call(event.call_id)
            return
        new = number not in self.data.extensions
        status = self.data.extensions.setdefault(number, ExtensionStatus())
        other = (
            event.caller if event.direction is CallDirection.INBOUND else event.callee
        )
        if event.type is CallEventType.RINGING:
            self._set(
                number,
                ExtensionStatus(
                    ExtensionCallState.RINGING,
                    event.call_id,
                    event.direction,
                    other,
                    dt_util.utcnow(),
                ),
            )
        elif event.type is CallEventType.ANSWERED:
            self._set(
                number,
                ExtensionStatus(
                    ExtensionCallState.TALKING,
                    event.call_id,
                    event.direction,
                    other,
                    dt_util.utcnow(),
                ),
            )
        elif status.call_id in (None, event.call_id) and not (
            status.state is ExtensionCallState.IDLE and status.call_id == event.call_id
        ):
            self._set(
                number,
                ExtensionStatus(
                    call_id=event.call_id,
                    direction=event.direction,
                    other_party=other,
                    since=dt_util.utcnow(),
                ),
            )
        if event.type.ends_call and not event.leg_only:
            self._release_call(event.call_id)
        if new:
            async_dispatcher_send(
                self.hass, SIGNAL_NEW_EXTENSION.format(self.entry_id), number
            )

    def _release_call(self, call_id: str) -> None:
        """Set every extension busy with `call_id` idle: the call is over."""
        for number, status in list(self.data.extensions.items()):
            if (
                status.call_id == call_id
                and status.state is not ExtensionCallState.IDLE
            ):
                self._set(
                    number,
                    ExtensionStatus(
                        call_id=call_id,
                        direction=status.direction,
                        other_party=status.other_party,
                        since=dt_util.utcnow(),
                    ),
                )

    def _set(self, number: str, status: ExtensionStatus) -> None:
        self.data.extensions[number] = status
        self._arm_timeout(number)
        async_dispatcher_send(self.hass, SIGNAL_EXTENSION.format(self.entry_id, number))
        self._schedule_save()

    def _arm_timeout(self, number: str) -> None:
        """Free an extension whose ringing or talking outlives any real call."""
        if cancel := self._timeouts.pop(number, None):
            cancel()
        status = self.data.extensions[number]
        if status.state is ExtensionCallState.IDLE or status.since is None:
            return
        limit = (
            RINGING_TIMEOUT
            if status.state is ExtensionCallState.RINGING
            else TALKING_TIMEOUT
        )
        remaining = (status.since + limit - dt_util.utcnow()).total_seconds()

        @callback
        def _expire(_now: datetime) -> None:
            self._timeouts.pop(number, None)
            LOGGER.debug("Extension %s %s for too long; now idle", number, status.state)
            self._set(
                number,
                ExtensionStatus(
                    call_id=status.call_id,
                    direction=status.direction,
                    other_party=status.other_party,
                    since=dt_util.utcnow(),
                ),
            )

        self._timeouts[number] = async_call_later(
            self.hass, max(0.0, remaining), _expire
        )
