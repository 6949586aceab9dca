"""The simulator's Bulutfon automatic calls over real HTTP: shapes, refusals, callees."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from simulator import Simulator
from simulator.__main__ import _parser, _request

MP3 = b"ID3\x04\x00" + bytes(64)


@pytest.fixture
async def sound(socket_enabled: None) -> AsyncGenerator[str]:
    """Serve an MP3; return its URL."""

    async def mp3(_request: web.Request) -> web.Response:
        return web.Response(body=MP3, content_type="audio/mpeg")

    app = web.Application()
    app.router.add_get("/a.mp3", mp3)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    yield str(server.make_url("/a.mp3"))
    await server.close()


async def api(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    method: str,
    path: str,
    token: str | None = None,
    **kwargs: Any,
) -> tuple[int, Any]:
    """Send a request to the simulated Bulutfon; return the status and the JSON body."""
    params = {"access_token": token or simulator.state.bulutfon.token}
    async with session.request(
        method, f"{simulator.url('bulutfon')}{path}", params=params, **kwargs
    ) as response:
        return response.status, await response.json()


def campaign(url: str, **fields: str) -> dict[str, str]:
    """Return a creating POST's fields."""
    return {
        "title": "Alarm",
        "receivers": "905321112233,905324445566",
        "did": "908508850000",
        "sound_url": url,
        **fields,
    }


async def test_documented_shapes(
    simulator: Simulator, session: aiohttp.ClientSession, sound: str
) -> None:
    """Numbers are integers; the detail lists recipients, called in turn as it is read."""
    status, body = await api(
        simulator, session, "POST", "/automatic-calls", json=campaign(sound)
    )
    assert (status, body) == (200, {"message": "Otomatik arama başarıyla oluşturuldu."})
    status, body = await api(simulator, session, "GET", "/automatic-calls")
    [listed] = body["automatic_calls"]
    assert listed["id"] == 1
    assert listed["did"] == 908508850000
    assert listed["gather"] is True
    details = [
        (await api(simulator, session, "GET", "/automatic-calls/1.json"))[1]
        for _ in range(3)
    ]
    recipients = [d["automatic_call"]["recipients"] for d in details]
    assert [[r["has_called"] for r in each] for each in recipients] == [
        [False, False],
        [True, False],
        [True, True],
    ]
    assert recipients[-1][0] == {
        "number": 905321112233,
        "has_called": True,
        "answer": True,
        "gather": None,
    }
    assert set(details[0]["automatic_call"]["call_range"]) >= {"monday", "sunday"}
    status, body = await api(simulator, session, "GET", "/dids")
    assert body["dids"][0]["number"] == "908508850000"


async def test_callees_from_the_control_api(
    simulator: Simulator, session: aiohttp.ClientSession, sound: str
) -> None:
    """A number set to press a key presses it, unless the campaign does not gather keys."""
    control = f"{simulator.base_url}/_control/bulutfon/callees"
    async with session.post(
        control, json={"number": "05321112233", "digit": 4}
    ) as answer:
        assert await answer.json() == {
            "number": "905321112233",
            "answers": True,
            "digit": 4,
        }
    for bad in ({"number": "abc"}, {"number": "905321112233", "digit": 12}, [1]):
        async with session.post(control, json=bad) as answer:
            assert answer.status == 400
    async with session.post(
        control, json={"number": "905324445566", "answers": False, "digit": None}
    ) as answer:
        assert answer.status == 200
    for gather in ("true", "false"):
        await api(
            simulator,
            session,
            "POST",
            "/automatic-calls",
            json=campaign(sound, gather=gather),
        )
    calls = simulator.state.bulutfon.automatic_calls
    for campaign_id in (1, 2):
        for recipient in calls.campaigns[campaign_id].recipients:
            calls.dial_next(calls.campaigns[campaign_id])
            assert recipient.has_called
    first, second = (calls.campaigns[i].recipients for i in (1, 2))
    assert [(r.answer, r.gather) for r in first] == [(True, 4), (False, None)]
    assert [(r.answer, r.gather) for r in second] == [(True, None), (False, None)]
    calls.dial_next(calls.campaigns[1])
    assert [(r.answer, r.gather) for r in first] == [(True, 4), (False, None)]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "title, receivers, did ve ses dosyası zorunludur"),
        ({"announcement_id": "3"}, "title, receivers, did ve ses dosyası zorunludur"),
        ({"receivers": "905321112233,12"}, "Geçersiz alıcı numarası"),
        ({"did": "902120000000"}, "Geçersiz santral numarası"),
        ({"sound_url": "http://127.0.0.1:9/a.mp3"}, "Ses dosyası indirilemedi"),
    ],
    ids=["no-title", "two-sounds", "bad-receiver", "foreign-did", "unreachable"],
)
async def test_refusals(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    sound: str,
    fields: dict[str, str],
    message: str,
) -> None:
    """Bad campaigns are refused in Bulutfon's words, and none is kept."""
    status, body = await api(
        simulator, session, "POST", "/automatic-calls", json=campaign(sound, **fields)
    )
    assert (status, body) == (400, {"error": message})
    assert not simulator.state.bulutfon.automatic_calls.campaigns


async def test_announcement_alone_is_not_simulated(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Only `sound_url` campaigns are simulated; an odd balance does not block one."""
    simulator.state.bulutfon.me["credit"]["balance"] = "unknown"
    fields = campaign("")
    del fields["sound_url"]
    fields["announcement_id"] = "3"
    status, body = await api(
        simulator, session, "POST", "/automatic-calls", json=fields
    )
    assert status == 400


async def test_credentials_and_unknown_campaigns(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Every path wants the credentials; an unknown campaign is Bulutfon's 404."""
    for path in ("/dids", "/automatic-calls", "/automatic-calls/1"):
        status, _ = await api(simulator, session, "GET", path, token="wrong")
        assert status == 401
    status, _ = await api(
        simulator, session, "POST", "/automatic-calls", token="wrong", json={}
    )
    assert status == 401
    for path in ("/automatic-calls/9", "/automatic-calls/x"):
        status, body = await api(simulator, session, "GET", path)
        assert (status, body) == (404, {"error": "Not found"})


async def test_callee_command(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """`python -m simulator callee` posts what the control API takes."""
    parser = _parser()
    for argv, body in (
        (
            ["callee", "--number", "905321112233", "--digit", "1"],
            {"digit": 1, "answers": True},
        ),
        (
            ["callee", "--number", "905324445566", "--no-answer"],
            {"digit": None, "answers": False},
        ),
    ):
        path, sent = _request(parser.parse_args(argv))
        assert path == "callees"
        assert sent == {"number": argv[2], **body}
        async with session.post(
            f"{simulator.base_url}/_control/{path}", json=sent
        ) as answer:
            assert answer.status == 200
    callees = simulator.state.bulutfon.automatic_calls.callees
    assert (callees["905321112233"].digit, callees["905324445566"].answers) == (
        1,
        False,
    )
