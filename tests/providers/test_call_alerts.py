"""Bulutfon's automatic calls as call alerts: the creating POST, the detail, the refusals."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.santral.providers import (
    DESCRIPTIONS,
    AlertOutcome,
    AlertRecipient,
    AlertSound,
    BulutfonClient,
    CallAlert,
    Capability,
    Provider,
    SantralInvalidResponseError,
    SantralProviderError,
    SantralWebhookError,
)
from custom_components.santral.providers.bulutfon_alerts import (
    MAX_TITLE_LENGTH,
    alert_body,
    call_alert,
    created_id,
    find_by_title,
    first_did,
)
from simulator import Simulator

# An MP3 file's first bytes (an ID3 tag), as a TTS engine's answer starts.
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(200)
ANSWERS = "905321112233"
SILENT = "905324445566"


def sound(url: str) -> AlertSound:
    """Return the message as the clients take it, its audio at `url`."""
    return AlertSound(url, MP3, "audio/mpeg", "0" * 20)


# `automatic-calls.md`'s detail example, whose recipients carry no `answer`.
DOCUMENTED_DETAIL: dict[str, Any] = {
    "automatic_call": {
        "id": 2,
        "title": "Anket2",
        "did": 908508850000,
        "announcement": "Anket2",
        "gather": True,
        "recipients": [
            {"number": 905322222222, "has_called": True, "gather": 2},
            {"number": 905323333333, "has_called": True, "gather": 4},
            {"number": 905324444444, "has_called": True, "gather": 1},
        ],
    }
}


@pytest.fixture
async def audio_server(socket_enabled: None) -> AsyncGenerator[TestServer]:
    """Serve an MP3 at /alert.mp3 and an HTML page at /page, as a web server would."""

    async def mp3(_request: web.Request) -> web.Response:
        return web.Response(body=MP3, content_type="audio/mpeg")

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text="<html></html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/alert.mp3", mp3)
    app.router.add_get("/page", page)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    yield server
    await server.close()


def client_of(simulator: Simulator, session: aiohttp.ClientSession) -> BulutfonClient:
    """Return a Bulutfon client of the simulated PBX."""
    return BulutfonClient(
        session,
        token=simulator.state.bulutfon.token,
        base_url=simulator.url("bulutfon"),
    )


def test_documented_detail() -> None:
    """The document's example: every recipient called, each with the key pressed."""
    alert = call_alert("2", DOCUMENTED_DETAIL)
    assert alert == CallAlert(
        "2",
        (
            AlertRecipient("+905322222222", AlertOutcome.ANSWERED, "2"),
            AlertRecipient("+905323333333", AlertOutcome.ANSWERED, "4"),
            AlertRecipient("+905324444444", AlertOutcome.ANSWERED, "1"),
        ),
    )
    assert alert.settled


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [
        (
            {"number": 905321112233, "has_called": False, "answer": False},
            AlertRecipient("+905321112233", AlertOutcome.PENDING),
        ),
        (
            {
                "number": "905321112233",
                "has_called": True,
                "answer": False,
                "gather": 3,
            },
            AlertRecipient("+905321112233", AlertOutcome.FAILED),
        ),
        (
            {"number": 905321112233, "has_called": "true", "answer": True, "gather": 0},
            AlertRecipient("+905321112233", AlertOutcome.ANSWERED, "0"),
        ),
        (
            {"number": 905321112233, "has_called": True, "answer": True, "gather": 12},
            AlertRecipient("+905321112233", AlertOutcome.ANSWERED),
        ),
        (
            {"number": 905321112233, "has_called": True, "answer": None, "gather": "#"},
            AlertRecipient("+905321112233", AlertOutcome.ANSWERED, "#"),
        ),
        (
            {"number": 905321112233, "has_called": True, "answer": 1, "gather": True},
            AlertRecipient("+905321112233", AlertOutcome.ANSWERED),
        ),
    ],
    ids=["pending", "not-answered", "key-0", "no-key", "no-answer-field", "odd-key"],
)
def test_recipients(recipient: dict[str, Any], expected: AlertRecipient) -> None:
    """Called or not, answered or not, and a key only when it is one a phone sends."""
    alert = call_alert("7", {"automatic_call": {"recipients": [recipient]}})
    assert alert.recipients == (expected,)
    assert alert.settled is (expected.outcome is not AlertOutcome.PENDING)


