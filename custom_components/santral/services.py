"""Actions: originate, hang up and transfer, send a fax, recordings, voicemail, faxes, alerts.

Each takes the `config_entry_id` of a loaded Santral entry. Bad input is a translated
ServiceValidationError and nothing is sent: text with control characters or longer than any
valid value, an unknown or unloaded entry, a provider without the feature, a number that is
not a phone number, a file or folder outside Home Assistant's allowed folders, a file that
is missing, not a regular file, of a type the provider refuses or too large. What the
provider refuses (an unknown fax or call, an extension it does not have) is a
ServiceValidationError in the provider's own words; a provider that cannot be reached, is
down, rejects the credentials or sends an unreadable answer is a translated
HomeAssistantError. Files are read, encoded and written in the executor, never on the loop.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from contextlib import contextmanager
import mimetypes
import os
from pathlib import Path, PurePath
import re
import stat
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
import voluptuous as vol

from .call_alert import (
    DEFAULT_REPEAT,
    MAX_REPEAT,
    AlertRequest,
    alert_service,
    async_send_call_alert,
)
from .const import DOMAIN, MAX_FAX_FILE_BYTES
from .coordinator import SantralConfigEntry
from .failures import provider_failed
from .files import (
    NotAFileError,
    async_save_document,
    async_write_document,
    document_path,
    fax_downloads,
    recordings_root,
    voicemail_root,
)
from .providers import (
    DESCRIPTIONS,
    CallControlSource,
    Capability,
    FaxFile,
    FaxSource,
    LiveCallControl,
    PreparedRequest,
    Provider,
    RecordingLink,
    SantralError,
    VoicemailSource,
    full_number,
)
from .recordings import async_save_recording

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_NUMBER = "number"
ATTR_FILE = "file"
ATTR_SENDER = "sender"
ATTR_SUBJECT = "subject"
ATTR_FAX_ID = "fax_id"
ATTR_DIRECTORY = "directory"
ATTR_DESTINATION = "destination"
ATTR_EXTENSION = "extension"
ATTR_CALLER_ID = "caller_id"
ATTR_MANUAL_ANSWER = "manual_answer"
ATTR_TIMEOUT = "timeout"
ATTR_CALL_ID = "call_id"
ATTR_VOICEMAIL_ID = "voicemail_id"
ATTR_MESSAGE = "message"
ATTR_LANGUAGE = "language"
ATTR_TTS = "tts"
ATTR_REPEAT = "repeat"
ATTR_ACKNOWLEDGE_DIGIT = "acknowledge_digit"
ATTR_TITLE = "title"

# No valid number, id, name or subject is longer; paths are bounded by Linux's PATH_MAX and
# each folder or file name by NAME_MAX, both in bytes.
MAX_TEXT_LENGTH = 255
MAX_PATH_BYTES = 4096
MAX_NAME_BYTES = 255
PATH_FIELDS = frozenset({"file", "directory"})
# Text a TTS engine speaks is longer than any name: a few sentences, within a call.
LONG_TEXT_LIMITS = {ATTR_MESSAGE: 1000}
KEYS = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

type ActionHandler = Callable[[ServiceCall], Coroutine[Any, Any, dict[str, Any] | None]]

SEND_FAX_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_NUMBER): vol.All(
            cv.ensure_list, [cv.string], vol.Length(min=1)
        ),
        vol.Required(ATTR_FILE): vol.All(
            cv.ensure_list, [cv.string], vol.Length(min=1)
        ),
        vol.Optional(ATTR_SENDER): cv.string,
        vol.Optional(ATTR_SUBJECT): cv.string,
    }
)
ORIGINATE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_DESTINATION): cv.string,
        vol.Required(ATTR_EXTENSION): cv.string,
        vol.Optional(ATTR_CALLER_ID): cv.string,
        vol.Optional(ATTR_MANUAL_ANSWER, default=False): cv.boolean,
        vol.Optional(ATTR_TIMEOUT): vol.All(vol.Coerce(int), vol.Range(min=10, max=60)),
    }
)
# Provider ids are numbers or UUIDs; anything else could walk the provider's URL paths.
PROVIDER_ID = vol.All(cv.string, cv.matches_regex(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$"))
RECORDING_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_CALL_ID): PROVIDER_ID,
    }
)
DOWNLOAD_RECORDING_SCHEMA = RECORDING_SCHEMA.extend(
    {vol.Optional(ATTR_DIRECTORY): cv.string}
)
VOICEMAIL_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_VOICEMAIL_ID): PROVIDER_ID,
    }
)
DOWNLOAD_VOICEMAIL_SCHEMA = VOICEMAIL_SCHEMA.extend(
    {vol.Optional(ATTR_DIRECTORY): cv.string}
)
HANGUP_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_CALL_ID): PROVIDER_ID,
    }
)
TRANSFER_SCHEMA = HANGUP_SCHEMA.extend({vol.Required(ATTR_EXTENSION): cv.string})
CALL_ALERT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_NUMBER): vol.All(
            cv.ensure_list, [cv.string], vol.Length(min=1)
        ),
        vol.Required(ATTR_MESSAGE): vol.All(cv.string, vol.Length(min=1)),
        vol.Optional(ATTR_LANGUAGE): cv.string,
        vol.Optional(ATTR_TTS): cv.string,
        vol.Optional(ATTR_REPEAT, default=DEFAULT_REPEAT): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=MAX_REPEAT)
        ),
        vol.Optional(ATTR_ACKNOWLEDGE_DIGIT): vol.All(vol.Coerce(str), vol.In(KEYS)),
        vol.Optional(ATTR_SENDER): cv.string,
        vol.Optional(ATTR_TITLE): cv.string,
    }
)
DOWNLOAD_FAX_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_FAX_ID): PROVIDER_ID,
        vol.Optional(ATTR_DIRECTORY): cv.string,
    }
)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def _check_text(data: Mapping[str, Any]) -> None:
    """Refuse text no field can hold: control characters, lone surrogates, too much of it.

    A NUL byte or a surrogate cannot reach a file name or a provider's form at all, and
    nothing valid is longer than the limits, so such text is refused before anything else.
    """
    for field, value in data.items():
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str):
                continue
            try:
                encoded = text.encode()
            except UnicodeEncodeError:
                raise _invalid("invalid_characters", field=field) from None
            if CONTROL_CHARACTERS.search(text):
                raise _invalid("invalid_characters", field=field)
            if field not in PATH_FIELDS:
                limit = LONG_TEXT_LIMITS.get(field, MAX_TEXT_LENGTH)
                if len(text) > limit:
                    raise _invalid("text_too_long", field=field, limit=str(limit))
                continue
            if len(encoded) > MAX_PATH_BYTES:
                raise _invalid("path_too_long", field=field, limit=str(MAX_PATH_BYTES))
            if any(
                len(part.encode()) > MAX_NAME_BYTES for part in PurePath(text).parts
            ):
                raise _invalid("name_too_long", field=field, limit=str(MAX_NAME_BYTES))


def _checked(handler: ActionHandler) -> ActionHandler:
    """Wrap an action so its text is checked before the action runs."""

    async def _handle(call: ServiceCall) -> dict[str, Any] | None:
        _check_text(call.data)
        return await handler(call)

    return _handle


def _is_allowed(hass: HomeAssistant, path: Path) -> bool:
    """Return whether Home Assistant may use `path` (blocking: run it in the executor).

    Links are followed, so a link out of an allowed folder is not allowed; relative paths
    never are. `_check_text` has refused the text the check itself would fail on.
    """
    return path.is_absolute() and hass.config.is_allowed_path(str(path))


def _entry(hass: HomeAssistant, entry_id: str) -> SantralConfigEntry:
    """Return the loaded Santral entry `entry_id`, or explain why there is none."""
    entry: SantralConfigEntry = service.async_get_config_entry(hass, DOMAIN, entry_id)
    return entry


def _fax_client(entry: SantralConfigEntry) -> FaxSource:
    client = entry.runtime_data.client
    if (
        Capability.SEND_FAX not in client.capabilities
        or (service := client.fax_service) is None
    ):
        raise _invalid("fax_not_supported", title=entry.title)
    return service


def _number(value: str) -> str:
    """Return the number in E.164, or refuse it when it is not a full phone number."""
    if (number := full_number(value)) is None:
        raise _invalid("invalid_number", number=value)
    return number


def _numbers(raw: Sequence[str]) -> list[str]:
    """Return the numbers in E.164, or refuse the first that is not a full phone number."""
    return [_number(value) for value in raw]


def _check_file(hass: HomeAssistant, provider: Provider, raw: str) -> Path:
    """Refuse a file that is not an absolute path or of a type the provider refuses.

    Whether it is in an allowed folder touches the disk: `_read_and_prepare` checks that.
    """
    path = Path(raw)
    if not path.is_absolute():
        raise _invalid("path_not_allowed", path=raw)
    suffix = path.suffix.lower().lstrip(".")
    accepted = DESCRIPTIONS[provider].fax_types
    if suffix not in accepted:
        raise _invalid(
            "file_type_not_accepted", path=raw, types=", ".join(sorted(accepted))
        )
    return path


def _read_and_prepare(
    hass: HomeAssistant,
    client: FaxSource,
    paths: list[Path],
    numbers: list[str],
    sender: str | None,
    subject: str | None,
) -> list[PreparedRequest]:
    """Check, read and encode the files into the provider's requests (runs in the executor)."""
    files = []
    for path in paths:
        if not _is_allowed(hass, path):
            raise _invalid("path_not_allowed", path=str(path))
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        files.append(FaxFile(path.name, content_type, _read_file(path)))
    try:
        return client.prepare_fax(numbers, files, sender=sender, subject=subject)
    except ValueError as err:
        raise _invalid("sender_required") from err


