"""Coordinators: what is polled from the providers, and how failures surface in Home Assistant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
import homeassistant.util.dt as dt_util

from .calls import CallTracker
from .const import DOMAIN, EXTENSIONS_INTERVAL, LOGGER, PRESENCE_INTERVAL
from .failures import describe_failure
from .faxes import FaxTracker
from .providers import (
    DESCRIPTIONS,
    Account,
    Agent,
    DoNotDisturbControl,
    Extension,
    ExtensionSource,
    ProviderClient,
    Queue,
    QueueSource,
    SantralAuthenticationError,
    SantralError,
)
from .tracker import HistoryTracker
from .voicemail import VoicemailTracker

if TYPE_CHECKING:
    from .alert_tracker import CallAlertTracker
    from .devices import ExtensionDevices


@dataclass(slots=True)
class SantralData:
    """What a loaded Santral entry holds at runtime."""

    client: ProviderClient
    account: SantralAccountCoordinator
    device_id: str
    calls: CallTracker | None = None
    call_history: SantralHistoryCoordinator[CallTracker] | None = None
    faxes: FaxTracker | None = None
    fax_history: SantralHistoryCoordinator[FaxTracker] | None = None
    extensions: SantralExtensionsCoordinator | None = None
    extension_devices: ExtensionDevices | None = None
    queues: SantralQueuesCoordinator | None = None
    agents: SantralAgentsCoordinator | None = None
    voicemail: VoicemailTracker | None = None
    voicemail_history: SantralHistoryCoordinator[VoicemailTracker] | None = None
    call_alerts: CallAlertTracker | None = None


type SantralConfigEntry = ConfigEntry[SantralData]

# A change of do-not-disturb waits this long for others made with it before its read.
CONFIRM_DELAY = timedelta(seconds=2)
# Who waits in the queues is read this often while a queue sensor is enabled.
QUEUE_INTERVAL = timedelta(seconds=45)
# Agents' statuses: Bulutsantralim allows `/agent_statuses` twice a minute.
AGENT_INTERVAL = timedelta(seconds=40)
# The queue list alone, while no queue sensor is enabled (it names the queues' sensors).
QUEUE_LIST_INTERVAL = timedelta(minutes=10)


def poll_interval(
    entry: SantralConfigEntry, option: str, default: timedelta
) -> timedelta:
    """Return the poll interval the entry's options set, or the default."""
    minutes = entry.options.get(option)
    return timedelta(minutes=minutes) if minutes else default


async def call_provider[T](call: Callable[[], Awaitable[T]]) -> T:
    """Await a provider call, turning its errors into what a coordinator must raise.

    Authentication failures start reauthentication; everything else marks the data stale with
    a translated reason, honouring the provider's Retry-After when it sent one.
    """
    try:
        return await call()
    except SantralError as err:
        failure = describe_failure(err)
        if isinstance(err, SantralAuthenticationError):
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key=failure.key
            ) from err
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=failure.key,
            translation_placeholders=failure.placeholders,
            retry_after=failure.retry_after,
        ) from err


