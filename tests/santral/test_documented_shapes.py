"""The providers' documented example bodies: read by the clients, served by the simulator.

The bodies in `fixtures/` are the documents' examples as they print them: Bulutfon's CDR
list and detail of seed 003 (numbers as JSON integers, a 12-digit `extension`, a float
`call_price`, `call_record: "Yok"`), the later `cdr.md` list (`extension` and `call_price`
as strings, `missing_call`, `"NO"`), and Telsam's detail, send answer and error bodies of
seed 004. The simulator's dialects serve the same shapes, and a Home Assistant poll reads
them end to end.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.santral.const import DOMAIN, EVENT_CALL, EVENT_FAX
from custom_components.santral.providers import (
    BulutfonClient,
    CallDirection,
    FaxDirection,
    FaxStatus,
    PreparedRequest,
    SantralAuthenticationError,
    SantralConnectionError,
    SantralInvalidResponseError,
    SantralProviderError,
    TelsamClient,
)
from custom_components.santral.providers.timeparse import parse_datetime
from simulator import Fault, FaultKind, Simulator
from simulator.calls import build_call
from simulator.faxes import Attachment
from simulator.state import DIALECTS
from tests.helpers import FIXTURES, setup

BULUTFON_DEVICE = "bulutfon_santral_bulutfon_net"
TELSAM_DEVICE = "telsam_yenifaks_api_kullanici"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def fixture(name: str) -> Any:
    """Return a documented example body."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


SEED_CDRS = fixture("bulutfon_cdrs_seed_003.json")
LATER_CDRS = fixture("bulutfon_cdrs_documents.json")


def at_the_documents_time(freezer: FrozenDateTimeFactory, body: dict[str, Any]) -> None:
    """Read a document's example list an hour after its newest call, as it was written.

    Call times a month or more old are out of a listed call's bounds.
    """
    times = [parse_datetime(item["call_time"]) for item in body["cdrs"]]
    freezer.move_to(
        max(time for time in times if time is not None) + timedelta(hours=1)
    )


# Per dialect, the document whose example an outbound CDR must match, key for key.
CDR_EXAMPLES = {"seed": SEED_CDRS, "documents": LATER_CDRS}


async def _serving(path: str, body: Any, method: str = "GET") -> tuple[str, TestServer]:
    """Run a server answering `path` with `body` as JSON (and a Telsam token)."""

    async def handle(_request: web.Request) -> web.Response:
        return web.json_response(body)

    async def token(_request: web.Request) -> web.Response:
        return web.json_response({"access_token": "a", "refresh_token": "r"})

    app = web.Application()
    app.router.add_route(method, path, handle)
    app.router.add_post("/oauth/token", token)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    return str(server.make_url("")).rstrip("/"), server


def _telsam(session: aiohttp.ClientSession, url: str) -> TelsamClient:
    return TelsamClient(
        session,
        username="u",
        password="p",
        client_id="1",
        client_secret="s",
        base_url=url,
    )


