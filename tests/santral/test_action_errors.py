"""Every action answers bad input with a translated error, never a server error.

Bad text (a NUL byte, lone surrogates, more characters than anything valid), unknown ids in
each provider's own words, entries that do not exist, are not loaded or cannot do what is
asked, and paths that leave the allowed folders: each is a `ServiceValidationError` with a
translation key, over the service registry and over the REST API.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
import errno
from http import HTTPStatus
import os
from pathlib import Path
from typing import Any

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.core import HomeAssistant, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
from homeassistant.util.file import WriteError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.santral import files
from custom_components.santral.const import DOMAIN
from simulator import Fault, FaultKind, Simulator
from simulator.calls import build_call
from simulator.providers.bulutfon import (
    calls as bulutfon_calls,
    faxes as bulutfon_faxes,
)
from simulator.providers.telsam import faxes as telsam_faxes
from tests.helpers import setup

KINDS = {
    "bulutfon": "bulutfon_token",
    "bulutsantralim": "bulutsantralim",
    "telsam": "telsam",
}
CALLING = ["bulutfon", "bulutsantralim"]
FAXING = ["bulutfon", "bulutsantralim", "telsam"]
SENDER = {
    "telsam": "+908502590260",
    "bulutfon": "+908508850000",
    "bulutsantralim": "+908505320000",
}
ACTIONS = ["originate", "send_fax", "get_recording_url", "download_recording"]
ACTIONS += ["download_fax", "hangup", "transfer"]
ACTIONS += ["get_voicemail_url", "download_voicemail"]
# The text fields of each action (ids are checked by the schema: letters, digits, - and _).
TEXT_FIELDS = {
    "originate": ["config_entry_id", "destination", "extension", "caller_id"],
    "send_fax": ["config_entry_id", "number", "file", "sender", "subject"],
    "get_recording_url": ["config_entry_id"],
    "download_recording": ["config_entry_id", "directory"],
    "download_fax": ["config_entry_id", "directory"],
    "hangup": ["config_entry_id"],
    "transfer": ["config_entry_id", "extension"],
    "get_voicemail_url": ["config_entry_id"],
    "download_voicemail": ["config_entry_id", "directory"],
}
PROVIDERS_OF = {
    "originate": CALLING,
    "send_fax": FAXING,
    "get_recording_url": CALLING,
    "download_recording": CALLING,
    "download_fax": FAXING,
    "hangup": ["bulutsantralim"],
    "transfer": ["bulutsantralim"],
    "get_voicemail_url": ["bulutsantralim"],
    "download_voicemail": ["bulutsantralim"],
}
CASES = [(name, provider) for name in ACTIONS for provider in PROVIDERS_OF[name]]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
UNKNOWN_UUID = "0badc0de-0000-4000-8000-000000000000"
# Home Assistant's REST API answers a ServiceValidationError with a 400 since 2026.10 (core
# PR #181590); older versions let it through to aiohttp, which answers a bare 500.
REST_ANSWERS_VALIDATION_ERRORS = AwesomeVersion(HA_VERSION) >= AwesomeVersion(
    "2026.10.0"
)


async def action(hass: HomeAssistant, name: str, data: dict[str, Any]) -> Any:
    """Call a santral action the way the UI and automations do, asking for its response.

    Actions that answer nothing (hanging up, transferring) are called without asking.
    """
    answers = hass.services.supports_response(DOMAIN, name) is not SupportsResponse.NONE
    return await hass.services.async_call(
        DOMAIN, name, data, blocking=True, return_response=answers
    )


def good_data(name: str, provider: str, entry_id: str, media: Path) -> dict[str, Any]:
    """Return data the action accepts, for one field at a time to be spoiled."""
    data: dict[str, Any] = {"config_entry_id": entry_id}
    if name == "originate":
        data |= {"destination": "05321234567", "extension": "1001"}
        data["caller_id"] = SENDER[provider]
    elif name == "send_fax":
        data |= {"number": ["02125550000"], "file": str(media / "a.pdf")}
        data |= {"sender": SENDER[provider], "subject": "Teklif"}
    elif name == "download_fax":
        data |= {"fax_id": "1", "directory": str(media / "indir")}
    elif name.endswith("_voicemail_url") or name == "download_voicemail":
        data["voicemail_id"] = "v-1"
        if name == "download_voicemail":
            data["directory"] = str(media / "sesli")
    else:
        data["call_id"] = "c-1"
        if name == "download_recording":
            data["directory"] = str(media / "kayit")
        if name == "transfer":
            data["extension"] = "1002"
    return data


def spoiled(data: dict[str, Any], field: str, value: str) -> dict[str, Any]:
    """Return `data` with `field` set to `value` (inside the list for list fields)."""
    return data | {field: [value] if isinstance(data[field], list) else value}


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


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Make a folder Home Assistant may not use, next to the media folder, with a PDF."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(PDF)
    return folder


@pytest.mark.parametrize(("name", "provider"), CASES)
@pytest.mark.parametrize(
    "bad", ["a\x00b", "a\nb", "a\ud800b"], ids=["nul", "newline", "surrogate"]
)
async def test_control_characters_refused(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    name: str,
    provider: str,
    bad: str,
) -> None:
    """A NUL byte, a line break or a lone surrogate in any text field is refused up front."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    (media / "a.pdf").write_bytes(PDF)
    before = simulator.count(provider)
    for field in TEXT_FIELDS[name]:
        data = spoiled(good_data(name, provider, entry.entry_id, media), field, bad)
        with pytest.raises(ServiceValidationError) as err:
            await action(hass, name, data)
        assert err.value.translation_domain == DOMAIN
        assert err.value.translation_key == "invalid_characters"
        assert err.value.translation_placeholders == {"field": field}
    assert simulator.count(provider) == before
    assert sorted(path.name for path in media.iterdir()) == ["a.pdf"]


