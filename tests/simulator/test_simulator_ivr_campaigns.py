"""The simulator's Bulutsantralim announcements and IVR campaigns over real HTTP.

A small aiohttp server on 127.0.0.1 plays the campaign's webhook: it gets the empty check
when a campaign is created, then one form report per number called.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
import socket
from typing import Any
import uuid

import aiohttp
import pytest

from simulator import Simulator, audio
from simulator.__main__ import _parser, _request
from simulator.automatic_calls import Callee as BulutfonCallee
from simulator.callees import Callee
from simulator.ivr_campaigns import REPORT_ATTEMPTS, IvrCampaigns
from simulator.providers.bulutsantralim.alerts import (
    BAD_CALL_RETRIES,
    BAD_CLI,
    BAD_COMMERCIAL,
    BAD_DIGIT_TIMEOUT,
    BAD_EXTENSION,
    BAD_JSON,
    BAD_PHONE_LIST,
    BAD_RING_TIMEOUT,
    BAD_SOUNDDATA,
    BAD_STATUS,
    BAD_WEBHOOK,
    BAD_WELCOME,
    NAME_BLANK,
    NO_TARGET,
    NOT_AUDIO,
    NOT_IVR,
)
from tests.report_webhook import Webhook

# A real MP3 (an ID3 tag and silent frames), as Home Assistant's TTS would give.
MP3 = audio.mp3(2)
REPORT_FIELDS = [
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
]
ANSWERS_1 = "905321112233"
NO_ANSWER = "905324445566"
PRESSES_5 = "905325556677"
SILENT = "905327778899"


@pytest.fixture
def calls(simulator: Simulator) -> IvrCampaigns:
    """Return the simulated PBX's announcements and campaigns, calling quickly."""
    campaigns = simulator.state.bulutsantralim.ivr_campaigns
    campaigns.call_delay = 0.01
    return campaigns


def closed_port_url() -> str:
    """Return a URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def sounddata(
    content: bytes = MP3, name: str = "anons.mp3", mime: str = "audio/mpeg"
) -> str:
    """Return a data URL as the document shows it: URL-safe base64 on one line."""
    data = base64.urlsafe_b64encode(content).decode()
    return f"data:{mime};name:{name};base64,{data}"


def with_char(char: str) -> str:
    """Return the data URL with `char` in place of one character of its base64."""
    data = sounddata()
    at = data.index("base64,") + 20
    return data[:at] + char + data[at + 1 :]


def key(simulator: Simulator) -> str:
    """Return the account's API key."""
    return simulator.state.bulutsantralim.api_key


async def upload(
    simulator: Simulator, session: aiohttp.ClientSession, **form: str | None
) -> tuple[int, str]:
    """POST an announcement (a field given None is left out); return status and text."""
    fields = {
        "key": key(simulator),
        "name": "karşılama sesi",
        "sounddata": sounddata(),
    } | form
    async with session.post(
        f"{simulator.url('bulutsantralim')}/announcements",
        data={k: v for k, v in fields.items() if v is not None},
    ) as response:
        return response.status, await response.text()


async def listed(simulator: Simulator, session: aiohttp.ClientSession) -> Any:
    """Return `GET /announcements`' JSON."""
    async with session.get(
        f"{simulator.url('bulutsantralim')}/announcements",
        params={"key": key(simulator)},
    ) as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        return await response.json()


def campaign_body(simulator: Simulator, url: str | None, **body: Any) -> dict[str, Any]:
    """Return a campaign as Santral's client sends it, one announcement uploaded for it."""
    calls = simulator.state.bulutsantralim.ivr_campaigns
    announcement = calls.upload("a", "audio/mpeg", "a.mp3", MP3)
    payload: dict[str, Any] = {
        "key": key(simulator),
        "call_type": "ivr",
        "name": "Su kaçağı",
        "ring_timeout": 30,
        "cli": simulator.state.bulutsantralim.caller_ids[0],
        "welcome_announcement_id": announcement.id,
        "call_retries": 0,
        "webhook_url": url,
        **{f"digit_target_{n}": "hangup/hangup" for n in range(5)},
        "digit_target_star": "hangup/hangup",
        "timeout_target": "hangup/hangup",
        "digit_retries": 0,
        "digit_timeout": 10,
        "is_commercial": False,
        "phone_list": [{"phone": "05321112233"}],
    }
    if url is None:
        del payload["webhook_url"]
    return payload | body


