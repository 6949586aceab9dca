"""The simulator's calls over real HTTP: webhook posts as each provider sends them, and CDRs."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import re
import sys
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest
from yarl import URL

from simulator import Fault, FaultKind, Simulator
from simulator.calls import ISTANBUL

REPO = Path(__file__).resolve().parents[2]
EVENT_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
CDR_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0300$")
ISO_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+03:00$")
HMS = re.compile(r"^\d{2}:\d{2}:\d{2}$")

# The seed's ringing example, field for field.
RINGING_FIELDS = {
    "event_type",
    "domain_id",
    "direction",
    "caller_id_number",
    "outbound_caller_id_number",
    "destination_number",
    "dialed_user",
    "call_uuid",
    "start_stamp",
}
ANSWER_FIELDS = RINGING_FIELDS | {"connected_user", "answer_stamp"}
HANGUP_FIELDS = ANSWER_FIELDS | {
    "end_stamp",
    "duration",
    "recording_present",
    "answered",
    "queue",
    "queue_wait_duration",
    "sip_hangup_disposition",
    "hangup_cause",
    "failure_status",
    "failure_phrase",
}
BULUTFON_COMMON = {
    "event_type",
    "domain_id",
    "account_id",
    "caller",
    "callee",
    "uuid",
    "direction",
    "timestamp",
}
BULUTFON_HANGUP = BULUTFON_COMMON | {
    "talk_duration",
    "hangup_cause",
    "hangup_detail",
    "result_disposition",
    "cdr_url",
    "cdr_api_url",
}
BULUTSANTRALIM_CDR_FIELDS = {
    "start_stamp",
    "direction",
    "caller_id_number",
    "caller_id_name",
    "destination_number",
    "destination_name",
    "duration",
    "talk_duration",
    "queue_wait_seconds",
    "queue",
    "result",
    "missed",
    "return_uuid",
    "recording_present",
    "sip_hangup_disposition",
    "call_uuid",
    "answer_stamp",
    "end_stamp",
}


@dataclass(slots=True)
class Post:
    """One request the receiver got."""

    content_type: str
    authorization: str | None
    body: bytes
    arrived: float

    def form(self) -> dict[str, str]:
        """Return the body as form fields."""
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def json(self) -> dict[str, Any]:
        """Return the body as a JSON object."""
        body = json.loads(self.body)
        assert isinstance(body, dict)
        return body


class Receiver:
    """A webhook receiver on 127.0.0.1 that records every post and answers `status`."""

    def __init__(self) -> None:
        """Start with no posts, answering 200."""
        self.posts: list[Post] = []
        self.status = 200
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Record the post."""
        self.posts.append(
            Post(
                request.content_type,
                request.headers.get("Authorization"),
                await request.read(),
                asyncio.get_running_loop().time(),
            )
        )
        return web.Response(status=self.status, text="ok")


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


