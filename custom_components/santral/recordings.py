"""Saving call recordings inside Home Assistant's media folder."""

from __future__ import annotations

from pathlib import Path

from homeassistant.core import HomeAssistant

from .const import LOGGER
from .providers import CallControlSource, CallEvent, SantralError


def recordings_root(hass: HomeAssistant, entry_id: str) -> Path:
    """Return the folder recordings are saved in: `santral/recordings/<entry>` in media."""
    media = hass.config.media_dirs.get("local") or hass.config.path("media")
    return Path(media) / "santral" / "recordings" / entry_id


async def async_save_recording(
    hass: HomeAssistant, client: CallControlSource, call_id: str, directory: Path
) -> tuple[Path, str]:
    """Download the call's recording into `directory` (an allowed one); return path and type."""
    document = await client.async_download_recording(call_id)
    safe_id = "".join(
        char if char.isalnum() or char in "-_" else "_" for char in call_id
    )
    path = directory / f"{safe_id}.{document.extension}"

    def _write() -> None:
        directory.mkdir(parents=True, exist_ok=True)
        path.write_bytes(document.content)

    await hass.async_add_executor_job(_write)
    return path, document.content_type


async def async_keep_recording(
    hass: HomeAssistant, client: CallControlSource, entry_id: str, event: CallEvent
) -> None:
    """Save a finished call's recording (the automatic download option); log, never raise."""
    directory = recordings_root(hass, entry_id)
    if not hass.config.is_allowed_path(str(directory)):
        LOGGER.warning("Recordings folder %s is not an allowed directory", directory)
        return
    try:
        path, _ = await async_save_recording(hass, client, event.call_id, directory)
    except (SantralError, OSError) as err:
        LOGGER.warning("Recording of call %s not saved: %s", event.call_id, err)
    else:
        LOGGER.debug("Recording of call %s saved as %s", event.call_id, path)