async def create(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    url: str | None,
    **body: Any,
) -> tuple[int, str]:
    """POST a campaign; return the status and the text answered."""
    async with session.post(
        f"{simulator.url('bulutsantralim')}/ivr_campaigns.json",
        json=campaign_body(simulator, url, **body),
    ) as response:
        assert response.content_type == "text/plain"
        return response.status, await response.text()


async def campaign_request(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    method: str,
    campaign_id: str | int,
    **kwargs: Any,
) -> tuple[int, str]:
    """Send a DELETE or PATCH to a campaign; return the status and the text."""
    async with session.request(
        method,
        f"{simulator.url('bulutsantralim')}/ivr_campaigns/{campaign_id}",
        **kwargs,
    ) as response:
        return response.status, await response.text()


# --- announcements --------------------------------------------------------------------


async def test_announcements_listed_uploaded_updated_and_deleted(
    simulator: Simulator, session: aiohttp.ClientSession, calls: IvrCampaigns
) -> None:
    """An upload answers its id in text, the list shows it, a delete forgets it once."""
    assert await listed(simulator, session) == []
    name = "ses+dosyas%C4%B1.mp3"
    assert await upload(simulator, session, sounddata=sounddata(name=name)) == (
        200,
        "859",
    )
    padless = sounddata().rstrip("=")
    assert await upload(simulator, session, name="Mesai", sounddata=padless) == (
        200,
        "860",
    )
    assert await listed(simulator, session) == [
        {"id": 859, "name": "karşılama sesi"},
        {"id": 860, "name": "Mesai"},
    ]
    stored = calls.announcements[859]
    assert (stored.content, stored.size, stored.head) == (MP3, len(MP3), MP3[:16])
    assert stored.is_audio
    assert (stored.content_type, stored.file_name) == ("audio/mpeg", "ses dosyası.mp3")
    assert calls.announcements[860].content == MP3

    base = f"{simulator.url('bulutsantralim')}/announcements"
    wav = b"RIFF" + bytes(40)
    async with session.put(
        f"{base}/860",
        data={
            "key": key(simulator),
            "name": "Öğle molası",
            "sounddata": sounddata(wav, "b.wav", "audio/wav"),
        },
    ) as response:
        assert (response.status, await response.text()) == (200, "OK")
    assert (calls.announcements[860].name, calls.announcements[860].content) == (
        "Öğle molası",
        wav,
    )
    async with session.put(
        f"{base}/861", data={"key": key(simulator), "name": "x"}
    ) as response:
        assert (response.status, await response.text()) == (
            400,
            "cannot find announcement with id: 861",
        )

    # The key in the form, then in the query; what is gone cannot be found.
    async with session.delete(f"{base}/859", data={"key": key(simulator)}) as response:
        assert (response.status, await response.text()) == (200, "OK")
    for target in ("859", "abc"):
        async with session.delete(
            f"{base}/{target}", params={"key": key(simulator)}
        ) as response:
            assert (response.status, await response.text()) == (
                400,
                f"cannot find announcement with id: {target}",
            )
    assert await listed(simulator, session) == [{"id": 860, "name": "Öğle molası"}]
    assert [
        simulator.count("bulutsantralim", endpoint)
        for endpoint in (
            "announcements",
            "announcements_create",
            "announcement_update",
            "announcement_delete",
        )
    ] == [3, 2, 2, 3]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": ""}, NAME_BLANK),
        ({"name": None}, NAME_BLANK),
        ({"sounddata": None}, BAD_SOUNDDATA),
        ({"sounddata": sounddata(name="anons.txt")}, BAD_EXTENSION),
        ({"sounddata": sounddata(name="anons")}, BAD_EXTENSION),
        ({"sounddata": sounddata(mime="text/plain")}, NOT_AUDIO),
        ({"sounddata": with_char("+")}, BAD_SOUNDDATA),
        ({"sounddata": with_char("/")}, BAD_SOUNDDATA),
        ({"sounddata": with_char("\r\n")}, BAD_SOUNDDATA),
        ({"sounddata": with_char(" ")}, BAD_SOUNDDATA),
        ({"sounddata": "data:audio/mpeg;name:a.mp3;base64,SUQzB"}, BAD_SOUNDDATA),
        ({"sounddata": "audio/mpeg;base64,SUQz"}, BAD_SOUNDDATA),
        ({"sounddata": sounddata(b"<html></html>")}, NOT_AUDIO),
        ({"sounddata": sounddata(b"")}, NOT_AUDIO),
        ({"key": "K0"}, "Gecersiz anahtar: K0"),
    ],
    ids=[
        "blank-name",
        "no-name",
        "no-sounddata",
        "extension",
        "no-extension",
        "not-audio-type",
        "plus",
        "slash",
        "line-break",
        "space",
        "undecodable",
        "no-data-url",
        "not-audio-bytes",
        "empty",
        "key",
    ],
)
async def test_upload_refusals(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    calls: IvrCampaigns,
    form: dict[str, str | None],
    message: str,
) -> None:
    """Each refusal, as plain text with a 400; nothing is kept."""
    assert await upload(simulator, session, **form) == (400, message)
    assert not calls.announcements


