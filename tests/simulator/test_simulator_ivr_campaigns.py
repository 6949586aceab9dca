"""The simulator's Bulutsantralim announcements and IVR campaigns over real HTTP."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from simulator import Simulator
from simulator.automatic_calls import Callee
from simulator.providers.bulutsantralim.alerts import (
    BAD_DIGIT_TIMEOUT,
    BAD_EXTENSION,
    BAD_JSON,
    BAD_PHONE_LIST,
    BAD_RING_TIMEOUT,
    BAD_SOUNDDATA,
    BAD_WEBHOOK,
    BAD_WELCOME,
    NAME_BLANK,
    NO_TARGET,
    NOT_AUDIO,
)

MP3 = b"ID3\x04" + bytes([0xFB, 0xEF, 0xFF, 0xFE]) * 40


class Webhook:
    """A report webhook on 127.0.0.1 that keeps every post."""

    def __init__(self) -> None:
        """Keep nothing yet."""
        self.posts: list[dict[str, str]] = []
        self.server: TestServer | None = None

    @property
    def url(self) -> str:
        """Return where to post."""
        assert self.server is not None
        return str(self.server.make_url("/hook"))

    async def handle(self, request: web.Request) -> web.Response:
        """Keep the post's form fields."""
        self.posts.append({k: str(v) for k, v in (await request.post()).items()})
        return web.Response(text="OK")


@pytest.fixture
async def hook(socket_enabled: None) -> AsyncGenerator[Webhook]:
    """Run the webhook on a free port."""
    keeper = Webhook()
    app = web.Application()
    app.router.add_post("/hook", keeper.handle)
    keeper.server = TestServer(app, host="127.0.0.1", port=0)
    await keeper.server.start_server()
    yield keeper
    await keeper.server.close()


def sounddata(content: bytes = MP3, name: str = "anons.mp3") -> str:
    """Return a data URL as the document shows it."""
    data = base64.urlsafe_b64encode(content).decode()
    return f"data:audio/mpeg;name:{name};base64,{data}"


async def upload(
    simulator: Simulator, session: aiohttp.ClientSession, **form: str
) -> tuple[int, str]:
    """POST an announcement; return the status and the text answered."""
    fields = {
        "key": simulator.state.bulutsantralim.api_key,
        "name": "karşılama sesi",
        "sounddata": sounddata(),
    } | form
    async with session.post(
        f"{simulator.url('bulutsantralim')}/announcements", data=fields
    ) as response:
        return response.status, await response.text()


async def campaign(
    simulator: Simulator, session: aiohttp.ClientSession, hook: Webhook, **body: Any
) -> tuple[int, str]:
    """POST a campaign with one announcement uploaded; return the status and text."""
    calls = simulator.state.bulutsantralim.ivr_campaigns
    announcement = calls.upload("a", "audio/mpeg", "a.mp3", MP3)
    payload = {
        "key": simulator.state.bulutsantralim.api_key,
        "call_type": "ivr",
        "name": "Alarm",
        "cli": simulator.state.bulutsantralim.caller_ids[0],
        "welcome_announcement_id": announcement.id,
        "ring_timeout": 30,
        "call_retries": 0,
        "webhook_url": hook.url,
        "digit_target_1": "hangup/hangup",
        "timeout_target": "hangup/hangup",
        "phone_list": [{"phone": "05321112233"}],
    } | body
    async with session.post(
        f"{simulator.url('bulutsantralim')}/ivr_campaigns.json", json=payload
    ) as response:
        return response.status, await response.text()


async def test_announcements_listed_uploaded_and_deleted(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """An upload answers its id, the list shows it, a delete forgets it once."""
    base = simulator.url("bulutsantralim")
    key = simulator.state.bulutsantralim.api_key
    status, text = await upload(simulator, session)
    assert (status, text) == (200, "859")
    async with session.get(f"{base}/announcements", params={"key": key}) as response:
        assert await response.json() == [{"id": 859, "name": "karşılama sesi"}]
    stored = simulator.state.bulutsantralim.ivr_campaigns.announcements[859]
    assert stored.content == MP3
    for expected in ("OK", "cannot find announcement with id: 859"):
        async with session.delete(
            f"{base}/announcements/859", data={"key": key}
        ) as response:
            assert await response.text() == expected


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": ""}, NAME_BLANK),
        ({"sounddata": sounddata(name="anons.txt")}, BAD_EXTENSION),
        ({"sounddata": sounddata().replace("-", "+")}, BAD_SOUNDDATA),
        ({"sounddata": "audio/mpeg;base64,AAAA"}, BAD_SOUNDDATA),
        ({"sounddata": sounddata()[:-3] + "A"}, BAD_SOUNDDATA),
        ({"sounddata": sounddata(b"<html></html>")}, NOT_AUDIO),
        ({"key": "K0"}, "Gecersiz anahtar: K0"),
    ],
    ids=["no-name", "extension", "plus", "no-data-url", "broken", "not-audio", "key"],
)
async def test_upload_refusals(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    form: dict[str, str],
    message: str,
) -> None:
    """Each documented refusal, as plain text; nothing is kept."""
    assert await upload(simulator, session, **form) == (400, message)
    assert not simulator.state.bulutsantralim.ivr_campaigns.announcements


