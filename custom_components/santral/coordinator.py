"""Coordinators: what is polled from the providers, and how failures surface in Home Assistant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import ACCOUNT_UPDATE_INTERVALS, DOMAIN, LOGGER
from .providers import (
    Account,
    ProviderClient,
    SantralAuthenticationError,
    SantralConnectionError,
    SantralInvalidResponseError,
    SantralProviderError,
    SantralRateLimitedError,
)


@dataclass(slots=True)
class SantralData:
    """What a loaded Santral entry holds at runtime."""

    client: ProviderClient
    account: SantralAccountCoordinator


type SantralConfigEntry = ConfigEntry[SantralData]


async def call_provider[T](call: Callable[[], Awaitable[T]]) -> T:
    """Await a provider call, turning its errors into what a coordinator must raise.

    Authentication failures start reauthentication; everything else marks the data stale with
    a translated reason, honouring the provider's Retry-After when it sent one.
    """
    try:
        return await call()
    except SantralAuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except SantralRateLimitedError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="rate_limited",
            retry_after=err.retry_after,
        ) from err
    except SantralConnectionError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err)},
        ) from err
    except SantralInvalidResponseError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="invalid_response",
            translation_placeholders={"error": str(err)},
        ) from err
    except SantralProviderError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="provider_error",
            translation_placeholders={"message": err.provider_message},
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
            update_interval=ACCOUNT_UPDATE_INTERVALS[client.provider],
        )
        self.client = client

    async def _async_update_data(self) -> Account:
        return await call_provider(self.client.async_get_account)