async def test_announcement_refusals_need_the_key(
    simulator: Simulator, session: aiohttp.ClientSession, calls: IvrCampaigns
) -> None:
    """A wrong key is refused before anything else, on every announcement request."""
    calls.upload("a", "audio/mpeg", "a.mp3", MP3)
    base = f"{simulator.url('bulutsantralim')}/announcements"
    for method, path in (("GET", ""), ("PUT", "/859"), ("DELETE", "/859")):
        async with session.request(
            method, f"{base}{path}", params={"key": "K0"}, data={"name": "b"}
        ) as response:
            assert (response.status, await response.text()) == (
                400,
                "Gecersiz anahtar: K0",
            )
    assert calls.announcements[859].name == "a"


async def test_update_refusals(
    simulator: Simulator, session: aiohttp.ClientSession, calls: IvrCampaigns
) -> None:
    """An update takes the same fields as an upload; a refused one changes nothing."""
    calls.upload("a", "audio/mpeg", "a.mp3", MP3)
    url = f"{simulator.url('bulutsantralim')}/announcements/859"
    for form, message in (
        ({"name": " "}, NAME_BLANK),
        ({"name": "b", "sounddata": sounddata(name="b.doc")}, BAD_EXTENSION),
        ({"name": "b", "sounddata": sounddata(b"PK\x03\x04")}, NOT_AUDIO),
    ):
        async with session.put(url, data={"key": key(simulator)} | form) as response:
            assert (response.status, await response.text()) == (400, message)
    assert (calls.announcements[859].name, calls.announcements[859].content) == (
        "a",
        MP3,
    )


# --- IVR campaigns --------------------------------------------------------------------