@pytest.mark.parametrize(("name", "provider"), CASES)
async def test_over_long_text_refused(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    name: str,
    provider: str,
) -> None:
    """Text longer than any number, name or path can be is refused before anything is sent."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    (media / "a.pdf").write_bytes(PDF)
    before = simulator.count(provider)
    for field in TEXT_FIELDS[name]:
        path = field in ("file", "directory")
        limit = 4096 if path else 255
        value = f"{media}/" + "a/" * limit if path else "9" * (limit + 1)
        data = spoiled(good_data(name, provider, entry.entry_id, media), field, value)
        with pytest.raises(ServiceValidationError) as err:
            await action(hass, name, data)
        assert err.value.translation_key == (
            "path_too_long" if path else "text_too_long"
        )
        assert err.value.translation_placeholders == {
            "field": field,
            "limit": str(limit),
        }
        if path:
            name_of_256 = f"{media}/{'ı' * 128}.pdf"  # 256 bytes in UTF-8
            data = spoiled(data, field, name_of_256)
            with pytest.raises(ServiceValidationError) as err:
                await action(hass, name, data)
            assert err.value.translation_key == "name_too_long"
            assert err.value.translation_placeholders == {
                "field": field,
                "limit": "255",
            }
    assert simulator.count(provider) == before


@pytest.mark.parametrize("provider", FAXING)
async def test_unknown_fax_in_the_providers_words(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    provider: str,
) -> None:
    """An unknown fax id is the provider's refusal, in its own words; nothing is written."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    fax_id = "987654" if provider == "telsam" else UNKNOWN_UUID
    words = {
        "telsam": telsam_faxes.NOT_FOUND["message"],
        "bulutfon": bulutfon_faxes.NOT_FOUND,
        "bulutsantralim": f"cannot find fax with call_uuid {fax_id}",
    }
    with pytest.raises(ServiceValidationError) as err:
        await action(
            hass,
            "download_fax",
            {
                "config_entry_id": entry.entry_id,
                "fax_id": fax_id,
                "directory": str(media / "indir"),
            },
        )
    assert err.value.translation_key == "provider_error"
    assert err.value.translation_placeholders == {"message": words[provider]}
    assert not (media / "indir").exists()


