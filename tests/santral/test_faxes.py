"""Faxes end to end: polling, archive, events, sensors and the send and download actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant import block_async_io
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import CONF_ARCHIVE_FAXES, DOMAIN
from simulator import Fault, FaultKind, Simulator
from tests.helpers import (
    FAX_KINDS as KINDS,
    OBJECT_IDS as DEVICE,
    Events,
    MakeEntry,
    deliver_webhooks,
    poll_faxes as poll,
    setup,
)

DOWNLOAD_ROUTE = {
    "telsam": "fax_download",
    "bulutfon": "incoming_fax",
    "bulutsantralim": "fax_document_url",
}
SEND_ROUTE = {
    "telsam": "fax_send",
    "bulutfon": "send_fax",
    "bulutsantralim": "fax_orders_create",
}
SENDER = {
    "telsam": "+908502590260",
    "bulutfon": "+908508850000",
    "bulutsantralim": "+908505320000",
}
PROVIDERS = list(KINDS)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
async def telsam(
    hass: HomeAssistant, make_entry: MakeEntry, media: Path
) -> MockConfigEntry:
    """Set up a Telsam entry, with a media folder for its faxes."""
    return await setup(hass, make_entry("telsam"))


@pytest.fixture
def document(media: Path) -> Path:
    """Write a small PDF into the media folder."""
    path = media / "a.pdf"
    path.write_bytes(PDF)
    return path


async def download(
    hass: HomeAssistant, entry: MockConfigEntry, fax_id: str, directory: Path | str
) -> dict[str, Any]:
    """Call santral.download_fax and return its response."""
    response = await hass.services.async_call(
        DOMAIN,
        "download_fax",
        {
            "config_entry_id": entry.entry_id,
            "fax_id": fax_id,
            "directory": str(directory),
        },
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


async def send(
    hass: HomeAssistant, entry: MockConfigEntry, **data: Any
) -> dict[str, Any]:
    """Call santral.send_fax and return its response."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_fax",
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_received_fax_archived_and_announced_once(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    fax_events: Events,
    provider: str,
) -> None:
    """A new fax is saved under the media folder and announced once, with its path."""
    await simulator.receive_fax(provider, sender="905321112233", pages=2)  # history
    entry = await setup(hass, make_entry(KINDS[provider]))
    assert fax_events == []
    fax = await simulator.receive_fax(provider, sender="905324445566", pages=3)
    await poll(hass, entry)
    await poll(hass, entry)
    assert len(fax_events) == 1
    event = fax_events[0]
    assert event["type"] == "received"
    assert event["fax_id"] == str(fax.id)
    assert event["remote"] == "+905324445566"
    assert event["source"] == "poll"
    path = Path(event["file"])
    assert path.is_file()
    assert path.parent.parent == media / "santral" / "faxes" / entry.entry_id
    assert len(path.parent.name) == 7  # YYYY-MM
    content = path.read_bytes()
    if provider == "bulutfon":
        assert content[:4] == b"II*\x00"
        assert path.suffix == ".tiff"
    else:
        assert content.startswith(b"%PDF")
        assert path.suffix == ".pdf"
    assert (
        hass.states.get(f"sensor.{DEVICE[provider]}_faxes_received_today").state == "1"
    )
    last = hass.states.get(f"sensor.{DEVICE[provider]}_last_received_fax")
    assert last.state == "+90 532 444 55 66"
    assert last.attributes["remote"] == "+905324445566"
    assert last.attributes["file"] == str(path)
    assert (
        hass.states.get(f"event.{DEVICE[provider]}_fax").attributes["event_type"]
        == "received"
    )


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_failed_download_is_retried(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    fax_events: Events,
    provider: str,
) -> None:
    """A document that cannot be fetched is tried again at the next poll; the fax is kept."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    await simulator.receive_fax(provider)
    simulator.inject(provider, DOWNLOAD_ROUTE[provider], Fault(FaultKind.SERVER_ERROR))
    await poll(hass, entry)
    assert fax_events == []
    await poll(hass, entry)
    assert len(fax_events) == 1
    assert Path(fax_events[0]["file"]).is_file()


async def test_fax_announced_without_file_after_tries(
    hass: HomeAssistant,
    simulator: Simulator,
    telsam: MockConfigEntry,
    fax_events: Events,
) -> None:
    """A document that never comes does not hold the fax back for ever."""
    entry = telsam
    await simulator.receive_fax("telsam")
    simulator.inject(
        "telsam", "fax_download", Fault(FaultKind.SERVER_ERROR, times=None)
    )
    for _ in range(3):
        await poll(hass, entry)
    assert len(fax_events) == 1
    assert fax_events[0]["file"] is None
    await poll(hass, entry)
    assert len(fax_events) == 1


async def test_archive_off(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    fax_events: Events,
) -> None:
    """With the archive off, faxes are announced and nothing is downloaded."""
    entry = await setup(hass, make_entry("telsam"), {CONF_ARCHIVE_FAXES: False})
    await simulator.receive_fax("telsam")
    await poll(hass, entry)
    assert [event["file"] for event in fax_events] == [None]
    assert simulator.count("telsam", "fax_download") == 0


async def test_restart_announces_once(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    fax_events: Events,
) -> None:
    """A fax received while Home Assistant was down is announced once after it starts."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    assert await hass.config_entries.async_unload(entry.entry_id)
    await simulator.receive_fax("bulutsantralim")
    await setup(hass, entry)
    assert len(fax_events) == 1
    fax_entity = hass.states.get("event.bulutsantralim_908501234567_fax")
    assert fax_entity.attributes["event_type"] == "received"
    assert await hass.config_entries.async_unload(entry.entry_id)
    await setup(hass, entry)
    await poll(hass, entry)
    assert len(fax_events) == 1