def test_odd_recipients_are_passed_over() -> None:
    """Recipients of another shape or without a number do not hide the rest."""
    detail = {
        "automatic_call": {
            "recipients": [
                "no recipient",
                {"has_called": True},
                {"number": 905321112233, "has_called": True, "answer": True},
            ]
        }
    }
    assert call_alert("1", detail).recipients == (
        AlertRecipient("+905321112233", AlertOutcome.ANSWERED),
    )


@pytest.mark.parametrize(
    ("detail", "match"),
    [
        ({"automatic_calls": []}, "lacks the automatic_call object"),
        ({"automatic_call": {"recipients": "none"}}, "lacks the recipients list"),
    ],
)
def test_malformed_detail(detail: dict[str, Any], match: str) -> None:
    """A detail of another shape is the provider's error, said as such."""
    with pytest.raises(SantralInvalidResponseError, match=match):
        call_alert("1", detail)


def test_created_id_and_title() -> None:
    """An id in the answer is used; otherwise the newest campaign of that title."""
    assert created_id({"message": "ok"}) is None
    assert created_id({"id": 12}) == "12"
    assert created_id({"automatic_call": {"id": " 13 "}}) == "13"
    assert created_id({"id": True, "automatic_call": {"id": ""}}) is None
    listing = {
        "automatic_calls": [
            {"id": 9, "title": "Santral a"},
            {"id": 10, "title": "Santral b"},
            {"id": 11, "title": "Santral a"},
            {"id": False, "title": "Santral a"},
            "odd",
        ]
    }
    assert find_by_title(listing, "Santral a") == "11"
    assert find_by_title(listing, "Santral c") is None
    with pytest.raises(SantralInvalidResponseError, match="automatic_calls list"):
        find_by_title({}, "Santral a")
    long_title = "x" * (MAX_TITLE_LENGTH + 5)
    body = alert_body(
        ["905321112233", "905324445566"],
        sound("https://ha/a.mp3"),
        title=long_title,
        did="908508850000",
        gather=False,
    )
    assert body == {
        "title": long_title[:MAX_TITLE_LENGTH],
        "receivers": "905321112233,905324445566",
        "did": "908508850000",
        "sound_url": sound("https://ha/a.mp3"),
        "gather": "false",
    }
    assert (
        find_by_title(
            {"automatic_calls": [{"id": 4, "title": body["title"]}]}, long_title
        )
        == "4"
    )


def test_first_did() -> None:
    """A confirmed number comes before others; a list without numbers gives none."""
    assert (
        first_did(
            {
                "dids": [
                    {"number": "902120000000", "state": "DRAFT"},
                    {"number": "908508850000", "state": "CONFIRMED"},
                ]
            }
        )
        == "+908508850000"
    )
    assert first_did({"dids": [{"number": None}, "odd"]}) is None
    with pytest.raises(SantralInvalidResponseError, match="dids list"):
        first_did({"numbers": []})


def test_capability_of_the_pbx_providers(session: aiohttp.ClientSession) -> None:
    """Bulutfon and Bulutsantralim place call alerts; the fax service does not."""
    client = BulutfonClient(session, token="t")
    assert client.call_alerts is client
    assert {
        provider
        for provider, description in DESCRIPTIONS.items()
        if Capability.CALL_ALERT in description.capabilities
    } == {Provider.BULUTFON, Provider.BULUTSANTRALIM}