@pytest.mark.parametrize("name", ["get_recording_url", "download_recording"])
@pytest.mark.parametrize("provider", CALLING)
async def test_unknown_call_in_the_providers_words(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    name: str,
    provider: str,
) -> None:
    """An unknown call id is the provider's refusal, in its own words, on both calling PBXs."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    words = {
        "bulutfon": bulutfon_faxes.NOT_FOUND,
        "bulutsantralim": f"cannot find call with call_uuid {UNKNOWN_UUID}",
    }
    data = {"config_entry_id": entry.entry_id, "call_id": UNKNOWN_UUID}
    with pytest.raises(ServiceValidationError) as err:
        await action(hass, name, data)
    assert err.value.translation_key == "provider_error"
    assert err.value.translation_placeholders == {"message": words[provider]}
    assert not (media / "santral").exists()


async def test_bulutfon_call_without_recording(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """Bulutfon hands out no link to a recording its call record says does not exist."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    call = build_call(
        "bulutfon",
        pbx_number="908508850000",
        recording=False,
        started=dt_util.utcnow() - timedelta(minutes=5),
    )
    simulator.state.add_cdrs("bulutfon", [call])
    with pytest.raises(ServiceValidationError) as err:
        await action(
            hass,
            "get_recording_url",
            {"config_entry_id": entry.entry_id, "call_id": call.uuid},
        )
    assert err.value.translation_key == "provider_error"
    assert "call_record NO" in err.value.translation_placeholders["message"]
    assert simulator.count("bulutfon", "call_record") == 0


@pytest.mark.parametrize("provider", CALLING)
async def test_unknown_extension_in_the_providers_words(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    provider: str,
) -> None:
    """Calling from an extension the PBX does not have is refused in the PBX's words."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    data = good_data("originate", provider, entry.entry_id, media) | {
        "extension": "1999"
    }
    words = {
        "bulutfon": bulutfon_calls.INVALID_DESTINATION,
        "bulutsantralim": "extension 1999 not found",
    }
    with pytest.raises(ServiceValidationError) as err:
        await action(hass, "originate", data)
    assert err.value.translation_key == "provider_error"
    assert err.value.translation_placeholders == {"message": words[provider]}


@pytest.mark.parametrize("name", ACTIONS)
async def test_entries_that_cannot_answer(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    name: str,
) -> None:
    """Unknown, foreign and unloaded entries, and providers without the feature, are refused."""
    provider = PROVIDERS_OF[name][0]
    entry = await setup(hass, make_entry(KINDS[provider]))
    foreign = MockConfigEntry(domain="demo", title="Demo")
    foreign.add_to_hass(hass)
    unknown = "01J0000000000000000000000Z"
    with pytest.raises(ServiceValidationError) as err:
        await action(hass, name, good_data(name, provider, unknown, media))
    assert err.value.translation_domain == "homeassistant"
    assert err.value.translation_key == "service_config_entry_not_found"
    assert err.value.translation_placeholders == {"domain": DOMAIN, "entry_id": unknown}
    with pytest.raises(ServiceValidationError) as err:
        await action(hass, name, good_data(name, provider, foreign.entry_id, media))
    assert err.value.translation_domain == "homeassistant"
    assert err.value.translation_key == "service_config_entry_wrong_domain"
    assert err.value.translation_placeholders == {
        "domain": DOMAIN,
        "entry_title": foreign.title,
    }
    if name in ("originate", "get_recording_url", "download_recording"):
        telsam = await setup(hass, make_entry("telsam"))
        data = good_data(name, provider, telsam.entry_id, media)
        with pytest.raises(ServiceValidationError) as err:
            await action(hass, name, data)
        assert err.value.translation_key == "call_control_not_supported"
        assert err.value.translation_placeholders == {"title": telsam.title}
    assert await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await action(hass, name, good_data(name, provider, entry.entry_id, media))
    assert err.value.translation_domain == "homeassistant"
    assert err.value.translation_key == "service_config_entry_not_loaded"
    assert err.value.translation_placeholders == {
        "domain": DOMAIN,
        "entry_title": entry.title,
    }


@pytest.mark.parametrize("name", ["get_recording_url", "download_fax"])
@pytest.mark.parametrize("bad", ["a\x00b", "../me", "x" * 81])
async def test_malformed_ids_refused_by_the_schema(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    name: str,
    bad: str,
) -> None:
    """An id that is no provider id never reaches a provider URL."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    before = simulator.count("bulutsantralim")
    field = "call_id" if name == "get_recording_url" else "fax_id"
    data = good_data(name, "bulutsantralim", entry.entry_id, media) | {field: bad}
    with pytest.raises(vol.Invalid):
        await action(hass, name, data)
    assert simulator.count("bulutsantralim") == before