async def test_telsam_token_expires_mid_poll(
    hass: HomeAssistant,
    simulator: Simulator,
    telsam: MockConfigEntry,
    fax_events: Events,
) -> None:
    """An expired token during a poll is refreshed; the poll succeeds and nobody is asked."""
    entry = telsam
    await simulator.receive_fax("telsam")
    simulator.state.telsam.expire_access_tokens()
    await poll(hass, entry)
    assert len(fax_events) == 1
    assert entry.runtime_data.fax_history.last_update_success
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert simulator.state.telsam.grants["refresh_token"] == 1


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("outcome", ["success", "failed"])
async def test_send_fax_settles_once(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    fax_events: Events,
    document: Path,
    provider: str,
    outcome: str,
) -> None:
    """A sent fax is pending until it settles, then fires sent or failed once."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    response = await send(
        hass,
        entry,
        number=["0212 555 00 00"],
        file=[str(document)],
        sender=SENDER[provider],
        subject="Teklif",
    )
    assert response["faxes"]
    assert {fax["status"] for fax in response["faxes"]} == {"queued"}
    assert hass.states.get(
        f"sensor.{DEVICE[provider]}_outgoing_faxes_pending"
    ).state == str(len(response["faxes"]))
    assert simulator.state_of(provider).sent_documents[-1] == PDF

    await poll(hass, entry)
    assert fax_events == []
    simulator.settle_faxes(provider, outcome)
    await poll(hass, entry)
    await poll(hass, entry)
    expected = "sent" if outcome == "success" else "failed"
    assert [event["type"] for event in fax_events] == [expected]
    assert fax_events[0]["direction"] == "outbound"
    assert (
        hass.states.get(f"sensor.{DEVICE[provider]}_outgoing_faxes_pending").state
        == "0"
    )
    assert (
        hass.states.get(f"sensor.{DEVICE[provider]}_last_outgoing_fax").state
        == expected
    )


async def test_send_ten_megabytes_without_blocking(
    hass: HomeAssistant,
    simulator: Simulator,
    telsam: MockConfigEntry,
    media: Path,
    caplog: pytest.LogCaptureFixture,
    disable_block_async_io: None,
) -> None:
    """A 10 MB PDF is read and encoded off the event loop, with blocking-call detection on.

    The test harness leaves file reads out of the detection; they are put back in here.
    """
    entry = telsam
    document = media / "buyuk.pdf"
    content = PDF + b"0" * (10 * 1024 * 1024)
    document.write_bytes(content)
    for call in list(block_async_io._BLOCKED_CALLS.calls):  # noqa: SLF001
        setattr(call.object, call.function, call.original_func)
    block_async_io._BLOCKED_CALLS.calls.clear()  # noqa: SLF001
    in_tests = block_async_io._IN_TESTS  # noqa: SLF001
    block_async_io._IN_TESTS = False  # noqa: SLF001
    try:
        block_async_io.enable()
        protected = {call.function for call in block_async_io._BLOCKED_CALLS.calls}  # noqa: SLF001
        assert {"read_bytes", "open"} <= protected
        response = await send(
            hass,
            entry,
            number="02125550000",
            file=str(document),
            sender=SENDER["telsam"],
        )
    finally:
        block_async_io._IN_TESTS = in_tests  # noqa: SLF001
    assert len(response["faxes"]) == 1
    assert simulator.state.telsam.sent_documents[-1] == content
    assert "Detected blocking call" not in caplog.text


async def test_telsam_refusal_is_translated(
    hass: HomeAssistant, telsam: MockConfigEntry, document: Path
) -> None:
    """Telsam's 422 reaches the user with Telsam's own words."""
    with pytest.raises(HomeAssistantError) as err:
        await send(
            hass,
            telsam,
            number="02125550000",
            file=str(document),
            sender="+908500000000",
        )
    assert err.value.translation_key == "provider_error"
    assert err.value.translation_placeholders == {"message": "did değeri geçersiz."}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"number": "123", "file": "{media}/a.pdf"}, "invalid_number"),
        ({"number": "02125550000", "file": "/etc/passwd.pdf"}, "path_not_allowed"),
        ({"number": "02125550000", "file": "a.pdf"}, "path_not_allowed"),
        ({"number": "02125550000", "file": "{media}/yok.pdf"}, "file_not_found"),
        (
            {"number": "02125550000", "file": "{media}/notlar.txt"},
            "file_type_not_accepted",
        ),
        ({"number": "02125550000", "file": "{media}/dev.pdf"}, "file_too_large"),
        (
            {"number": "02125550000", "file": "{media}/a.pdf", "sender": None},
            "sender_required",
        ),
    ],
)
@pytest.mark.usefixtures("document")
async def test_send_fax_bad_input(
    hass: HomeAssistant,
    simulator: Simulator,
    telsam: MockConfigEntry,
    media: Path,
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad input is a translated validation error and nothing is sent."""
    (media / "notlar.txt").write_text("merhaba")
    with (media / "dev.pdf").open("wb") as big:
        big.truncate(21 * 1024 * 1024)
    call = {"sender": SENDER["telsam"], **data}
    call = {k: v.format(media=media) for k, v in call.items() if v is not None}
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, telsam, **call)
    assert err.value.translation_key == key
    assert simulator.count("telsam", "fax_send") == 0