async def test_alert_against_the_simulator(
    simulator: Simulator, session: aiohttp.ClientSession, audio_server: TestServer
) -> None:
    """The audio is fetched at once; the calls follow one after another, each settling."""
    calls = simulator.state.bulutfon.automatic_calls
    calls.callees.clear()
    await _set_callee(simulator, session, ANSWERS, answers=True, digit=1)
    await _set_callee(simulator, session, SILENT, answers=False)
    client = client_of(simulator, session)
    url = str(audio_server.make_url("/alert.mp3"))
    alert_id = await client.async_create_call_alert(
        ["+905321112233", "+905324445566"], sound(url), title="Santral test 1"
    )
    assert [fetch.is_audio for fetch in calls.fetches] == [True]
    assert calls.fetches[0].url == url
    campaign = calls.campaigns[int(alert_id)]
    assert campaign.did == int(simulator.state.bulutfon.did)
    seen = [await client.async_get_call_alert(alert_id) for _ in range(3)]
    assert [alert.settled for alert in seen] == [False, False, True]
    assert seen[-1].recipients == (
        AlertRecipient("+905321112233", AlertOutcome.ANSWERED, "1"),
        AlertRecipient("+905324445566", AlertOutcome.FAILED),
    )


async def _set_callee(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    number: str,
    **behaviour: Any,
) -> None:
    async with session.post(
        f"{simulator.base_url}/_control/callees",
        json={"number": number, **behaviour},
    ) as response:
        assert response.status == 200


@pytest.mark.parametrize(
    ("setup", "path", "sender", "message"),
    [
        (None, "/alert.mp3", "+902120000000", "Geçersiz santral numarası"),
        ("no_balance", "/alert.mp3", None, "Yetersiz bakiye"),
        (None, "/page", None, "Ses dosyası geçerli bir ses dosyası değil"),
        (None, "/missing.mp3", None, "Ses dosyası indirilemedi"),
    ],
    ids=["foreign-did", "no-balance", "not-audio", "unreachable"],
)
async def test_refusals_in_bulutfons_words(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    audio_server: TestServer,
    setup: str | None,
    path: str,
    sender: str | None,
    message: str,
) -> None:
    """A number the PBX does not own, a spent balance, audio that is none: in its words."""
    if setup == "no_balance":
        simulator.state.bulutfon.me["credit"]["balance"] = "0.00"
    client = client_of(simulator, session)
    with pytest.raises(SantralProviderError) as err:
        await client.async_create_call_alert(
            ["+905321112233"],
            sound(str(audio_server.make_url(path))),
            title="Santral refused",
            sender=sender,
        )
    assert err.value.provider_message == message
    assert not simulator.state.bulutfon.automatic_calls.campaigns


async def test_campaign_without_id_or_listing(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """An id in the answer is taken as is; an accepted campaign nowhere listed is an error."""
    posted: list[dict[str, Any]] = []

    async def create(request: web.Request) -> web.Response:
        posted.append(await request.json())
        if posted[-1]["title"] == "with id":
            return web.json_response({"message": "ok", "id": 77})
        return web.json_response({"message": "ok"})

    async def listing(_request: web.Request) -> web.Response:
        return web.json_response({"automatic_calls": []})

    async def no_dids(_request: web.Request) -> web.Response:
        return web.json_response({"dids": []})

    app = web.Application()
    app.router.add_post("/automatic-calls", create)
    app.router.add_get("/automatic-calls", listing)
    app.router.add_get("/dids", no_dids)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    client = BulutfonClient(
        session, token="t", base_url=str(server.make_url("")).rstrip("/")
    )
    try:
        assert (
            await client.async_create_call_alert(
                ["+905321112233"],
                sound("https://ha/a.mp3"),
                title="with id",
                sender="+908508850000",
            )
            == "77"
        )
        with pytest.raises(SantralInvalidResponseError, match="did not list"):
            await client.async_create_call_alert(
                ["+905321112233"],
                sound("https://ha/a.mp3"),
                title="lost",
                sender="+908508850000",
            )
        with pytest.raises(ValueError, match="no PBX number"):
            await client.async_create_call_alert(
                ["+905321112233"], sound("https://ha/a.mp3"), title="no did"
            )
    finally:
        await server.close()
    assert [body["did"] for body in posted] == ["908508850000", "908508850000"]


async def test_bulutfon_reads_no_reports(session: aiohttp.ClientSession) -> None:
    """Bulutfon's outcomes are read from the campaign: a post to it is not a report."""
    client = BulutfonClient(session, token="t")
    assert client.reports_by_webhook is False
    with pytest.raises(SantralWebhookError):
        client.read_call_alert_report({"ivr_campaign_id": "1"})
    await client.async_end_call_alert("1")
