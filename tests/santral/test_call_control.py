"""Call control and recordings: originate, recording URLs, downloads."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import hashlib
from pathlib import Path
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.santral.const import CONF_DOWNLOAD_RECORDINGS, DOMAIN
from simulator import Fault, FaultKind, Simulator
from simulator.calls import build_call
from tests.helpers import (
    CALL_KINDS as KINDS,
    Events,
    MakeEntry,
    deliver_webhooks,
    setup,
)


async def action(hass: HomeAssistant, name: str, **data: Any) -> dict[str, Any]:
    """Call a santral action and return its response."""
    response = await hass.services.async_call(
        DOMAIN, name, data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def refusal(
    hass: HomeAssistant,
    name: str,
    error: type[HomeAssistantError] = ServiceValidationError,
    **data: Any,
) -> HomeAssistantError:
    """Call a santral action that must fail with `error`; return what it raised."""
    with pytest.raises(error) as err:
        await action(hass, name, **data)
    return err.value


@pytest.fixture
async def santralim(hass: HomeAssistant, make_entry: MakeEntry) -> MockConfigEntry:
    """Set up a Bulutsantralim entry."""
    return await setup(hass, make_entry("bulutsantralim"))


def recorded_call(simulator: Simulator, provider: str) -> str:
    """File a finished, recorded call; return its id."""
    call = build_call(
        provider,
        pbx_number="908508850000" if provider == "bulutfon" else "908505320000",
        recording=True,
        started=dt_util.utcnow() - timedelta(minutes=5),
    )
    simulator.state.add_cdrs(provider, [call])
    return call.uuid


async def test_originate_bulutsantralim(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    santralim: MockConfigEntry,
    call_events: Events,
) -> None:
    """Click-to-call returns the call id, and the call then arrives like any other."""
    await deliver_webhooks(simulator, hass_client_no_auth, "bulutsantralim")
    response = await action(
        hass,
        "originate",
        config_entry_id=santralim.entry_id,
        destination="0532 123 45 67",
        extension="1001",
        timeout=20,
    )
    call_id = response["call_id"]
    assert call_id
    for _ in range(50):
        await hass.async_block_till_done(wait_background_tasks=True)
        if any(event["type"] == "hangup" for event in call_events):
            break
        await asyncio.sleep(0.05)
    assert call_id in {event["call_id"] for event in call_events}


async def test_originate_bulutfon(
    hass: HomeAssistant, simulator: Simulator, make_entry: MakeEntry
) -> None:
    """Bulutfon's call-and-bridge needs the PBX number, and names no call id."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    err = await refusal(
        hass,
        "originate",
        config_entry_id=entry.entry_id,
        destination="05321234567",
        extension="1001",
    )
    assert err.translation_key == "caller_id_required"
    response = await action(
        hass,
        "originate",
        config_entry_id=entry.entry_id,
        destination="05321234567",
        extension="1001",
        caller_id="+908508850000",
    )
    assert response == {"call_id": None}
    assert simulator.count("bulutfon", "call_and_bridge") == 1


async def test_originate_refused_by_provider(
    hass: HomeAssistant, santralim: MockConfigEntry
) -> None:
    """The provider's own refusal reaches the user, translated around its words."""
    err = await refusal(
        hass,
        "originate",
        HomeAssistantError,
        config_entry_id=santralim.entry_id,
        destination="05321234567",
        extension="1999",
    )
    assert err.translation_key == "provider_error"
    assert err.translation_placeholders == {"message": "extension 1999 not found"}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"destination": "123", "extension": "1001"}, "invalid_number"),
        ({"destination": "05321234567", "extension": "yönetici"}, "invalid_extension"),
    ],
)
async def test_originate_bad_input(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    data: dict[str, str],
    key: str,
) -> None:
    """Bad numbers are refused before anything is sent."""
    err = await refusal(hass, "originate", config_entry_id=santralim.entry_id, **data)
    assert err.translation_key == key
    assert simulator.count("bulutsantralim", "originate") == 0


async def test_call_control_not_on_telsam(
    hass: HomeAssistant, make_entry: MakeEntry
) -> None:
    """A fax-only provider refuses call actions with a clear message."""
    entry = await setup(hass, make_entry("telsam"))
    err = await refusal(
        hass, "get_recording_url", config_entry_id=entry.entry_id, call_id="x"
    )
    assert err.translation_key == "call_control_not_supported"


