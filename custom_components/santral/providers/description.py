"""What an integration needs to know about a provider before it talks to it.

One `ProviderDescription` per provider module is the only place a provider's names, panel,
address, pace, fax types and credential forms are written, so adding a provider is a module
and its description. What a provider can do is its client's `capabilities`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp

from .client import ProviderClient
from .models import Capability, Provider
from .ratelimit import RateLimits

# Builds a client from the session, the credentials, the base URL and the account's limits.
type ClientFactory = Callable[
    [aiohttp.ClientSession, Mapping[str, Any], str, RateLimits], ProviderClient
]

# Credential fields whose value is a secret (shown masked, never logged).
SECRET_FIELDS = frozenset({"access_token", "api_key", "password", "client_secret"})


@dataclass(frozen=True, kw_only=True)
class ProviderDescription:
    """One provider, as a setup form, a device page and a send-fax check see it."""

    provider: Provider
    name: str
    manufacturer: str
    # The provider's panel, and the page of it that shows the credentials the form asks for.
    panel_url: str
    credentials_url: str
    default_base_url: str
    # How often the account is read: far below every provider's published limits.
    account_interval: timedelta
    # What the provider's document says a sent fax may be, by file extension.
    fax_types: frozenset[str]
    # Each way of signing in, by form name, with the credential fields in form order.
    credential_forms: Mapping[str, tuple[str, ...]]
    client: type[ProviderClient]
    create: ClientFactory

    @property
    def capabilities(self) -> frozenset[Capability]:
        """Return what the provider's client can do."""
        return self.client.capabilities

    def credential_form(self, credentials: Mapping[str, Any]) -> str:
        """Return the form that produced `credentials`: the first whose fields all hold a value."""
        for form, fields in self.credential_forms.items():
            if all(credentials.get(field) for field in fields):
                return form
        return list(self.credential_forms)[-1]
