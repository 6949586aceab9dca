"""Keeping call recordings: downloading them, with retries, when a recorded call ends."""

from __future__ import annotations

import asyncio
from pathlib import Path

from homeassistant.core import HomeAssistant

from .const import LOGGER
from .files import async_save_document, recordings_root
from .providers import (
    CallControlSource,
    CallEvent,
    SantralError,
    SantralRateLimitedError,
)

KEEP_ATTEMPTS = 5
RETRY_DELAY = 60.0


async def async_save_recording(
    hass: HomeAssistant, client: CallControlSource, call_id: str, directory: Path
) -> tuple[Path, str]:
    """Download the call's recording into `directory` (an allowed one); return path and type.

    Raises the provider's errors, and `OSError` (`NotAFileError` when something other than
    a regular file is in the way) when the file cannot be written.
    """
    document = await client.async_download_recording(call_id)
    path = await async_save_document(hass, directory, call_id, document)
    return path, document.content_type


async def async_keep_recording(
    hass: HomeAssistant, client: CallControlSource, entry_id: str, event: CallEvent
) -> None:
    """Save a finished call's recording (the automatic download option); log, never raise.

    A rate limit is waited out and a recording not ready yet is asked for again, a few
    times, so a burst of calls (a catch-up after a restart) loses none.
    """
    directory = recordings_root(hass, entry_id)
    if not await hass.async_add_executor_job(
        hass.config.is_allowed_path, str(directory)
    ):
        LOGGER.warning("Recordings folder %s is not an allowed directory", directory)
        return
    for attempt in range(1, KEEP_ATTEMPTS + 1):
        try:
            path, _ = await async_save_recording(hass, client, event.call_id, directory)
        except SantralRateLimitedError as err:
            wait = err.retry_after or RETRY_DELAY
        except (SantralError, OSError) as err:
            if attempt == KEEP_ATTEMPTS:
                LOGGER.warning("Recording of call %s not saved: %s", event.call_id, err)
                return
            wait = RETRY_DELAY
        else:
            LOGGER.debug("Recording of call %s saved as %s", event.call_id, path)
            return
        await asyncio.sleep(wait)
    LOGGER.warning(
        "Recording of call %s not saved: the provider kept limiting", event.call_id
    )