def served_failure(caplog: pytest.LogCaptureFixture) -> BaseException | None:
    """Return the exception aiohttp answered a bare 500 for, if it did."""
    for record in caplog.records:
        if record.name == "aiohttp.server" and record.exc_info:
            return record.exc_info[1]
    return None


@pytest.mark.parametrize(
    ("name", "provider", "data", "key", "words"),
    [
        (
            "download_fax",
            "telsam",
            {"fax_id": "1", "directory": "/media/a\x00b"},
            "invalid_characters",
            "directory",
        ),
        (
            "download_recording",
            "bulutsantralim",
            {"call_id": "c-1", "directory": "/media/a\x00b"},
            "invalid_characters",
            "directory",
        ),
        (
            "download_fax",
            "telsam",
            {"fax_id": "987654"},
            "provider_error",
            telsam_faxes.NOT_FOUND["message"],
        ),
        (
            "download_fax",
            "bulutfon",
            {"fax_id": UNKNOWN_UUID},
            "provider_error",
            bulutfon_faxes.NOT_FOUND,
        ),
        (
            "download_recording",
            "bulutsantralim",
            {"call_id": UNKNOWN_UUID},
            "provider_error",
            f"cannot find call with call_uuid {UNKNOWN_UUID}",
        ),
    ],
)
async def test_rest_api_answers_bad_request(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    caplog: pytest.LogCaptureFixture,
    name: str,
    provider: str,
    data: dict[str, Any],
    key: str,
    words: str,
) -> None:
    """POST /api/services/santral/<action> answers bad input as the caller's mistake."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    assert await async_setup_component(hass, "api", {})
    client = await hass_client()
    response = await client.post(
        f"/api/services/{DOMAIN}/{name}?return_response",
        json={"config_entry_id": entry.entry_id, **data},
    )
    if REST_ANSWERS_VALIDATION_ERRORS:
        assert response.status == HTTPStatus.BAD_REQUEST
        assert words in (await response.json())["message"]
        assert served_failure(caplog) is None
    else:
        assert response.status == HTTPStatus.INTERNAL_SERVER_ERROR
        failure = served_failure(caplog)
        assert isinstance(failure, ServiceValidationError)
        assert failure.translation_key == key
    assert not (media / "santral").exists()


async def test_rest_api_malformed_id_is_bad_request(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """An id with a NUL byte fails the schema: a 400 on every supported version."""
    entry = await setup(hass, make_entry("telsam"))
    assert await async_setup_component(hass, "api", {})
    client = await hass_client()
    response = await client.post(
        f"/api/services/{DOMAIN}/download_fax?return_response",
        json={"config_entry_id": entry.entry_id, "fax_id": "1\x00"},
    )
    assert response.status == HTTPStatus.BAD_REQUEST
    assert simulator.count("telsam", "fax_download") == 0


@pytest.mark.parametrize(
    "folder",
    [
        "{media}/../outside",
        "{media}/baglanti",
        "{media}/baglanti/alt",
        "/proc/self",
        "/etc",
        "kayitlar",
    ],
)
@pytest.mark.parametrize(
    ("name", "provider"),
    [("download_fax", "telsam"), ("download_recording", "bulutsantralim")],
)
async def test_download_folders_outside_refused(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    outside: Path,
    folder: str,
    name: str,
    provider: str,
) -> None:
    """Traversal, a link out of the media folder, /proc and relative folders are refused."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    (media / "baglanti").symlink_to(outside, target_is_directory=True)
    directory = folder.format(media=media)
    data = good_data(name, provider, entry.entry_id, media) | {"directory": directory}
    with pytest.raises(ServiceValidationError) as err:
        await action(hass, name, data)
    assert err.value.translation_key == "path_not_allowed"
    assert err.value.translation_placeholders == {"path": directory}
    assert sorted(path.name for path in outside.iterdir()) == ["a.pdf"]