async def test_reports_of_every_kind(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    calls: IvrCampaigns,
) -> None:
    """The empty check first, then one report per number with the documented fields."""
    state = simulator.state
    state.set_callee(ANSWERS_1, Callee(answers=True, digit=1))
    state.set_callee(NO_ANSWER, Callee(answers=False))
    state.set_callee(PRESSES_5, Callee(answers=True, digit=5))
    state.set_callee("905320000001", Callee(answers=True, digit="*"))
    state.set_callee("905320000002", Callee(answers=True, digit="#"))
    phones: list[str | int] = [
        "05321112233",
        "5324445566",
        int(PRESSES_5),
        SILENT,
        "05320000001",
        "00905320000002",
        "00491511234567",
    ]
    before = datetime.now(UTC).replace(microsecond=0)
    status, text = await create(
        simulator, session, hook.url, phone_list=[{"phone": p} for p in phones]
    )
    assert (status, text) == (200, "20212")
    # The check arrived before the create was answered: an empty POST.
    assert len(hook.posts) == 1
    assert (hook.posts[0].body, hook.posts[0].form) == (b"", {})
    await calls.async_idle()
    reports = hook.reports
    assert len(hook.posts) == 1 + len(phones)
    assert [(r["phone"], r["digit"], r["status"]) for r in reports] == [
        (ANSWERS_1, "1", "Cevaplandı"),
        (NO_ANSWER, "", "Cevapsız"),
        (PRESSES_5, "!5", "Cevaplandı"),
        (SILENT, "-", "Cevaplandı"),
        ("905320000001", "*", "Cevaplandı"),
        ("905320000002", "!#", "Cevaplandı"),
        ("491511234567", "-", "Cevaplandı"),
    ]
    assert {post.content_type for post in hook.posts[1:]} == {
        "application/x-www-form-urlencoded"
    }
    assert all(list(report) == REPORT_FIELDS for report in reports)
    first = reports[0]
    assert (
        first["domain_id"],
        first["ivr_campaign_id"],
        first["ivr_campaign_name"],
    ) == (
        simulator.state.bulutsantralim.domain_id,
        "20212",
        "Su kaçağı",
    )
    moment = datetime.strptime(
        first["notification_date"], "%Y-%m-%d %H:%M:%S UTC"
    ).replace(tzinfo=UTC)
    assert before <= moment <= datetime.now(UTC) + timedelta(seconds=1)
    for name in ("notification_id", "ivr_lead_id", "call_uuid"):
        assert len({report[name] for report in reports}) == len(phones)
    assert all(r["notification_id"].isdigit() for r in reports)
    assert all(r["ivr_lead_id"].isdigit() for r in reports)
    assert {uuid.UUID(r["call_uuid"]).version for r in reports} == {4}

    campaign = calls.campaigns[20212]
    assert campaign.verification == 200
    assert campaign.name == "Su kaçağı"
    assert campaign.body["phone_list"][2] == {"phone": int(PRESSES_5)}
    assert [(lead.called, lead.answered, lead.digit) for lead in campaign.leads][
        :2
    ] == [
        (True, True, "1"),
        (True, False, ""),
    ]
    assert [str(lead.id) for lead in campaign.leads] == [
        r["ivr_lead_id"] for r in reports
    ]
    assert [(r.fields, r.status, r.attempts) for r in campaign.reports] == [
        (fields, 200, 1) for fields in reports
    ]
    assert campaign.undelivered == []
    assert not campaign.deleted


async def test_reports_are_spaced_by_the_call_delay(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    calls: IvrCampaigns,
) -> None:
    """Numbers are called one after another, `call_delay` seconds apart."""
    calls.call_delay = 0.2
    loop = asyncio.get_running_loop()
    started = loop.time()
    _, text = await create(
        simulator,
        session,
        hook.url,
        phone_list=[{"phone": ANSWERS_1}, {"phone": SILENT}],
    )
    await hook.wait_for(2)
    first = loop.time()
    assert calls.campaigns[int(text)].leads[1].called is False
    await calls.async_idle()
    assert loop.time() - started >= 0.4
    assert loop.time() - first >= 0.15
    assert len(hook.reports) == 2


async def test_no_webhook_calls_without_reports(
    simulator: Simulator, session: aiohttp.ClientSession, calls: IvrCampaigns
) -> None:
    """Without `webhook_url` there is no check and no report; the calls still happen."""
    simulator.state.set_callee(ANSWERS_1, Callee(digit=1))
    status, text = await create(
        simulator,
        session,
        None,
        date_range_begin=datetime.now(UTC).date().isoformat(),
        time_range_begin="00:00",
        time_range_end="23:59",
        active_days=[1, 2, 3, 4, 5, 6, 7],
        max_thread_count=1,
    )
    assert status == 200
    await calls.async_idle()
    campaign = calls.campaigns[int(text)]
    assert campaign.verification is None
    assert campaign.reports == []
    assert [(lead.phone, lead.digit) for lead in campaign.leads] == [(ANSWERS_1, "1")]


@pytest.mark.parametrize("answer", [500, 404, 201, 302])
async def test_webhook_that_does_not_answer_200_refuses_the_campaign(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    calls: IvrCampaigns,
    answer: int,
) -> None:
    """The check must get a 200; anything else refuses the campaign, none is kept."""
    hook.statuses = [answer]
    assert await create(simulator, session, hook.url) == (400, BAD_WEBHOOK)
    assert [post.body for post in hook.posts] == [b""]
    assert not calls.campaigns


async def test_unreachable_webhook_refuses_the_campaign(
    simulator: Simulator, session: aiohttp.ClientSession, calls: IvrCampaigns
) -> None:
    """A webhook nobody listens at, or no URL at all, refuses the campaign."""
    for url in (closed_port_url(), "not a url", 42):
        assert await create(simulator, session, None, webhook_url=url) == (
            400,
            BAD_WEBHOOK,
        )
    assert not calls.campaigns


