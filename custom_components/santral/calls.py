"""What Santral knows about calls: which were announced, today's log, each extension's state.

Webhooks and the call detail record poll both report calls; the tracker makes sure each call
ends (hangup or missed) exactly once, across restarts, by persisting the ids it announced
with `Store`. Extension states are persisted with them (see `extensions.py`).
"""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
import homeassistant.util.dt as dt_util

from .const import (
    CALL_HISTORY_OVERLAP,
    CALL_HISTORY_QUICK_OVERLAP,
    CALL_HISTORY_SWEEP,
    CALL_LOG_SIZE,
    EVENT_CALL,
    LOGGER,
    MAX_CALL_FLOW_READS,
    SIGNAL_CALL,
    SIGNAL_CALLS_UPDATED,
)
from .extensions import ExtensionStates, ExtensionStatus
from .phonebook import PhoneBook
from .providers import (
    CallDirection,
    CallEvent,
    CallEventType,
    CallFlow,
    CallRecord,
    Provider,
    SantralError,
)
from .tracker import HistoryTracker, migration, read_datetime, read_dicts, tracker_store

MAX_LOG = CALL_LOG_SIZE  # unless the options keep another number
MAX_RECENT = 500

# The figures a call event moves, by the keys of the sensors that show them.
LAST_CALLER = "last_caller"
CALLS_TODAY = "calls_today"
MISSED_CALLS_TODAY = "missed_calls_today"
LAST_MISSED_CALLER = "last_missed_caller"

type Source = Literal["webhook", "poll"]


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
    # Logs stored before recordings were noted load as not recorded.
    recording_available: bool = False
    # The extension that answered and, for a missed group call, those that rang, where
    # the provider told them.
    answered_by: str | None = None
    rang: list[str] = field(default_factory=list)
    # Whether the call's steps were read (or could not be): they are read once.
    steps_read: bool = False


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
    if (
        not all(isinstance(text, str) for text in texts)
        or not isinstance(call.duration, int | None)
        or not isinstance(call.recording_available, bool)
        or not isinstance(call.answered_by, str | None)
        or not isinstance(call.steps_read, bool)
        or not isinstance(call.rang, list)
        or not all(isinstance(number, str) for number in call.rang)
    ):
        return None
    return call


def _stored(call: LoggedCall) -> dict[str, Any]:
    """Return a call as the store keeps it: the recording flag only when there is one.

    A call without a recording, or without word of who answered or rang, is stored as
    before those were noted, and the log stays small.
    """
    item = asdict(call)
    if not call.recording_available:
        del item["recording_available"]
    if call.answered_by is None:
        del item["answered_by"]
    if not call.rang:
        del item["rang"]
    if not call.steps_read:
        del item["steps_read"]
    return item


def _told(
    record: CallRecord, flow: CallFlow | None
) -> tuple[str | None, tuple[str, ...]]:
    """Return who answered an answered call, and who rang for a missed one."""
    if flow is None:
        return None, ()
    if record.missed:
        return None, flow.rang
    return flow.answered_by, ()


