"""The call log, the fax inbox and the voicemail log as websocket commands, for cards.

What they serve is what the sensors and events know, read from the trackers of the loaded
entries: each call once it ended, each fax and voicemail once it was announced, with the
phonebook's names and the entry's number format. Any authenticated user may read them,
as any user may read the sensors that show the same calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
import heapq
import os
from pathlib import PurePath
from typing import Any

from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.decorators import websocket_command
from homeassistant.components.websocket_api.messages import event_message
from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigEntryState,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.typing import VolDictType
import voluptuous as vol

from .calls import LoggedCall
from .const import DOMAIN, SIGNAL_CALL, SIGNAL_FAX, SIGNAL_VOICEMAIL
from .coordinator import SantralData
from .fax_view import document_url
from .faxes import LoggedFax
from .phonebook import PhoneBook
from .providers import CallDirection, CallEvent, CallEventType, FaxDirection
from .tracker import read_datetime
from .voicemail import LoggedVoicemail

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
ENTRY_NOT_FOUND = "entry_not_found"
MEDIA_SOURCE_PREFIX = "media-source://media_source"

CALL_FILTERS: VolDictType = {
    vol.Optional("entry_id"): str,
    vol.Optional("missed_only", default=False): bool,
    vol.Optional("direction"): vol.In([direction.value for direction in CallDirection]),
    vol.Optional("extension"): str,
}
VOICEMAIL_FILTERS: VolDictType = {
    vol.Optional("entry_id"): str,
    vol.Optional("extension"): str,
    vol.Optional("unread_only", default=False): bool,
}
FAX_FILTERS: VolDictType = {
    vol.Optional("entry_id"): str,
    vol.Optional("direction"): vol.In([direction.value for direction in FaxDirection]),
}
LIMIT: VolDictType = {
    vol.Optional("limit", default=DEFAULT_LIMIT): vol.All(
        int, vol.Range(min=1, max=MAX_LIMIT)
    ),
}

type Connect = Callable[[str], CALLBACK_TYPE]
# An entry's rows that match a command, the newest logged first.
type Rows = Callable[[str, SantralData], Iterable[dict[str, Any]]]


@callback
def async_setup_websocket_api(hass: HomeAssistant) -> None:
    """Register the commands, once for every entry."""
    commands = (
        _calls,
        _subscribe_calls,
        _faxes,
        _subscribe_faxes,
        _voicemails,
        _subscribe_voicemails,
    )
    for command in commands:
        async_register_command(hass, command)


def media_content_id(hass: HomeAssistant, file: str | None) -> str | None:
    """Return the media-source id of a file in one of Home Assistant's media folders.

    Paths are compared as written, normalized: an id holding `..` would not resolve. A file
    in no media folder (an archive in another allowed folder) has no id.
    """
    if not file:
        return None
    path = PurePath(os.path.normpath(file))
    folders = [
        (source, root)
        for source, folder in hass.config.media_dirs.items()
        if path.is_relative_to(root := PurePath(os.path.normpath(folder)))
    ]
    if not folders:
        return None
    source, root = max(folders, key=lambda folder: len(folder[1].parts))
    return f"{MEDIA_SOURCE_PREFIX}/{source}/{path.relative_to(root).as_posix()}"


def _party(key: str, number: str, phonebook: PhoneBook) -> dict[str, Any]:
    return {
        key: number,
        f"{key}_name": phonebook.name(number),
        f"{key}_display": phonebook.display(number) or number,
    }


def _call(entry_id: str, phonebook: PhoneBook, call: LoggedCall) -> dict[str, Any]:
    return {
        "entry_id": entry_id,
        "call_id": call.call_id,
        "type": call.type,
        "direction": call.direction,
        **_party("caller", call.caller, phonebook),
        **_party("callee", call.callee, phonebook),
        "extension": call.extension,
        "time": call.time,
        "duration": call.duration,
        "recording_available": call.recording_available,
        **({"answered_by": call.answered_by} if call.answered_by else {}),
        **({"rang": call.rang} if call.rang else {}),
    }


def _fax(
    hass: HomeAssistant, entry_id: str, phonebook: PhoneBook, fax: LoggedFax
) -> dict[str, Any]:
    return {
        "entry_id": entry_id,
        "fax_id": fax.fax_id,
        "type": fax.type,
        "direction": fax.direction,
        **_party("remote", fax.remote, phonebook),
        "time": fax.time,
        "pages": fax.pages,
        "media_content_id": media_content_id(hass, fax.file),
        "document_url": document_url(entry_id, fax),
    }


def _voicemail(
    entry_id: str, phonebook: PhoneBook, message: LoggedVoicemail
) -> dict[str, Any]:
    return {
        "entry_id": entry_id,
        "voicemail_id": message.voicemail_id,
        "extension": message.extension,
        **_party("caller", message.caller, phonebook),
        "time": message.received,
        "duration": message.duration,
        "read": message.read,
    }


def _call_matches(msg: dict[str, Any], call: LoggedCall) -> bool:
    missed_only: bool = msg["missed_only"]
    direction: str = msg.get("direction", call.direction)
    extension: str | None = msg.get("extension", call.extension)
    return (
        (not missed_only or call.type == CallEventType.MISSED)
        and direction == call.direction
        and extension == call.extension
    )


def _voicemail_matches(msg: dict[str, Any], message: LoggedVoicemail) -> bool:
    extension: str | None = msg.get("extension", message.extension)
    return extension == message.extension and not (msg["unread_only"] and message.read)


def _fax_matches(msg: dict[str, Any], fax: LoggedFax) -> bool:
    direction: str = msg.get("direction", fax.direction)
    return direction == fax.direction


def _newest_first(rows: Iterable[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Return the `limit` newest rows; of rows as old, the one logged last comes first."""
    oldest = datetime.min.replace(tzinfo=UTC)
    return heapq.nlargest(
        limit, rows, key=lambda row: read_datetime(row["time"]) or oldest
    )