async def test_send_fax_unknown_or_unloaded_entry(
    hass: HomeAssistant, telsam: MockConfigEntry
) -> None:
    """An unknown entry and an unloaded one are refused with their own messages."""
    entry = telsam
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "send_fax",
            {"config_entry_id": "yok", "number": "02125550000", "file": "/x.pdf"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "service_config_entry_not_found"
    assert await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, entry, number="02125550000", file="/x.pdf")
    assert err.value.translation_key == "service_config_entry_not_loaded"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_download_fax(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    provider: str,
) -> None:
    """download_fax saves the document inside an allowed folder and returns its path."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    fax = await simulator.receive_fax(provider)
    response = await download(hass, entry, str(fax.id), media / "indir")
    path = Path(response["path"])
    assert path.parent == media / "indir"
    assert path.stat().st_size > 0
    with pytest.raises(ServiceValidationError) as err:
        await download(hass, entry, str(fax.id), "/etc")
    assert err.value.translation_key == "path_not_allowed"


async def test_bulutfon_fax_notice_fetches_at_once(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    fax_events: Events,
) -> None:
    """Bulutfon's fax_init web hook makes Santral read the faxes now, not at the next poll."""
    await setup(hass, make_entry("bulutfon_token"))
    await deliver_webhooks(simulator, hass_client_no_auth, "bulutfon")
    fax = await simulator.receive_fax("bulutfon", sender="905327778899")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [event["fax_id"] for event in fax_events] == [str(fax.id)]
    assert Path(fax_events[0]["file"]).is_file()


async def test_fax_sent_before_first_poll_is_announced(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    document: Path,
    fax_events: Events,
) -> None:
    """A fax sent while the fax lists could not be read yet still fires when it settles."""
    simulator.inject("bulutfon", "incoming_faxes", Fault(FaultKind.SERVER_ERROR))
    entry = await setup(hass, make_entry("bulutfon_token"))
    await send(
        hass, entry, number="02125550000", file=str(document), sender=SENDER["bulutfon"]
    )
    simulator.settle_faxes("bulutfon", "success")
    await poll(hass, entry)
    assert [event["type"] for event in fax_events] == ["sent"]