class SantralAccountCoordinator(DataUpdateCoordinator[Account]):
    """Polls the account: credentials still valid, balance and PBX state where reported."""

    config_entry: SantralConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: SantralConfigEntry, client: ProviderClient
    ) -> None:
        """Poll at the provider's account interval."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} account {entry.title}",
            update_interval=DESCRIPTIONS[client.provider].account_interval,
        )
        self.client = client

    async def _async_update_data(self) -> Account:
        return await call_provider(self.client.async_get_account)


class SantralHistoryCoordinator[TrackerT: HistoryTracker[Any]](
    DataUpdateCoordinator[TrackerT]
):
    """Polls a provider's history (calls or faxes) into its tracker, which announces.

    Each poll reads back from the tracker's watermark, so a quiet poll costs one request and
    N new records about N / page size requests. The data is the tracker, which the sensors
    read their figures from; a failed poll marks them stale.
    """

    config_entry: SantralConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SantralConfigEntry,
        tracker: TrackerT,
        fetch: Callable[[datetime], Awaitable[Any]],
        *,
        interval: timedelta,
    ) -> None:
        """Poll every `interval`, asking `fetch` for the records since a start time."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {tracker.HISTORY_NAME} {entry.title}",
            update_interval=interval,
        )
        self.tracker = tracker
        self.data = tracker
        self._fetch = fetch
        # The sensors learn of every poll, failed or not, through the tracker's signal;
        # this listener also keeps the history polling when no sensor is enabled, so
        # the events of what only the poll sees still fire.
        entry.async_on_unload(self.async_add_listener(tracker.async_tell_readers))

    async def _async_update_data(self) -> TrackerT:
        polled_at = dt_util.utcnow()
        start = self.tracker.window_start(polled_at)
        records = await call_provider(lambda: self._fetch(start))
        await self.tracker.async_handle_poll(records, polled_at, start)
        return self.tracker


class SantralExtensionsCoordinator(DataUpdateCoordinator[dict[str, Extension]]):
    """Polls which extensions the PBX has (and, on Bulutsantralim, what each is doing).

    The list decides which extension devices exist: new ones are added, ones the PBX no
    longer lists are removed. It changes rarely, so it is read every half hour, unless a
    presence sensor is enabled: Bulutsantralim allows `/user_statuses` twice a minute, and
    presence is then read every 40 seconds, for as long as one follows it.
    """

    config_entry: SantralConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SantralConfigEntry,
        client: ExtensionSource,
    ) -> None:
        """Poll at the list's interval until a presence sensor follows presence."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} extensions {entry.title}",
            update_interval=EXTENSIONS_INTERVAL,
        )
        self.client = client
        self._presence_sensors = 0
        # When (loop time) the last read was sent, the last one that succeeded, and after
        # when a read must be sent to confirm a change the PBX was told of.
        self._sent_at: float | None = None
        self.read_at: float | None = None
        self._confirm_after: float | None = None
        self._unsub_confirm: CALLBACK_TYPE | None = None
        entry.async_on_unload(self._async_cancel_confirm)

    @callback
    def async_follow_presence(self) -> CALLBACK_TYPE:
        """Read every 40 seconds while the caller follows presence; return the way out.

        The first follower brings the next read forward to the presence pace; the last
        one to leave lets the list fall back to its own pace after the next read. Presence
        sensors and do-not-disturb switches follow it.
        """
        self._presence_sensors += 1
        if self.update_interval != PRESENCE_INTERVAL:
            self.update_interval = PRESENCE_INTERVAL
            self._schedule_refresh()

        @callback
        def _unfollow() -> None:
            self._presence_sensors -= 1
            if not self._presence_sensors:
                self.update_interval = EXTENSIONS_INTERVAL

        return _unfollow

    @callback
    def async_confirm_soon(self, control: DoNotDisturbControl) -> None:
        """Have the list read again soon, to confirm a change the PBX was just told of.

        No read is added: the next one is brought forward, as far as the PBX's limit lets
        it while leaving the read scheduled after it within the limit too, and not at all
        when the scheduled one comes first. Changes made together wait for one read.
        """
        self._confirm_after = self.hass.loop.time()
        if self._unsub_confirm is None:
            self._async_plan_confirm(control)

    @callback
    def _async_plan_confirm(self, control: DoNotDisturbControl) -> None:
        """Time the confirming read, or leave it to the read already scheduled."""
        self._unsub_confirm = None
        interval = (self.update_interval or PRESENCE_INTERVAL).total_seconds()
        # The next scheduled read comes an interval after the last one finished, less
        # the coordinator's rounding down to the second; none comes while the entry's
        # polling is off.
        delay = max(
            CONFIRM_DELAY.total_seconds(), control.presence_ready_in(interval - 1)
        )
        now = self.hass.loop.time()
        if (
            self._sent_at is not None
            and not self.config_entry.pref_disable_polling
            and now <= self._sent_at + interval - 1 <= now + delay
        ):
            return
        self._unsub_confirm = async_call_later(
            self.hass, delay, HassJob(partial(self._async_confirm, control))
        )

    async def _async_confirm(
        self, control: DoNotDisturbControl, _now: datetime
    ) -> None:
        self._unsub_confirm = None
        wanted = self._confirm_after
        if wanted is None or (self.read_at is not None and self.read_at > wanted):
            return
        interval = (self.update_interval or PRESENCE_INTERVAL).total_seconds()
        if control.presence_ready_in(interval - 1) > 0:
            self._async_plan_confirm(control)
            return
        await self.async_refresh()

    @callback
    def _async_cancel_confirm(self) -> None:
        if self._unsub_confirm is not None:
            self._unsub_confirm()
            self._unsub_confirm = None

    async def _async_update_data(self) -> dict[str, Extension]:
        sent = self._sent_at = self.hass.loop.time()
        extensions = await call_provider(self.client.async_get_extensions)
        self.read_at = sent
        return extensions


class _FollowedCoordinator[T](DataUpdateCoordinator[T]):
    """A coordinator that reads at its pace only while an enabled entity follows it.

    Disabled entities are never added, so they never follow: a PBX whose queue or agent
    sensors are all disabled is not asked for what only they would show. Unfollowed, it
    polls at `idle_interval` (never when None).
    """

    config_entry: SantralConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SantralConfigEntry,
        what: str,
        interval: timedelta,
        idle_interval: timedelta | None,
    ) -> None:
        """Poll every `interval` while followed, every `idle_interval` otherwise."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {what} {entry.title}",
            update_interval=idle_interval,
        )
        self._interval = interval
        self._idle_interval = idle_interval
        self._followers = 0

    @property
    def followed(self) -> bool:
        """Return whether an enabled entity follows what this coordinator reads."""
        return self._followers > 0

    @callback
    def async_follow(self) -> CALLBACK_TYPE:
        """Count the caller as a follower, reading at once for the first; return the way out.

        The last follower to leave lets the coordinator fall back to its idle pace.
        """
        self._followers += 1
        if self._followers == 1:
            self.update_interval = self._interval
            self.config_entry.async_create_background_task(
                self.hass, self.async_request_refresh(), f"{self.name} first read"
            )

        @callback
        def _unfollow() -> None:
            self._followers -= 1
            if not self._followers:
                self.update_interval = self._idle_interval

        return _unfollow


