"""Archived fax documents over HTTP, for the fax inbox card to open.

Home Assistant's media source serves only audio, video and images from the media folder, so
it refuses a PDF fax, and it knows nothing of an archive in another allowed folder. This
view serves the document of a received fax by entry and fax id, to authenticated users (a
card opens it through a URL signed with `auth/sign_path`), and only from the archive folder
the entry writes to: the path comes from the fax log, never from the request, and a file
that resolves outside the archive (a link, an edited store) is not served.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
import stat
from urllib.parse import quote

from aiohttp import hdrs, web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView

from .const import DOMAIN
from .coordinator import SantralData
from .faxes import LoggedFax
from .providers import FaxDirection

URL = f"/api/{DOMAIN}/fax/{{entry_id}}/{{fax_id}}"
# What the archive holds (`Document.extension`); anything else is only offered as a download.
CONTENT_TYPES = {".pdf": "application/pdf", ".tiff": "image/tiff", ".tif": "image/tiff"}
DOWNLOAD_TYPE = "application/octet-stream"


def document_url(entry_id: str, fax: LoggedFax) -> str | None:
    """Return the view's path of a fax's archived document; None when none was archived."""
    if fax.file is None or fax.direction != FaxDirection.INBOUND:
        return None
    return URL.format(
        entry_id=quote(entry_id, safe=""), fax_id=quote(fax.fax_id, safe="")
    )


def archived_file(archive: Path | None, file: str | None) -> Path | None:
    """Return the regular file `file` names if it lies in `archive`; None otherwise.

    Both are resolved first, so neither `..` nor a link can reach another folder. Blocking:
    run it in the executor.
    """
    if archive is None or file is None:
        return None
    try:
        path = Path(file).resolve(strict=True)
        root = archive.resolve(strict=True)
    except OSError:
        return None
    if not path.is_relative_to(root) or not stat.S_ISREG(path.stat().st_mode):
        return None
    return path


class FaxDocumentView(HomeAssistantView):
    """Serve the archived document of one received fax of one loaded Santral entry."""

    url = URL
    name = f"api:{DOMAIN}:fax"
    requires_auth = True

    async def get(
        self, request: web.Request, entry_id: str, fax_id: str
    ) -> web.StreamResponse:
        """Answer the document, or 404 when the entry, the fax or its file is not there."""
        hass = request.app[KEY_HASS]
        entry = hass.config_entries.async_get_entry(entry_id)
        if (
            entry is None
            or entry.domain != DOMAIN
            or entry.state is not ConfigEntryState.LOADED
        ):
            raise web.HTTPNotFound
        data: SantralData = entry.runtime_data
        if (tracker := data.faxes) is None:
            raise web.HTTPNotFound
        fax = next(
            (
                fax
                for fax in reversed(tracker.log)
                if fax.fax_id == fax_id and document_url(entry_id, fax) is not None
            ),
            None,
        )
        if fax is None:
            raise web.HTTPNotFound
        path = await hass.async_add_executor_job(
            archived_file, tracker.archive, fax.file
        )
        if path is None:
            raise web.HTTPNotFound
        content_type = CONTENT_TYPES.get(path.suffix.lower())
        headers = {
            hdrs.CONTENT_TYPE: content_type or DOWNLOAD_TYPE,
            hdrs.CACHE_CONTROL: "private, no-store",
            hdrs.CONTENT_DISPOSITION: (
                f"{'inline' if content_type else 'attachment'}; "
                f"filename*=UTF-8''{quote(path.name, safe='')}"
            ),
        }
        return web.FileResponse(path, status=HTTPStatus.OK, headers=headers)