async def test_reports_not_taken_are_tried_once_more(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    calls: IvrCampaigns,
) -> None:
    """A report refused twice is kept as undelivered; one refused once goes the 2nd time."""
    # The check, then: the 1st report refused once, the 2nd refused twice.
    hook.statuses = [200, 503, 200, 500, 500]
    phones = [{"phone": ANSWERS_1}, {"phone": SILENT}, {"phone": NO_ANSWER}]
    _, text = await create(simulator, session, hook.url, phone_list=phones)
    await calls.async_idle()
    campaign = calls.campaigns[int(text)]
    assert [(r.fields["phone"], r.status, r.attempts) for r in campaign.reports] == [
        (ANSWERS_1, 200, 2),
        (SILENT, 500, REPORT_ATTEMPTS),
        (NO_ANSWER, 200, 1),
    ]
    assert [r.fields["phone"] for r in campaign.undelivered] == [SILENT]
    assert len(hook.posts) == 1 + 2 + 2 + 1
    assert all(lead.called for lead in campaign.leads)


async def test_webhook_gone_after_the_check(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    calls: IvrCampaigns,
) -> None:
    """A webhook that went away costs two attempts per report; every number is called."""
    calls.call_delay = 0.2
    phones = [{"phone": ANSWERS_1}, {"phone": SILENT}]
    _, text = await create(simulator, session, hook.url, phone_list=phones)
    assert hook.server is not None
    await hook.server.close()
    await calls.async_idle()
    campaign = calls.campaigns[int(text)]
    assert [(r.status, r.attempts) for r in campaign.reports] == [(None, 2), (None, 2)]
    assert len(campaign.undelivered) == 2
    assert campaign.task is not None
    assert campaign.task.done() and campaign.task.exception() is None
    assert all(lead.called for lead in campaign.leads)


async def test_delete_stops_and_pause_holds_the_calls(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    calls: IvrCampaigns,
) -> None:
    """A paused campaign places no call until it goes on; a deleted one never again."""
    calls.call_delay = 0.2
    phones = [{"phone": f"90532111223{n}"} for n in range(5)]
    _, text = await create(simulator, session, hook.url, phone_list=phones)
    form = {"key": key(simulator), "status": "off"}
    assert await campaign_request(simulator, session, "PATCH", text, data=form) == (
        200,
        "OK",
    )
    await asyncio.sleep(0.3)
    assert hook.reports == []
    form["status"] = "on"
    assert await campaign_request(simulator, session, "PATCH", text, data=form) == (
        200,
        "OK",
    )
    await hook.wait_for(3)
    params = {"key": key(simulator)}
    assert await campaign_request(
        simulator, session, "DELETE", text, params=params
    ) == (200, "OK")
    async with asyncio.timeout(1):
        await calls.async_idle()
    campaign = calls.campaigns[int(text)]
    assert campaign.deleted
    called = [lead.phone for lead in campaign.leads if lead.called]
    assert 2 <= len(called) < len(phones)
    await asyncio.sleep(0.3)
    assert [r["phone"] for r in hook.reports] == called
    gone = (400, f"Cannot find ivr_campaign with ID {text}")
    assert (
        await campaign_request(simulator, session, "DELETE", text, params=params)
        == gone
    )
    assert await campaign_request(simulator, session, "PATCH", text, data=form) == gone
    assert await campaign_request(simulator, session, "DELETE", 99, params=params) == (
        400,
        "Cannot find ivr_campaign with ID 99",
    )
    assert await campaign_request(simulator, session, "PATCH", "abc", data=form) == (
        400,
        "Cannot find ivr_campaign with ID abc",
    )
    assert [
        simulator.count("bulutsantralim", endpoint)
        for endpoint in ("ivr_campaigns_create", "ivr_campaign_status")
    ] == [1, 4]
    assert simulator.count("bulutsantralim", "ivr_campaign_delete") == 3