def _read_file(path: Path) -> bytes:
    """Read a regular file of at most `MAX_FAX_FILE_BYTES` (blocking: run it in the executor).

    It is opened without blocking and checked once open, so a pipe (which would wait for a
    writer forever), a folder or a device is refused, even one swapped in after the checks.
    """
    try:
        with open(path, "rb", opener=_open_without_waiting) as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _invalid("not_a_file", path=str(path))
            if info.st_size > MAX_FAX_FILE_BYTES:
                raise _invalid(
                    "file_too_large",
                    path=str(path),
                    limit=f"{MAX_FAX_FILE_BYTES // (1024 * 1024)} MB",
                )
            return file.read()
    except FileNotFoundError:
        raise _invalid("file_not_found", path=str(path)) from None
    except IsADirectoryError:
        raise _invalid("not_a_file", path=str(path)) from None
    except OSError as err:
        raise _invalid(
            "file_unreadable", path=str(path), error=err.strerror or str(err)
        ) from err


def _open_without_waiting(path: str, flags: int) -> int:
    """Open like `open` does, but without waiting for a pipe's other end."""
    return os.open(path, flags | os.O_NONBLOCK)


def _control_client(
    entry: SantralConfigEntry, capability: Capability
) -> CallControlSource:
    client = entry.runtime_data.client
    if (
        capability not in client.capabilities
        or (control := client.call_control) is None
    ):
        raise _invalid("call_control_not_supported", title=entry.title)
    return control


