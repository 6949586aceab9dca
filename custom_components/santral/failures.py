"""One reading of provider failures, for polls, actions and setup forms alike.

Each failure has one translation key, the same under `exceptions` and `config.error`, so a
poll, an action and a form say the same thing about the same failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN
from .providers import (
    SantralAuthenticationError,
    SantralError,
    SantralInvalidResponseError,
    SantralProviderError,
    SantralRateLimitedError,
)

if TYPE_CHECKING:
    from .coordinator import SantralConfigEntry

# How long to wait when a provider limits requests without saying for how long.
DEFAULT_RETRY_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Failure:
    """How Home Assistant tells a person about one provider failure."""

    key: str
    placeholders: dict[str, str]
    # The provider refused what was asked (an unknown id, a number it does not take):
    # the caller's to fix, where every other failure is the provider's or the network's.
    refused: bool = False
    # A setup form shows no details, so an unreadable answer is shown as no answer.
    form_key: str | None = None
    retry_after: float | None = None

    @property
    def form_error(self) -> str:
        """Return the error a setup form shows for the failure."""
        return self.form_key or self.key


def describe_failure(err: SantralError) -> Failure:
    """Return the translation of a provider failure."""
    if isinstance(err, SantralAuthenticationError):
        return Failure("invalid_auth", {})
    if isinstance(err, SantralRateLimitedError):
        return Failure(
            "rate_limited",
            {"seconds": str(round(err.retry_after or DEFAULT_RETRY_SECONDS))},
            retry_after=err.retry_after,
        )
    if isinstance(err, SantralProviderError):
        return Failure(
            "provider_error", {"message": err.provider_message}, refused=True
        )
    if isinstance(err, SantralInvalidResponseError):
        return Failure(
            "invalid_response", {"error": str(err)}, form_key="cannot_connect"
        )
    return Failure("cannot_connect", {"error": str(err)})


def provider_failed(entry: SantralConfigEntry, err: SantralError) -> HomeAssistantError:
    """Turn a provider failure into a translated error; a rejected login asks for reauth.

    A refusal (an unknown id, a number or extension the provider does not take) is the
    caller's to fix, so it is a validation error carrying the provider's own words.
    """
    failure = describe_failure(err)
    if isinstance(err, SantralAuthenticationError):
        entry.async_start_reauth(entry.runtime_data.account.hass)
    error = ServiceValidationError if failure.refused else HomeAssistantError
    return error(
        translation_domain=DOMAIN,
        translation_key=failure.key,
        translation_placeholders=failure.placeholders or None,
    )
