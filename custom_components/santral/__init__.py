"""Santral: Turkish cloud telephony and fax (Bulutfon, Bulutsantralim, Telsam Yenifaks)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.typing import ConfigType

from .calls import CallTracker
from .clients import create_client
from .const import (
    CALL_HISTORY_INTERVAL,
    CONF_ARCHIVE_FAXES,
    CONF_CALL_HISTORY_INTERVAL,
    CONF_DOWNLOAD_RECORDINGS,
    CONF_FAX_FOLDER,
    CONF_FAX_INTERVAL,
    CONF_SET_NOTIFICATION_URL,
    DOMAIN,
    FAX_HISTORY_INTERVAL,
    LOGGER,
)
from .coordinator import (
    SantralAccountCoordinator,
    SantralConfigEntry,
    SantralData,
    SantralExtensionsCoordinator,
    SantralHistoryCoordinator,
    poll_interval,
)
from .devices import StaleExtensionPruner, async_forget_extension, extension_number
from .entity import account_device_info
from .faxes import FaxTracker
from .files import default_archive
from .phonebook import PhoneBook
from .providers import (
    BulutsantralimClient,
    CallControlSource,
    CallEvent,
    CallHistorySource,
    Capability,
    ExtensionSource,
    FaxSource,
    SantralError,
)
from .reachability import async_delete_cloudhook, async_track_reachability, issue_id
from .recordings import async_keep_recording
from .services import async_setup_services
from .tracker import tracker_store
from .webhook import async_register_webhook, handler_for

PLATFORMS: list[Platform] = [Platform.EVENT, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, which serve every entry."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SantralConfigEntry) -> bool:
    """Check the credentials with a first poll, then set up devices, calls and entities."""
    client = create_client(hass, entry.data)
    account = SantralAccountCoordinator(hass, entry, client)
    await account.async_config_entry_first_refresh()
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **account_device_info(entry)
    )
    data = SantralData(client=client, account=account, device_id=device.id)
    entry.runtime_data = data

    phonebook = PhoneBook.from_options(entry.options)
    if Capability.CALL_EVENTS in client.capabilities:
        tracker = CallTracker(
            hass,
            entry.entry_id,
            client.provider,
            device_id=device.id,
            phonebook=phonebook,
            on_recorded=_recording_keeper(hass, entry),
        )
        await tracker.async_load()
        data.calls = tracker

        @callback
        def _fetch_faxes_now() -> None:
            if (fax_history := data.fax_history) is not None:
                entry.async_create_background_task(
                    hass, fax_history.async_request_refresh(), "santral fax notice"
                )

        handler = handler_for(client.provider, tracker, entry.data, _fetch_faxes_now)
        entry.async_on_unload(
            async_register_webhook(hass, entry.title, entry.data, handler)
        )
        data.call_history = SantralHistoryCoordinator(
            hass,
            entry,
            tracker,
            cast("CallHistorySource", client).async_get_calls_since,
            interval=poll_interval(
                entry, CONF_CALL_HISTORY_INTERVAL, CALL_HISTORY_INTERVAL
            ),
        )

        async def _on_public_url(url: str) -> None:
            if isinstance(client, BulutsantralimClient) and entry.options.get(
                CONF_SET_NOTIFICATION_URL
            ):
                await _async_point_pbx_here(entry, client, url)

        async_track_reachability(hass, entry, _on_public_url)

    if Capability.EXTENSIONS in client.capabilities:
        extensions = SantralExtensionsCoordinator(
            hass,
            entry,
            cast("ExtensionSource", client),
            follow_presence=_presence_enabled(hass, entry),
        )
        data.extensions = extensions
        await extensions.async_refresh()

        pruner = StaleExtensionPruner(hass, entry)

        @callback
        def _remove_stale() -> None:
            if extensions.last_update_success:
                pruner.async_prune(extensions.data)

        _remove_stale()
        entry.async_on_unload(extensions.async_add_listener(_remove_stale))

    if Capability.FAX_HISTORY in client.capabilities:
        fax_client = cast("FaxSource", client)
        faxes = FaxTracker(
            hass,
            entry.entry_id,
            client.provider,
            fax_client,
            device_id=device.id,
            phonebook=phonebook,
            archive=(
                Path(
                    entry.options.get(CONF_FAX_FOLDER)
                    or default_archive(hass, entry.entry_id)
                )
                if entry.options.get(CONF_ARCHIVE_FAXES, True)
                else None
            ),
        )
        await faxes.async_load()
        data.faxes = faxes
        data.fax_history = SantralHistoryCoordinator(
            hass,
            entry,
            faxes,
            fax_client.async_get_faxes_since,
            interval=poll_interval(entry, CONF_FAX_INTERVAL, FAX_HISTORY_INTERVAL),
        )

    # Entities subscribe first: the first polls may announce what happened while Home
    # Assistant was down, and the event entities must see it.
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    for coordinator in (data.call_history, data.fax_history):
        if coordinator is not None:
            await coordinator.async_refresh()
    return True


def _presence_enabled(hass: HomeAssistant, entry: SantralConfigEntry) -> bool:
    """Return whether a presence sensor of the entry is enabled (enabling one reloads)."""
    return any(
        item.domain == Platform.SENSOR
        and item.unique_id.startswith(f"{entry.entry_id}_presence_")
        and not item.disabled
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
    )


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SantralConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let a person delete an extension device the PBX does not list; never the account.

    The list is the last one read successfully; an entry that is not loaded has none.
    """
    number = extension_number(entry, device)
    if number is None:
        return False
    if entry.state is ConfigEntryState.LOADED and (
        (extensions := entry.runtime_data.extensions) is not None
        and extensions.data is not None
        and number in extensions.data
    ):
        return False
    async_forget_extension(hass, entry, number)
    return True


def _recording_keeper(
    hass: HomeAssistant, entry: SantralConfigEntry
) -> Callable[[CallEvent], None] | None:
    """Return what saves each recorded call's recording, if the options ask for it."""
    client = entry.runtime_data.client
    if Capability.RECORDINGS not in client.capabilities or not entry.options.get(
        CONF_DOWNLOAD_RECORDINGS, False
    ):
        return None
    control = cast("CallControlSource", client)

    @callback
    def _keep(event: CallEvent) -> None:
        entry.async_create_background_task(
            hass,
            async_keep_recording(hass, control, entry.entry_id, event),
            "santral recording download",
        )

    return _keep


async def _async_point_pbx_here(
    entry: SantralConfigEntry, client: BulutsantralimClient, url: str
) -> None:
    """Make the PBX post its call events to `url`, unless it already does."""
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    try:
        if await client.async_get_notification_url() == url:
            return
        await client.async_set_notification_url(url)
    except SantralError as err:
        LOGGER.warning(
            "Could not set the PBX notification URL of %s: %s",
            entry.title,
            str(err).replace(url, "**REDACTED**").replace(webhook_id, "**REDACTED**"),
        )
    else:
        LOGGER.info(
            "The PBX of %s now posts call events to Home Assistant", entry.title
        )


async def async_unload_entry(hass: HomeAssistant, entry: SantralConfigEntry) -> bool:
    """Unload the platforms and write what the call tracker knows."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        for tracker in (entry.runtime_data.calls, entry.runtime_data.faxes):
            if tracker is not None:
                await tracker.async_flush()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: SantralConfigEntry) -> None:
    """Delete what Santral stored for the entry: call and fax history hold phone numbers."""
    if CONF_WEBHOOK_ID in entry.data:
        await async_delete_cloudhook(hass, entry)
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry))
    for name in ("calls", "faxes"):
        await tracker_store(hass, entry.entry_id, name).async_remove()