def basic_auth(username: str, password: str) -> str:
    """Return the Authorization header of HTTP Basic auth (RFC 7617)."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def closed_port_url() -> str:
    """Return a URL on 127.0.0.1 where nothing listens."""
    return "http://127.0.0.1:1/hook"


async def get_json(
    session: aiohttp.ClientSession, url: str | URL, **params: str
) -> tuple[int, Any]:
    """GET a JSON answer (or text for a refusal) and its status."""
    async with session.get(url, params=params) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def set_crm(
    simulator: Simulator, session: aiohttp.ClientSession, **fields: str
) -> tuple[int, str]:
    """POST /crm_integrations as a client would, with the PBX key."""
    form = {"key": simulator.state.bulutsantralim.api_key, **fields}
    url = f"{simulator.url('bulutsantralim')}/crm_integrations"
    async with session.post(url, data=form) as response:
        return response.status, await response.text()


# --- Bulutsantralim event webhook ------------------------------------------------------


async def test_bulutsantralim_answered_call_posts_ringing_answer_hangup(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Saving the URL sends an empty check; an answered call then posts three forms."""
    status, text = await set_crm(
        simulator,
        session,
        ringing="on",
        answered="on",
        hangup="on",
        notification_url=receiver.url,
    )
    assert (status, text) == (200, "Ok")
    assert len(receiver.posts) == 1
    assert receiver.posts[0].body == b""

    call = await simulator.place_call("bulutsantralim", caller="+90 532 123 45 67")

    posts = receiver.posts[1:]
    assert [post.content_type for post in posts] == [
        "application/x-www-form-urlencoded"
    ] * 3
    ringing, answer, hangup = (post.form() for post in posts)
    assert [ringing["event_type"], answer["event_type"], hangup["event_type"]] == [
        "ringing",
        "answer",
        "hangup",
    ]
    assert set(ringing) == RINGING_FIELDS
    assert set(answer) == ANSWER_FIELDS
    assert set(hangup) == HANGUP_FIELDS
    assert ringing == {
        "event_type": "ringing",
        "domain_id": "101",
        "direction": "inbound",
        "caller_id_number": "05321234567",
        "outbound_caller_id_number": "",
        "destination_number": "1001",
        "dialed_user": "1001",
        "call_uuid": call.uuid,
        "start_stamp": call.started.strftime("%Y-%m-%d %H:%M:%S"),
    }
    assert answer["connected_user"] == "1001"
    assert EVENT_STAMP.match(answer["answer_stamp"])
    assert hangup["answered"] == "true"
    assert hangup["recording_present"] == "true"
    assert hangup["duration"] == "35"
    assert hangup["hangup_cause"] == "NORMAL_CLEARING"
    assert (hangup["failure_status"], hangup["failure_phrase"]) == ("", "")
    assert EVENT_STAMP.match(hangup["end_stamp"])
    assert hangup["start_stamp"] <= hangup["answer_stamp"] <= hangup["end_stamp"]
    assert [delivery.status for delivery in call.deliveries] == [200, 200, 200]


async def test_bulutsantralim_missed_call_posts_ringing_then_hangup(
    simulator: Simulator, receiver: Receiver
) -> None:
    """A missed call has no answer event; its hang-up says answered=false."""
    simulator.set_crm_integration(receiver.url)

    call = await simulator.place_call("bulutsantralim", outcome="missed")

    forms = [post.form() for post in receiver.posts]
    assert [form["event_type"] for form in forms] == ["ringing", "hangup"]
    hangup = forms[1]
    assert hangup["answered"] == "false"
    assert hangup["answer_stamp"] == ""
    assert hangup["connected_user"] == ""
    assert hangup["duration"] == "0"
    assert hangup["hangup_cause"] == "NO_ANSWER"
    assert hangup["caller_id_number"] == "0" + call.caller[2:]
    assert call.missed


