"""What each extension is doing, from the call events that name it.

The states are persisted with the calls, and time out, so none stays stuck when the end of
a call never arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
import homeassistant.util.dt as dt_util

from .const import (
    LOGGER,
    RINGING_TIMEOUT,
    SIGNAL_EXTENSION,
    SIGNAL_NEW_EXTENSION,
    TALKING_TIMEOUT,
)
from .providers import CallDirection, CallEvent, CallEventType


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

    def idle(self, call_id: str | None) -> ExtensionStatus:
        """Return this status with the extension idle since now, after `call_id`."""
        return ExtensionStatus(
            call_id=call_id,
            direction=self.direction,
            other_party=self.other_party,
            since=dt_util.utcnow(),
        )


class ExtensionStates:
    """Each extension's call state, with a timer that frees it when a call outlives any real one.

    Every change is signalled per extension and handed to `on_change` (the tracker saves).
    """

    def __init__(
        self, hass: HomeAssistant, entry_id: str, on_change: Callable[[], None]
    ) -> None:
        """Start with no extension known."""
        self.hass = hass
        self.entry_id = entry_id
        self.statuses: dict[str, ExtensionStatus] = {}
        self._on_change = on_change
        self._timeouts: dict[str, CALLBACK_TYPE] = {}

    def load(self, stored: object) -> None:
        """Restore the stored states, leaving out any that cannot be read, and arm timers."""
        for number, status in (stored if isinstance(stored, dict) else {}).items():
            try:
                self.statuses[number] = ExtensionStatus.from_dict(status)
            except AttributeError, KeyError, TypeError, ValueError:
                continue
            self._arm_timeout(number)

    def as_storage(self) -> dict[str, Any]:
        """Return the states, JSON-able."""
        return {number: status.as_dict() for number, status in self.statuses.items()}

    def get(self, number: str) -> ExtensionStatus:
        """Return an extension's status (idle when unknown)."""
        return self.statuses.get(number) or ExtensionStatus()

    @property
    def numbers(self) -> list[str]:
        """Return every extension seen so far."""
        return sorted(self.statuses)

    def stop(self) -> None:
        """Cancel the timers (on unload)."""
        for cancel in self._timeouts.values():
            cancel()
        self._timeouts.clear()

    @callback
    def async_forget(self, number: str) -> None:
        """Drop an extension the PBX no longer has."""
        if cancel := self._timeouts.pop(number, None):
            cancel()
        if self.statuses.pop(number, None) is not None:
            self._on_change()

    def update(self, event: CallEvent) -> None:
        """Follow one call event on the extension it names."""
        number = event.extension
        if number is None:
            if event.type.ends_call:
                self.release(event.call_id)
            return
        new = number not in self.statuses
        status = self.statuses.setdefault(number, ExtensionStatus())
        other = (
            event.caller if event.direction is CallDirection.INBOUND else event.callee
        )
        if event.type is CallEventType.ANSWERED:
            # The call is this extension's now: one that rang with it (a group, a pickup)
            # or had it before (a transfer) is free, though the call goes on.
            self.release(event.call_id, keep=number)
        if event.type in (CallEventType.RINGING, CallEventType.ANSWERED):
            self._set(
                number,
                ExtensionStatus(
                    ExtensionCallState.RINGING
                    if event.type is CallEventType.RINGING
                    else ExtensionCallState.TALKING,
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
            self.release(event.call_id)
        if new:
            async_dispatcher_send(
                self.hass, SIGNAL_NEW_EXTENSION.format(self.entry_id), number
            )

    def release(self, call_id: str, *, keep: str | None = None) -> None:
        """Set every extension busy with `call_id` idle but `keep`: it is not theirs."""
        for number, status in list(self.statuses.items()):
            if (
                status.call_id == call_id
                and status.state is not ExtensionCallState.IDLE
                and number != keep
            ):
                self._set(number, status.idle(call_id))

    def _set(self, number: str, status: ExtensionStatus) -> None:
        self.statuses[number] = status
        self._arm_timeout(number)
        async_dispatcher_send(self.hass, SIGNAL_EXTENSION.format(self.entry_id, number))
        self._on_change()

    def _arm_timeout(self, number: str) -> None:
        """Free an extension whose ringing or talking outlives any real call.

        Each event moves the deadline, so the timer is armed once and, when it fires,
        checks the extension's state then: it frees it, or waits on for the new deadline.
        """
        if number in self._timeouts:
            return
        if (remaining := self._overdue_in(number)) is None:
            return

        @callback
        def _expire(_now: datetime) -> None:
            del self._timeouts[number]
            status = self.statuses.get(number)
            if status is None or (left := self._overdue_in(number)) is None:
                return
            if left > 0:
                self._arm_timeout(number)
                return
            LOGGER.debug("Extension %s %s for too long; now idle", number, status.state)
            self._set(number, status.idle(status.call_id))

        self._timeouts[number] = async_call_later(
            self.hass, max(0.0, remaining), _expire
        )

    def _overdue_in(self, number: str) -> float | None:
        """Seconds until a ringing or talking extension is overdue; None when idle."""
        status = self.statuses[number]
        if status.state is ExtensionCallState.IDLE or status.since is None:
            return None
        limit = (
            RINGING_TIMEOUT
            if status.state is ExtensionCallState.RINGING
            else TALKING_TIMEOUT
        )
        return (status.since + limit - dt_util.utcnow()).total_seconds()