def _voicemail_box(entry: SantralConfigEntry) -> VoicemailSource:
    client = entry.runtime_data.client
    if (box := client.voicemail_box) is None:
        raise _invalid(
            "voicemail_not_supported",
            title=entry.title,
            provider=DESCRIPTIONS[client.provider].name,
        )
    return box


def _live_control(entry: SantralConfigEntry) -> LiveCallControl:
    client = entry.runtime_data.client
    if (control := client.live_call_control) is None:
        raise _invalid(
            "live_call_control_not_supported",
            title=entry.title,
            provider=DESCRIPTIONS[client.provider].name,
        )
    return control


def _extension(value: str) -> str:
    """Return an extension number, or refuse what cannot be one."""
    extension = value.strip()
    if not (extension.isdigit() and 2 <= len(extension) <= 6):
        raise _invalid("invalid_extension", extension=extension)
    return extension


async def _allowed_directory(
    hass: HomeAssistant, raw: str | None, default: Path
) -> Path:
    """Return the folder to write to, if Home Assistant may use it (checked off the loop)."""
    directory = Path(raw) if raw else default
    if not await hass.async_add_executor_job(_is_allowed, hass, directory):
        raise _invalid("path_not_allowed", path=str(directory))
    return directory


@contextmanager
def _writing(where: Path) -> Iterator[None]:
    """Explain why a downloaded document cannot be written at `where`."""
    try:
        yield
    except NotAFileError as err:
        raise _invalid("not_a_file", path=str(err.path)) from err
    except OSError as err:
        raise _invalid(
            "file_unwritable", path=str(where), error=err.strerror or str(err)
        ) from err


