"""The call log and fax inbox commands: what a dashboard card reads over the websocket."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    MockHAClientWebSocket,
    WebSocketGenerator,
)
from yarl import URL

from custom_components.santral.const import (
    CONF_FAX_FOLDER,
    CONF_NUMBER_FORMAT,
    CONF_PHONEBOOK,
    DOMAIN,
)
from custom_components.santral.websocket_api import media_content_id
from simulator import Simulator
from simulator.calls import SimulatedCall
from tests.helpers import (
    MakeEntry,
    deliver_webhooks,
    file_calls,
    poll_calls,
    poll_faxes,
    setup,
)

AYSE = "+905321234567"
OPTIONS = {CONF_PHONEBOOK: {AYSE: "Ayşe"}, CONF_NUMBER_FORMAT: "national"}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
COMMANDS = ["santral/calls", "santral/calls/subscribe", "santral/faxes"]
COMMANDS += ["santral/faxes/subscribe"]


@pytest.fixture(autouse=True)
async def views(hass: HomeAssistant, media: Path) -> None:
    """Serve the websocket and the media folder before a test client freezes the routes."""
    for component in ("webhook", "websocket_api", "media_source"):
        assert await async_setup_component(hass, component, {})


async def calling(
    hass: HomeAssistant,
    simulator: Simulator,
    hass_client_no_auth: ClientSessionGenerator,
    entry: MockConfigEntry,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Set up an entry of a calling provider whose PBX posts here."""
    await setup(hass, entry, options)
    await deliver_webhooks(simulator, hass_client_no_auth, entry.data["provider"])
    return entry