async def test_recording_url_limiter_and_cache(
    hass: HomeAssistant, simulator: Simulator, santralim: MockConfigEntry
) -> None:
    """Six URLs in a minute make five requests; the sixth is a clear error; URLs are reused."""
    entry = santralim
    calls = [recorded_call(simulator, "bulutsantralim") for _ in range(6)]
    urls = []
    for call_id in calls[:5]:
        response = await action(
            hass, "get_recording_url", config_entry_id=entry.entry_id, call_id=call_id
        )
        assert response["url"].startswith(simulator.url("bulutsantralim"))
        assert dt_util.parse_datetime(
            response["expires_at"]
        ) > dt_util.utcnow() + timedelta(minutes=50)
        urls.append(response["url"])
    again = await action(
        hass, "get_recording_url", config_entry_id=entry.entry_id, call_id=calls[0]
    )
    assert again["url"] == urls[0]
    err = await refusal(
        hass,
        "get_recording_url",
        HomeAssistantError,
        config_entry_id=entry.entry_id,
        call_id=calls[5],
    )
    assert err.translation_key == "rate_limited"
    assert simulator.count("bulutsantralim", "recording_url") == 5
    assert simulator.state.bulutsantralim.api_key not in "".join(urls)


async def test_bulutfon_recording_url_hides_token(
    hass: HomeAssistant, simulator: Simulator, make_entry: MakeEntry
) -> None:
    """Bulutfon's URL carries sha1(token + uuid), never the token, and it plays."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    call_id = recorded_call(simulator, "bulutfon")
    response = await action(
        hass, "get_recording_url", config_entry_id=entry.entry_id, call_id=call_id
    )
    token = simulator.state.bulutfon.token
    assert token not in response["url"]
    digest = hashlib.sha1((token + call_id).encode(), usedforsecurity=False).hexdigest()
    assert response["url"].endswith(f"/call-records/{call_id}?access_token={digest}")
    assert response["expires_at"] is None
    async with aiohttp.ClientSession() as plain, plain.get(response["url"]) as played:
        assert played.status == 200
        assert (await played.read()).startswith(b"OggS")


async def test_recording_url_needs_token(
    hass: HomeAssistant, simulator: Simulator, make_entry: MakeEntry
) -> None:
    """With e-mail and password there is no safe URL to hand out."""
    entry = await setup(hass, make_entry("bulutfon_login"))
    err = await refusal(
        hass, "get_recording_url", config_entry_id=entry.entry_id, call_id="x"
    )
    assert err.translation_key == "recording_url_needs_token"


@pytest.mark.parametrize(
    ("provider", "magic"), [("bulutfon", b"OggS"), ("bulutsantralim", b"ID3")]
)
async def test_download_recording(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    provider: str,
    magic: bytes,
) -> None:
    """A recording is saved under the media folder; folders outside are refused."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    call_id = recorded_call(simulator, provider)
    response = await action(
        hass, "download_recording", config_entry_id=entry.entry_id, call_id=call_id
    )
    path = Path(response["path"])
    assert path.parent == media / "santral" / "recordings" / entry.entry_id
    assert path.read_bytes().startswith(magic)
    err = await refusal(
        hass,
        "download_recording",
        config_entry_id=entry.entry_id,
        call_id=call_id,
        directory="/etc",
    )
    assert err.translation_key == "path_not_allowed"


@pytest.mark.usefixtures("media")
async def test_recording_of_unknown_call(
    hass: HomeAssistant, santralim: MockConfigEntry
) -> None:
    """A call without a recording is the provider's refusal, in its words."""
    err = await refusal(
        hass,
        "download_recording",
        HomeAssistantError,
        config_entry_id=santralim.entry_id,
        call_id="yok-1",
    )
    assert err.translation_key == "provider_error"
    assert "cannot find call" in err.translation_placeholders["message"]


