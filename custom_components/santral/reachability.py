"""The address a provider on the internet posts to, and a repair issue while there is none.

A Home Assistant Cloud cloudhook is preferred: it works without opening a port. Otherwise
Home Assistant's external URL is used. A local address is never offered to a provider.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from homeassistant.const import CONF_WEBHOOK_ID, EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError, get_url

from .const import DOMAIN, LOGGER
from .coordinator import SantralConfigEntry
from .webhook import webhook_url

ISSUE_UNREACHABLE = "unreachable_webhook"
# How long a subscribed Home Assistant Cloud may take to connect before it is not waited for.
CLOUD_CONNECT_WAIT = timedelta(minutes=5)
NETWORK_SETTINGS = "/config/network"
# The one core setting a provider's address is made from (a local address is never offered).
PUBLIC_URL_SETTING = "external_url"


def _cloud(hass: HomeAssistant) -> ModuleType | None:
    """Return Home Assistant Cloud when it is set up (importing it costs much otherwise)."""
    if "cloud" not in hass.config.components:
        return None
    from homeassistant.components import cloud  # noqa: PLC0415

    return cloud


def public_base_url(hass: HomeAssistant) -> str | None:
    """Return Home Assistant's address on the internet, for a provider to fetch from.

    The webhook's choice without its cloudhook (which forwards webhooks only): the
    external URL, else Home Assistant Cloud's remote address; never a local one. None
    when there is no such address.
    """
    try:
        return get_url(hass, allow_internal=False, prefer_external=True)
    except NoURLAvailableError:
        return None


async def async_public_webhook_url(hass: HomeAssistant, webhook_id: str) -> str | None:
    """Return the URL a provider can post a webhook's events to, or None."""
    if (cloud := _cloud(hass)) is not None and cloud.async_active_subscription(hass):
        from hass_nabucasa import CloudError  # noqa: PLC0415

        try:
            url: str = await cloud.async_get_or_create_cloudhook(hass, webhook_id)
        except (cloud.CloudNotAvailable, CloudError, TimeoutError, ValueError) as err:
            # Besides CloudNotAvailable, the cloud client raises its own API errors, a
            # timeout, and ValueError when it disconnects mid-way; each leaves the
            # external URL.
            LOGGER.debug(
                "No cloudhook from Home Assistant Cloud (%s)", type(err).__name__
            )
        else:
            return url
    return webhook_url(hass, webhook_id, external_only=True)


def _cloud_connecting(hass: HomeAssistant) -> bool:
    """Return whether Home Assistant Cloud is subscribed but not connected yet.

    It connects in the background after start-up; its cloudhook is worth waiting for.
    """
    cloud = _cloud(hass)
    return (
        cloud is not None
        and cloud.async_active_subscription(hass)
        and not cloud.async_is_connected(hass)
    )


@callback
def _public_url_changed(event_data: dict[str, Any]) -> bool:
    """Return whether a core configuration update set the external URL."""
    return PUBLIC_URL_SETTING in event_data


async def async_delete_cloudhook(
    hass: HomeAssistant, entry: SantralConfigEntry
) -> None:
    """Give back the entry's cloudhook, if Home Assistant Cloud made one."""
    if (cloud := _cloud(hass)) is None or not cloud.async_is_logged_in(hass):
        return
    try:
        await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
    except (cloud.CloudNotAvailable, ValueError) as err:
        # ValueError: the cloud never made a hook for this webhook.
        LOGGER.debug(
            "Home Assistant Cloud kept no cloudhook for %s (%s)",
            entry.title,
            type(err).__name__,
        )


def issue_id(entry: SantralConfigEntry) -> str:
    """Return the id of the entry's repair issue."""
    return f"{ISSUE_UNREACHABLE}_{entry.entry_id}"


@callback
def async_update_issue(
    hass: HomeAssistant, entry: SantralConfigEntry, url: str | None
) -> None:
    """Raise the repair issue while there is no public URL; withdraw it once there is."""
    if url is not None:
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_UNREACHABLE,
        translation_placeholders={
            "name": entry.title,
            "network_settings": NETWORK_SETTINGS,
        },
    )


@callback
def async_track_reachability(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    on_url: Callable[[str], Awaitable[None]],
) -> None:
    """Keep the repair issue true, from now on and whenever the network, cloud or hook changes.

    `on_url` runs with the public URL each time one is found, so the provider can be told.
    While Home Assistant Cloud is still connecting nothing is decided for a while: its
    cloudhook comes with the connection, and the provider is not pointed elsewhere in the
    meantime. A cloud that does not connect within CLOUD_CONNECT_WAIT is not waited for.
    """

    async def _check(*, wait_for_cloud: bool = True) -> None:
        if wait_for_cloud and _cloud_connecting(hass):
            return
        url = await async_public_webhook_url(hass, entry.data[CONF_WEBHOOK_ID])
        async_update_issue(hass, entry, url)
        if url is not None:
            await on_url(url)

    @callback
    def _schedule_check(*_args: Any) -> None:
        entry.async_create_background_task(
            hass, _check(), "santral webhook reachability"
        )

    @callback
    def _stop_waiting_for_cloud(_now: datetime) -> None:
        if _cloud_connecting(hass):
            entry.async_create_background_task(
                hass, _check(wait_for_cloud=False), "santral webhook reachability"
            )

    entry.async_on_unload(lambda: ir.async_delete_issue(hass, DOMAIN, issue_id(entry)))
    entry.async_on_unload(
        hass.bus.async_listen(
            EVENT_CORE_CONFIG_UPDATE, _schedule_check, event_filter=_public_url_changed
        )
    )
    if (cloud := _cloud(hass)) is not None:
        entry.async_on_unload(
            cloud.async_listen_connection_change(hass, _schedule_check)
        )
        entry.async_on_unload(
            cloud.async_listen_cloudhook_change(
                hass, entry.data[CONF_WEBHOOK_ID], _schedule_check
            )
        )
        entry.async_on_unload(
            async_call_later(hass, CLOUD_CONNECT_WAIT, _stop_waiting_for_cloud)
        )
    _schedule_check()
