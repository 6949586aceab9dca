"""The simulator's call control over real HTTP: calls started by API, recordings, presence."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import datetime, timedelta
import hashlib
import json
import re
import struct
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from simulator import Fault, FaultKind, Simulator
from simulator.calls import ISTANBUL
from simulator.recordings import RecordingLink

UUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
CALLEE = "905321234567"


class Receiver:
    """A webhook receiver on 127.0.0.1 that keeps every post's fields."""

    def __init__(self) -> None:
        """Start with no posts, and nothing to do on one."""
        self.posts: list[dict[str, Any]] = []
        self.url = ""
        self.on_post: Callable[[dict[str, Any]], Awaitable[None]] | None = None

    async def handle(self, request: web.Request) -> web.Response:
        """Keep the post's form or JSON fields; run `on_post` before answering."""
        body = await request.read()
        if request.content_type == "application/json":
            fields = json.loads(body)
        elif body:
            fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
        else:
            return web.Response(text="ok")
        self.posts.append(fields)
        if self.on_post is not None:
            await self.on_post(fields)
        return web.Response(text="ok")


@pytest.fixture
async def receiver(socket_enabled: None) -> AsyncGenerator[Receiver]:
    """Run a receiver for the simulator's webhooks."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", receiver.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    receiver.url = str(server.make_url("/santral/hook"))
    yield receiver
    await server.close()


class Answer:
    """One answer of the simulator: status, headers and body, read before it closed."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """Keep what was read."""
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        """Return the body as text."""
        return self.body.decode()

    def json(self) -> Any:
        """Return the body as JSON."""
        return json.loads(self.body)


async def call(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    params: dict[str, str] | None = None,
    **kwargs: Any,
) -> Answer:
    """Send one request and read its whole answer."""
    async with session.request(method, url, params=params, **kwargs) as response:
        body = await response.read()
        return Answer(response.status, dict(response.headers), body)


def verimor(simulator: Simulator, path: str) -> str:
    """Return the URL of a Bulutsantralim path."""
    return f"{simulator.url('bulutsantralim')}/{path}"


def key(simulator: Simulator) -> str:
    """Return the Bulutsantralim API key."""
    return simulator.state.bulutsantralim.api_key


def token(simulator: Simulator) -> str:
    """Return the Bulutfon master token."""
    return simulator.state.bulutfon.token


def sha1_token(master: str, call_uuid: str) -> str:
    """Return the documented hashed token, worked out here from the document's words."""
    return hashlib.sha1(f"{master}{call_uuid}".encode()).hexdigest()


def ogg_pages(data: bytes) -> list[tuple[int, bytes]]:
    """Return each Ogg page's granule position and body; fail on a broken page."""
    pages: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(data):
        assert data[offset : offset + 4] == b"OggS"
        granule = struct.unpack_from("<q", data, offset + 6)[0]
        segments = data[offset + 26]
        lacing = data[offset + 27 : offset + 27 + segments]
        start = offset + 27 + segments
        end = start + sum(lacing)
        assert end <= len(data)
        pages.append((granule, data[start:end]))
        offset = end
    return pages


# --- Bulutsantralim: originate ----------------------------------------------------------