async def test_seed_003_cdrs_are_read(
    session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    """Seed 003's list: integers become numbers, the 12-digit extension is kept."""
    at_the_documents_time(freezer, SEED_CDRS)
    url, server = await _serving("/cdrs", SEED_CDRS)
    page = await BulutfonClient(
        session, token="t", base_url=url
    ).async_get_call_records()
    await server.close()
    assert page.has_next  # page 1 of 79, and a next_page
    assert [record.call_id for record in page.records] == [
        item["uuid"] for item in SEED_CDRS["cdrs"]
    ]
    first = page.records[0]
    assert first.direction is CallDirection.OUTBOUND
    assert (first.caller, first.callee) == ("+908508850000", "+905323440000")
    assert first.extension == "+908508850249"
    assert first.price == Decimal("0.01143")
    assert first.recording_available is False  # "Yok"
    assert first.missed is False
    assert first.started == datetime.fromisoformat("2015-05-18T15:08:01+03:00")
    assert (first.duration, first.talk_seconds) == (19, 7)
    assert first.hangup_cause == "NORMAL_CLEARING"
    assert [record.price for record in page.records] == [
        Decimal(str(item["call_price"])) for item in SEED_CDRS["cdrs"]
    ]


async def test_later_document_cdrs_are_read(
    session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    """The later `cdr.md` list: text extension and price, `missing_call`, `NO`."""
    at_the_documents_time(freezer, LATER_CDRS)
    url, server = await _serving("/cdrs", LATER_CDRS)
    page = await BulutfonClient(
        session, token="t", base_url=url
    ).async_get_call_records()
    await server.close()
    assert not page.has_next
    (record,) = page.records
    assert record.extension == "+902322290000"
    assert record.price == Decimal("0.0182")
    assert record.recording_available is False
    assert record.missed is False
    assert record.talk_seconds == 12


async def test_seed_003_detail_parties_are_numbers() -> None:
    """The detail example keeps integers for numbers, menus, groups and extensions."""
    detail = fixture("bulutfon_cdr_detail_seed_003.json")["cdr"]
    assert isinstance(detail["caller"], int)
    assert detail["call_record"] == "YES"
    steps = detail["call_flow"]
    assert [step["callee"] for step in steps] == [908508850000, 10, 11, 101]
    assert [leg["destination"] for leg in steps[-1]["origination"]] == [
        1004,
        1008,
        1009,
        1015,
    ]


def _types(item: dict[str, Any]) -> dict[str, type]:
    return {name: type(value) for name, value in item.items() if value is not None}


@pytest.mark.parametrize("dialect", ["seed", "documents"])
async def test_simulator_serves_the_documented_cdrs(
    simulator: Simulator, session: aiohttp.ClientSession, dialect: str
) -> None:
    """In each dialect an outbound CDR has the document's keys, order and value types."""
    simulator.set_dialect("bulutfon", dialect)
    now = dt_util.utcnow()
    simulator.state.add_cdrs(
        "bulutfon",
        [
            build_call("bulutfon", pbx_number="908508850000", direction="outbound"),
            build_call(
                "bulutfon",
                pbx_number="908508850000",
                outcome="missed",
                ended=now - timedelta(minutes=1),
            ),
        ],
    )
    async with session.get(
        f"{simulator.url('bulutfon')}/cdrs.json",
        params={"access_token": simulator.state.bulutfon.token},
    ) as response:
        body = await response.json()
    outbound, inbound = body["cdrs"]
    example = CDR_EXAMPLES[dialect]["cdrs"][0]
    assert list(outbound) == list(example)
    assert _types(outbound) == _types(example)
    assert str(outbound["extension"]) == "908508851001"
    # The extension and the price come with outbound calls only.
    assert list(inbound) == [
        key for key in example if key not in ("extension", "call_price")
    ]
    assert inbound["answer_time"] is None
    assert list(body["pagination"]) == list(CDR_EXAMPLES[dialect]["pagination"])


@pytest.mark.parametrize("dialect", ["seed", "documents"])
async def test_poll_reads_documented_cdrs(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
    dialect: str,
) -> None:
    """A Home Assistant poll of each documented shape announces calls and counts them."""
    simulator.set_dialect("bulutfon", dialect)
    simulator.add_cdrs("bulutfon", 5)  # history: the bearings
    events = async_capture_events(hass, EVENT_CALL)
    entry = await setup(hass, make_entry("bulutfon_token"))
    assert events == []
    now = dt_util.utcnow()
    outbound = build_call(
        "bulutfon",
        pbx_number="908508850000",
        direction="outbound",
        callee="905323440000",
        talk_seconds=42,
        recording=True,
        ended=now - timedelta(seconds=30),
    )
    missed = build_call(
        "bulutfon",
        pbx_number="908508850000",
        outcome="missed",
        caller="905070000000",
        ended=now - timedelta(seconds=10),
    )
    simulator.state.add_cdrs("bulutfon", [outbound, missed])
    assert entry.runtime_data.call_history is not None
    await entry.runtime_data.call_history.async_refresh()
    await hass.async_block_till_done()

    by_id = {event.data["call_id"]: event.data for event in events}
    assert set(by_id) == {outbound.uuid, missed.uuid}
    sent = by_id[outbound.uuid]
    assert sent["type"] == "hangup"
    assert sent["source"] == "poll"
    assert sent["direction"] == "outbound"
    assert (sent["caller"], sent["callee"]) == ("+908508850000", "+905323440000")
    assert sent["extension"] == "+908508851001"
    assert sent["duration"] == 42
    assert sent["recording_available"] is True  # "Var" or "YES"
    lost = by_id[missed.uuid]
    assert lost["type"] == "missed"
    assert lost["caller"] == "+905070000000"
    today = dt_util.start_of_local_day()
    ended_today = sum(1 for call in (outbound, missed) if call.ended >= today)
    state = hass.states.get
    assert state(f"sensor.{BULUTFON_DEVICE}_calls_today").state == str(ended_today)
    assert state(f"sensor.{BULUTFON_DEVICE}_missed_calls_today").state == str(
        int(missed.ended >= today)
    )
    last_missed = state(f"sensor.{BULUTFON_DEVICE}_last_missed_caller")
    assert last_missed.attributes["call_id"] == missed.uuid
    # The full number is no extension of the PBX's list: it gets no extension device.
    assert not [
        item
        for item in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if "908508851001" in item.unique_id
    ]


# --- Telsam ---------------------------------------------------------------------------


async def test_seed_004_fax_objects_are_read(session: aiohttp.ClientSession) -> None:
    """The detail's fax (no `pages`, `created_at` null) and the send answer's fax."""
    detail = fixture("telsam_fax_detail_seed_004.json")
    url, server = await _serving("/fax", {"data": [detail["fax"]]}, method="POST")
    (record,) = await _telsam(session, url).async_get_faxes_since(
        datetime.now(UTC) - timedelta(days=1)
    )
    await server.close()
    assert record.fax_id == "272825"
    assert (record.direction, record.status) == (FaxDirection.INBOUND, FaxStatus.FAILED)
    assert (record.pages, record.created, record.subject) == (None, None, None)
    assert record.local == "+908502590260"

    url, server = await _serving(
        "/fax/send", fixture("telsam_send_seed_004.json"), method="POST"
    )
    (sent,) = await _telsam(session, url).async_send_fax(
        [PreparedRequest("/fax/send", b"{}", "application/json")]
    )
    await server.close()
    assert (sent.fax_id, sent.status, sent.pages) == ("278563", FaxStatus.QUEUED, None)
    assert sent.created == datetime.fromisoformat("2021-12-23 15:39:26+03:00")
    assert sent.remote == "+908502590260"


@pytest.mark.parametrize("status", ["401", "403", "404", "500"])
async def test_simulator_answers_seed_004_errors(
    simulator: Simulator, session: aiohttp.ClientSession, status: str
) -> None:
    """The documented error fault answers the page's own bodies, token call included."""
    expected = fixture("telsam_errors_seed_004.json")
    for endpoint, body in (("fax_list", "fax"), ("token", "token")):
        if status not in expected[body]:
            continue  # the token call documents no 403
        simulator.inject(
            "telsam", endpoint, Fault(FaultKind.DOCUMENTED_ERROR, status=int(status))
        )
        path = "/fax" if endpoint == "fax_list" else "/oauth/token"
        async with session.post(f"{simulator.url('telsam')}{path}", json={}) as answer:
            assert answer.status == int(status)
            assert await answer.json() == expected[body][status]


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (401, SantralAuthenticationError, "rejecting a freshly issued token"),
        (403, SantralProviderError, "This action is unauthorized."),
        (404, SantralProviderError, "Not Found!"),
        (500, SantralConnectionError, "HTTP 500"),
    ],
)
async def test_seed_004_errors_are_understood(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    status: int,
    error: type[Exception],
    message: str,
) -> None:
    """Each documented error body becomes the matching error, in Telsam's own words."""
    state = simulator.state.telsam
    client = TelsamClient(
        session,
        username=state.username,
        password=state.password,
        client_id=state.client_id,
        client_secret=state.client_secret,
        base_url=simulator.url("telsam"),
    )
    simulator.inject(
        "telsam",
        "fax_list",
        Fault(FaultKind.DOCUMENTED_ERROR, times=None, status=status),
    )
    with pytest.raises(error, match=message) as caught:
        await client.async_get_faxes_since(datetime.now(UTC) - timedelta(days=1))
    if isinstance(caught.value, SantralProviderError):
        assert caught.value.status == status
    # A 401 is answered by a new token first: refresh, then a second try.
    assert simulator.count("telsam", "fax_list") == (2 if status == 401 else 1)