def _flow_data(answered_by: str | None, rang: Any) -> dict[str, Any]:
    """Return who answered and who rang, each only where the provider told it."""
    data: dict[str, Any] = {}
    if answered_by is not None:
        data["answered_by"] = answered_by
    if rang:
        data["rang"] = list(rang)
    return data


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class CallLog:
    """The calls that ended (the last `size`), the last caller, and today's counts.

    The counts are kept apart from the log: a busy day has more calls than the log holds.
    """

    def __init__(self, size: int = MAX_LOG) -> None:
        """Start with no call; keep the last `size` calls that end."""
        self.log: deque[LoggedCall] = deque(maxlen=size)
        self.last_caller: dict[str, str] | None = None
        self._counted_day: datetime | None = None
        self._counts: Counter[str] = Counter()
        self._last: dict[str, LoggedCall] = {}

    def load(self, stored: dict[str, Any]) -> None:
        """Restore what is readable of the stored log, last caller and counts."""
        self.log.extend(
            call for item in read_dicts(stored.get("log")) if (call := _logged(item))
        )
        for call in self.log:
            self._last[call.type] = call
        last_caller = stored.get("last_caller")
        if isinstance(last_caller, dict) and all(
            isinstance(value, str) for value in last_caller.values()
        ):
            self.last_caller = last_caller
        self._counts_from_storage(stored.get("counts"))

    def as_storage(self) -> dict[str, Any]:
        """Return the log, the last caller and the counts, JSON-able."""
        return {
            "log": [_stored(call) for call in self.log],
            "last_caller": self.last_caller,
            "counts": self._counts_to_storage(),
        }

    def record(self, event: CallEvent, source: Source) -> set[str]:
        """Log the call's end and its caller; return the keys of the figures that moved."""
        now = dt_util.utcnow()
        changed: set[str] = set()
        last = self.last_caller or {}
        if (
            event.direction is CallDirection.INBOUND
            and event.caller
            and (last.get("call_id"), last.get("number"))
            != (event.call_id, event.caller)
        ):
            changed.add(LAST_CALLER)
            self.last_caller = {
                "number": event.caller,
                "time": (event.started or now).isoformat(),
                "call_id": event.call_id,
            }
        if event.type.ends_call:
            ended = event.ended or event.started or now
            call = LoggedCall(
                call_id=event.call_id,
                type=event.type.value,
                direction=event.direction.value,
                caller=event.caller,
                callee=event.callee,
                extension=event.extension,
                time=ended.isoformat(),
                duration=event.duration,
                source=source,
                recording_available=event.recording_available,
                answered_by=event.answered_by,
                rang=list(event.rang),
            )
            self.log.append(call)
            self._count(call.type, ended)
            self._last[call.type] = call
            changed.add(CALLS_TODAY)
            if event.type is CallEventType.MISSED:
                changed |= {MISSED_CALLS_TODAY, LAST_MISSED_CALLER}
        return changed

    def unread_steps(self) -> set[str]:
        """Return the ids of logged inbound calls whose steps were never read."""
        return {
            call.call_id
            for call in self.log
            if call.direction == CallDirection.INBOUND.value
            and not call.steps_read
            and call.answered_by is None
        }

    def note_steps(
        self, call_id: str, answered_by: str | None, rang: tuple[str, ...]
    ) -> bool:
        """Note that a logged call's steps were read, and what they told.

        Return whether the log changed for its readers.
        """
        for call in reversed(self.log):
            if call.call_id == call_id:
                call.steps_read = True
                told = (call.answered_by, call.rang) != (answered_by, list(rang))
                if answered_by is not None or rang:
                    call.answered_by, call.rang = answered_by, list(rang)
                    return told
                return False
        return False

    def count_today(self, kind: str | None = None) -> int:
        """Return how many calls (of `kind`) ended today, in Home Assistant's time zone."""
        if self._counted_day != dt_util.start_of_local_day():
            return 0
        return self._counts[kind] if kind else self._counts.total()

    def last_call(self, kind: str) -> LoggedCall | None:
        """Return the newest logged call of `kind`."""
        return self._last.get(kind)

    def _count(self, kind: str, ended: datetime) -> None:
        """Count a call of `kind` on the day it ended; a newer day starts from zero."""
        day = dt_util.start_of_local_day(dt_util.as_local(ended).date())
        if self._counted_day is None or day > self._counted_day:
            self._counted_day = day
            self._counts.clear()
        if day == self._counted_day:
            self._counts[kind] += 1

    def _count_logged(self, call: LoggedCall) -> None:
        """Count a call of the stored log, if its time is readable."""
        if (ended := read_datetime(call.time)) is not None:
            self._count(call.type, ended)

    def _counts_to_storage(self) -> dict[str, Any] | None:
        if self._counted_day is None:
            return None
        return {"day": self._counted_day.isoformat(), "calls": dict(self._counts)}

    def _counts_from_storage(self, stored: object) -> None:
        """Restore the day's counts; without readable ones, count the log."""
        day = read_datetime(stored.get("day")) if isinstance(stored, dict) else None
        calls = stored.get("calls") if isinstance(stored, dict) else None
        if day is None or not isinstance(calls, dict):
            for call in self.log:
                self._count_logged(call)
            return
        self._counted_day = day
        self._counts = Counter(
            {
                kind: count
                for kind, count in calls.items()
                if isinstance(count, int) and not isinstance(count, bool) and count > 0
            }
        )