@pytest.mark.parametrize("kind", ["link", "fifo", "folder"])
@pytest.mark.parametrize(
    ("name", "provider"),
    [("download_fax", "telsam"), ("download_recording", "bulutsantralim")],
)
async def test_download_never_writes_through_what_is_there(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    outside: Path,
    kind: str,
    name: str,
    provider: str,
) -> None:
    """A link, a pipe or a folder where the file would go is refused, not written through."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    if name == "download_fax":
        fax = await simulator.receive_fax(provider)
        data = {"fax_id": str(fax.id)}
        target = media / "indir" / f"{fax.id}.pdf"
    else:
        call_id = recorded_call(simulator, provider)
        data = {"call_id": call_id}
        target = media / "indir" / f"{call_id}.mp3"
    target.parent.mkdir()
    if kind == "link":
        target.symlink_to(outside / "hedef")
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    data |= {"config_entry_id": entry.entry_id, "directory": str(target.parent)}
    async with asyncio.timeout(30):
        with pytest.raises(ServiceValidationError) as err:
            await action(hass, name, data)
    assert err.value.translation_key == "not_a_file"
    assert err.value.translation_placeholders == {"path": str(target)}
    assert sorted(path.name for path in outside.iterdir()) == ["a.pdf"]
    assert [path.name for path in target.parent.iterdir()] == [target.name]


async def test_download_replaces_an_earlier_copy(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
) -> None:
    """Downloading the same fax again replaces the file; no temporary file stays behind."""
    entry = await setup(hass, make_entry("telsam"))
    fax = await simulator.receive_fax("telsam")
    target = media / "indir" / f"{fax.id}.pdf"
    target.parent.mkdir()
    target.write_bytes(b"eski")
    data = {
        "config_entry_id": entry.entry_id,
        "fax_id": str(fax.id),
        "directory": str(target.parent),
    }
    response = await action(hass, "download_fax", data)
    assert response["path"] == str(target)
    assert target.read_bytes() == fax.document
    assert [path.name for path in target.parent.iterdir()] == [target.name]


@pytest.mark.parametrize(
    ("file", "key"),
    [
        ("{media}/../outside/a.pdf", "path_not_allowed"),
        ("{media}/baglanti.pdf", "path_not_allowed"),
        ("/proc/self/root/etc/passwd.pdf", "path_not_allowed"),
        ("{media}/boru.pdf", "not_a_file"),
        ("{media}/klasor.pdf", "not_a_file"),
    ],
)
async def test_send_fax_files_outside_or_not_files_refused(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    outside: Path,
    file: str,
    key: str,
) -> None:
    """Traversal, a link out of the media folder, /proc, a pipe and a folder are never sent."""
    entry = await setup(hass, make_entry("telsam"))
    (media / "baglanti.pdf").symlink_to(outside / "a.pdf")
    os.mkfifo(media / "boru.pdf")
    (media / "klasor.pdf").mkdir()
    path = file.format(media=media)
    data = good_data("send_fax", "telsam", entry.entry_id, media) | {"file": [path]}
    async with asyncio.timeout(30):
        with pytest.raises(ServiceValidationError) as err:
            await action(hass, "send_fax", data)
    assert err.value.translation_key == key
    assert err.value.translation_placeholders == {"path": path}
    assert simulator.count("telsam", "fax_send") == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("sender", "faks"), ("sender", "123")],
)
async def test_send_fax_sender_must_be_a_number(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    field: str,
    value: str,
) -> None:
    """A sender that is no full phone number is refused before the upload."""
    entry = await setup(hass, make_entry("telsam"))
    (media / "a.pdf").write_bytes(PDF)
    data = good_data("send_fax", "telsam", entry.entry_id, media) | {field: value}
    with pytest.raises(ServiceValidationError) as err:
        await action(hass, "send_fax", data)
    assert err.value.translation_key == "invalid_number"
    assert err.value.translation_placeholders == {"number": value}
    assert simulator.count("telsam", "fax_send") == 0


async def test_originate_caller_id_must_be_a_number(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
) -> None:
    """A caller id that is no full phone number is refused before the PBX is asked."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    data = good_data("originate", "bulutsantralim", entry.entry_id, media)
    with pytest.raises(ServiceValidationError) as err:
        await action(hass, "originate", data | {"caller_id": "santral"})
    assert err.value.translation_key == "invalid_number"
    assert err.value.translation_placeholders == {"number": "santral"}
    assert simulator.count("bulutsantralim", "originate") == 0