async def test_recordings_downloaded_automatically(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
) -> None:
    """With the option on, a recorded call's recording is saved when the call ends."""
    entry = make_entry("bulutsantralim")
    await _auto_download_entry(hass, hass_client_no_auth, simulator, entry)
    call = await simulator.place_call(
        "bulutsantralim", outcome="answered", recording=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    saved = list((media / "santral" / "recordings" / entry.entry_id).iterdir())
    assert [path.stem for path in saved] == [call.uuid]


async def test_originate_abroad(
    hass: HomeAssistant, simulator: Simulator, santralim: MockConfigEntry
) -> None:
    """A number abroad is dialled as 00<country><number>."""
    response = await action(
        hass,
        "originate",
        config_entry_id=santralim.entry_id,
        destination="+49 151 2345 6789",
        extension="1001",
    )
    assert response["call_id"]
    await simulator.wait_dialed()


@pytest.mark.parametrize("call_id", ["../me", "", "a b", "x" * 81])
async def test_ids_are_validated(
    hass: HomeAssistant, simulator: Simulator, santralim: MockConfigEntry, call_id: str
) -> None:
    """Ids that are not plain provider ids never reach a provider URL."""
    with pytest.raises(vol.Invalid):
        await action(
            hass,
            "download_recording",
            config_entry_id=santralim.entry_id,
            call_id=call_id,
        )
    assert simulator.count("bulutsantralim", "recording_url") == 0


async def test_entry_removal_deletes_stores(
    hass: HomeAssistant, hass_storage: dict[str, Any], santralim: MockConfigEntry
) -> None:
    """Removing an entry deletes its call and fax history (they hold phone numbers)."""
    entry = santralim
    await hass.config_entries.async_unload(entry.entry_id)
    assert f"santral.{entry.entry_id}.calls" in hass_storage
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert f"santral.{entry.entry_id}.calls" not in hass_storage
    assert f"santral.{entry.entry_id}.faxes" not in hass_storage


async def _auto_download_entry(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    entry: MockConfigEntry,
) -> None:
    await setup(hass, entry, {CONF_DOWNLOAD_RECORDINGS: True})
    await deliver_webhooks(simulator, hass_client_no_auth, "bulutsantralim")


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Try a recording download again after 10 ms instead of minutes."""
    monkeypatch.setattr("custom_components.santral.recordings.RETRY_DELAY", 0.01)


@pytest.mark.usefixtures("fast_retries")
async def test_automatic_download_retries(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
) -> None:
    """A recording that fails once, or is rate limited, is fetched at a later try."""
    entry = make_entry("bulutsantralim")
    await _auto_download_entry(hass, hass_client_no_auth, simulator, entry)
    simulator.inject("bulutsantralim", "recording_url", Fault(FaultKind.SERVER_ERROR))
    call = await simulator.place_call(
        "bulutsantralim", outcome="answered", recording=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    simulator.inject(
        "bulutsantralim", "recording_url", Fault(FaultKind.RATE_LIMIT, retry_after=1)
    )
    second = await simulator.place_call(
        "bulutsantralim", outcome="answered", recording=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    saved = sorted(
        path.stem
        for path in (media / "santral" / "recordings" / entry.entry_id).iterdir()
    )
    assert saved == sorted([call.uuid, second.uuid])


@pytest.mark.usefixtures("fast_retries", "media")
async def test_automatic_download_gives_up(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    make_entry: MakeEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A recording that never comes is logged once as not saved; nothing else breaks."""
    entry = make_entry("bulutsantralim")
    await _auto_download_entry(hass, hass_client_no_auth, simulator, entry)
    simulator.inject(
        "bulutsantralim", "recording_url", Fault(FaultKind.SERVER_ERROR, times=None)
    )
    await simulator.place_call("bulutsantralim", outcome="answered", recording=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len([r for r in caplog.records if "not saved" in r.getMessage()]) == 1


async def test_automatic_download_outside_allowed_folders(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    make_entry: MakeEntry,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    """With the media folder not allowed, Santral says so instead of writing there."""
    hass.config.media_dirs = {"local": str(tmp_path / "not-allowed")}
    hass.config.allowlist_external_dirs = set()
    entry = make_entry("bulutsantralim")
    await _auto_download_entry(hass, hass_client_no_auth, simulator, entry)
    await simulator.place_call("bulutsantralim", outcome="answered", recording=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert "is not an allowed directory" in caplog.text
    assert simulator.count("bulutsantralim", "recording_url") == 0


async def test_download_to_unwritable_folder(
    hass: HomeAssistant, simulator: Simulator, santralim: MockConfigEntry, media: Path
) -> None:
    """A folder that cannot be created is a translated error, not a traceback."""
    call_id = recorded_call(simulator, "bulutsantralim")
    (media / "dosya").write_text("not a folder")
    err = await refusal(
        hass,
        "download_recording",
        config_entry_id=santralim.entry_id,
        call_id=call_id,
        directory=str(media / "dosya" / "alt"),
    )
    assert err.translation_key == "file_unwritable"
