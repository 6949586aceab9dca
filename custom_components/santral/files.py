"""Every file Santral writes: the fax archive, saved recordings, downloads.

Files go under Home Assistant's media folder unless a person names another allowed one, and
are written only as regular files, never through what is in the way.
"""

from __future__ import annotations

import errno
from pathlib import Path
import re
import stat

from homeassistant.core import HomeAssistant
import homeassistant.util.dt as dt_util
from homeassistant.util.file import WriteError, write_utf8_file

from .providers import Document, FaxRecord


class NotAFileError(OSError):
    """Something other than a regular file (a link, a pipe, a folder) is where a file goes."""

    def __init__(self, path: Path) -> None:
        """Name the path that is in the way."""
        super().__init__(errno.EEXIST, "not a regular file", str(path))
        self.path = path


def media_root(hass: HomeAssistant) -> Path:
    """Return Santral's folder in Home Assistant's (local) media folder."""
    media = hass.config.media_dirs.get("local") or hass.config.path("media")
    return Path(media) / "santral"


def default_archive(hass: HomeAssistant, entry_id: str) -> Path:
    """Return the folder an entry's faxes are archived in unless the options name another."""
    return media_root(hass) / "faxes" / entry_id


def fax_downloads(hass: HomeAssistant, entry_id: str) -> Path:
    """Return the folder the fax download action writes to unless it is given another."""
    return default_archive(hass, entry_id) / "downloads"


def recordings_root(hass: HomeAssistant, entry_id: str) -> Path:
    """Return the folder an entry's recordings are saved in unless the action names another."""
    return media_root(hass) / "recordings" / entry_id


def voicemail_root(hass: HomeAssistant, entry_id: str) -> Path:
    """Return the folder an entry's voicemails are saved in unless the action names another."""
    return media_root(hass) / "voicemail" / entry_id


def safe_name(text: str, fallback: str) -> str:
    """Return `text` fit for a file name: ASCII letters, digits, `+`, `-` and `_` only.

    Ids and numbers come from the provider: nothing in them may reach another folder.
    """
    return re.sub(r"[^A-Za-z0-9+_-]", "_", text)[:64] or fallback


def write_document(path: Path, content: bytes) -> None:
    """Write `content` to `path`, creating its folder; blocking, so run it in the executor.

    A regular file already at `path` (an earlier download) is replaced. Anything else there
    is refused: writing through a link could land outside the allowed folders, and opening
    a pipe would wait forever. The content goes to a temporary file in the same folder that
    is then renamed over `path`, so the write never follows a link made meanwhile either.
    Raises `NotAFileError`, or `OSError` when the folder or the file cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        pass
    else:
        if not stat.S_ISREG(mode):
            raise NotAFileError(path)
    try:
        write_utf8_file(str(path), content, mode="wb")
    except WriteError as err:
        cause = err.__cause__
        raise cause if isinstance(cause, OSError) else OSError(str(err)) from None


def document_path(directory: Path, name: str, document: Document) -> Path:
    """Return where a downloaded document named `name` goes in `directory`."""
    return directory / f"{safe_name(name, 'document')}.{document.extension}"


async def async_write_document(hass: HomeAssistant, path: Path, content: bytes) -> None:
    """Write `content` to `path` (in an allowed folder) off the loop, as `write_document`."""
    await hass.async_add_executor_job(write_document, path, content)


async def async_save_document(
    hass: HomeAssistant, directory: Path, name: str, document: Document
) -> Path:
    """Write a downloaded document as `<directory>/<name>.<extension>`; return its path.

    `directory` must be an allowed one. Raises as `write_document` does.
    """
    path = document_path(directory, name, document)
    await async_write_document(hass, path, document.content)
    return path


def _archive_fax(
    hass: HomeAssistant, archive: Path, record: FaxRecord, document: Document
) -> Path:
    created = dt_util.as_local(record.created or dt_util.utcnow())
    folder = archive / created.strftime("%Y-%m")
    if not hass.config.is_allowed_path(str(folder)):
        raise OSError(f"{folder} is not an allowed directory")
    name = (
        f"{created:%Y%m%d-%H%M%S}_{safe_name(record.remote, 'fax')}"
        f"_{safe_name(record.fax_id, 'fax')}.{document.extension}"
    )
    path = folder / name
    write_document(path, document.content)
    return path


async def async_archive_fax(
    hass: HomeAssistant, archive: Path, record: FaxRecord, document: Document
) -> Path:
    """Write a received fax under `<archive>/<YYYY-MM>/`, named by time, sender and id.

    Raises `OSError` when the folder is not an allowed one or cannot be written.
    """
    return await hass.async_add_executor_job(
        _archive_fax, hass, archive, record, document
    )
