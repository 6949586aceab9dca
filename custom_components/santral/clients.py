"""Builds the right provider client from a config entry's data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import CONF_BASE_URL, CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_PROVIDER
from .providers import (
    DEFAULT_BASE_URLS,
    BulutfonClient,
    BulutsantralimClient,
    Provider,
    ProviderClient,
    TelsamClient,
)

CLIENT_CLASSES: dict[Provider, type[ProviderClient]] = {
    Provider.BULUTFON: BulutfonClient,
    Provider.BULUTSANTRALIM: BulutsantralimClient,
    Provider.TELSAM: TelsamClient,
}


def client_class(provider: Provider) -> type[ProviderClient]:
    """Return the client class of `provider`, whose capabilities decide what is offered."""
    return CLIENT_CLASSES[provider]


def create_client(hass: HomeAssistant, data: Mapping[str, Any]) -> ProviderClient:
    """Return a client for the provider and credentials in `data`, on HA's shared session."""
    provider = Provider(data[CONF_PROVIDER])
    session = async_get_clientsession(hass)
    base_url: str = data.get(CONF_BASE_URL) or DEFAULT_BASE_URLS[provider]
    if provider is Provider.BULUTFON:
        return BulutfonClient(
            session,
            token=data.get(CONF_ACCESS_TOKEN),
            email=data.get(CONF_EMAIL),
            password=data.get(CONF_PASSWORD),
            base_url=base_url,
        )
    if provider is Provider.BULUTSANTRALIM:
        return BulutsantralimClient(
            session, api_key=data[CONF_API_KEY], base_url=base_url
        )
    return TelsamClient(
        session,
        username=data[CONF_USERNAME],
        password=data[CONF_PASSWORD],
        client_id=data[CONF_CLIENT_ID],
        client_secret=data[CONF_CLIENT_SECRET],
        base_url=base_url,
    )