async def _async_send_fax(call: ServiceCall) -> dict[str, Any]:
    hass = call.hass
    entry = _entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    client = _fax_client(entry)
    numbers = _numbers(call.data[ATTR_NUMBER])
    if sender := call.data.get(ATTR_SENDER):
        _number(sender)
    paths = [_check_file(hass, client.provider, raw) for raw in call.data[ATTR_FILE]]
    requests = await hass.async_add_executor_job(
        _read_and_prepare,
        hass,
        client,
        paths,
        numbers,
        sender,
        call.data.get(ATTR_SUBJECT),
    )
    try:
        records = await client.async_send_fax(requests)
    except SantralError as err:
        raise provider_failed(entry, err) from err
    tracker = entry.runtime_data.faxes
    assert tracker is not None
    tracker.async_add_sent(records)
    return {
        "faxes": [
            {
                "fax_id": record.fax_id,
                "status": record.status.value,
                "recipient": record.remote,
            }
            for record in records
        ]
    }


async def _async_download_fax(call: ServiceCall) -> dict[str, Any]:
    hass = call.hass
    entry = _entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    client = _fax_client(entry)
    directory = await _allowed_directory(
        hass,
        call.data.get(ATTR_DIRECTORY),
        fax_downloads(hass, entry.entry_id),
    )
    fax_id = call.data[ATTR_FAX_ID]
    try:
        document = await client.async_download_fax(fax_id)
    except SantralError as err:
        raise provider_failed(entry, err) from err
    path = document_path(directory, fax_id, document)
    with _writing(path):
        await async_write_document(hass, path, document.content)
    return {"path": str(path), "content_type": document.content_type}


async def _async_originate(call: ServiceCall) -> dict[str, Any]:
    entry = _entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    client = _control_client(entry, Capability.ORIGINATE)
    destination = _number(call.data[ATTR_DESTINATION])
    extension = _extension(call.data[ATTR_EXTENSION])
    if caller_id := call.data.get(ATTR_CALLER_ID):
        _number(caller_id)
    try:
        call_id = await client.async_originate(
            extension,
            destination,
            caller_id=caller_id,
            manual_answer=call.data[ATTR_MANUAL_ANSWER],
            timeout=call.data.get(ATTR_TIMEOUT),
        )
    except ValueError as err:
        raise _invalid("caller_id_required") from err
    except SantralError as err:
        raise provider_failed(entry, err) from err
    return {"call_id": call_id}


async def _async_call_alert(call: ServiceCall) -> dict[str, Any]:
    """Phone the numbers and speak the message; its outcomes follow as events."""
    hass = call.hass
    entry = _entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    alert_service(entry)
    numbers = list(dict.fromkeys(_numbers(call.data[ATTR_NUMBER])))
    if sender := call.data.get(ATTR_SENDER):
        sender = _number(sender)
    request = AlertRequest(
        numbers,
        call.data[ATTR_MESSAGE],
        language=call.data.get(ATTR_LANGUAGE),
        engine=call.data.get(ATTR_TTS),
        repeat=call.data[ATTR_REPEAT],
        acknowledge_digit=call.data.get(ATTR_ACKNOWLEDGE_DIGIT),
        sender=sender,
        title=call.data.get(ATTR_TITLE),
    )
    return await async_send_call_alert(hass, entry, request)


async def _async_hangup(call: ServiceCall) -> None:
    """End a call in progress, by the id its events and the extension sensors give."""
    entry = _entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    client = _live_control(entry)
    try:
        await client.async_hangup(call.data[ATTR_CALL_ID])
    except SantralError as err:
        raise provider_failed(entry, err) from err


async def _async_transfer(call: ServiceCall) -> None:
    """Move a call in progress to another extension."""
    entry = _entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    client = _live_control(entry)
    extension = _extension(call.data[ATTR_EXTENSION])
    try:
        await client.async_transfer(call.data[ATTR_CALL_ID], extension)
    except SantralError as err:
        raise provider_failed(entry, err) from err


