"""Verimor's control of live calls and of do-not-disturb, as the simulator serves them.

`/hangup/{uuid}` and `/transfer/{uuid}` act on a call going on in real time and answer
`+OK`, or `No such channel!` for a call that is over or unknown (providers.md §2.2); the
hang-up and the new extension's answer then arrive as webhooks. `/dnd/{extension}` answers
`Changed DND of 1010 to on.` and shows in `/user_statuses` as `SS_DND`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from simulator import Simulator
from simulator.calls import SimulatedCall

HOLD = 3600.0


class Receiver:
    """A webhook receiver on 127.0.0.1 that hands each post's fields to a queue."""

    def __init__(self) -> None:
        """Start with no posts."""
        self.posts: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Keep a form post's fields (the validation post is empty)."""
        if body := await request.read():
            self.posts.put_nowait(
                dict(parse_qsl(body.decode(), keep_blank_values=True))
            )
        return web.Response(text="ok")

    async def next(self) -> dict[str, str]:
        """Return the next post, waiting a little for it."""
        async with asyncio.timeout(5):
            return await self.posts.get()


@pytest.fixture
async def receiver(
    socket_enabled: None, simulator: Simulator
) -> AsyncGenerator[Receiver]:
    """Run a receiver, and have the simulated Verimor post its events to it."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", receiver.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    receiver.url = str(server.make_url("/santral/hook"))
    simulator.set_crm_integration(receiver.url)
    yield receiver
    await server.close()


async def get(
    simulator: Simulator, session: aiohttp.ClientSession, path: str, **params: str
) -> tuple[int, Any]:
    """GET a Verimor endpoint with the key; return the status and the text or JSON."""
    params["key"] = simulator.state.bulutsantralim.api_key
    async with session.get(
        f"{simulator.url('bulutsantralim')}{path}", params=params
    ) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def live_call(
    simulator: Simulator, receiver: Receiver, **fields: Any
) -> tuple[asyncio.Task[SimulatedCall], dict[str, str]]:
    """Place a call in real time that stays up; return it once answered, and the answer."""
    simulator.switchboard.realtime_step = 0.01
    task = asyncio.create_task(
        simulator.place_call("bulutsantralim", realtime=True, hold=HOLD, **fields)
    )
    assert (await receiver.next())["event_type"] == "ringing"
    answer = await receiver.next()
    assert answer["event_type"] == "answer"
    return task, answer


async def test_dnd_switches_the_status(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """On shows as SS_DND; off makes the extension available; the answer is the doc's."""
    assert await get(simulator, session, "/dnd/1003", state="on") == (
        200,
        "Changed DND of 1003 to on.",
    )
    _, statuses = await get(simulator, session, "/user_statuses", user="1003")
    assert statuses == [{"user": 1003, "status": "SS_DND"}]
    assert await get(simulator, session, "/dnd/1003", state="off") == (
        200,
        "Changed DND of 1003 to off.",
    )
    assert simulator.state.bulutsantralim.user_status("1003") == "AVAILABLE"

    simulator.set_user_status(1004, "TALKING")
    await get(simulator, session, "/dnd/1004", state="off")
    assert simulator.state.bulutsantralim.user_status("1004") == "TALKING"
    assert simulator.count("bulutsantralim", "dnd") == 3


@pytest.mark.parametrize(
    ("path", "params", "refusal"),
    [
        ("/dnd/1099", {"state": "on"}, "extension 1099 not found"),
        ("/dnd/1001", {"state": "yes"}, "invalid state: yes"),
        ("/dnd/1001", {}, "invalid state: "),
        ("/hangup/not-a-call", {}, "No such channel!"),
        ("/transfer/not-a-call", {"user_number": "1002"}, "No such channel!"),
        ("/transfer/not-a-call", {"user_number": "1099"}, "extension 1099 not found"),
        ("/transfer/not-a-call", {}, "user_number is missing"),
    ],
)
async def test_refusals_are_plain_sentences(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    path: str,
    params: dict[str, str],
    refusal: str,
) -> None:
    """Refusals are HTTP 400 with Verimor's plain-text sentence."""
    assert await get(simulator, session, path, **params) == (400, refusal)