def _runtime(entry: ConfigEntry | None) -> SantralData | None:
    data: SantralData | None = getattr(entry, "runtime_data", None)
    return data


def _entries(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> list[ConfigEntry] | None:
    """Return the loaded entries a command reads; None once it was answered with an error."""
    if (entry_id := msg.get("entry_id")) is None:
        return hass.config_entries.async_loaded_entries(DOMAIN)
    entry = hass.config_entries.async_get_entry(entry_id)
    if (
        entry is not None
        and entry.domain == DOMAIN
        and entry.state is ConfigEntryState.LOADED
    ):
        return [entry]
    connection.send_error(
        msg["id"],
        ENTRY_NOT_FOUND,
        f"Santral entry {entry_id} not found",
        translation_domain=DOMAIN,
        translation_key=ENTRY_NOT_FOUND,
        translation_placeholders={"entry_id": entry_id},
    )
    return None


@callback
def _follow(
    hass: HomeAssistant,
    connection: ActiveConnection,
    msg: dict[str, Any],
    connect: Connect,
) -> None:
    """Follow the entries a subscription names until it ends; all of them, added ones too.

    An entry is followed by its id, so a reloaded entry (new options) is still followed.
    """
    if _entries(hass, connection, msg) is None:
        return
    followed: dict[str, CALLBACK_TYPE] = {}

    @callback
    def _add(entry_id: str) -> None:
        if entry_id not in followed:
            followed[entry_id] = connect(entry_id)

    @callback
    def _added(change: ConfigEntryChange, entry: ConfigEntry) -> None:
        if change is ConfigEntryChange.ADDED and entry.domain == DOMAIN:
            _add(entry.entry_id)

    if "entry_id" in msg:
        _add(msg["entry_id"])
    else:
        for entry in hass.config_entries.async_entries(DOMAIN):
            _add(entry.entry_id)
        followed[""] = async_dispatcher_connect(
            hass, SIGNAL_CONFIG_ENTRY_CHANGED, _added
        )

    @callback
    def _stop() -> None:
        for unsubscribe in followed.values():
            unsubscribe()

    connection.subscriptions[msg["id"]] = _stop
    connection.send_result(msg["id"])


def _answer(
    hass: HomeAssistant,
    connection: ActiveConnection,
    msg: dict[str, Any],
    key: str,
    rows: Rows,
) -> None:
    """Answer the newest rows of the entries a command reads, `limit` at most."""
    if (entries := _entries(hass, connection, msg)) is None:
        return
    found = (
        row
        for entry in entries
        if (data := _runtime(entry)) is not None
        for row in rows(entry.entry_id, data)
    )
    connection.send_result(msg["id"], {key: _newest_first(found, msg["limit"])})


def _newest[T](log: Sequence[T], found: Callable[[T], bool]) -> T | None:
    """Return the newest item of a log (newest last) that `found` accepts."""
    return next((item for item in reversed(log) if found(item)), None)


@websocket_command({vol.Required("type"): "santral/calls", **CALL_FILTERS, **LIMIT})
@callback
def _calls(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Answer the logged calls that match, newest first."""

    def _rows(entry_id: str, data: SantralData) -> Iterator[dict[str, Any]]:
        if (tracker := data.calls) is not None:
            for call in reversed(tracker.data.log):
                if _call_matches(msg, call):
                    yield _call(entry_id, tracker.phonebook, call)

    _answer(hass, connection, msg, "calls", _rows)


@websocket_command({vol.Required("type"): "santral/calls/subscribe", **CALL_FILTERS})
@callback
def _subscribe_calls(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send each call that ends from now on and matches."""

    def _connect(entry_id: str) -> CALLBACK_TYPE:
        @callback
        def _announced(event: CallEvent, _data: dict[str, Any]) -> None:
            data = _runtime(hass.config_entries.async_get_entry(entry_id))
            if not event.type.ends_call or data is None or data.calls is None:
                return
            tracker = data.calls
            call = _newest(tracker.data.log, lambda c: c.call_id == event.call_id)
            if call is not None and _call_matches(msg, call):
                row = _call(entry_id, tracker.phonebook, call)
                connection.send_message(event_message(msg["id"], {"call": row}))

        return async_dispatcher_connect(hass, SIGNAL_CALL.format(entry_id), _announced)

    _follow(hass, connection, msg, _connect)


@websocket_command({vol.Required("type"): "santral/faxes", **FAX_FILTERS, **LIMIT})
@callback
def _faxes(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Answer the announced faxes that match, newest first."""

    def _rows(entry_id: str, data: SantralData) -> Iterator[dict[str, Any]]:
        if (tracker := data.faxes) is not None:
            for fax in reversed(tracker.log):
                if _fax_matches(msg, fax):
                    yield _fax(hass, entry_id, tracker.phonebook, fax)

    _answer(hass, connection, msg, "faxes", _rows)


@websocket_command({vol.Required("type"): "santral/faxes/subscribe", **FAX_FILTERS})
@callback
def _subscribe_faxes(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send each fax announced from now on that matches."""

    def _connect(entry_id: str) -> CALLBACK_TYPE:
        @callback
        def _announced(_kind: str, event: dict[str, Any]) -> None:
            data = _runtime(hass.config_entries.async_get_entry(entry_id))
            if data is None or data.faxes is None:
                return
            tracker = data.faxes
            key = (event["fax_id"], event["direction"])
            fax = _newest(tracker.log, lambda f: (f.fax_id, f.direction) == key)
            if fax is not None and _fax_matches(msg, fax):
                row = _fax(hass, entry_id, tracker.phonebook, fax)
                connection.send_message(event_message(msg["id"], {"fax": row}))

        return async_dispatcher_connect(hass, SIGNAL_FAX.format(entry_id), _announced)

    _follow(hass, connection, msg, _connect)


@websocket_command(
    {vol.Required("type"): "santral/voicemails", **VOICEMAIL_FILTERS, **LIMIT}
)
@callback
def _voicemails(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Answer the announced voicemails that match, newest first.

    A row's audio is `santral.get_voicemail_url` of its `voicemail_id`: a link that lasts
    an hour, asked for when it is played rather than handed out with every list.
    """

    def _rows(entry_id: str, data: SantralData) -> Iterator[dict[str, Any]]:
        if (tracker := data.voicemail) is None:
            return
        for message in reversed(tracker.log):
            if _voicemail_matches(msg, message):
                yield _voicemail(entry_id, tracker.phonebook, message)

    _answer(hass, connection, msg, "voicemails", _rows)


@websocket_command(
    {vol.Required("type"): "santral/voicemails/subscribe", **VOICEMAIL_FILTERS}
)
@callback
def _subscribe_voicemails(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send each voicemail announced from now on that matches."""

    def _connect(entry_id: str) -> CALLBACK_TYPE:
        @callback
        def _announced(event: dict[str, Any]) -> None:
            data = _runtime(hass.config_entries.async_get_entry(entry_id))
            if data is None or data.voicemail is None:
                return
            tracker = data.voicemail
            voicemail_id = event["voicemail_id"]
            message = _newest(tracker.log, lambda m: m.voicemail_id == voicemail_id)
            if message is not None and _voicemail_matches(msg, message):
                row = _voicemail(entry_id, tracker.phonebook, message)
                connection.send_message(event_message(msg["id"], {"voicemail": row}))

        return async_dispatcher_connect(
            hass, SIGNAL_VOICEMAIL.format(entry_id), _announced
        )

    _follow(hass, connection, msg, _connect)
