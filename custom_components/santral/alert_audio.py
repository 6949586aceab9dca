"""The spoken message of a call alert: made by Home Assistant's TTS, served for the provider.

The provider fetches the audio from a URL on the internet, possibly once per call and
well after the alert was sent. Home Assistant's own TTS proxy forgets an unused stream
after a few minutes, so the audio is kept here, under a random name that opens that clip
only and carries no credential, and served by a view that needs no login. One clip serves
every alert with the same text, language and engine: it is not synthesized twice.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
import hashlib
import secrets
from typing import TYPE_CHECKING

from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .providers import Document

if TYPE_CHECKING:
    from homeassistant.components.tts import ResultStream

AUDIO_PATH = "/api/santral/alert_audio"
# Clips kept at most; the oldest unused is dropped first. A clip is a few tens of kB.
MAX_CLIPS = 32
# Hex digits of a message's digest: 80 bits, no two messages alike in practice.
DIGEST_LENGTH = 20
CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg"}
# The setting a person sets up a TTS engine in, named by the error when there is none.
TTS_SETTING = "tts"
DATA_AUDIO: HassKey[AlertAudio] = HassKey(f"{DOMAIN}_alert_audio")


@dataclass(frozen=True, slots=True)
class AlertClip:
    """One synthesized message: the name it is served under, its bytes and their type."""

    token: str
    content: bytes
    content_type: str
    # Names the message (text, language and engine) without saying it: a provider that
    # keeps uploaded audio finds the same message by it.
    digest: str

    @property
    def path(self) -> str:
        """Return the path the clip is served at, below Home Assistant's URL."""
        return f"{AUDIO_PATH}/{self.token}"


class AlertAudioError(HomeAssistantError):
    """The message could not be made into audio; the translation says why."""


def _error(key: str, **placeholders: str) -> AlertAudioError:
    return AlertAudioError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


class AlertAudio:
    """The clips made so far, by (text, language, engine) and by the name they are served at."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Keep no clip yet."""
        self._hass = hass
        self._clips: OrderedDict[tuple[str, str, str], AlertClip] = OrderedDict()
        self._by_token: dict[str, AlertClip] = {}
        # How many clips were synthesized: each text, language and engine once.
        self.synthesized = 0

    def get(self, token: str) -> AlertClip | None:
        """Return the clip served under `token`, if it is kept."""
        return self._by_token.get(token)

    async def async_clip(
        self, text: str, language: str | None, engine: str | None
    ) -> AlertClip:
        """Return the clip of `text`, synthesizing it the first time it is asked for."""
        engine_id = self._engine(engine)
        key = (text, language or "", engine_id)
        if (clip := self._clips.get(key)) is not None:
            self._clips.move_to_end(key)
            return clip
        content, content_type = await self._async_synthesize(text, language, engine_id)
        extension = Document(content, content_type).extension
        clip = AlertClip(
            f"{secrets.token_urlsafe(24)}.{extension}",
            content,
            CONTENT_TYPES.get(extension, content_type),
            hashlib.sha256("\0".join(key).encode()).hexdigest()[:DIGEST_LENGTH],
        )
        self._clips[key] = clip
        self._by_token[clip.token] = clip
        while len(self._clips) > MAX_CLIPS:
            _, dropped = self._clips.popitem(last=False)
            self._by_token.pop(dropped.token, None)
        return clip

    def _engine(self, engine: str | None) -> str:
        """Return the engine to use: the one named, else Home Assistant's default."""
        if "tts" not in self._hass.config.components:
            raise _error("tts_engine_missing", setting=TTS_SETTING)
        from homeassistant.components import tts  # noqa: PLC0415

        resolved = tts.async_resolve_engine(self._hass, engine)
        if resolved is None:
            if engine:
                raise _error("tts_engine_unknown", engine=engine, setting=TTS_SETTING)
            raise _error("tts_engine_missing", setting=TTS_SETTING)
        return resolved

    async def _async_synthesize(
        self, text: str, language: str | None, engine: str
    ) -> tuple[bytes, str]:
        """Have the engine speak `text`; return the audio and its type."""
        from homeassistant.components import tts  # noqa: PLC0415

        try:
            stream: ResultStream = tts.async_create_stream(self._hass, engine, language)
            stream.async_set_message(text)
            content = b"".join([chunk async for chunk in stream.async_stream_result()])
        except HomeAssistantError as err:
            raise _error("tts_failed", engine=engine, error=str(err)) from err
        if not content:
            raise _error("tts_failed", engine=engine, error="no audio")
        self.synthesized += 1
        return content, stream.content_type


def async_setup_alert_audio(hass: HomeAssistant) -> None:
    """Keep the clips for every entry, and serve them."""
    audio = hass.data[DATA_AUDIO] = AlertAudio(hass)
    hass.http.register_view(AlertAudioView(audio))


def alert_audio(hass: HomeAssistant) -> AlertAudio:
    """Return the clips shared by every entry."""
    return hass.data[DATA_AUDIO]


class AlertAudioView(HomeAssistantView):
    """Serves the clips without a login: the provider fetches them, and has none.

    A clip's name is 24 random bytes, so knowing one URL opens that clip and nothing else.
    """

    requires_auth = False
    url = AUDIO_PATH + "/{token}"
    name = "api:santral:alert_audio"

    def __init__(self, audio: AlertAudio) -> None:
        """Serve the clips of `audio`."""
        self._audio = audio

    async def get(self, request: web.Request, token: str) -> web.Response:
        """Return the clip, or 404 when it is not kept."""
        if (clip := self._audio.get(token)) is None:
            return web.Response(status=404)
        return web.Response(body=clip.content, content_type=clip.content_type)