async def test_status_word_and_key(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    calls: IvrCampaigns,
) -> None:
    """`status` is on or off; a wrong key is refused on DELETE and PATCH."""
    calls.call_delay = 3600
    _, text = await create(simulator, session, hook.url)
    assert await campaign_request(
        simulator, session, "PATCH", text, data={"key": key(simulator), "status": "x"}
    ) == (400, BAD_STATUS)
    for method in ("PATCH", "DELETE"):
        assert await campaign_request(
            simulator, session, method, text, data={"key": "K0", "status": "off"}
        ) == (400, "Gecersiz anahtar: K0")
    campaign = calls.campaigns[int(text)]
    assert (campaign.paused, campaign.deleted) == (False, False)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"key": "K0"}, "Gecersiz anahtar: K0"),
        ({"key": None}, "Gecersiz anahtar: "),
        ({"call_type": "queue"}, NOT_IVR),
        ({"name": " "}, NAME_BLANK),
        ({"name": None}, NAME_BLANK),
        ({"cli": "902120000000"}, BAD_CLI),
        ({"cli": None}, BAD_CLI),
        ({"welcome_announcement_id": 1}, BAD_WELCOME),
        ({"welcome_announcement_id": "859"}, BAD_WELCOME),
        ({"welcome_announcement_id": None}, BAD_WELCOME),
        ({"ring_timeout": 20}, BAD_RING_TIMEOUT),
        ({"ring_timeout": 61}, BAD_RING_TIMEOUT),
        ({"ring_timeout": "30"}, BAD_RING_TIMEOUT),
        ({"ring_timeout": True}, BAD_RING_TIMEOUT),
        ({"call_retries": -1}, BAD_CALL_RETRIES),
        ({"digit_timeout": 0}, BAD_DIGIT_TIMEOUT),
        ({"digit_timeout": 11}, BAD_DIGIT_TIMEOUT),
        ({"is_commercial": "false"}, BAD_COMMERCIAL),
        (
            {
                **{f"digit_target_{n}": "" for n in range(5)},
                "digit_target_star": "",
                "timeout_target": "",
            },
            NO_TARGET,
        ),
        ({"phone_list": []}, BAD_PHONE_LIST),
        ({"phone_list": None}, BAD_PHONE_LIST),
        ({"phone_list": [{"phone": True}]}, BAD_PHONE_LIST),
        ({"phone_list": ["05321112233"]}, BAD_PHONE_LIST),
        ({"phone_list": [{"number": "05321112233"}]}, BAD_PHONE_LIST),
        ({"phone_list": [{"phone": "+905321112233"}]}, BAD_PHONE_LIST),
        ({"phone_list": [{"phone": "0532111223"}]}, BAD_PHONE_LIST),
        ({"phone_list": [{"phone": "90212"}]}, BAD_PHONE_LIST),
        (
            {"phone_list": [{"phone": "05321112233"}, {"phone": "12"}]},
            BAD_PHONE_LIST,
        ),
    ],
    ids=[
        "key",
        "no-key",
        "queue",
        "blank-name",
        "no-name",
        "foreign-cli",
        "no-cli",
        "unknown-announcement",
        "announcement-as-text",
        "no-announcement",
        "ring-short",
        "ring-long",
        "ring-text",
        "ring-bool",
        "retries",
        "digit-timeout-0",
        "digit-timeout-11",
        "commercial-text",
        "no-target",
        "no-phones",
        "phones-null",
        "phone-bool",
        "phone-bare",
        "phone-field",
        "phone-plus",
        "phone-short",
        "phone-partial",
        "one-bad-phone",
    ],
)
async def test_campaign_refusals(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    calls: IvrCampaigns,
    body: dict[str, Any],
    message: str,
) -> None:
    """Each refusal in plain text with a 400; the webhook is not checked, nothing kept."""
    assert await create(simulator, session, hook.url, **body) == (400, message)
    assert not calls.campaigns
    assert hook.posts == []


async def test_accepted_numbers_and_caller_id(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    calls: IvrCampaigns,
) -> None:
    """The documented number forms, integers too; the caller id in national form; defaults."""
    body: dict[str, Any] = {
        "cli": "0" + simulator.state.bulutsantralim.caller_ids[1][2:],
        "phone_list": [
            {"phone": "905321112233", "phrase": "#429 102.45 #431", "lang": "tr-TR"},
            {"phone": 5324445566},
            {"phone": " 05325556677 "},
        ],
    }
    status, text = await create(simulator, session, hook.url, **body)
    assert status == 200
    campaign = calls.campaigns[int(text)]
    assert campaign.phones == [ANSWERS_1, NO_ANSWER, PRESSES_5]
    payload = campaign_body(simulator, hook.url)
    for name in ("ring_timeout", "digit_timeout", "call_retries", "digit_retries"):
        del payload[name]
    async with session.post(
        f"{simulator.url('bulutsantralim')}/ivr_campaigns.json", json=payload
    ) as response:
        assert response.status == 200
    await calls.async_idle()