async def test_control_needs_the_key(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Without the key nothing is switched."""
    url = f"{simulator.url('bulutsantralim')}/dnd/1001"
    async with session.get(url, params={"state": "on", "key": "K-wrong"}) as response:
        assert response.status in (400, 401)
        assert (await response.text()).startswith("Gecersiz anahtar")
    assert simulator.state.bulutsantralim.user_status("1001") == "AVAILABLE"


async def test_hangup_ends_a_live_call(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """A hung-up call posts its hang-up and files its CDR; after that it is no channel."""
    task, answer = await live_call(simulator, receiver, extension="1001")
    call_uuid = answer["call_uuid"]
    assert simulator.switchboard.live_call("bulutsantralim", call_uuid) is not None

    assert await get(simulator, session, f"/hangup/{call_uuid}") == (200, "+OK")
    hangup = await receiver.next()
    call = await asyncio.wait_for(task, 5)
    assert hangup["event_type"] == "hangup"
    assert hangup["call_uuid"] == call_uuid
    assert hangup["answered"] == "true"
    assert hangup["hangup_cause"] == "NORMAL_CLEARING"
    assert call.outcome == "answered"
    assert call.ended >= call.answered
    assert simulator.find_call("bulutsantralim", call_uuid) is call
    assert simulator.switchboard.live_call("bulutsantralim", call_uuid) is None
    assert await get(simulator, session, f"/hangup/{call_uuid}") == (
        400,
        "No such channel!",
    )
    assert receiver.posts.empty()


async def test_a_ringing_call_hung_up_is_missed(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Hung up before anyone answered, a call was never connected."""
    simulator.switchboard.realtime_step = HOLD
    task = asyncio.create_task(simulator.place_call("bulutsantralim", realtime=True))
    ringing = await receiver.next()
    assert ringing["event_type"] == "ringing"
    assert await get(simulator, session, f"/hangup/{ringing['call_uuid']}") == (
        200,
        "+OK",
    )
    hangup = await receiver.next()
    call = await asyncio.wait_for(task, 5)
    assert hangup["event_type"] == "hangup"
    assert hangup["answered"] == "false"
    assert (call.outcome, call.answered, call.talk_seconds) == ("missed", None, 0)
    assert call.missed


async def test_transfer_moves_a_live_call(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """The new extension answers at once; the hang-up and the CDR name it."""
    task, answer = await live_call(simulator, receiver, extension="1001")
    assert answer["connected_user"] == "1001"
    call_uuid = answer["call_uuid"]

    assert await get(
        simulator, session, f"/transfer/{call_uuid}", user_number="1002"
    ) == (200, "+OK")
    moved = await receiver.next()
    assert moved["event_type"] == "answer"
    assert moved["call_uuid"] == call_uuid
    assert (moved["dialed_user"], moved["connected_user"]) == ("1002", "1002")
    assert moved["answer_stamp"] >= answer["answer_stamp"]

    await get(simulator, session, f"/hangup/{call_uuid}")
    hangup = await receiver.next()
    call = await asyncio.wait_for(task, 5)
    assert hangup["connected_user"] == "1002"
    assert call.extension == "1002"
    assert simulator.count("bulutsantralim", "transfer") == 1


async def test_a_call_that_ended_by_itself_is_no_channel(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Once its hang-up is posted a call takes no control."""
    simulator.switchboard.realtime_step = 0.01
    call = await simulator.place_call("bulutsantralim", realtime=True)
    for _ in range(3):
        await receiver.next()
    for path in (f"/hangup/{call.uuid}", f"/transfer/{call.uuid}"):
        status, answer = await get(simulator, session, path, user_number="1002")
        assert (status, answer) == (400, "No such channel!")


async def test_control_api_places_a_held_call(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """`hold` starts the call in the background and answers its uuid at once."""
    simulator.switchboard.realtime_step = 0.01
    async with session.post(
        f"{simulator.base_url}/_control/calls",
        json={"provider": "bulutsantralim", "extension": "1003", "hold": HOLD},
    ) as response:
        assert response.status == 202
        body = await response.json()
    assert body["live"] is True
    assert (await receiver.next())["call_uuid"] == body["uuid"]
    assert (await receiver.next())["event_type"] == "answer"
    assert await get(simulator, session, f"/hangup/{body['uuid']}") == (200, "+OK")
    assert (await receiver.next())["event_type"] == "hangup"
    await simulator.wait_dialed()
    assert simulator.find_call("bulutsantralim", body["uuid"]) is not None

    async with session.post(
        f"{simulator.base_url}/_control/calls",
        json={"provider": "bulutsantralim", "extension": "x", "hold": 5},
    ) as response:
        assert response.status == 400