async def test_bulutsantralim_switches_choose_the_events(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Events switched off in the CRM settings are not posted; GET shows the settings."""
    status, _ = await set_crm(
        simulator, session, ringing="off", notification_url=receiver.url
    )
    assert status == 200
    status, settings = await get_json(
        session,
        f"{simulator.url('bulutsantralim')}/crm_integrations",
        key=simulator.state.bulutsantralim.api_key,
    )
    assert status == 200
    assert settings == {
        "ringing": "off",
        "answered": "on",
        "hangup": "on",
        "notification_url": receiver.url,
    }

    await simulator.place_call(
        "bulutsantralim", direction="outbound", callee="02123205062"
    )

    forms = [post.form() for post in receiver.posts[1:]]
    assert [form["event_type"] for form in forms] == ["answer", "hangup"]
    assert forms[1]["direction"] == "outbound"
    assert forms[1]["caller_id_number"] == "1001"
    assert forms[1]["outbound_caller_id_number"] == "908501234567"
    assert forms[1]["destination_number"] == "902123205062"


async def test_bulutsantralim_url_must_answer_2xx(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """A URL that refuses or does not answer the empty check is not saved."""
    receiver.status = 404
    status, text = await set_crm(simulator, session, notification_url=receiver.url)
    assert (status, text) == (400, "Bildirim adresi doğrulanamadı")
    assert [post.body for post in receiver.posts] == [b""]

    status, text = await set_crm(simulator, session, notification_url=closed_port_url())
    assert (status, text) == (400, "Bildirim adresi doğrulanamadı")
    status, text = await set_crm(simulator, session, notification_url="ftp://x/y")
    assert status == 400
    status, text = await set_crm(
        simulator, session, hangup="maybe", notification_url=receiver.url
    )
    assert (status, text) == (400, "hangup must be on or off")
    assert simulator.state.bulutsantralim.crm.notification_url == ""

    url = f"{simulator.url('bulutsantralim')}/crm_integrations"
    async with session.post(url, data={"key": "K-wrong"}) as response:
        assert response.status == 400
        assert await response.text() == "Gecersiz anahtar: K-wrong"

    await simulator.place_call("bulutsantralim")
    assert len(receiver.posts) == 1  # only the failed check: no URL, no events


# --- Bulutfon webhooks -----------------------------------------------------------------


async def test_bulutfon_json_webhooks_with_basic_auth(
    simulator: Simulator, receiver: Receiver
) -> None:
    """JSON bodies with integer numbers and microsecond timestamps, behind Basic auth."""
    simulator.set_bulutfon_webhook(receiver.url, "json", "santral", "kanca-parola")
    assert "kanca-parola" in simulator.state.all_secrets()

    call = await simulator.place_call("bulutfon", caller="05321234567")

    assert {post.content_type for post in receiver.posts} == {"application/json"}
    expected_auth = basic_auth("santral", "kanca-parola")
    assert {post.authorization for post in receiver.posts} == {expected_auth}
    init, landed, hangup = (post.json() for post in receiver.posts)
    assert [init["event_type"], landed["event_type"], hangup["event_type"]] == [
        "call_init",
        "incoming_call_extension",
        "call_hangup",
    ]
    assert set(init) == BULUTFON_COMMON
    assert set(landed) == BULUTFON_COMMON | {"destination"}
    assert set(hangup) == BULUTFON_HANGUP
    assert init == {
        "event_type": "call_init",
        "domain_id": 1234,
        "account_id": 5678,
        "caller": 905321234567,
        "callee": 908508850000,
        "uuid": call.uuid,
        "direction": "IN",
        "timestamp": init["timestamp"],
    }
    assert landed["destination"] == 1001
    stamps = [body["timestamp"] for body in (init, landed, hangup)]
    assert all(isinstance(stamp, int) and len(str(stamp)) == 16 for stamp in stamps)
    assert stamps == sorted(stamps)
    started = datetime.fromtimestamp(stamps[0] / 1e6, UTC)
    assert abs(started - call.started) < timedelta(milliseconds=1)
    day = call.started.strftime("%Y/%m/%d")
    assert hangup["talk_duration"] == 35
    assert hangup["hangup_cause"] == "NORMAL_CLEARING"
    assert hangup["result_disposition"] == "SUCCESS"
    assert hangup["cdr_api_url"] == f"https://api.bulutfon.com/v2/cdr/{day}/{call.uuid}"
    assert hangup["cdr_url"].endswith(f"/call-records/{day}/{call.uuid}")


async def test_bulutfon_form_webhooks_of_a_missed_call(
    simulator: Simulator, receiver: Receiver
) -> None:
    """Form bodies carry text; a missed call adds missing_call before the hang-up."""
    simulator.set_bulutfon_webhook(receiver.url, "form")

    call = await simulator.place_call("bulutfon", outcome="missed")

    assert {post.content_type for post in receiver.posts} == {
        "application/x-www-form-urlencoded"
    }
    assert {post.authorization for post in receiver.posts} == {None}
    forms = [post.form() for post in receiver.posts]
    assert [form["event_type"] for form in forms] == [
        "call_init",
        "incoming_call_extension",
        "missing_call",
        "call_hangup",
    ]
    assert set(forms[2]) == BULUTFON_COMMON
    assert all(form["caller"] == call.caller for form in forms)
    assert all(re.fullmatch(r"\d{16}", form["timestamp"]) for form in forms)
    hangup = forms[3]
    assert hangup["result_disposition"] == ""
    assert hangup["hangup_cause"] == "NO_ANSWER"
    assert hangup["talk_duration"] == "0"


async def test_bulutfon_outbound_busy_call_and_its_cdr(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """An outbound call has no extension event; its CDR names the extension and a price."""
    simulator.set_bulutfon_webhook(receiver.url)

    call = await simulator.place_call(
        "bulutfon", direction="outbound", outcome="busy", callee="05051112233"
    )
    inbound = await simulator.place_call("bulutfon", recording=False)

    bodies = [post.json() for post in receiver.posts]
    assert [body["event_type"] for body in bodies[:2]] == ["call_init", "call_hangup"]
    assert bodies[0]["direction"] == "OUT"
    assert bodies[0]["caller"] == 908508850000
    assert bodies[0]["callee"] == 905051112233
    assert bodies[1]["hangup_cause"] == "USER_BUSY"
    assert bodies[1]["result_disposition"] == ""

    status, answer = await get_json(
        session,
        f"{simulator.url('bulutfon')}/cdrs",
        access_token=simulator.state.bulutfon.token,
    )
    assert status == 200
    items = {item["uuid"]: item for item in answer["cdrs"]}
    busy_out, answered_in = items[call.uuid], items[inbound.uuid]
    assert busy_out == {
        "uuid": call.uuid,
        "bf_calltype": "voice",
        "direction": "OUT",
        "caller": 908508850000,
        "callee": 905051112233,
        "extension": "1001",
        "call_time": busy_out["call_time"],
        "answer_time": None,
        "hangup_time": busy_out["hangup_time"],
        "missing_call": False,
        "call_price": "0.0000",
        "call_record": "NO",
        "hangup_cause": "USER_BUSY",
        "hangup_state": "send_refuse",
    }
    assert "extension" not in answered_in
    assert "call_price" not in answered_in
    assert answered_in["direction"] == "IN"
    assert answered_in["call_record"] == "NO"
    assert answered_in["hangup_cause"] == "NORMAL_CLEARING"
    for stamp in ("call_time", "answer_time", "hangup_time"):
        assert ISO_STAMP.match(answered_in[stamp])


async def test_undeliverable_webhooks_are_recorded_not_raised(
    simulator: Simulator,
) -> None:
    """A receiver that is down costs the posts, not the call or its CDR."""
    simulator.set_bulutfon_webhook(closed_port_url())

    call = await simulator.place_call("bulutfon")

    assert len(call.deliveries) == 3
    assert all(delivery.status is None for delivery in call.deliveries)
    assert all(delivery.error for delivery in call.deliveries)
    assert simulator.state.deliveries == call.deliveries
    assert simulator.state.bulutfon.cdrs == [call]


async def test_realtime_call_paces_its_posts(
    simulator: Simulator, receiver: Receiver
) -> None:
    """In real time, ringing, answer and hang-up arrive a step apart."""
    simulator.switchboard.realtime_step = 0.2
    simulator.set_crm_integration(receiver.url)

    call = await simulator.place_call("bulutsantralim", realtime=True)

    arrivals = [post.arrived for post in receiver.posts]
    assert len(arrivals) == 3
    assert arrivals[1] - arrivals[0] >= 0.2
    assert arrivals[2] - arrivals[1] >= 0.2
    assert call.started <= datetime.now(ISTANBUL)
    assert simulator.state.bulutsantralim.cdrs == [call]


# --- CDR lists ---------------------------------------------------------------------------


async def test_bulutfon_cdr_pages(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """250 CDRs in pages of 100, newest first, linked by URLs without the token."""
    simulator.add_cdrs("bulutfon", 250)
    token = simulator.state.bulutfon.token
    url: str | None = f"{simulator.url('bulutfon')}/cdrs"
    pages: list[dict[str, Any]] = []
    while url is not None:
        status, answer = await get_json(
            session, URL(url).update_query(access_token=token), limit="100"
        )
        assert status == 200
        pages.append(answer)
        url = answer["pagination"]["next_page"]
        assert url is None or "access_token" not in url

    assert [len(page["cdrs"]) for page in pages] == [100, 100, 50]
    first, second, last = (page["pagination"] for page in pages)
    assert first["total_count"] == 250
    assert first["total_pages"] == 3
    assert first["limit"] == 100
    assert first["previous_page"] is None
    assert URL(first["next_page"]).query == {"limit": "100", "page": "2"}
    assert URL(second["previous_page"]).query["page"] == "1"
    assert "access_token" not in second["previous_page"]
    assert last["next_page"] is None
    times = [item["call_time"] for page in pages for item in page["cdrs"]]
    assert times == sorted(times, reverse=True)
    assert len({item["uuid"] for page in pages for item in page["cdrs"]}) == 250
    assert simulator.count("bulutfon", "cdrs") == 3

    status, ascending = await get_json(
        session,
        f"{simulator.url('bulutfon')}/cdrs.json",
        access_token=token,
        order="call_time,asc",
        limit="500",
    )
    assert status == 200
    assert ascending["pagination"]["limit"] == 100
    assert [item["call_time"] for item in ascending["cdrs"]] == sorted(times)[:100]

    status, refusal = await get_json(
        session, f"{simulator.url('bulutfon')}/cdrs", access_token="wrong"
    )
    assert (status, refusal) == (401, {"error": "Unauthorized"})


async def test_bulutfon_cdr_filters(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """time_limit, missing_call and caller keep only the matching calls."""
    history = simulator.add_cdrs("bulutfon", 60, outcome="answered")
    missed = await simulator.place_call(
        "bulutfon", outcome="missed", caller="05329998877"
    )
    token = simulator.state.bulutfon.token
    cdrs_url = f"{simulator.url('bulutfon')}/cdrs"

    _, answer = await get_json(
        session, cdrs_url, access_token=token, missing_call="true"
    )
    assert [item["uuid"] for item in answer["cdrs"]] == [missed.uuid]
    assert answer["cdrs"][0]["missing_call"] is True
    assert answer["cdrs"][0]["answer_time"] is None

    _, answer = await get_json(session, cdrs_url, access_token=token, time_limit="hour")
    hour_ago = datetime.now(ISTANBUL) - timedelta(hours=1)
    calls = sorted([missed, *history], key=lambda call: call.started, reverse=True)
    recent = [call.uuid for call in calls if call.started >= hour_ago]
    assert [item["uuid"] for item in answer["cdrs"]] == recent
    assert answer["pagination"]["total_count"] < 61

    _, answer = await get_json(
        session, cdrs_url, access_token=token, caller=missed.caller
    )
    assert [item["uuid"] for item in answer["cdrs"]] == [missed.uuid]

    status, answer = await get_json(
        session, cdrs_url, access_token=token, time_limit="year"
    )
    assert status == 400
    assert "time_limit" in answer["error"]


async def test_bulutsantralim_cdr_pages_and_limits(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Default pages of 10, limits outside 10..100 refused, newest first."""
    simulator.add_cdrs("bulutsantralim", 25)
    key = simulator.state.bulutsantralim.api_key
    cdrs_url = f"{simulator.url('bulutsantralim')}/cdrs"

    status, first = await get_json(session, cdrs_url, key=key)
    assert status == 200
    assert first["pagination"] == {
        "page": 1,
        "total_count": 25,
        "total_pages": 3,
        "limit": 10,
    }
    _, last = await get_json(session, cdrs_url, key=key, page="3")
    assert len(last["cdrs"]) == 5
    stamps = [item["start_stamp"] for item in first["cdrs"] + last["cdrs"]]
    assert stamps == sorted(stamps, reverse=True)

    for limit in ("9", "101", "many"):
        status, text = await get_json(session, cdrs_url, key=key, limit=limit)
        assert status == 400
        assert isinstance(text, str)
    status, answer = await get_json(session, cdrs_url, key=key, limit="100")
    assert status == 200
    assert len(answer["cdrs"]) == 25

    status, text = await get_json(session, cdrs_url, key="K-wrong")
    assert (status, text) == (400, "Gecersiz anahtar: K-wrong")


async def test_bulutsantralim_cdr_date_range(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """start_stamp_from/to in UTC select calls; ranges over 31 days are refused."""
    calls = simulator.add_cdrs("bulutsantralim", 40)
    key = simulator.state.bulutsantralim.api_key
    cdrs_url = f"{simulator.url('bulutsantralim')}/cdrs"

    def utc(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    since, until = calls[30].started, calls[10].started
    status, answer = await get_json(
        session,
        cdrs_url,
        key=key,
        limit="100",
        start_stamp_from=utc(since),
        start_stamp_to=utc(until),
    )
    assert status == 200
    # The UTC stamps have whole seconds, so they cut a little earlier than the calls.
    low, high = since.replace(microsecond=0), until.replace(microsecond=0)
    expected = [call.uuid for call in calls if low <= call.started <= high]
    assert len(expected) == 20
    assert [item["call_uuid"] for item in answer["cdrs"]] == expected

    now = datetime.now(UTC)
    status, text = await get_json(
        session,
        cdrs_url,
        key=key,
        start_stamp_from=utc(now - timedelta(days=32)),
        start_stamp_to=utc(now),
    )
    assert status == 400
    assert "31 days" in text
    status, _ = await get_json(
        session,
        cdrs_url,
        key=key,
        start_stamp_from=utc(now - timedelta(days=31)),
        start_stamp_to=utc(now),
    )
    assert status == 200
    status, text = await get_json(
        session, cdrs_url, key=key, start_stamp_from="03.08.2017"
    )
    assert (status, text) == (400, "invalid start_stamp_from: 03.08.2017")


async def test_bulutsantralim_cdr_item(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """An answered inbound call's CDR, with the document's fields, words and formats."""
    call = await simulator.place_call(
        "bulutsantralim", caller="03121234567", talk_seconds=75
    )

    _, answer = await get_json(
        session,
        f"{simulator.url('bulutsantralim')}/cdrs",
        key=simulator.state.bulutsantralim.api_key,
    )
    (item,) = answer["cdrs"]
    assert set(item) == BULUTSANTRALIM_CDR_FIELDS
    assert item["call_uuid"] == call.uuid
    assert item["direction"] == "Gelen"
    assert item["result"] == "Cevaplandı"
    assert item["caller_id_number"] == "03121234567"
    assert item["destination_number"] == "908501234567"
    assert item["talk_duration"] == "00:01:15"
    assert HMS.match(item["duration"])
    assert item["duration"] > item["talk_duration"]
    assert (item["missed"], item["recording_present"]) == ("false", "true")
    assert item["return_uuid"] is None
    for stamp in ("start_stamp", "answer_stamp", "end_stamp"):
        assert CDR_STAMP.match(item[stamp])


# --- Control API and CLI -----------------------------------------------------------------


async def test_control_api_places_calls_and_counts_requests(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """The control endpoints drive calls over HTTP; provider requests are counted."""
    control = f"{simulator.base_url}/_control"
    async with session.post(
        f"{control}/bulutfon/webhook",
        json={
            "url": receiver.url,
            "format": "form",
            "username": "santral",
            "password": "kanca-parola",
        },
    ) as response:
        assert response.status == 200
        assert await response.json() == {
            "url": receiver.url,
            "format": "form",
            "username": "santral",
            "basic_auth": True,
        }

    async with session.post(
        f"{control}/calls",
        json={
            "provider": "bulutfon",
            "direction": "outbound",
            "callee": "05321234567",
            "talk_seconds": 12,
        },
    ) as response:
        assert response.status == 200
        call = await response.json()
    assert call["callee"] == "905321234567"
    assert call["talk_seconds"] == 12
    assert [(hook["event_type"], hook["status"]) for hook in call["webhooks"]] == [
        ("call_init", 200),
        ("call_hangup", 200),
    ]
    assert receiver.posts[0].authorization == basic_auth("santral", "kanca-parola")

    async with session.post(
        f"{control}/cdrs", json={"provider": "bulutsantralim", "count": 12}
    ) as response:
        added = await response.json()
    assert (added["added"], added["total"]) == (12, 12)

    for bad in (
        {"provider": "telsam"},
        {"provider": "bulutfon", "direction": "internal"},
        {"provider": "bulutfon", "outcome": "hung"},
        {"provider": "bulutfon", "talk_seconds": "long"},
    ):
        async with session.post(f"{control}/calls", json=bad) as response:
            assert response.status == 400
            assert "error" in await response.json()

    await get_json(
        session,
        f"{simulator.url('bulutsantralim')}/cdrs",
        key=simulator.state.bulutsantralim.api_key,
    )
    await get_json(
        session,
        f"{simulator.url('bulutfon')}/cdrs",
        access_token=simulator.state.bulutfon.token,
    )
    status, counts = await get_json(session, f"{control}/requests")
    assert status == 200
    assert counts == {"bulutsantralim/cdrs": 1, "bulutfon/cdrs": 1}


async def test_faults_apply_to_the_new_routes(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """The cdrs and crm_integrations routes can be made to misbehave by name."""
    simulator.inject("bulutfon", "cdrs", Fault(FaultKind.RATE_LIMIT, retry_after=7))
    simulator.inject("bulutsantralim", "crm_integrations", Fault(FaultKind.REJECT))
    token = simulator.state.bulutfon.token
    cdrs_url = f"{simulator.url('bulutfon')}/cdrs"

    status, _ = await get_json(session, cdrs_url, access_token=token)
    assert status == 429
    status, _ = await get_json(session, cdrs_url, access_token=token)
    assert status == 200
    status, text = await set_crm(simulator, session, notification_url=receiver.url)
    assert (status, text) == (400, "request refused")
    assert receiver.posts == []
    assert simulator.count("bulutsantralim", "crm_integrations") == 1


async def run_cli(*args: str) -> tuple[int, str]:
    """Run `python -m simulator` with `args` and return its exit code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_cli_drives_a_running_simulator(
    simulator: Simulator, receiver: Receiver
) -> None:
    """`call` and `cdrs` post to the control API and print its answer."""
    simulator.set_crm_integration(receiver.url)

    code, output = await run_cli(
        "call",
        "--provider",
        "bulutsantralim",
        "--outcome",
        "missed",
        "--simulator",
        simulator.base_url,
    )
    assert code == 0, output
    call = json.loads(output)
    assert call["outcome"] == "missed"
    assert [hook["event_type"] for hook in call["webhooks"]] == ["ringing", "hangup"]
    assert [cdr.uuid for cdr in simulator.state.bulutsantralim.cdrs] == [call["uuid"]]

    code, output = await run_cli(
        "cdrs",
        "--provider",
        "bulutfon",
        "--count",
        "250",
        "--simulator",
        simulator.base_url,
    )
    assert code == 0, output
    assert json.loads(output)["added"] == 250
    assert len(simulator.state.bulutfon.cdrs) == 250

    code, output = await run_cli(
        "call",
        "--provider",
        "bulutfon",
        "--direction",
        "internal",
        "--simulator",
        simulator.base_url,
    )
    assert code == 1
    assert "only inbound and outbound" in output
