"""Builds the provider client a config entry's data describes."""

from __future__ import annotations

from collections.abc import Mapping
import hashlib
import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util.hass_dict import HassKey

from .const import CONF_BASE_URL, CONF_PROVIDER, DOMAIN
from .providers import DESCRIPTIONS, Provider, ProviderClient, ProviderDescription
from .providers.ratelimit import RateLimits

# Each account's rate limits, by a digest of its provider, address and credentials. They
# live as long as Home Assistant runs, so a reload of an entry goes on in the windows its
# last client left. A restart starts them afresh: they span a minute, and a 429 met after
# a quick restart still holds the new client back for as long as the provider says.
RATE_LIMITS: HassKey[dict[str, RateLimits]] = HassKey(f"{DOMAIN}_rate_limits")


def description_of(data: Mapping[str, Any]) -> ProviderDescription:
    """Return the description of the provider of the entry `data`."""
    return DESCRIPTIONS[Provider(data[CONF_PROVIDER])]


def create_client(hass: HomeAssistant, data: Mapping[str, Any]) -> ProviderClient:
    """Return a client for the provider and credentials in `data`, on HA's shared session."""
    return description_of(data).create(
        async_get_clientsession(hass), data, _base_url(data), _rate_limits(hass, data)
    )


def _base_url(data: Mapping[str, Any]) -> str:
    return data.get(CONF_BASE_URL) or description_of(data).default_base_url


def _rate_limits(hass: HomeAssistant, data: Mapping[str, Any]) -> RateLimits:
    """Return the limits of the account in `data`, kept while an entry uses that account.

    A provider counts requests per credential, so the limits follow the credentials rather
    than the entry. Limits of credentials no entry holds any more (ones only tried in a
    setup form, or replaced) are dropped.
    """
    kept = hass.data.setdefault(RATE_LIMITS, {})
    key = _account_digest(data)
    in_use = {key} | {
        _account_digest(entry.data)
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.data.get(CONF_PROVIDER) in DESCRIPTIONS
    }
    for stale in kept.keys() - in_use:
        del kept[stale]
    return kept.setdefault(key, RateLimits())


def _account_digest(data: Mapping[str, Any]) -> str:
    """Name an account by a one-way digest, so no credential is kept as a key."""
    description = description_of(data)
    fields = sorted(
        {field for form in description.credential_forms.values() for field in form}
    )
    account = [description.provider, _base_url(data), [data.get(f) for f in fields]]
    return hashlib.sha256(json.dumps(account, default=str).encode()).hexdigest()
