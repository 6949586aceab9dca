"""Fixtures of the call alert tests: a TTS engine, Home Assistant served, the events seen."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.components import tts
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockModule,
    MockPlatform,
    mock_integration,
    mock_platform,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import EVENT_CALL_ALERT

# An MP3 file's first bytes (an ID3 tag), as an engine's answer starts.
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(300)


class CountingEngine(tts.Provider):
    """A TTS engine that answers every message with the same MP3, counting what it spoke."""

    def __init__(self) -> None:
        """Speak nothing yet."""
        self.name = "Test"
        self.spoken: list[tuple[str, str]] = []
        self.audio = MP3

    @property
    def default_language(self) -> str:
        """Speak Turkish unless asked otherwise."""
        return "tr"

    @property
    def supported_languages(self) -> list[str]:
        """Speak Turkish and English."""
        return ["tr", "en"]

    def get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> tts.TtsAudioType:
        """Return the MP3, and note the message."""
        self.spoken.append((message, language))
        return "mp3", self.audio


class _EnginePlatform(MockPlatform):
    PLATFORM_SCHEMA = tts.PLATFORM_SCHEMA

    def __init__(self, engine: CountingEngine) -> None:
        super().__init__()
        self._engine = engine

    async def async_get_engine(
        self, hass: HomeAssistant, config: Any, discovery_info: Any = None
    ) -> CountingEngine:
        return self._engine


@pytest.fixture
async def engine(hass: HomeAssistant) -> CountingEngine:
    """Set up Home Assistant's TTS with one engine, `test`, and no file cache."""
    counting = CountingEngine()
    mock_integration(hass, MockModule(domain="test"))
    mock_platform(hass, "test.tts", _EnginePlatform(counting))
    assert await async_setup_component(
        hass, tts.DOMAIN, {tts.DOMAIN: {"platform": "test", "cache": False}}
    )
    await hass.async_block_till_done()
    return counting


@pytest.fixture
async def served(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> TestClient:
    """Serve Home Assistant on 127.0.0.1 and make that its external URL."""
    assert await async_setup_component(hass, "http", {})
    client = await hass_client_no_auth()
    await hass.config.async_update(external_url=str(client.make_url("")).rstrip("/"))
    return client


@pytest.fixture
def alert_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Collect `santral_call_alert` events, in the event loop."""
    events: list[dict[str, Any]] = []

    @callback
    def _listener(event: Event) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(EVENT_CALL_ALERT, _listener)
    return events