def _link_response(link: RecordingLink) -> dict[str, Any]:
    """Answer a link to audio the provider serves for a while, and until when."""
    return {
        "url": link.url,
        "expires_at": link.expires_at.isoformat() if link.expires_at else None,
    }


async def _async_get_recording_url(call: ServiceCall) -> dict[str, Any]:
    entry = _entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    client = _control_client(entry, Capability.RECORDINGS)
    try:
        link = await client.async_get_recording_url(call.data[ATTR_CALL_ID])
    except ValueError as err:
        raise _invalid("recording_url_needs_token") from err
    except SantralError as err:
        raise provider_failed(entry, err) from err
    return _link_response(link)


async def _async_download_recording(call: ServiceCall) -> dict[str, Any]:
    hass = call.hass
    entry = _entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    client = _control_client(entry, Capability.RECORDINGS)
    directory = await _allowed_directory(
        hass, call.data.get(ATTR_DIRECTORY), recordings_root(hass, entry.entry_id)
    )
    try:
        with _writing(directory):
            path, content_type = await async_save_recording(
                hass, client, call.data[ATTR_CALL_ID], directory
            )
    except SantralError as err:
        raise provider_failed(entry, err) from err
    return {"path": str(path), "content_type": content_type}


async def _async_get_voicemail_url(call: ServiceCall) -> dict[str, Any]:
    entry = _entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    box = _voicemail_box(entry)
    try:
        link = await box.async_get_voicemail_url(call.data[ATTR_VOICEMAIL_ID])
    except SantralError as err:
        raise provider_failed(entry, err) from err
    return _link_response(link)


async def _async_download_voicemail(call: ServiceCall) -> dict[str, Any]:
    hass = call.hass
    entry = _entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    box = _voicemail_box(entry)
    directory = await _allowed_directory(
        hass, call.data.get(ATTR_DIRECTORY), voicemail_root(hass, entry.entry_id)
    )
    voicemail_id = call.data[ATTR_VOICEMAIL_ID]
    try:
        document = await box.async_download_voicemail(voicemail_id)
        with _writing(directory):
            path = await async_save_document(hass, directory, voicemail_id, document)
    except SantralError as err:
        raise provider_failed(entry, err) from err
    return {"path": str(path), "content_type": document.content_type}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register Santral's actions (once, for every entry).

    Hanging up and transferring answer nothing: the call's events tell what followed.
    """
    actions: tuple[tuple[str, ActionHandler, vol.Schema, SupportsResponse], ...] = (
        ("send_fax", _async_send_fax, SEND_FAX_SCHEMA, SupportsResponse.OPTIONAL),
        ("originate", _async_originate, ORIGINATE_SCHEMA, SupportsResponse.OPTIONAL),
        ("call_alert", _async_call_alert, CALL_ALERT_SCHEMA, SupportsResponse.OPTIONAL),
        ("hangup", _async_hangup, HANGUP_SCHEMA, SupportsResponse.NONE),
        ("transfer", _async_transfer, TRANSFER_SCHEMA, SupportsResponse.NONE),
        (
            "get_recording_url",
            _async_get_recording_url,
            RECORDING_SCHEMA,
            SupportsResponse.OPTIONAL,
        ),
        (
            "download_recording",
            _async_download_recording,
            DOWNLOAD_RECORDING_SCHEMA,
            SupportsResponse.OPTIONAL,
        ),
        (
            "download_fax",
            _async_download_fax,
            DOWNLOAD_FAX_SCHEMA,
            SupportsResponse.OPTIONAL,
        ),
        (
            "get_voicemail_url",
            _async_get_voicemail_url,
            VOICEMAIL_SCHEMA,
            SupportsResponse.OPTIONAL,
        ),
        (
            "download_voicemail",
            _async_download_voicemail,
            DOWNLOAD_VOICEMAIL_SCHEMA,
            SupportsResponse.OPTIONAL,
        ),
    )
    for name, handler, schema, response in actions:
        hass.services.async_register(
            DOMAIN, name, _checked(handler), schema=schema, supports_response=response
        )