async def test_body_that_is_no_json_object(
    simulator: Simulator, session: aiohttp.ClientSession, calls: IvrCampaigns
) -> None:
    """A body that is not a JSON object is refused."""
    url = f"{simulator.url('bulutsantralim')}/ivr_campaigns.json"
    for body in ("{", "[]", "", '"key"'):
        async with session.post(
            url, data=body, headers={"Content-Type": "application/json"}
        ) as response:
            assert (response.status, await response.text()) == (400, BAD_JSON)
    assert not calls.campaigns


async def test_deleted_announcement_does_not_stop_a_campaign(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    calls: IvrCampaigns,
) -> None:
    """An announcement a running campaign plays may be deleted; the calls go on."""
    calls.call_delay = 0.1
    _, text = await create(simulator, session, hook.url)
    announcement_id = calls.campaigns[int(text)].body["welcome_announcement_id"]
    async with session.delete(
        f"{simulator.url('bulutsantralim')}/announcements/{announcement_id}",
        params={"key": key(simulator)},
    ) as response:
        assert response.status == 200
    await calls.async_idle()
    assert [r["phone"] for r in hook.reports] == [ANSWERS_1]


async def test_dialing_stops_with_the_simulator(
    socket_enabled: None, session: aiohttp.ClientSession, hook: Webhook
) -> None:
    """A campaign still calling is stopped when the simulator stops; nothing is posted."""
    simulator = Simulator()
    await simulator.start()
    try:
        simulator.state.bulutsantralim.ivr_campaigns.call_delay = 3600
        status, text = await create(simulator, session, hook.url)
        assert status == 200
    finally:
        await simulator.stop()
    task = simulator.state.bulutsantralim.ivr_campaigns.campaigns[int(text)].task
    assert task is not None
    assert task.cancelled()
    assert hook.reports == []


# --- the callee table both providers read ---------------------------------------------


async def test_one_callee_table_for_both_providers(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    calls: IvrCampaigns,
) -> None:
    """Both control paths and Bulutfon's `set_callee` set the table campaigns read."""
    control = simulator.base_url + "/_control"
    async with session.post(
        f"{control}/callees", json={"number": "05321112233", "digit": "#"}
    ) as answer:
        assert await answer.json() == {
            "number": ANSWERS_1,
            "answers": True,
            "digit": "#",
        }
    async with session.post(
        f"{control}/bulutfon/callees", json={"number": NO_ANSWER, "answers": False}
    ) as answer:
        assert answer.status == 200
    simulator.state.bulutfon.automatic_calls.set_callee(
        PRESSES_5, BulutfonCallee(answers=True, digit=3)
    )
    for bad in ({"number": ANSWERS_1, "digit": "**"}, {"number": "x"}):
        async with session.post(f"{control}/callees", json=bad) as answer:
            assert answer.status == 400
    assert simulator.state.callees is simulator.state.bulutfon.automatic_calls.callees
    assert simulator.state.callee(ANSWERS_1) == Callee(True, "#")
    assert simulator.state.callee(SILENT) == Callee()
    phones = [{"phone": p} for p in (ANSWERS_1, NO_ANSWER, PRESSES_5)]
    _, text = await create(
        simulator, session, hook.url, phone_list=phones, digit_target_square="user/1001"
    )
    await calls.async_idle()
    assert [r["digit"] for r in hook.reports] == ["#", "", "3"]
    assert calls.campaigns[int(text)].leads[1].status == "Cevapsız"


async def test_callee_command_takes_star_and_square(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """`python -m simulator callee --digit '*'` posts the key as text to the shared path."""
    parser = _parser()
    args = parser.parse_args(["callee", "--number", "905321112233", "--digit", "*"])
    path, sent = _request(args)
    assert (path, sent) == (
        "callees",
        {"number": "905321112233", "answers": True, "digit": "*"},
    )
    async with session.post(
        f"{simulator.base_url}/_control/{path}", json=sent
    ) as answer:
        assert answer.status == 200
    assert simulator.state.callee(ANSWERS_1).digit == "*"
    with pytest.raises(SystemExit):
        parser.parse_args(["callee", "--number", "905321112233", "--digit", "12"])
