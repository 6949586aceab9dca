"""Bulutsantralim (Verimor) client (https://api.bulutsantralim.com).

The `key` travels as a query parameter on GET and as a form field on POST. Most answers are
plain text (a UUID, a URL, `+OK`) and errors are plain-text sentences with a 4xx status; an
invalid key is answered `Gecersiz anahtar: <key>`, usually with 400, sometimes 401.
"""

from __future__ import annotations

from collections.abc import Iterable
import hashlib

import aiohttp

from .client import DEFAULT_TIMEOUT, ProviderClient, Response
from .errors import (
    SantralAuthenticationError,
    SantralInvalidResponseError,
    SantralProviderError,
)
from .models import Account, Capability, Provider
from .phone import normalize_number

BULUTSANTRALIM_BASE_URL = "https://api.bulutsantralim.com"
INVALID_KEY_PREFIXES = ("gecersiz anahtar", "geçersiz anahtar", "invalid key")


class BulutsantralimClient(ProviderClient):
    """Talks to Bulutsantralim with an API key."""

    provider = Provider.BULUTSANTRALIM
    capabilities = frozenset[Capability]()

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_key: str,
        base_url: str = BULUTSANTRALIM_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Keep the key; it is the only credential Bulutsantralim has."""
        super().__init__(session, base_url, timeout=timeout)
        self._api_key = api_key

    def _secrets(self) -> Iterable[str]:
        return (self._api_key,)

    def _raise_for_status(self, response: Response) -> None:
        if response.ok:
            return
        message = self.scrub(response.text()[:200]) or f"HTTP {response.status}"
        if response.status == 401 or message.lower().startswith(INVALID_KEY_PREFIXES):
            raise SantralAuthenticationError(
                f"Bulutsantralim rejected the API key (HTTP {response.status})"
            )
        raise SantralProviderError(message, response.status)

    async def async_get_caller_ids(self) -> list[str]:
        """Return the PBX's outbound numbers; a cheap call with no rate limit."""
        response = await self._request(
            "GET", "/caller_ids", params={"key": self._api_key}
        )
        self._raise_for_status(response)
        data = response.json()
        if not isinstance(data, list):
            raise SantralInvalidResponseError(
                "Bulutsantralim /caller_ids did not return a list"
            )
        return [normalize_number(item) for item in data if normalize_number(item)]

    async def async_get_account(self) -> Account:
        """Validate the key through `/caller_ids` and name the account by its numbers.

        Bulutsantralim has no account endpoint, so the lowest outbound number identifies the
        PBX; a PBX without numbers falls back to a one-way digest of the key.
        """
        numbers = tuple(sorted(await self.async_get_caller_ids()))
        if numbers:
            identifier = numbers[0]
        else:
            identifier = hashlib.sha256(self._api_key.encode()).hexdigest()[:16]
        return Account(
            identifier=identifier,
            name=numbers[0] if numbers else "Bulutsantralim",
            numbers=numbers,
        )
