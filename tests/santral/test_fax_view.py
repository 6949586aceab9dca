"""The archived fax documents over HTTP: what the fax inbox card opens."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from homeassistant.components.http.auth import async_sign_path
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import CONF_FAX_FOLDER, DOMAIN
from custom_components.santral.fax_view import archived_file
from simulator import Simulator
from tests.helpers import MakeEntry, poll_faxes, setup


async def _received(
    hass: HomeAssistant, simulator: Simulator, entry: MockConfigEntry
) -> tuple[str, Path]:
    """Receive one fax on the entry's provider; return its document's path and its file."""
    fax = await simulator.receive_fax(entry.data["provider"], pages=1)
    await poll_faxes(hass, entry)
    logged = entry.runtime_data.faxes.log[-1]
    assert logged.fax_id == str(fax.id)
    assert logged.file is not None
    return f"/api/santral/fax/{entry.entry_id}/{fax.id}", Path(logged.file)


@pytest.fixture
async def santralim(
    hass: HomeAssistant, make_entry: MakeEntry, media: Path
) -> MockConfigEntry:
    """Set up Bulutsantralim, whose faxes are PDFs, archived in the media folder."""
    assert await async_setup_component(hass, "webhook", {})
    return await setup(hass, make_entry("bulutsantralim"))


async def test_pdf_fax_is_served_to_users_only(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A signed-in user gets the PDF inline; without a token, or a signature, nothing."""
    path, file = await _received(hass, simulator, santralim)
    client = await hass_client()

    response = await client.get(path)

    assert response.status == 200
    assert response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert "no-store" in response.headers["Cache-Control"]
    body = await response.read()
    assert body.startswith(b"%PDF")
    assert body == file.read_bytes()

    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(path)).status == 401
    signed = async_sign_path(hass, path, timedelta(minutes=1))
    answer = await anonymous.get(signed)
    assert answer.status == 200
    assert await answer.read() == body
    tampered = signed.replace(path, f"{path}0")
    assert (await anonymous.get(tampered)).status == 401


async def test_tiff_fax_has_its_type(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    hass_client: ClientSessionGenerator,
) -> None:
    """A Bulutfon fax is a TIFF, served as an image."""
    assert await async_setup_component(hass, "webhook", {})
    entry = await setup(hass, make_entry("bulutfon_token"))
    path, file = await _received(hass, simulator, entry)
    client = await hass_client()

    response = await client.get(path)

    assert response.status == 200
    assert response.content_type == "image/tiff"
    assert await response.read() == file.read_bytes()


async def test_archive_outside_the_media_folder(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    tmp_path: Path,
    hass_client: ClientSessionGenerator,
) -> None:
    """A fax archived in another allowed folder, which no media source serves, opens too."""
    folder = tmp_path / "arsiv"
    hass.config.allowlist_external_dirs.add(str(folder))
    assert await async_setup_component(hass, "webhook", {})
    entry = await setup(hass, make_entry("telsam"), {CONF_FAX_FOLDER: str(folder)})
    path, file = await _received(hass, simulator, entry)
    assert file.is_relative_to(folder)
    client = await hass_client()

    response = await client.get(path)

    assert response.status == 200
    assert response.content_type == "application/pdf"
    assert await response.read() == file.read_bytes()


async def test_unknown_entry_fax_or_file(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """Anything but a loaded entry's archived received fax is not found."""
    path, file = await _received(hass, simulator, santralim)
    other = MockConfigEntry(domain="other", entry_id="01OTHER")
    other.add_to_hass(hass)
    fax_id = path.rsplit("/", 1)[1]
    client = await hass_client()

    for missing in (
        f"/api/santral/fax/01NOSUCHENTRY/{fax_id}",
        f"/api/santral/fax/{other.entry_id}/{fax_id}",
        f"/api/santral/fax/{santralim.entry_id}/999999",
    ):
        assert (await client.get(missing)).status == 404, missing
    assert (await client.get(path)).status == 200

    file.unlink()
    assert (await client.get(path)).status == 404

    await hass.config_entries.async_unload(santralim.entry_id)
    assert (await client.get(path)).status == 404


async def test_no_file_outside_the_archive(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    tmp_path: Path,
    hass_client: ClientSessionGenerator,
) -> None:
    """Neither the request nor the log can reach a file outside the archive folder."""
    path, file = await _received(hass, simulator, santralim)
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 not a fax")
    client = await hass_client()
    logged = santralim.runtime_data.faxes.log[-1]
    fax_id = logged.fax_id

    for traversal in (
        f"/api/santral/fax/{santralim.entry_id}/..%2F..%2Fsecret.pdf",
        f"/api/santral/fax/{santralim.entry_id}/{fax_id}%2F..%2F..%2Fsecret.pdf",
        f"/api/santral/fax/{santralim.entry_id}/{fax_id}/../../../secret.pdf",
    ):
        response = await client.get(traversal)
        # Home Assistant's request filter refuses some with 400 before the view runs.
        assert response.status in (400, 404), traversal
        assert b"not a fax" not in await response.read()

    # A log naming a file elsewhere (an edited store), through `..` or through a link.
    logged.file = str(file.parent / ".." / ".." / ".." / ".." / secret.name)
    assert (await client.get(path)).status == 404
    logged.file = str(secret)
    assert (await client.get(path)).status == 404
    link = file.parent / "link.pdf"
    link.symlink_to(secret)
    logged.file = str(link)
    assert (await client.get(path)).status == 404
    logged.file = str(file.parent)
    assert (await client.get(path)).status == 404
    logged.file = str(file)
    assert (await client.get(path)).status == 200


async def test_unknown_document_is_a_download(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """A document of no known type is offered as a download, never shown inline."""
    path, file = await _received(hass, simulator, santralim)
    other = file.with_suffix(".bin")
    file.rename(other)
    santralim.runtime_data.faxes.log[-1].file = str(other)
    client = await hass_client()

    response = await client.get(path)

    assert response.status == 200
    assert response.content_type == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_archived_file(tmp_path: Path) -> None:
    """Only a regular file inside the archive, after resolving, is served."""
    archive = tmp_path / "archive"
    (archive / "2026-05").mkdir(parents=True)
    fax = archive / "2026-05" / "a.pdf"
    fax.write_bytes(b"%PDF")
    assert archived_file(archive, str(fax)) == fax.resolve()
    assert archived_file(archive, str(archive / "2026-05" / ".." / "2026-05" / "a.pdf"))
    assert archived_file(None, str(fax)) is None
    assert archived_file(archive, None) is None
    assert archived_file(archive, str(archive / "missing.pdf")) is None
    assert archived_file(tmp_path / "missing", str(fax)) is None
    assert archived_file(archive, str(archive)) is None


async def test_setup_without_entries_serves_nothing(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """The view is there once Santral is; with no entry every fax is unknown."""
    assert await async_setup_component(hass, DOMAIN, {})
    client = await hass_client()
    assert (await client.get("/api/santral/fax/01ENTRY/1")).status == 404