@pytest.fixture
async def santralim(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> MockConfigEntry:
    """Set up Bulutsantralim with a phonebook naming Ayşe."""
    entry = make_entry("bulutsantralim")
    return await calling(hass, simulator, hass_client_no_auth, entry, dict(OPTIONS))


@pytest.fixture
async def bulutfon(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> MockConfigEntry:
    """Set up Bulutfon."""
    entry = make_entry("bulutfon_token")
    return await calling(hass, simulator, hass_client_no_auth, entry)


@pytest.fixture
async def ws(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> MockHAClientWebSocket:
    """Connect to Home Assistant's websocket as its owner."""
    return await hass_ws_client(hass)


async def command(ws: MockHAClientWebSocket, **message: Any) -> dict[str, Any]:
    """Send one command; return the next message, its answer."""
    await ws.send_json_auto_id(message)
    answer: dict[str, Any] = await ws.receive_json()
    return answer


async def result(ws: MockHAClientWebSocket, **message: Any) -> Any:
    """Send one command; return its result, which must be a success."""
    answer = await command(ws, **message)
    assert answer["type"] == "result", answer
    assert answer["success"], answer
    return answer["result"]


async def subscribe(ws: MockHAClientWebSocket, **message: Any) -> int:
    """Subscribe; return the subscription's id."""
    await ws.send_json_auto_id(message)
    answer = await ws.receive_json()
    assert answer["success"], answer
    assert answer["result"] is None
    subscription: int = answer["id"]
    return subscription


async def events(ws: MockHAClientWebSocket) -> dict[int, list[Any]]:
    """Return the events sent so far, by subscription.

    They come before the answer to a command sent now, which ends the reading.
    """
    await ws.send_json_auto_id({"type": "santral/faxes", "limit": 1})
    received: dict[int, list[Any]] = {}
    while (message := await ws.receive_json())["type"] == "event":
        received.setdefault(message["id"], []).append(message["event"])
    assert message["success"], message
    return received


async def place(
    hass: HomeAssistant, simulator: Simulator, provider: str, **spec: Any
) -> SimulatedCall:
    """Make a call happen on the simulated PBX, its webhooks posted here."""
    call = await simulator.place_call(provider, **spec)
    await hass.async_block_till_done()
    return call


def ids(calls: list[dict[str, Any]]) -> list[str]:
    """Return the calls' ids, in order."""
    return [call["call_id"] for call in calls]


async def test_calls_newest_first_with_names(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    ws: MockHAClientWebSocket,
) -> None:
    """Every logged call, newest first, with the phonebook's name and the chosen format."""
    ayse = await place(hass, simulator, "bulutsantralim", caller="05321234567")
    earlier = file_calls(
        simulator,
        "bulutsantralim",
        1,
        first_start=dt_util.utcnow() - timedelta(seconds=90),
    )
    missed = await place(
        hass, simulator, "bulutsantralim", outcome="missed", extension="1002"
    )
    outbound = await place(
        hass,
        simulator,
        "bulutsantralim",
        direction="outbound",
        callee="02125550000",
        recording=False,
    )
    internal = await place(hass, simulator, "bulutsantralim", direction="internal")
    await poll_calls(hass, santralim)  # logs the earlier call last

    calls = (await result(ws, type="santral/calls"))["calls"]
    assert ids(calls) == [
        internal.uuid,
        outbound.uuid,
        missed.uuid,
        ayse.uuid,
        earlier[0].uuid,
    ]
    first = calls[3]
    ended = dt_util.parse_datetime(first.pop("time"))
    assert ended is not None
    assert abs(ended - ayse.ended) < timedelta(seconds=1)
    assert first == {
        "entry_id": santralim.entry_id,
        "call_id": ayse.uuid,
        "type": "hangup",
        "direction": "inbound",
        "caller": AYSE,
        "caller_name": "Ayşe",
        "caller_display": "0532 123 45 67",
        "callee": "1001",
        "callee_name": None,
        "callee_display": "1001",
        "extension": "1001",
        "duration": ayse.talk_seconds,
        "recording_available": True,
    }
    assert (calls[1]["callee"], calls[1]["callee_display"]) == (
        "+902125550000",
        "0212 555 00 00",
    )
    assert [call["type"] for call in calls] == [
        "hangup",
        "hangup",
        "missed",
        "hangup",
        "hangup",
    ]
    assert [call["recording_available"] for call in calls[:4]] == [
        True,
        False,
        False,
        True,
    ]


async def test_call_filters_and_limit(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    bulutfon: MockConfigEntry,
    make_entry: MakeEntry,
    ws: MockHAClientWebSocket,
) -> None:
    """Each filter narrows the calls of every loaded entry, or of the one named."""
    answered = await place(hass, simulator, "bulutsantralim")
    missed = await place(
        hass, simulator, "bulutsantralim", outcome="missed", extension="1002"
    )
    outbound = await place(hass, simulator, "bulutsantralim", direction="outbound")
    internal = await place(hass, simulator, "bulutsantralim", direction="internal")
    other = await place(
        hass, simulator, "bulutfon", outcome="missed", caller="05321234567"
    )
    faxes_only = await setup(hass, make_entry("telsam"))

    async def listed(**filters: Any) -> list[str]:
        return ids((await result(ws, type="santral/calls", **filters))["calls"])

    everything = [other.uuid, internal.uuid, outbound.uuid, missed.uuid, answered.uuid]
    assert await listed() == everything
    assert await listed(limit=2) == everything[:2]
    assert await listed(limit=500) == everything
    assert await listed(missed_only=True) == [other.uuid, missed.uuid]
    assert await listed(missed_only=False) == everything
    assert await listed(direction="inbound") == [other.uuid, missed.uuid, answered.uuid]
    assert await listed(direction="outbound") == [outbound.uuid]
    assert await listed(direction="internal") == [internal.uuid]
    # An internal call is the extension's that took it.
    assert await listed(extension="1002") == [internal.uuid, missed.uuid]
    assert await listed(extension="1002", missed_only=True) == [missed.uuid]
    assert await listed(entry_id=santralim.entry_id) == everything[1:]
    assert await listed(entry_id=bulutfon.entry_id) == [other.uuid]
    assert await listed(entry_id=bulutfon.entry_id, direction="outbound") == []
    assert await listed(entry_id=faxes_only.entry_id) == []
    calls = (await result(ws, type="santral/calls", entry_id=bulutfon.entry_id))[
        "calls"
    ]
    # Each entry has its own phonebook and format: Bulutfon's has the defaults.
    assert calls[0]["entry_id"] == bulutfon.entry_id
    assert (calls[0]["caller_name"], calls[0]["caller_display"]) == (
        None,
        "+90 532 123 45 67",
    )


async def test_subscribed_calls(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    make_entry: MakeEntry,
    hass_client_no_auth: ClientSessionGenerator,
    ws: MockHAClientWebSocket,
) -> None:
    """Each call that ends reaches the subscriptions it matches, across reloads and entries."""
    before = await place(hass, simulator, "bulutsantralim")
    every = await subscribe(ws, type="santral/calls/subscribe")
    missed_only = await subscribe(ws, type="santral/calls/subscribe", missed_only=True)
    on_1002 = await subscribe(
        ws,
        type="santral/calls/subscribe",
        entry_id=santralim.entry_id,
        extension="1002",
    )
    answered = await place(hass, simulator, "bulutsantralim", caller="05321234567")
    missed = await place(
        hass, simulator, "bulutsantralim", outcome="missed", extension="1002"
    )
    received = await events(ws)
    assert set(received) == {every, missed_only, on_1002}
    assert [event["call"]["call_id"] for event in received[every]] == [
        answered.uuid,
        missed.uuid,
    ]
    assert received[missed_only] == [received[every][1]]
    assert received[on_1002] == [received[every][1]]
    listed = (await result(ws, type="santral/calls", limit=2))["calls"]
    assert [event["call"] for event in reversed(received[every])] == listed
    assert before.uuid not in ids(listed)
    assert received[every][0]["call"]["caller_name"] == "Ayşe"

    # Saving options reloads the entry; the subscription stays.
    assert await hass.config_entries.async_reload(santralim.entry_id)
    await hass.async_block_till_done()
    after_reload = await place(
        hass, simulator, "bulutsantralim", extension="1002", outcome="missed"
    )
    received = await events(ws)
    assert {
        key: [e["call"]["call_id"] for e in found] for key, found in received.items()
    } == {
        every: [after_reload.uuid],
        missed_only: [after_reload.uuid],
        on_1002: [after_reload.uuid],
    }

    # An entry added later is followed by the subscriptions that name none.
    bulutfon = make_entry("bulutfon_token")
    await hass.config_entries.async_add(bulutfon)  # as a finished config flow adds it
    await hass.async_block_till_done(wait_background_tasks=True)
    await deliver_webhooks(simulator, hass_client_no_auth, "bulutfon")
    elsewhere = await place(hass, simulator, "bulutfon", outcome="missed")
    received = await events(ws)
    assert set(received) == {every, missed_only}
    assert received[every] == received[missed_only]
    assert len(received[every]) == 1
    assert received[every][0]["call"]["call_id"] == elsewhere.uuid
    assert received[every][0]["call"]["entry_id"] == bulutfon.entry_id

    assert await result(ws, type="unsubscribe_events", subscription=every) is None
    last = await place(hass, simulator, "bulutsantralim", outcome="missed")
    received = await events(ws)
    assert list(received) == [missed_only]
    assert [event["call"]["call_id"] for event in received[missed_only]] == [last.uuid]


async def test_subscribed_and_listed_faxes(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    media: Path,
    ws: MockHAClientWebSocket,
) -> None:
    """Faxes reach the subscriptions they match; a received one names its document."""
    every = await subscribe(ws, type="santral/faxes/subscribe")
    outgoing = await subscribe(
        ws,
        type="santral/faxes/subscribe",
        entry_id=santralim.entry_id,
        direction="outbound",
    )
    fax = await simulator.receive_fax("bulutsantralim", sender="05321234567", pages=2)
    await poll_faxes(hass, santralim)
    received = await events(ws)
    assert list(received) == [every]
    (event,) = received[every]
    inbound = event["fax"]
    archived = Path(santralim.runtime_data.faxes.log[-1].file)
    assert archived.is_file()
    folder = f"santral/faxes/{santralim.entry_id}"
    assert inbound == {
        "entry_id": santralim.entry_id,
        "fax_id": str(fax.id),
        "type": "received",
        "direction": "inbound",
        "remote": AYSE,
        "remote_name": "Ayşe",
        "remote_display": "0532 123 45 67",
        "time": inbound["time"],
        "pages": 2,
        "media_content_id": (
            f"media-source://media_source/local/{archived.relative_to(media)}"
        ),
        "document_url": f"/api/santral/fax/{santralim.entry_id}/{fax.id}",
    }
    assert inbound["media_content_id"].startswith(
        f"media-source://media_source/local/{folder}/"
    )
    assert dt_util.parse_datetime(inbound["time"]) is not None

    resolved = await result(
        ws,
        type="media_source/resolve_media",
        media_content_id=inbound["media_content_id"],
    )
    assert resolved["mime_type"] == "application/pdf"
    assert URL(resolved["url"]).path == f"/media/local/{archived.relative_to(media)}"

    document = media / "teklif.pdf"
    document.write_bytes(PDF)
    await hass.services.async_call(
        DOMAIN,
        "send_fax",
        {
            "config_entry_id": santralim.entry_id,
            "number": ["0212 555 00 00"],
            "file": [str(document)],
            "sender": "+908505320000",
        },
        blocking=True,
        return_response=True,
    )
    simulator.settle_faxes("bulutsantralim", "success")
    await poll_faxes(hass, santralim)
    await poll_faxes(hass, santralim)
    received = await events(ws)
    assert set(received) == {every, outgoing}
    assert received[every] == received[outgoing]
    assert len(received[every]) == 1
    sent = received[every][0]["fax"]
    assert (sent["type"], sent["direction"], sent["remote"]) == (
        "sent",
        "outbound",
        "+902125550000",
    )
    assert sent["remote_name"] is None
    assert sent["remote_display"] == "0212 555 00 00"
    assert sent["media_content_id"] is None
    assert sent["document_url"] is None

    async def listed(**filters: Any) -> list[dict[str, Any]]:
        faxes: list[dict[str, Any]] = (
            await result(ws, type="santral/faxes", **filters)
        )["faxes"]
        return faxes

    assert await listed() == [sent, inbound]
    assert await listed(limit=1) == [sent]
    assert await listed(direction="inbound") == [inbound]
    assert await listed(entry_id=santralim.entry_id, direction="outbound") == [sent]


async def test_fax_document_opens(
    hass: HomeAssistant,
    simulator: Simulator,
    bulutfon: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    ws: MockHAClientWebSocket,
) -> None:
    """The media source turns a fax's media id into a signed link to its document."""
    await simulator.receive_fax("bulutfon", pages=1)
    await poll_faxes(hass, bulutfon)
    (fax,) = (await result(ws, type="santral/faxes"))["faxes"]
    resolved = await result(
        ws, type="media_source/resolve_media", media_content_id=fax["media_content_id"]
    )
    assert resolved["mime_type"] == "image/tiff"
    client = await hass_client_no_auth()
    response = await client.get(resolved["url"])
    assert response.status == 200
    archived = Path(bulutfon.runtime_data.faxes.log[-1].file)
    assert await response.read() == archived.read_bytes()
    unsigned = await client.get(URL(resolved["url"]).path)
    assert unsigned.status == 401


async def test_archive_outside_media_has_no_media_id(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    tmp_path: Path,
    ws: MockHAClientWebSocket,
) -> None:
    """A fax archived in an allowed folder that no media source serves has no media id."""
    folder = tmp_path / "arsiv"
    hass.config.allowlist_external_dirs.add(str(folder))
    entry = await setup(hass, make_entry("telsam"), {CONF_FAX_FOLDER: str(folder)})
    await simulator.receive_fax("telsam", pages=1)
    await poll_faxes(hass, entry)
    (fax,) = (await result(ws, type="santral/faxes"))["faxes"]
    assert entry.runtime_data.faxes.log[-1].file.startswith(str(folder))
    assert fax["media_content_id"] is None


def test_media_ids_from_paths(hass: HomeAssistant, tmp_path: Path) -> None:
    """A file's id names the innermost media folder holding it, its path normalized."""
    hass.config.media_dirs = {
        "local": str(tmp_path / "media"),
        "faxes": str(tmp_path / "media" / "fakslar"),
    }
    assert (
        media_content_id(
            hass, str(tmp_path / "media" / "fakslar" / "2026-01" / "a.pdf")
        )
        == "media-source://media_source/faxes/2026-01/a.pdf"
    )
    assert (
        media_content_id(hass, f"{tmp_path}/media/santral/../diger/b.pdf")
        == "media-source://media_source/local/diger/b.pdf"
    )
    assert media_content_id(hass, f"{tmp_path}/media/../b.pdf") is None
    assert media_content_id(hass, f"{tmp_path}/media2/b.pdf") is None
    assert media_content_id(hass, None) is None


@pytest.mark.parametrize("name", COMMANDS)
async def test_unknown_entry(
    hass: HomeAssistant,
    santralim: MockConfigEntry,
    ws: MockHAClientWebSocket,
    name: str,
) -> None:
    """An id that is no loaded Santral entry is refused, whatever the command."""
    other = MockConfigEntry(domain="other_domain")
    other.add_to_hass(hass)
    assert await hass.config_entries.async_unload(santralim.entry_id)
    for entry_id in ("nope", other.entry_id, santralim.entry_id):
        answer = await command(ws, type=name, entry_id=entry_id)
        assert answer["success"] is False
        assert answer["error"]["code"] == "entry_not_found"
        assert answer["error"]["message"] == f"Santral entry {entry_id} not found"
        assert answer["error"]["translation_key"] == "entry_not_found"


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("santral/calls", {"limit": 0}),
        ("santral/calls", {"limit": 501}),
        ("santral/calls", {"limit": "ten"}),
        ("santral/calls", {"direction": "sideways"}),
        ("santral/calls", {"missed_only": "yes"}),
        ("santral/calls", {"since": "yesterday"}),
        ("santral/calls/subscribe", {"limit": 10}),
        ("santral/calls/subscribe", {"extension": 1001}),
        ("santral/faxes", {"direction": "internal"}),
        ("santral/faxes", {"limit": 1000}),
        ("santral/faxes/subscribe", {"missed_only": True}),
    ],
)
async def test_bad_input(
    hass: HomeAssistant,
    santralim: MockConfigEntry,
    ws: MockHAClientWebSocket,
    name: str,
    bad: dict[str, Any],
) -> None:
    """What the commands do not take is refused as Home Assistant refuses bad input."""
    answer = await command(ws, type=name, **bad)
    assert answer["success"] is False
    assert answer["error"]["code"] == "invalid_format"


# A socket Home Assistant closes after refusing its authentication keeps a heartbeat timer:
# aiohttp arms it again when the client's closing frame arrives.
@pytest.mark.parametrize("expected_lingering_timers", [True])
async def test_only_authenticated_connections(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_access_token: str,
) -> None:
    """A connection without a valid token reads nothing; any signed-in user reads it all."""
    call = await place(hass, simulator, "bulutsantralim")
    client = await hass_client_no_auth()
    for first in (
        {"type": "auth", "access_token": "not-a-token"},
        {"id": 1, "type": "santral/calls"},
    ):
        async with client.ws_connect("/api/websocket") as socket:
            assert (await socket.receive_json())["type"] == "auth_required"
            await socket.send_json(first)
            assert (await socket.receive_json())["type"] == "auth_invalid"
            assert (await socket.receive()).type is WSMsgType.CLOSE

    reader = await hass_ws_client(hass, hass_read_only_access_token)
    assert ids((await result(reader, type="santral/calls"))["calls"]) == [call.uuid]


async def test_stored_calls_without_recording_flag(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    hass_storage: dict[str, Any],
    ws: MockHAClientWebSocket,
) -> None:
    """A log stored before recordings were noted loads, its calls not recorded.

    The store notes a recording only for a call that has one.
    """
    recorded = await place(hass, simulator, "bulutsantralim")
    unrecorded = await place(hass, simulator, "bulutsantralim", recording=False)
    old = await place(hass, simulator, "bulutsantralim")
    broken = await place(hass, simulator, "bulutsantralim")
    assert await hass.config_entries.async_unload(santralim.entry_id)
    log = hass_storage[f"santral.{santralim.entry_id}.calls"]["data"]["log"]
    assert [item.get("recording_available") for item in log] == [True, None, True, True]
    del log[2]["recording_available"]
    log[3]["recording_available"] = "evet"
    await setup(hass, santralim)
    calls = (await result(ws, type="santral/calls"))["calls"]
    assert ids(calls) == [old.uuid, unrecorded.uuid, recorded.uuid]
    assert [call["recording_available"] for call in calls] == [False, False, True]
    assert broken.uuid not in ids(calls)