class SantralQueuesCoordinator(_FollowedCoordinator[dict[str, Queue]]):
    """Polls the PBX's call queues and who waits in them.

    The list is read at setup, so each queue gets its sensor, and every ten minutes after.
    The waiting callers are read every 45 seconds only while a queue sensor is enabled
    (the client then reads the list again with them every ten minutes).
    """

    def __init__(
        self, hass: HomeAssistant, entry: SantralConfigEntry, client: QueueSource
    ) -> None:
        """Read the queues through `client`."""
        super().__init__(hass, entry, "queues", QUEUE_INTERVAL, QUEUE_LIST_INTERVAL)
        self.client = client

    async def _async_update_data(self) -> dict[str, Queue]:
        if self.followed:
            return await call_provider(self.client.async_get_queues)
        return await call_provider(self.client.async_get_queue_list)


class SantralAgentsCoordinator(_FollowedCoordinator[dict[str, Agent]]):
    """Polls the queue agents' statuses, every 40 seconds while an agent sensor is enabled.

    Nothing is read at setup: agent sensors are disabled by default, and each extension
    has one, so which extensions are agents need not be known beforehand.
    """

    def __init__(
        self, hass: HomeAssistant, entry: SantralConfigEntry, client: QueueSource
    ) -> None:
        """Read the agents through `client`."""
        super().__init__(hass, entry, "agents", AGENT_INTERVAL, None)
        self.client = client

    async def _async_update_data(self) -> dict[str, Agent]:
        return await call_provider(self.client.async_get_agent_statuses)
