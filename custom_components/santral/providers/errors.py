"""One error hierarchy for every provider, so callers never see transport details.

Messages are written for people and never carry a credential or a URL: Bulutfon puts its
token in the query string, and Bulutsantralim echoes a rejected key in its error text.
"""

from __future__ import annotations


class SantralError(Exception):
    """Base of every error raised by a provider client."""


class SantralAuthenticationError(SantralError):
    """The provider rejected the credentials (wrong, expired or revoked)."""


class SantralConnectionError(SantralError):
    """The provider could not be reached, timed out or answered with a server error."""


class SantralRateLimitedError(SantralError):
    """The provider asked us to slow down (HTTP 429)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """Keep how long the provider asked us to wait, when it said so."""
        super().__init__(message)
        self.retry_after = retry_after


class SantralInvalidResponseError(SantralError):
    """The provider answered with something we cannot read (HTML, truncated JSON, wrong shape)."""


class SantralProviderError(SantralError):
    """The provider refused the request and said why, in its own words."""

    def __init__(self, provider_message: str, status: int | None = None) -> None:
        """Keep the provider's own message so it can reach the user verbatim."""
        super().__init__(provider_message)
        self.provider_message = provider_message
        self.status = status


class SantralWebhookError(SantralError):
    """A webhook body that is not a call notification we understand."""
