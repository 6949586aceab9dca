"""Santral: Turkish cloud telephony and fax (Bulutfon, Bulutsantralim, Telsam Yenifaks)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.typing import ConfigType

from .alert_audio import async_setup_alert_audio
from .alert_tracker import STORE_NAME as ALERT_STORE, CallAlertTracker
from .call_alert import issue_id as alert_issue_id
from .calls import CallTracker
from .clients import create_client
from .const import (
    CALL_HISTORY_INTERVAL,
    CALL_LOG_SIZE,
    CONF_ARCHIVE_FAXES,
    CONF_CALL_HISTORY_INTERVAL,
    CONF_CALL_LOG_SIZE,
    CONF_DOWNLOAD_RECORDINGS,
    CONF_FAX_FOLDER,
    CONF_FAX_INTERVAL,
    CONF_SET_NOTIFICATION_URL,
    DOMAIN,
    FAX_HISTORY_INTERVAL,
    LOGGER,
    VOICEMAIL_INTERVAL,
)
from .coordinator import (
    SantralAccountCoordinator,
    SantralAgentsCoordinator,
    SantralConfigEntry,
    SantralData,
    SantralExtensionsCoordinator,
    SantralHistoryCoordinator,
    SantralQueuesCoordinator,
    poll_interval,
)
from .devices import ExtensionDevices, async_forget_extension, extension_number
from .entity import account_device_info
from .fax_view import FaxDocumentView
from .faxes import FaxTracker
from .files import default_archive
from .frontend import async_register_scripts
from .phonebook import PhoneBook
from .providers import (
    CallEvent,
    CallHistorySource,
    Capability,
    ExtensionSource,
    FaxSource,
    NotificationTarget,
    SantralError,
    VoicemailSource,
)
from .reachability import async_delete_cloudhook, async_track_reachability, issue_id
from .recordings import async_keep_recording
from .services import async_setup_services
from .tracker import tracker_store
from .voicemail import VoicemailTracker
from .webhook import async_register_webhook, handler_for
from .websocket_api import async_setup_websocket_api

PLATFORMS: list[Platform] = [
    Platform.EVENT,
    Platform.NOTIFY,
    Platform.SENSOR,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register what serves every entry: actions, commands, documents, alerts, scripts."""
    async_setup_services(hass)
    async_setup_websocket_api(hass)
    hass.http.register_view(FaxDocumentView())
    async_setup_alert_audio(hass)
    await async_register_scripts(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SantralConfigEntry) -> bool:
    """Check the credentials with a first poll, then set up what the provider can do."""
    client = create_client(hass, entry.data)
    account = SantralAccountCoordinator(hass, entry, client)
    await account.async_config_entry_first_refresh()
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **account_device_info(entry)
    )
    data = SantralData(client=client, account=account, device_id=device.id)
    entry.runtime_data = data
    phonebook = PhoneBook.from_options(entry.options)
    if (fax_service := client.fax_service) is not None:
        data.faxes, data.fax_history = await _async_setup_faxes(
            hass, entry, fax_service, phonebook
        )
    if Capability.CALL_EVENTS in client.capabilities and (
        call_history := client.call_history
    ):
        data.calls, data.call_history = await _async_setup_calls(
            hass, entry, call_history, phonebook
        )
        _async_setup_webhook(hass, entry, data.calls, data.fax_history)
    if (listing := client.extension_list) is not None:
        data.extensions = await _async_setup_extension_list(hass, entry, listing)
    if data.calls is not None or data.extensions is not None:
        data.extension_devices = ExtensionDevices(
            hass, entry, data.calls, data.extensions
        )
        data.extension_devices.async_start()
    if (box := client.voicemail_box) is not None:
        data.voicemail, data.voicemail_history = await _async_setup_voicemail(
            hass, entry, box, phonebook
        )
    if (queue_board := client.queue_board) is not None:
        # The list names each queue's sensor; who waits is read once one is enabled.
        data.queues = SantralQueuesCoordinator(hass, entry, queue_board)
        await data.queues.async_refresh()
        data.agents = SantralAgentsCoordinator(hass, entry, queue_board)
    if (alerts := client.call_alerts) is not None:
        # Alerts a previous run left unsettled are followed on, their events not repeated.
        data.call_alerts = CallAlertTracker(
            hass, entry.entry_id, alerts, device_id=device.id
        )
        await data.call_alerts.async_load()
        entry.async_on_unload(data.call_alerts.async_stop)
        entry.async_on_unload(
            lambda: ir.async_delete_issue(hass, DOMAIN, alert_issue_id(entry))
        )
    # Entities subscribe first: the first polls may announce what happened while Home
    # Assistant was down, and the event entities must see it.
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    for coordinator in (data.call_history, data.fax_history, data.voicemail_history):
        if coordinator is not None:
            await coordinator.async_refresh()
    return True