@migration("calls", from_minor=1)
def _add_counts(data: dict[str, Any]) -> dict[str, Any]:
    """Give a store from before the day counts the counts of its log."""
    log = CallLog()
    log.load(data)
    return {**data, "counts": log.as_storage()["counts"]}


async def async_forget_stored_extension(
    hass: HomeAssistant, entry_id: str, number: str
) -> None:
    """Drop an extension from the stored call state of an entry that is not loaded."""
    store = tracker_store(hass, entry_id, "calls")
    stored = await store.async_load()
    if stored and stored.get("extensions", {}).pop(number, None) is not None:
        await store.async_save(stored)


class CallTracker(HistoryTracker[CallRecord]):
    """Announces call events once, keeps today's call log and the extension states."""

    HISTORY_NAME = "call history"
    OVERLAP = CALL_HISTORY_OVERLAP
    UPDATED_SIGNAL = SIGNAL_CALLS_UPDATED

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        provider: Provider,
        *,
        device_id: str | None,
        phonebook: PhoneBook,
        log_size: int = MAX_LOG,
        on_recorded: Callable[[CallEvent], None] | None = None,
        read_flow: Callable[[str], Awaitable[CallFlow]] | None = None,
    ) -> None:
        """Prepare the store; nothing is read until `async_load`.

        `log_size` is how many ended calls the log keeps (the options' number).
        `on_recorded` is called with each call that ended with a recording (the automatic
        download), if given. `read_flow` reads a call's steps by its id, where the
        provider tells who answered a call its record leaves unsaid.
        """
        super().__init__(
            hass,
            entry_id,
            "calls",
            provider=provider,
            device_id=device_id,
            phonebook=phonebook,
        )
        self.data = CallLog(log_size)
        self.extension_states = ExtensionStates(hass, entry_id, self._schedule_save)
        self.on_recorded = on_recorded
        self._read_flow = read_flow
        # Calls a poll found whose steps it had no reads left for: the next poll reads
        # them first, and announces them with or without their steps.
        self.awaiting_flow: dict[str, CallRecord] = {}
        self._recent: OrderedDict[tuple[str, str, str | None], None] = OrderedDict()
        # Calls a webhook reported ringing or talking and no end has closed, with when each
        # started: the quick polls read back to the oldest, for an end no webhook reports.
        self.open_calls: dict[str, datetime] = {}
        # When the last sweep of the whole overlap started; the first poll of a load sweeps.
        self.swept_at: datetime | None = None
        # When the last webhook event arrived: quick polls rely on the webhook.
        self.webhook_heard: datetime | None = None

    async def async_load(self) -> None:
        """Read what was announced before the last stop, keeping whatever is readable."""
        stored = await self._async_read()
        if stored is None:
            return
        self._read_history(stored)
        self.data.load(stored)
        self.extension_states.load(stored.get("extensions"))
        open_calls = stored.get("open_calls")
        if isinstance(open_calls, dict):
            self.open_calls = {
                call_id: started
                for call_id, stamp in open_calls.items()
                if (started := read_datetime(stamp)) is not None
            }
        await self._async_check_watermark(stored, "call history")

    def _to_storage(self) -> dict[str, Any]:
        return {
            **self._history_to_storage(),
            **self.data.as_storage(),
            "extensions": self.extension_states.as_storage(),
            "open_calls": {
                call_id: started.isoformat()
                for call_id, started in self.open_calls.items()
            },
        }

    async def async_flush(self) -> None:
        """Stop the extension timers, write now and fall silent (on unload)."""
        self.extension_states.stop()
        await super().async_flush()

    # Call detail records

    def window_start(self, polled_at: datetime) -> datetime:
        """Read back the whole overlap once an hour, and a few minutes otherwise.

        Quick polls are for an account whose webhook was heard within the hour: a quick
        poll reaches back to the oldest call the webhook saw start and no end has closed,
        so the end of a call whose hangup webhook went missing is read at the next poll; a
        call no webhook reported at all is found by the hourly sweep. Without the webhook
        every poll reads the whole overlap, as the calls are known from the polls alone.
        """
        full = super().window_start(polled_at)
        if (
            self.watermark is None
            or self.swept_at is None
            or polled_at - self.swept_at >= CALL_HISTORY_SWEEP
            or self.webhook_heard is None
            or polled_at - self.webhook_heard >= CALL_HISTORY_SWEEP
        ):
            return full
        return max(
            full,
            min(
                [self.watermark - CALL_HISTORY_QUICK_OVERLAP, *self.open_calls.values()]
            ),
        )

    def _polled(self, polled_at: datetime, since: datetime) -> None:
        """Note a sweep, and forget open calls that started before the whole overlap.

        Such a call can no longer widen a quick poll (which never reads past the overlap),
        and a webhook that never reports its end must not keep it forever.
        """
        horizon = self.poll_since or polled_at - self.OVERLAP
        self.open_calls = {
            call_id: started
            for call_id, started in self.open_calls.items()
            if started >= horizon
        }
        if self.poll_since is None or since <= self.poll_since:
            self.swept_at = polled_at

    def _moment(self, record: CallRecord) -> datetime | None:
        return record.ended or record.started

    def _take_bearing(self, record: CallRecord) -> None:
        self._mark(record.call_id)

    async def async_handle_records(
        self, records: list[CallRecord], polled_at: datetime
    ) -> int:
        """Announce the calls no webhook reported; return how many were new."""
        if self._closed:
            return 0
        waited = self.awaiting_flow
        records = list(
            (waited | {record.call_id: record for record in records}).values()
        )
        flows = await self._async_read_flows(records, waited)
        announced = 0
        learned = False
        for record in sorted(records, key=lambda record: record.started):
            if record.call_id in self.awaiting_flow:
                continue
            read = record.call_id in flows
            answered_by, rang = _told(record, flows.get(record.call_id))
            if read and record.call_id in self.announced:
                learned |= self.data.note_steps(record.call_id, answered_by, rang)
                continue
            event = replace(record.to_event(), answered_by=answered_by, rang=rang)
            if self.async_handle_event(event, "poll"):
                announced += 1
                if read:
                    self.data.note_steps(record.call_id, answered_by, rang)
        if learned and not self._closed:
            self.async_tell_readers()
            self._schedule_save()
        # A quiet poll writes nothing: the stored watermark only falls behind, and a
        # restart then reads back a little further.
        self.watermark = polled_at
        return announced

    def _needs_flow(self, record: CallRecord) -> bool:
        """Tell whether a call's steps would say what its record does not.

        That is an inbound call not yet announced whose record names no extension: who
        answered it, or (missed) which extensions rang.
        """
        return (
            self._read_flow is not None
            and record.direction is CallDirection.INBOUND
            and record.extension is None
            and record.call_id not in self.announced
        )

    def _unread(self, records: list[CallRecord]) -> list[CallRecord]:
        """Return the announced calls whose logged entry still lacks their steps.

        Those a webhook announced, or a poll past its reads: their log entries learn who
        answered later, and each is read once, whether or not the read succeeds.
        """
        if self._read_flow is None:
            return []
        unread = self.data.unread_steps()
        return [
            record
            for record in records
            if record.call_id in unread
            and record.call_id in self.announced
            and record.direction is CallDirection.INBOUND
            and record.extension is None
        ]

    async def _async_read_flows(
        self, records: list[CallRecord], waited: dict[str, CallRecord]
    ) -> dict[str, CallFlow | None]:
        """Read the steps of the calls that need them, at most MAX_CALL_FLOW_READS.

        Return them by call id, None for steps that could not be read. The calls to
        announce come first: those that waited since the last poll, then the oldest. A
        call past the cap waits for the next poll, unless it already waited: it is then
        announced without its steps, as is a call whose steps cannot be read. Reads left
        over go to logged calls that lack their steps (see `_unread`), oldest first.
        """
        needed = sorted(
            (record for record in records if self._needs_flow(record)),
            key=lambda record: (record.call_id not in waited, record.started),
        )
        self.awaiting_flow = {
            record.call_id: record
            for record in needed[MAX_CALL_FLOW_READS:]
            if record.call_id not in waited
        }
        reads = needed[:MAX_CALL_FLOW_READS]
        spare = MAX_CALL_FLOW_READS - len(reads)
        reads += sorted(self._unread(records), key=lambda record: record.started)[
            :spare
        ]
        flows: dict[str, CallFlow | None] = {}
        for record in reads:
            assert self._read_flow is not None
            try:
                flows[record.call_id] = await self._read_flow(record.call_id)
            except SantralError as err:
                LOGGER.debug(
                    "Who answered call %s cannot be read: %s", record.call_id, err
                )
                flows[record.call_id] = None
        return flows

    # Events

    @callback
    def async_handle_event(self, event: CallEvent, source: Source) -> bool:
        """Apply one call event; return whether it was announced (False: already was).

        A call that has ended takes no more events: a duplicate end only makes sure no
        extension still rings for it, and a late ringing or answer is dropped.
        """
        if self._closed:
            return False
        if source == "webhook":
            self.webhook_heard = dt_util.utcnow()
        if event.call_id in self.announced:
            if event.type.ends_call and not event.leg_only:
                self.extension_states.release(event.call_id)
                self.open_calls.pop(event.call_id, None)
            LOGGER.debug(
                "Call %s already ended; %s from %s ignored",
                event.call_id,
                event.type,
                source,
            )
            return False
        self.extension_states.update(event)
        if not event.type.ends_call:
            self.open_calls.setdefault(event.call_id, event.started or dt_util.utcnow())
        if event.leg_only:
            return False
        if event.type.ends_call:
            self._mark(event.call_id)
            self.open_calls.pop(event.call_id, None)
        else:
            key = (event.call_id, event.type.value, event.extension)
            if key in self._recent:
                return False
            self._recent[key] = None
            while len(self._recent) > MAX_RECENT:
                self._recent.popitem(last=False)
        figures = self.data.record(event, source)
        data = self.event_data(event, source)
        self.hass.bus.async_fire(EVENT_CALL, data)
        async_dispatcher_send(self.hass, SIGNAL_CALL.format(self.entry_id), event, data)
        if figures:
            self.async_tell_readers(frozenset(figures))
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
        } | _flow_data(event.answered_by, event.rang)

    # What the sensors read

    def count_today(self, kind: str | None = None) -> int:
        """Return how many calls (of `kind`) ended today, in Home Assistant's time zone."""
        return self.data.count_today(kind)

    def last_call(self, kind: str) -> LoggedCall | None:
        """Return the newest logged call of `kind`."""
        return self.data.last_call(kind)

    def extension(self, number: str) -> ExtensionStatus:
        """Return an extension's status (idle when unknown)."""
        return self.extension_states.get(number)

    @property
    def extensions(self) -> list[str]:
        """Return every extension seen so far."""
        return self.extension_states.numbers

    @callback
    def async_forget_extension(self, number: str) -> None:
        """Drop an extension the PBX no longer has."""
        self.extension_states.async_forget(number)