async def test_seed_004_token_errors_are_understood(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The token call's documented 401 is a credential error, its 500 an outage."""
    client = _telsam(session, simulator.url("telsam"))
    simulator.inject("telsam", "token", Fault(FaultKind.DOCUMENTED_ERROR, status=401))
    with pytest.raises(
        SantralAuthenticationError, match="Client authentication failed"
    ):
        await client.async_authenticate()
    simulator.inject("telsam", "token", Fault(FaultKind.DOCUMENTED_ERROR, status=500))
    with pytest.raises(SantralConnectionError):
        await client.async_authenticate()


@pytest.mark.parametrize("dialect", ["pages", "bare"])
async def test_simulator_serves_the_seed_004_fax_shape(
    simulator: Simulator, session: aiohttp.ClientSession, dialect: str
) -> None:
    """In the seed's dialects a fax has the page's keys: no `pages`; the list pages its way."""
    example = fixture("telsam_fax_detail_seed_004.json")["fax"]
    simulator.set_dialect("telsam", dialect)
    for _ in range(16):
        await simulator.receive_fax("telsam")
    state = simulator.state.telsam
    async with session.post(
        f"{simulator.url('telsam')}/oauth/token",
        json={
            "grant_type": "password",
            "username": state.username,
            "password": state.password,
            "client_id": state.client_id,
            "client_secret": state.client_secret,
        },
    ) as answer:
        headers = {"Authorization": f"Bearer {(await answer.json())['access_token']}"}
    pages = []
    for page in (1, 2):
        async with session.post(
            f"{simulator.url('telsam')}/fax",
            params={"page": str(page)},
            json={},
            headers=headers,
        ) as answer:
            pages.append(await answer.json())
    if dialect == "bare":
        first, second = pages
    else:
        assert [list(page) for page in pages] == [
            ["current_page", "data", "last_page"]
        ] * 2
        assert [(page["current_page"], page["last_page"]) for page in pages] == [
            (1, 2),
            (2, 2),
        ]
        first, second = (page["data"] for page in pages)
    assert (len(first), len(second)) == (15, 1)
    assert list(first[0]) == list(example)
    async with session.post(
        f"{simulator.url('telsam')}/fax/{first[0]['id']}", headers=headers
    ) as answer:
        detail = await answer.json()
    assert list(detail["fax"]) == list(example)
    assert list(detail["detail"][0]) == list(
        fixture("telsam_fax_detail_seed_004.json")["detail"][0]
    )


@pytest.mark.parametrize("dialect", ["pages", "bare"])
async def test_poll_reads_the_seed_004_fax_shape(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
    dialect: str,
) -> None:
    """A Home Assistant poll of Telsam's other list shapes: received, then a failed send."""
    simulator.set_dialect("telsam", dialect)
    await simulator.receive_fax("telsam")  # history
    events = async_capture_events(hass, EVENT_FAX)
    entry = await setup(hass, make_entry("telsam"))
    assert events == []
    fax = await simulator.receive_fax("telsam", sender="905324445566", pages=2)
    account = simulator.state.telsam
    sent = account.faxes.send(
        local=account.did,
        remotes=["902125550000"],
        attachments=[Attachment("application/pdf", PDF)],
        rng=simulator.state.rng,
    )
    assert entry.runtime_data.fax_history is not None
    await entry.runtime_data.fax_history.async_refresh()
    await hass.async_block_till_done()
    assert [event.data["fax_id"] for event in events] == [str(fax.id)]
    received = events[0].data
    assert received["type"] == "received"
    assert received["remote"] == "+905324445566"
    assert received["pages"] is None  # the seed's fax object has no page count
    assert Path(received["file"]).read_bytes().startswith(b"%PDF")
    state = hass.states.get
    assert state(f"sensor.{TELSAM_DEVICE}_outgoing_faxes_pending").state == "1"

    simulator.settle_faxes("telsam", "failed", sent.id)
    await entry.runtime_data.fax_history.async_refresh()
    await hass.async_block_till_done()
    failed = events[-1].data
    assert (failed["type"], failed["fax_id"]) == ("failed", str(sent.id))
    assert failed["created"] is None  # `created_at: null`, as the seed's failed fax
    assert state(f"sensor.{TELSAM_DEVICE}_outgoing_faxes_pending").state == "0"
    assert state(f"sensor.{TELSAM_DEVICE}_faxes_received_today").state == "1"


async def test_poll_meets_seed_004_errors(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """A 403 leaves the fax figures unavailable until the list answers again.

    A 401 that a new token does not cure asks for the credentials again.
    """
    entry = await setup(hass, make_entry("telsam"))
    coordinator = entry.runtime_data.fax_history
    assert coordinator is not None
    sensor = f"sensor.{TELSAM_DEVICE}_faxes_received_today"
    simulator.inject(
        "telsam", "fax_list", Fault(FaultKind.DOCUMENTED_ERROR, status=403)
    )
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "unavailable"
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "0"
    simulator.inject(
        "telsam",
        "fax_list",
        Fault(FaultKind.DOCUMENTED_ERROR, times=None, status=401),
    )
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


def test_dialects_are_switched_and_checked(simulator: Simulator) -> None:
    """Each provider's dialects can be chosen; others are refused."""
    for provider, names in DIALECTS.items():
        for name in names:
            simulator.set_dialect(provider, name)
            assert simulator.state.dialect(provider) == name
    with pytest.raises(ValueError, match="dialect"):
        simulator.set_dialect("bulutfon", "bare")
    with pytest.raises(ValueError, match="provider"):
        simulator.set_dialect("bulutsantralim", "seed")


async def test_dialects_over_http(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The control API reads and switches dialects, and refuses unknown ones."""
    url = f"{simulator.base_url}/_control/dialects"
    async with session.get(url) as answer:
        assert await answer.json() == {"bulutfon": "default", "telsam": "default"}
    async with session.post(
        url, json={"provider": "telsam", "dialect": "bare"}
    ) as answer:
        assert await answer.json() == {"bulutfon": "default", "telsam": "bare"}
    async with session.post(url, json={"provider": "telsam", "dialect": "x"}) as answer:
        assert answer.status == 400
    async with session.post(url, data="[]") as answer:
        assert answer.status == 400
    assert simulator.state.dialect("telsam") == "bare"


async def test_odd_cdr_values_are_tolerated(
    session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    """A price or extension that is no number is left out; the call is still read."""
    at_the_documents_time(freezer, LATER_CDRS)
    base = LATER_CDRS["cdrs"][0]
    odd = [
        (True, True),
        ("abc", None),
        ("NaN", "1234567"),
        (None, 1001),
        ("", {"number": 1}),
    ]
    body = {
        "cdrs": [
            base | {"uuid": f"c{index}", "call_price": price, "extension": extension}
            for index, (price, extension) in enumerate(odd)
        ],
        "pagination": LATER_CDRS["pagination"],
    }
    url, server = await _serving("/cdrs", body)
    page = await BulutfonClient(
        session, token="t", base_url=url
    ).async_get_call_records()
    await server.close()
    assert [record.price for record in page.records] == [None] * 5
    assert [record.extension for record in page.records] == [
        None,
        None,
        None,
        "1001",
        None,
    ]


@pytest.mark.parametrize(
    ("path", "body", "method"),
    [
        ("/cdrs", {"cdrs": {}, "pagination": {}}, "GET"),
        ("/cdrs", {"cdrs": [], "pagination": "1/3"}, "GET"),
        ("/fax", {"data": {}}, "POST"),
        ("/fax", "Faks listesi", "POST"),
    ],
)
async def test_lists_of_another_shape_are_refused(
    session: aiohttp.ClientSession, path: str, body: Any, method: str
) -> None:
    """A list answer without its list is an invalid response, not an empty list."""
    url, server = await _serving(path, body, method)
    read = (
        BulutfonClient(session, token="t", base_url=url).async_get_call_records
        if path == "/cdrs"
        else partial(_telsam(session, url).async_get_faxes_since, datetime.now(UTC))
    )
    with pytest.raises(SantralInvalidResponseError):
        await read()
    await server.close()