async def _async_setup_voicemail(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    box: VoicemailSource,
    phonebook: PhoneBook,
) -> tuple[VoicemailTracker, SantralHistoryCoordinator[VoicemailTracker]]:
    """Load what was announced of the voicemail, and poll the boxes for the rest."""
    tracker = VoicemailTracker(
        hass,
        entry.entry_id,
        box.provider,
        device_id=entry.runtime_data.device_id,
        phonebook=phonebook,
    )
    await tracker.async_load()
    return tracker, SantralHistoryCoordinator(
        hass,
        entry,
        tracker,
        box.async_get_voicemails_since,
        interval=VOICEMAIL_INTERVAL,
    )


async def _async_setup_faxes(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    service: FaxSource,
    phonebook: PhoneBook,
) -> tuple[FaxTracker, SantralHistoryCoordinator[FaxTracker]]:
    """Load what was announced of the faxes, and poll the fax lists for the rest."""
    faxes = FaxTracker(
        hass,
        entry.entry_id,
        service.provider,
        service,
        device_id=entry.runtime_data.device_id,
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
    return faxes, SantralHistoryCoordinator(
        hass,
        entry,
        faxes,
        service.async_get_faxes_since,
        interval=poll_interval(entry, CONF_FAX_INTERVAL, FAX_HISTORY_INTERVAL),
    )


async def _async_setup_calls(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    source: CallHistorySource,
    phonebook: PhoneBook,
) -> tuple[CallTracker, SantralHistoryCoordinator[CallTracker]]:
    """Load what was announced of the calls, and poll the call history for the rest."""
    tracker = CallTracker(
        hass,
        entry.entry_id,
        source.provider,
        device_id=entry.runtime_data.device_id,
        phonebook=phonebook,
        # The options set the log's length; changing them reloads the entry.
        log_size=int(entry.options.get(CONF_CALL_LOG_SIZE, CALL_LOG_SIZE)),
        on_recorded=_recording_keeper(hass, entry),
        read_flow=flow.async_get_call_flow
        if (flow := entry.runtime_data.client.call_flow) is not None
        else None,
    )
    await tracker.async_load()
    return tracker, SantralHistoryCoordinator(
        hass,
        entry,
        tracker,
        source.async_get_calls_since,
        interval=poll_interval(
            entry, CONF_CALL_HISTORY_INTERVAL, CALL_HISTORY_INTERVAL
        ),
    )


@callback
def _async_setup_webhook(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    tracker: CallTracker,
    fax_history: SantralHistoryCoordinator[FaxTracker] | None,
) -> None:
    """Take the provider's notifications, and keep its PBX posting where they arrive."""
    client = entry.runtime_data.client

    @callback
    def _fetch_faxes_now() -> None:
        if fax_history is not None:
            entry.async_create_background_task(
                hass, fax_history.async_request_refresh(), "santral fax notice"
            )

    handler = handler_for(client.provider, tracker, entry.data, _fetch_faxes_now)
    entry.async_on_unload(
        async_register_webhook(hass, entry.title, entry.data, handler)
    )
    target = client.notification_target

    async def _on_public_url(url: str) -> None:
        if target is not None and entry.options.get(CONF_SET_NOTIFICATION_URL):
            await _async_point_pbx_here(entry, target, url)

    async_track_reachability(hass, entry, _on_public_url)


async def _async_setup_extension_list(
    hass: HomeAssistant, entry: SantralConfigEntry, source: ExtensionSource
) -> SantralExtensionsCoordinator:
    """Read the PBX's extensions; presence sensors set the pace once they are added."""
    extensions = SantralExtensionsCoordinator(hass, entry, source)
    await extensions.async_refresh()
    return extensions


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
    control = client.call_control
    if (
        Capability.RECORDINGS not in client.capabilities
        or control is None
        or not entry.options.get(CONF_DOWNLOAD_RECORDINGS, False)
    ):
        return None

    @callback
    def _keep(event: CallEvent) -> None:
        entry.async_create_background_task(
            hass,
            async_keep_recording(hass, control, entry.entry_id, event),
            "santral recording download",
        )

    return _keep


async def _async_point_pbx_here(
    entry: SantralConfigEntry, client: NotificationTarget, url: str
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
        data = entry.runtime_data
        for tracker in (data.calls, data.faxes, data.voicemail, data.call_alerts):
            if tracker is not None:
                await tracker.async_flush()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: SantralConfigEntry) -> None:
    """Delete what Santral stored for the entry: call and fax history hold phone numbers."""
    if CONF_WEBHOOK_ID in entry.data:
        await async_delete_cloudhook(hass, entry)
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry))
    ir.async_delete_issue(hass, DOMAIN, alert_issue_id(entry))
    for name in ("calls", "faxes", "voicemail", ALERT_STORE):
        await tracker_store(hass, entry.entry_id, name).async_remove()