async def test_originate_places_a_recorded_outbound_call(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """The answer is the call uuid; the call then posts webhooks and files a recorded CDR."""
    simulator.set_crm_integration(receiver.url)
    answer = await call(
        session,
        "GET",
        verimor(simulator, "originate"),
        params={
            "key": key(simulator),
            "extension": "1002",
            "destination": CALLEE,
            "caller_id": "908505320000",
            "manual_answer": "true",
            "timeout": "30",
        },
    )
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    call_uuid = answer.text
    assert UUID.match(call_uuid)

    await simulator.wait_dialed()

    assert [post["event_type"] for post in receiver.posts] == [
        "ringing",
        "answer",
        "hangup",
    ]
    assert {post["call_uuid"] for post in receiver.posts} == {call_uuid}
    hangup = receiver.posts[-1]
    assert hangup["direction"] == "outbound"
    assert hangup["caller_id_number"] == "1002"
    assert hangup["outbound_caller_id_number"] == "908505320000"
    assert hangup["destination_number"] == CALLEE
    assert hangup["recording_present"] == "true"

    cdrs = await call(
        session, "GET", verimor(simulator, "cdrs"), params={"key": key(simulator)}
    )
    assert cdrs.status == 200
    (cdr,) = [item for item in cdrs.json()["cdrs"] if item["call_uuid"] == call_uuid]
    assert cdr["direction"] == "Giden"
    assert cdr["caller_id_number"] == "1002"
    assert cdr["destination_number"] == CALLEE
    assert cdr["recording_present"] == "true"
    assert cdr["result"] == "Cevaplandı"
    filed = simulator.find_call("bulutsantralim", call_uuid)
    assert filed is not None and filed.recording


async def test_originate_defaults_and_international_destination(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Without caller_id the PBX number calls out; `00…` destinations are accepted."""
    answer = await call(
        session,
        "GET",
        verimor(simulator, "originate"),
        params={
            "key": key(simulator),
            "extension": "1010",
            "destination": "00493012345678",
        },
    )
    assert answer.status == 200
    await simulator.wait_dialed()
    filed = simulator.find_call("bulutsantralim", answer.text)
    assert filed is not None
    assert (filed.caller, filed.callee) == ("908501234567", "00493012345678")
    assert filed.extension == "1010"
    assert simulator.count("bulutsantralim", "originate") == 1


@pytest.mark.parametrize(
    ("params", "refusal"),
    [
        ({"extension": "1099"}, "extension 1099 not found"),
        ({"extension": None}, "extension is missing"),
        ({"destination": "1234"}, "invalid destination: 1234"),
        ({"destination": "05321234567"}, "invalid destination: 05321234567"),
        ({"destination": None}, "destination is missing"),
        ({"caller_id": "908500000000"}, "invalid caller_id: 908500000000"),
        ({"timeout": "9"}, "invalid timeout: 9"),
        ({"timeout": "61"}, "invalid timeout: 61"),
        ({"timeout": "soon"}, "invalid timeout: soon"),
        ({"manual_answer": "maybe"}, "invalid manual_answer: maybe"),
        ({"key": "K-wrong"}, "Gecersiz anahtar: K-wrong"),
    ],
)
async def test_originate_refusals(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    params: dict[str, str | None],
    refusal: str,
) -> None:
    """Each wrong parameter gets Verimor's 400 sentence, and no call is made."""
    query: dict[str, str | None] = {
        "key": key(simulator),
        "extension": "1001",
        "destination": CALLEE,
    }
    query |= params
    sent = {name: value for name, value in query.items() if value is not None}
    answer = await call(session, "GET", verimor(simulator, "originate"), params=sent)
    assert (answer.status, answer.text) == (400, refusal)
    await simulator.wait_dialed()
    assert simulator.state.bulutsantralim.cdrs == []


async def test_originate_route_takes_injected_faults(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The new routes are named, so faults and request counts apply to them."""
    simulator.inject(
        "bulutsantralim", "originate", Fault(FaultKind.RATE_LIMIT, retry_after=7)
    )
    params = {"key": key(simulator), "extension": "1001", "destination": CALLEE}
    answer = await call(session, "GET", verimor(simulator, "originate"), params=params)
    assert (answer.status, answer.headers["Retry-After"]) == (429, "7")
    answer = await call(session, "GET", verimor(simulator, "originate"), params=params)
    assert answer.status == 200
    assert simulator.count("bulutsantralim", "originate") == 2
    await simulator.wait_dialed()
    assert len(simulator.state.bulutsantralim.cdrs) == 1


# --- Bulutsantralim: recordings ---------------------------------------------------------


async def recording_url(
    simulator: Simulator, session: aiohttp.ClientSession, call_uuid: str
) -> Answer:
    """POST /recording_url with the key and call uuid as form fields."""
    return await call(
        session,
        "POST",
        verimor(simulator, "recording_url"),
        data={"key": key(simulator), "call_uuid": call_uuid},
    )


async def test_recording_url_leads_to_mp3_without_the_key(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The plain-text URL needs no key and answers an MP3 as long as the call talked."""
    placed = await simulator.place_call("bulutsantralim", talk_seconds=12)
    answer = await recording_url(simulator, session, placed.uuid)
    assert answer.status == 200
    prefix = verimor(simulator, "recording/R")
    assert answer.text.startswith(prefix)
    assert UUID.match(answer.text.removeprefix(prefix))
    assert key(simulator) not in answer.text

    audio = await call(session, "GET", answer.text)
    assert audio.status == 200
    assert audio.headers["Content-Type"] == "audio/mpeg"
    assert audio.body.startswith(b"ID3\x04")
    tag_size = 10 + sum(
        byte << shift
        for byte, shift in zip(audio.body[6:10], (21, 14, 7, 0), strict=True)
    )
    frames = audio.body[tag_size:]
    assert frames[:2] == b"\xff\xe3"  # MPEG-2.5 Layer III frame sync
    assert len(frames) % 72 == 0
    assert 12 <= len(frames) // 72 * 576 / 8000 < 12.1
    assert simulator.count("bulutsantralim", "recording") == 1


async def test_recording_is_ready_when_the_hangup_is_posted(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """A receiver that fetches the recording while it handles the hang-up gets it."""
    fetched: list[tuple[int, bytes]] = []

    async def fetch_on_hangup(fields: dict[str, Any]) -> None:
        if fields["event_type"] != "hangup":
            return
        link = await recording_url(simulator, session, fields["call_uuid"])
        audio = await call(session, "GET", link.text)
        fetched.append((audio.status, audio.body[:3]))

    receiver.on_post = fetch_on_hangup
    simulator.set_crm_integration(receiver.url)
    await simulator.place_call("bulutsantralim")
    assert fetched == [(200, b"ID3")]


async def test_recording_url_takes_call_uuid_in_query_and_past_cdrs(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Past answered CDRs are recorded too; `call_uuid` may come in the query string."""
    (past,) = simulator.add_cdrs("bulutsantralim", 1, outcome="answered")
    assert past.recording
    answer = await call(
        session,
        "POST",
        verimor(simulator, "recording_url"),
        params={"call_uuid": past.uuid},
        data={"key": key(simulator)},
    )
    assert answer.status == 200
    audio = await call(session, "GET", answer.text)
    assert audio.status == 200
    assert audio.body.startswith(b"ID3")


async def test_recording_url_refusals_and_expiry(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Unknown or unrecorded calls get 400; unknown and hour-old URLs get 404."""
    silent = await simulator.place_call("bulutsantralim", recording=False)
    missed = await simulator.place_call("bulutsantralim", outcome="missed")
    unknown = "12345678-1234-5678-4321-123456789012"
    for call_uuid in (unknown, silent.uuid, missed.uuid):
        answer = await recording_url(simulator, session, call_uuid)
        assert (answer.status, answer.text) == (
            400,
            f"cannot find call with call_uuid {call_uuid}",
        )
    answer = await call(
        session,
        "POST",
        verimor(simulator, "recording_url"),
        data={"key": "K-wrong", "call_uuid": silent.uuid},
    )
    assert (answer.status, answer.text) == (400, "Gecersiz anahtar: K-wrong")

    recorded = await simulator.place_call("bulutsantralim")
    answer = await recording_url(simulator, session, recorded.uuid)
    assert answer.status == 200
    link = answer.text.rpartition("/R")[2]
    links = simulator.state.bulutsantralim.recording_urls
    links[link] = RecordingLink(
        recorded.uuid, datetime.now(ISTANBUL) - timedelta(minutes=59)
    )
    assert (await call(session, "GET", answer.text)).status == 200
    links[link] = RecordingLink(
        recorded.uuid, datetime.now(ISTANBUL) - timedelta(minutes=61)
    )
    expired = await call(session, "GET", answer.text)
    assert (expired.status, expired.text) == (404, "Not Found")
    wrong = await call(session, "GET", verimor(simulator, f"recording/R{unknown}"))
    assert wrong.status == 404


async def test_recording_url_allows_five_a_minute(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The sixth request in a minute gets 429 with Retry-After; a slot frees on time."""
    placed = await simulator.place_call("bulutsantralim")
    answers = [await recording_url(simulator, session, placed.uuid) for _ in range(6)]
    assert [answer.status for answer in answers] == [200] * 5 + [429]
    refused = answers[-1]
    assert refused.text == "Too Many Requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60

    # The oldest request was 55 s ago: one slot frees in 5 s.
    now = datetime.now(ISTANBUL)
    hits = simulator.state.bulutsantralim.limits["recording_url"].hits[key(simulator)]
    hits[:] = [now - timedelta(seconds=55)] + [now - timedelta(seconds=10)] * 4
    answer = await recording_url(simulator, session, placed.uuid)
    assert (answer.status, answer.headers["Retry-After"]) == (429, "5")

    hits[0] = now - timedelta(seconds=61)
    answer = await recording_url(simulator, session, placed.uuid)
    assert answer.status == 200
    assert simulator.count("bulutsantralim", "recording_url") == 8


# --- Bulutsantralim: user statuses -----------------------------------------------------


async def test_user_statuses_lists_extensions_and_filters(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Statuses set through Python and the control API show up; filters narrow them."""
    simulator.set_user_status(1002, "TALKING")
    simulator.set_user_status("1004", "UNREGISTERED")
    control = f"{simulator.base_url}/_control/user_statuses"
    answer = await call(
        session, "POST", control, json={"extension": "1003", "status": "SS_DND"}
    )
    assert (answer.status, answer.json()) == (200, {"user": 1003, "status": "SS_DND"})

    url = verimor(simulator, "user_statuses")
    answer = await call(session, "GET", url, params={"key": key(simulator)})
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    statuses = answer.json()
    assert [item["user"] for item in statuses] == list(range(1001, 1011))
    assert {
        item["user"]: item["status"] for item in statuses if item["user"] < 1006
    } == {
        1001: "AVAILABLE",
        1002: "TALKING",
        1003: "SS_DND",
        1004: "UNREGISTERED",
        1005: "AVAILABLE",
    }

    answer = await call(
        session, "GET", url, params={"key": key(simulator), "status": "TALKING"}
    )
    assert answer.json() == [{"user": 1002, "status": "TALKING"}]

    answer = await call(session, "GET", url, params={"key": key(simulator)})
    assert (answer.status, answer.text) == (429, "Too Many Requests")
    assert 1 <= int(answer.headers["Retry-After"]) <= 60

    simulator.state.bulutsantralim.limits["user_statuses"].clear()
    answer = await call(
        session, "GET", url, params={"key": key(simulator), "user": "1003"}
    )
    assert answer.json() == [{"user": 1003, "status": "SS_DND"}]
    answer = await call(
        session, "GET", url, params={"key": key(simulator), "status": "ASLEEP"}
    )
    assert (answer.status, answer.text) == (400, "invalid status: ASLEEP")
    assert simulator.count("bulutsantralim", "user_statuses") == 5


async def test_user_status_refusals(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Unknown extensions and statuses are refused by Python, control API and endpoint."""
    with pytest.raises(ValueError, match="extension 1099 not found"):
        simulator.set_user_status(1099, "TALKING")
    with pytest.raises(ValueError, match="status must be one of"):
        simulator.set_user_status(1001, "BUSY")
    control = f"{simulator.base_url}/_control/user_statuses"
    for body in (
        {"extension": "1099", "status": "TALKING"},
        {"extension": "1001", "status": "BUSY"},
        {"extension": ["1001"], "status": "TALKING"},
    ):
        answer = await call(session, "POST", control, json=body)
        assert answer.status == 400
        assert "error" in answer.json()
    url = verimor(simulator, "user_statuses")
    answer = await call(session, "GET", url, params={"key": "K-wrong"})
    assert (answer.status, answer.text) == (400, "Gecersiz anahtar: K-wrong")
    answer = await call(
        session, "GET", url, params={"key": key(simulator), "user": "all"}
    )
    assert (answer.status, answer.text) == (400, "invalid user: all")
    assert simulator.state.bulutsantralim.user_statuses == {}


# --- Bulutfon: call_and_bridge ----------------------------------------------------------


async def test_call_and_bridge_places_a_recorded_call(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Success answers at once; the bridged call then posts webhooks and files a CDR."""
    simulator.set_bulutfon_webhook(receiver.url)
    answer = await call(
        session,
        "POST",
        f"{simulator.url('bulutfon')}/call_and_bridge",
        params={
            "access_token": token(simulator),
            "caller": "908508850000",
            "callee": CALLEE,
            "destination": "1003",
            "timeout": "20",
        },
    )
    assert answer.status == 200
    assert answer.json() == {"success": True, "message": "Arama başarıyla başlatıldı."}

    await simulator.wait_dialed()

    assert [post["event_type"] for post in receiver.posts] == [
        "call_init",
        "call_hangup",
    ]
    assert receiver.posts[0]["direction"] == "OUT"
    assert receiver.posts[0]["callee"] == int(CALLEE)
    cdrs = await call(
        session,
        "GET",
        f"{simulator.url('bulutfon')}/cdrs",
        params={"access_token": token(simulator)},
    )
    (cdr,) = cdrs.json()["cdrs"]
    assert cdr["uuid"] == receiver.posts[0]["uuid"]
    assert (cdr["direction"], cdr["caller"], cdr["callee"]) == (
        "OUT",
        908508850000,
        int(CALLEE),
    )
    assert cdr["extension"] == "1003"
    assert cdr["call_record"] == "YES"
    assert simulator.count("bulutfon", "call_and_bridge") == 1


async def test_call_and_bridge_takes_json_and_form_bodies(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """JSON bodies (token in the query) and forms (credentials inside) both work."""
    base = simulator.url("bulutfon")
    answer = await call(
        session,
        "POST",
        f"{base}/call_and_bridge.json",
        params={"access_token": token(simulator)},
        json={"caller": 908508850000, "callee": 905551112233, "destination": 10},
    )
    assert (answer.status, answer.json()["success"]) == (200, True)
    account = simulator.state.bulutfon
    answer = await call(
        session,
        "POST",
        f"{base}/call_and_bridge",
        data={
            "email": account.email,
            "password": account.password,
            "caller": "08508850000",
            "callee": "+905551112244",
            "destination": "101",
        },
    )
    assert (answer.status, answer.json()["success"]) == (200, True)
    await simulator.wait_dialed()
    placed = sorted(
        (cdr.callee, cdr.extension, cdr.caller, cdr.recording) for cdr in account.cdrs
    )
    assert placed == [
        ("905551112233", "10", "908508850000", True),
        ("905551112244", "101", "908508850000", True),
    ]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"caller": "902120000000"}, "Geçersiz arayan numara"),
        ({"caller": None}, "Geçersiz arayan numara"),
        ({"callee": "12"}, "Geçersiz aranan numara"),
        ({"callee": None}, "Geçersiz aranan numara"),
        ({"destination": "1099"}, "Geçersiz hedef"),
        ({"destination": "999"}, "Geçersiz hedef"),
        ({"destination": "99"}, "Geçersiz hedef"),
        ({"destination": "5"}, "Geçersiz hedef"),
        ({"destination": None}, "Geçersiz hedef"),
        ({"timeout": "61"}, "Geçersiz zaman aşımı"),
    ],
)
async def test_call_and_bridge_refusals(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    params: dict[str, str | None],
    error: str,
) -> None:
    """A wrong number or destination gets Bulutfon's 400 JSON error, and no call."""
    query: dict[str, str | None] = {
        "access_token": token(simulator),
        "caller": "908508850000",
        "callee": CALLEE,
        "destination": "1001",
    }
    query |= params
    sent = {name: value for name, value in query.items() if value is not None}
    answer = await call(
        session, "POST", f"{simulator.url('bulutfon')}/call_and_bridge", params=sent
    )
    assert (answer.status, answer.json()) == (400, {"error": error})
    await simulator.wait_dialed()
    assert simulator.state.bulutfon.cdrs == []


async def test_call_and_bridge_needs_credentials(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A wrong or missing token gets 401 before any parameter is looked at."""
    url = f"{simulator.url('bulutfon')}/call_and_bridge"
    for params in ({"access_token": "wrong"}, {}):
        answer = await call(
            session, "POST", url, params=params | {"caller": "908508850000"}
        )
        assert (answer.status, answer.json()) == (401, {"error": "Unauthorized"})
    await simulator.wait_dialed()
    assert simulator.state.bulutfon.cdrs == []


# --- Bulutfon: call records -------------------------------------------------------------


async def test_call_records_answer_ogg_vorbis(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The file and the stream are Ogg Vorbis, 8000 Hz mono, as long as the call talked."""
    placed = await simulator.place_call("bulutfon", talk_seconds=20)
    url = f"{simulator.url('bulutfon')}/call-records/{placed.uuid}"
    record = await call(session, "GET", url, params={"access_token": token(simulator)})
    assert record.status == 200
    assert record.headers["Content-Type"] == "audio/ogg"
    assert record.headers["Content-Disposition"] == (
        f'attachment; filename="{placed.uuid}.ogg"'
    )
    assert record.body.startswith(b"OggS")
    pages = ogg_pages(record.body)
    identification = pages[0][1]
    assert identification.startswith(b"\x01vorbis")
    channels, rate = struct.unpack_from("<BI", identification, 11)
    assert (channels, rate) == (1, 8000)
    assert pages[-1][0] == 20 * 8000

    stream = await call(
        session, "GET", f"{url}/stream", params={"access_token": token(simulator)}
    )
    assert (stream.status, stream.headers["Content-Type"]) == (200, "audio/ogg")
    assert stream.body == record.body
    assert simulator.count("bulutfon", "call_record") == 1
    assert simulator.count("bulutfon", "call_record_stream") == 1


async def test_call_records_take_the_hashed_token(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """sha1(token + uuid) opens that call's recording only; other tokens get 401."""
    first, second = [await simulator.place_call("bulutfon") for _ in range(2)]
    base = f"{simulator.url('bulutfon')}/call-records"
    hashed = sha1_token(token(simulator), first.uuid)
    assert re.fullmatch(r"[0-9a-f]{40}", hashed)
    for path in (first.uuid, f"{first.uuid}/stream"):
        answer = await call(
            session, "GET", f"{base}/{path}", params={"access_token": hashed}
        )
        assert answer.status == 200
        assert answer.body.startswith(b"OggS")
    for wrong in (
        hashed,  # the first call's hash, for the second call
        sha1_token(token(simulator), second.uuid).upper(),
        sha1_token(second.uuid, token(simulator)),
        hashlib.sha256(f"{token(simulator)}{second.uuid}".encode()).hexdigest(),
        "wrong-token",
    ):
        answer = await call(
            session, "GET", f"{base}/{second.uuid}", params={"access_token": wrong}
        )
        assert (answer.status, answer.json()) == (401, {"error": "Unauthorized"})

    simulator.state.bulutfon.token_expired = True
    answer = await call(
        session, "GET", f"{base}/{first.uuid}", params={"access_token": hashed}
    )
    assert (answer.status, answer.json()) == (401, {"error": "Token expired"})


async def test_call_records_other_credentials_and_not_found(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Email and password work too; unknown or unrecorded calls get 404 Not found."""
    account = simulator.state.bulutfon
    (past,) = simulator.add_cdrs("bulutfon", 1, outcome="answered")
    silent = await simulator.place_call("bulutfon", recording=False)
    base = f"{simulator.url('bulutfon')}/call-records"
    login = {"email": account.email, "password": account.password}
    answer = await call(session, "GET", f"{base}/{past.uuid}", params=login)
    assert answer.status == 200
    assert answer.body.startswith(b"OggS")
    unknown = "12345678-1234-5678-4321-123456789012"
    for call_uuid in (unknown, silent.uuid):
        for params in (
            {"access_token": token(simulator)},
            {"access_token": sha1_token(token(simulator), call_uuid)},
        ):
            answer = await call(
                session, "GET", f"{base}/{call_uuid}/stream", params=params
            )
            assert (answer.status, answer.json()) == (404, {"error": "Not found"})
    answer = await call(
        session, "GET", f"{base}/{past.uuid}", params=login | {"password": "x"}
    )
    assert answer.status == 401


# --- Extensions -------------------------------------------------------------------------


async def test_bulutfon_extensions_route(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """`/extensions` answers the documented shape, with either credential kind."""
    base = f"{simulator.url('bulutfon')}/extensions"
    account = simulator.state.bulutfon
    login = {"email": account.email, "password": account.password}
    answers = [
        await call(session, "GET", url, params=params)
        for url in (base, f"{base}.json")
        for params in ({"access_token": token(simulator)}, login)
    ]
    first = answers[0].json()
    assert all(answer.status == 200 for answer in answers)
    assert all(answer.json() == first for answer in answers)
    assert answers[0].headers["Content-Type"].startswith("application/json")
    items = first["extensions"]
    assert [item["number"] for item in items] == list(range(1001, 1011))
    assert items[0] == {
        "id": 1,
        "number": 1001,
        "registered": True,
        "caller_name": "Dahili 1001",
        "email": "dahili1001@mail.com",
    }
    assert len({item["id"] for item in items}) == 10
    assert simulator.count("bulutfon", "extensions") == 4


async def test_bulutfon_extensions_route_refusals_and_faults(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Wrong or expired tokens get 401; the route is named, so faults apply to it."""
    url = f"{simulator.url('bulutfon')}/extensions"
    for params in ({"access_token": "wrong"}, {}):
        answer = await call(session, "GET", url, params=params)
        assert (answer.status, answer.json()) == (401, {"error": "Unauthorized"})
    simulator.inject(
        "bulutfon", "extensions", Fault(FaultKind.REJECT, status=403, message="Yasak")
    )
    params = {"access_token": token(simulator)}
    answer = await call(session, "GET", url, params=params)
    assert (answer.status, answer.json()) == (403, {"error": "Yasak"})
    simulator.inject(
        "bulutfon", "extensions", Fault(FaultKind.SERVER_ERROR, status=500)
    )
    answer = await call(session, "GET", url, params=params)
    assert answer.status == 500
    assert answer.headers["Content-Type"].startswith("text/html")
    answer = await call(session, "GET", url, params=params)
    assert answer.status == 200
    simulator.state.bulutfon.token_expired = True
    answer = await call(session, "GET", url, params=params)
    assert (answer.status, answer.json()) == (401, {"error": "Token expired"})
    assert simulator.count("bulutfon", "extensions") == 6


async def test_set_extensions_through_python_and_control(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Both providers' lists are replaced; numbers may come as text or integers."""
    simulator.set_extensions("bulutfon", [1001, "22", "123456"])
    assert simulator.state.bulutfon.extensions == ["1001", "22", "123456"]
    answer = await call(
        session,
        "GET",
        f"{simulator.url('bulutfon')}/extensions",
        params={"access_token": token(simulator)},
    )
    assert [item["number"] for item in answer.json()["extensions"]] == [
        1001,
        22,
        123456,
    ]

    control = f"{simulator.base_url}/_control/extensions"
    answer = await call(
        session,
        "POST",
        control,
        json={"provider": "bulutsantralim", "numbers": [2001, "2002"]},
    )
    assert (answer.status, answer.json()) == (
        200,
        {"provider": "bulutsantralim", "extensions": ["2001", "2002"]},
    )
    assert simulator.state.bulutsantralim.extensions == ["2001", "2002"]
    statuses = await call(
        session,
        "GET",
        verimor(simulator, "user_statuses"),
        params={"key": key(simulator)},
    )
    assert statuses.json() == [
        {"user": 2001, "status": "AVAILABLE"},
        {"user": 2002, "status": "AVAILABLE"},
    ]
    answer = await call(
        session, "POST", control, json={"provider": "bulutfon", "numbers": []}
    )
    assert (answer.status, answer.json()["extensions"]) == (200, [])
    assert simulator.state.bulutfon.extensions == []


@pytest.mark.parametrize(
    ("provider", "numbers", "error"),
    [
        ("telsam", ["1001"], "provider must be one of bulutfon, bulutsantralim"),
        ("", ["1001"], "provider must be one of"),
        ("bulutfon", ["1"], "must be 2 to 6 digits"),
        ("bulutfon", [1234567], "must be 2 to 6 digits"),
        ("bulutfon", ["0101"], "not starting with 0"),
        ("bulutsantralim", ["10a1"], "must be 2 to 6 digits"),
        ("bulutsantralim", [" 1001"], "must be 2 to 6 digits"),
        ("bulutsantralim", ["١٢٣٤"], "must be 2 to 6 digits"),
        ("bulutsantralim", [True], "must be 2 to 6 digits"),
        ("bulutsantralim", [1001.0], "must be 2 to 6 digits"),
        ("bulutsantralim", [None], "must be 2 to 6 digits"),
        ("bulutsantralim", ["1001", 1001], "listed twice"),
    ],
)
async def test_set_extensions_refusals(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    provider: str,
    numbers: list[Any],
    error: str,
) -> None:
    """Python refuses with ValueError and the control API with 400; nothing changes."""
    with pytest.raises(ValueError, match=error):
        simulator.set_extensions(provider, numbers)
    control = f"{simulator.base_url}/_control/extensions"
    answer = await call(
        session, "POST", control, json={"provider": provider, "numbers": numbers}
    )
    assert answer.status == 400
    assert error in answer.json()["error"]
    expected = [str(number) for number in range(1001, 1011)]
    assert simulator.state.bulutfon.extensions == expected
    assert simulator.state.bulutsantralim.extensions == expected


@pytest.mark.parametrize(
    "body",
    [
        {"provider": "bulutfon"},
        {"provider": "bulutfon", "numbers": "1001"},
        {"provider": "bulutfon", "numbers": {"1001": True}},
        ["bulutfon", ["1001"]],
    ],
)
async def test_set_extensions_control_needs_a_list(
    simulator: Simulator, session: aiohttp.ClientSession, body: object
) -> None:
    """The control API wants an object whose `numbers` is a list."""
    answer = await call(
        session, "POST", f"{simulator.base_url}/_control/extensions", json=body
    )
    assert answer.status == 400
    assert "must be" in answer.json()["error"]
    assert len(simulator.state.bulutfon.extensions) == 10
    answer = await call(
        session,
        "POST",
        f"{simulator.base_url}/_control/extensions",
        data=b"not json",
        headers={"Content-Type": "application/json"},
    )
    assert (answer.status, answer.json()) == (
        400,
        {"error": "the body must be a JSON object"},
    )


async def test_removed_extension_loses_its_status_and_calls(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A removed extension leaves `user_statuses`, takes no status and places no call."""
    simulator.set_user_status("1003", "TALKING")
    simulator.set_user_status("1004", "SS_DND")
    simulator.set_extensions("bulutsantralim", ["1003", "1005"])
    assert simulator.state.bulutsantralim.user_statuses == {"1003": "TALKING"}
    url = verimor(simulator, "user_statuses")
    answer = await call(session, "GET", url, params={"key": key(simulator)})
    assert answer.json() == [
        {"user": 1003, "status": "TALKING"},
        {"user": 1005, "status": "AVAILABLE"},
    ]
    answer = await call(
        session, "GET", url, params={"key": key(simulator), "user": "1004"}
    )
    assert (answer.status, answer.json()) == (200, [])
    with pytest.raises(ValueError, match="extension 1004 not found"):
        simulator.set_user_status("1004", "TALKING")
    answer = await call(
        session,
        "GET",
        verimor(simulator, "originate"),
        params={"key": key(simulator), "extension": "1004", "destination": CALLEE},
    )
    assert (answer.status, answer.text) == (400, "extension 1004 not found")

    simulator.set_extensions("bulutsantralim", ["1003", "1004", "1005"])
    assert simulator.state.bulutsantralim.user_status("1004") == "AVAILABLE"

    simulator.set_extensions("bulutfon", ["1001"])
    answer = await call(
        session,
        "POST",
        f"{simulator.url('bulutfon')}/call_and_bridge",
        params={
            "access_token": token(simulator),
            "caller": "908508850000",
            "callee": CALLEE,
            "destination": "1002",
        },
    )
    assert (answer.status, answer.json()) == (400, {"error": "Geçersiz hedef"})
    await simulator.wait_dialed()
    assert simulator.state.bulutfon.cdrs == []