async def test_reports_of_every_kind(
    simulator: Simulator, session: aiohttp.ClientSession, hook: Webhook
) -> None:
    """The empty check first, then one report per number with the documented fields."""
    table = simulator.state.bulutfon.automatic_calls
    table.set_callee("905321112233", Callee(answers=True, digit=1))
    table.set_callee("905324445566", Callee(answers=False))
    table.set_callee("905325556677", Callee(answers=True, digit=5))
    phones = ["05321112233", "5324445566", 905325556677, "905327778899"]
    status, text = await campaign(
        simulator, session, hook, phone_list=[{"phone": p} for p in phones]
    )
    assert status == 200
    calls = simulator.state.bulutsantralim.ivr_campaigns
    await calls.async_idle()
    assert hook.posts[0] == {}
    reports = hook.posts[1:]
    assert [(r["phone"], r["digit"], r["status"]) for r in reports] == [
        ("905321112233", "1", "Cevaplandı"),
        ("905324445566", "", "Cevapsız"),
        ("905325556677", "!5", "Cevaplandı"),
        ("905327778899", "-", "Cevaplandı"),
    ]
    assert {r["ivr_campaign_id"] for r in reports} == {text}
    assert set(reports[0]) == {
        "notification_id",
        "notification_date",
        "domain_id",
        "ivr_campaign_id",
        "ivr_campaign_name",
        "ivr_lead_id",
        "phone",
        "digit",
        "status",
        "call_uuid",
    }
    assert reports[0]["notification_date"].endswith(" UTC")
    assert len({r["ivr_lead_id"] for r in reports}) == 4
    assert [r.status for r in calls.campaigns[int(text)].reports] == [200] * 4


async def test_delete_stops_and_pause_holds_the_calls(
    simulator: Simulator, session: aiohttp.ClientSession, hook: Webhook
) -> None:
    """A paused campaign places no call until it goes on; a deleted one never again."""
    calls = simulator.state.bulutsantralim.ivr_campaigns
    calls.call_delay = 0.05
    phones = [{"phone": f"90532111223{n}"} for n in range(4)]
    _, text = await campaign(simulator, session, hook, phone_list=phones)
    base = f"{simulator.url('bulutsantralim')}/ivr_campaigns/{text}"
    key = simulator.state.bulutsantralim.api_key
    async with session.patch(base, data={"key": key, "status": "off"}) as response:
        assert await response.text() == "OK"
    await asyncio.sleep(0.3)
    assert hook.posts == [{}]
    async with session.patch(base, data={"key": key, "status": "on"}) as response:
        assert response.status == 200
    while len(hook.posts) < 2:
        await asyncio.sleep(0.01)
    async with session.delete(base, params={"key": key}) as response:
        assert await response.text() == "OK"
    await calls.async_idle()
    assert len(hook.posts) < 5
    for method in (session.delete, session.patch):
        async with method(base, params={"key": key}) as response:
            assert (response.status, await response.text()) == (
                400,
                f"Cannot find ivr_campaign with ID {text}",
            )
    async with session.patch(
        f"{simulator.url('bulutsantralim')}/ivr_campaigns/{int(text) + 1}",
        data={"key": key, "status": "maybe"},
    ) as response:
        assert response.status == 400


async def test_bad_status_word(
    simulator: Simulator, session: aiohttp.ClientSession, hook: Webhook
) -> None:
    """`status` is on or off."""
    _, text = await campaign(simulator, session, hook)
    async with session.patch(
        f"{simulator.url('bulutsantralim')}/ivr_campaigns/{text}",
        data={"key": simulator.state.bulutsantralim.api_key, "status": "maybe"},
    ) as response:
        assert (response.status, await response.text()) == (
            400,
            "status must be on or off",
        )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"key": "K0"}, "Gecersiz anahtar: K0"),
        ({"name": " "}, NAME_BLANK),
        ({"welcome_announcement_id": 1}, BAD_WELCOME),
        ({"ring_timeout": 20}, BAD_RING_TIMEOUT),
        ({"digit_timeout": 11}, BAD_DIGIT_TIMEOUT),
        ({"digit_target_1": "", "timeout_target": ""}, NO_TARGET),
        ({"phone_list": []}, BAD_PHONE_LIST),
        ({"phone_list": [{"phone": True}]}, BAD_PHONE_LIST),
        ({"phone_list": ["05321112233"]}, BAD_PHONE_LIST),
        ({"webhook_url": "http://127.0.0.1:9/none"}, BAD_WEBHOOK),
    ],
    ids=[
        "key",
        "name",
        "announcement",
        "ring",
        "digit-timeout",
        "no-target",
        "no-phones",
        "phone-bool",
        "phone-text",
        "webhook-unreachable",
    ],
)
async def test_campaign_refusals(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    body: dict[str, Any],
    message: str,
) -> None:
    """Each refusal in Verimor's words, as plain text; no campaign is kept."""
    assert await campaign(simulator, session, hook, **body) == (400, message)
    assert not simulator.state.bulutsantralim.ivr_campaigns.campaigns


async def test_body_that_is_no_json_object(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A body that is not a JSON object is refused."""
    url = f"{simulator.url('bulutsantralim')}/ivr_campaigns.json"
    for body in ("{", "[]"):
        async with session.post(url, data=body) as response:
            assert (response.status, await response.text()) == (400, BAD_JSON)


async def test_callee_command_sets_both_providers(simulator: Simulator) -> None:
    """The control API's callee is the one both providers' alert calls read."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{simulator.base_url}/_control/callees",
            json={"number": "05321112233", "digit": 2},
        ) as response,
    ):
        assert response.status == 200
    assert simulator.state.callee("905321112233") == Callee(True, 2)
    assert simulator.state.callee("905320000000") == Callee()
