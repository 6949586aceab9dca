"""Call recordings: what each provider keeps of a recorded call, and Verimor's links to it.

A recording exists for every filed call that says it was recorded, so a CDR's
`call_record: "YES"` or `recording_present: "true"` always leads to audio. The audio is
made when asked for, in the provider's own format: Ogg Vorbis on Bulutfon, MP3 behind
Verimor's one-hour recording URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from . import audio
from .calls import SimulatedCall

# Verimor's recording URLs work for an hour after they were handed out (providers.md §2.3).
RECORDING_URL_LIFETIME = timedelta(hours=1)
RECORDING_TYPES = {"bulutfon": audio.OGG, "bulutsantralim": audio.MPEG}


@dataclass(frozen=True, slots=True)
class Recording:
    """The recording of one call: as long as the call talked, of media type `content_type`."""

    call_uuid: str
    seconds: int
    content_type: str

    @property
    def audio(self) -> bytes:
        """Return the recording's audio file."""
        if self.content_type == audio.OGG:
            return audio.ogg_vorbis(self.seconds)
        return audio.mp3(self.seconds)


def record(call: SimulatedCall) -> Recording:
    """Return the recording the call's provider keeps of it."""
    return Recording(call.uuid, call.talk_seconds, RECORDING_TYPES[call.provider])


@dataclass(frozen=True, slots=True)
class RecordingLink:
    """One recording URL Verimor handed out: which call, and when."""

    call_uuid: str
    issued: datetime

    def valid(self, now: datetime) -> bool:
        """Return whether the URL still works at `now`."""
        return now - self.issued <= RECORDING_URL_LIFETIME