@pytest.mark.parametrize(
    ("fault", "key"),
    [(FaultKind.HTML, "invalid_response"), (FaultKind.SERVER_ERROR, "cannot_connect")],
)
async def test_provider_failures_are_not_validation_errors(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    fault: FaultKind,
    key: str,
) -> None:
    """An answer Santral cannot read, or a provider that is down, is the provider's failure."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    fax = await simulator.receive_fax("bulutsantralim")
    simulator.inject("bulutsantralim", "fax_document_url", Fault(fault))
    with pytest.raises(HomeAssistantError) as err:
        await action(
            hass,
            "download_fax",
            {"config_entry_id": entry.entry_id, "fax_id": str(fax.id)},
        )
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    assert err.value.translation_placeholders["error"]


@pytest.mark.parametrize("file", ["{media}/a.pdf/b.pdf", "{media}/dongu.pdf"])
async def test_send_fax_file_that_cannot_be_opened(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    file: str,
) -> None:
    """A path through a file, or a link that loops, is unreadable in the system's words."""
    entry = await setup(hass, make_entry("telsam"))
    (media / "a.pdf").write_bytes(PDF)
    (media / "dongu.pdf").symlink_to(media / "dongu.pdf")
    path = file.format(media=media)
    data = good_data("send_fax", "telsam", entry.entry_id, media) | {"file": [path]}
    with pytest.raises(ServiceValidationError) as err:
        await action(hass, "send_fax", data)
    assert err.value.translation_key == "file_unreadable"
    assert err.value.translation_placeholders["path"] == path
    assert err.value.translation_placeholders["error"]
    assert simulator.count("telsam", "fax_send") == 0


async def test_download_fax_to_unwritable_folder(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
) -> None:
    """A folder that cannot be made (a file is in the way) is a translated error."""
    entry = await setup(hass, make_entry("telsam"))
    fax = await simulator.receive_fax("telsam")
    (media / "dosya").write_text("not a folder")
    directory = media / "dosya" / "alt"
    with pytest.raises(ServiceValidationError) as err:
        await action(
            hass,
            "download_fax",
            {
                "config_entry_id": entry.entry_id,
                "fax_id": str(fax.id),
                "directory": str(directory),
            },
        )
    assert err.value.translation_key == "file_unwritable"
    assert err.value.translation_placeholders["path"] == str(
        directory / f"{fax.id}.pdf"
    )
    assert err.value.translation_placeholders["error"]


async def test_download_fax_when_the_disk_refuses(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A write the disk refuses (here: full) names the system's reason; nothing is left."""
    entry = await setup(hass, make_entry("telsam"))
    fax = await simulator.receive_fax("telsam")

    def _full(filename: str, utf8_data: bytes | str, **_: Any) -> None:
        error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), filename)
        raise WriteError(error) from error  # as Home Assistant's helper wraps it

    monkeypatch.setattr(files, "write_utf8_file", _full)
    with pytest.raises(ServiceValidationError) as err:
        await action(
            hass,
            "download_fax",
            {
                "config_entry_id": entry.entry_id,
                "fax_id": str(fax.id),
                "directory": str(media / "indir"),
            },
        )
    assert err.value.translation_key == "file_unwritable"
    assert err.value.translation_placeholders["error"] == os.strerror(errno.ENOSPC)
    assert list((media / "indir").iterdir()) == []


async def test_revoked_key_asks_to_sign_in_again(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
) -> None:
    """A key the PBX no longer takes is a provider failure that starts reauthentication."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    fax = await simulator.receive_fax("bulutsantralim")
    simulator.state.bulutsantralim.api_key = "K00000000-0000-0000-0000-000000000000"
    with pytest.raises(HomeAssistantError) as err:
        await action(
            hass,
            "download_fax",
            {"config_entry_id": entry.entry_id, "fax_id": str(fax.id)},
        )
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "invalid_auth"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
