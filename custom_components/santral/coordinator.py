"""Coordinators: what is polled from the providers, and how failures surface in Home Assistant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
import homeassistant.util.dt as dt_util

from .calls import CallTracker
from .const import DOMAIN, EXTENSIONS_INTERVAL, LOGGER, PRESENCE_INTERVAL
from .failures import describe_failure
from .faxes import FaxTracker
from .providers import (
    DESCRIPTIONS,
    Account,
    Extension,
    ExtensionSource,
    ProviderClient,
    SantralAuthenticationError,
    SantralError,
)
from .tracker import HistoryTracker

if TYPE_CHECKING:
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


type SantralConfigEntry = ConfigEntry[SantralData]


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

    @callback
    def async_follow_presence(self) -> CALLBACK_TYPE:
        """Read every 40 seconds while the caller follows presence; return the way out.

        The first follower brings the next read forward to the presence pace; the last
        one to leave lets the list fall back to its own pace after the next read.
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

    async def _async_update_data(self) -> dict[str, Extension]:
        return await call_provider(self.client.async_get_extensions)
