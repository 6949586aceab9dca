"""Builds the provider client a config entry's data describes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import CONF_BASE_URL, CONF_PROVIDER
from .providers import DESCRIPTIONS, Provider, ProviderClient, ProviderDescription


def description_of(data: Mapping[str, Any]) -> ProviderDescription:
    """Return the description of the provider of the entry `data`."""
    return DESCRIPTIONS[Provider(data[CONF_PROVIDER])]


def create_client(hass: HomeAssistant, data: Mapping[str, Any]) -> ProviderClient:
    """Return a client for the provider and credentials in `data`, on HA's shared session."""
    description = description_of(data)
    return description.create(
        async_get_clientsession(hass),
        data,
        data.get(CONF_BASE_URL) or description.default_base_url,
    )
