"""Bulutsantralim's announcements and IVR campaigns as call alerts, read and built."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import unquote_plus

import aiohttp
import pytest

from custom_components.santral.providers import (
    AlertOutcome,
    AlertRecipient,
    AlertSound,
    CallAlert,
    SantralAuthenticationError,
    SantralInvalidResponseError,
    SantralProviderError,
    SantralWebhookError,
)
from custom_components.santral.providers.bulutsantralim_alerts import (
    ANNOUNCEMENT_PREFIX,
    ANNOUNCEMENTS_KEPT,
    END_CALL,
    KEY_TARGETS,
    MAX_NAME_LENGTH,
    announcement_name,
    announcements,
    campaign_body,
    created_id,
    read_report,
    stale_announcements,
    upload_form,
)
from simulator import Simulator
from simulator.automatic_calls import Callee
from tests.helpers import bulutsantralim_client
from tests.report_webhook import Webhook

# Bytes whose standard base64 holds both `+` and `/`.
AUDIO = b"ID3\x04" + bytes([0xFB, 0xEF, 0xFF, 0xFE]) * 40
SOUND = AlertSound("https://ha/a.mp3", AUDIO, "audio/mpeg", "ab12" * 5)

# `ivr_campaigns.md`'s report example, as the form fields it posts.
DOCUMENTED_REPORT = {
    "notification_id": "5",
    "notification_date": "2017-05-10 13:18:56 UTC",
    "domain_id": "429",
    "ivr_campaign_id": "131",
    "ivr_campaign_name": "Memnuniyet anketi",
    "ivr_lead_id": "1878",
    "phone": "905321234567",
    "digit": "2",
    "status": "Başarılı",
    "call_uuid": "aacdb242-364b-11e7-8bed-c9aec7093786",
}


def test_documented_report() -> None:
    """The document's example: the number answered and pressed 2."""
    assert read_report(DOCUMENTED_REPORT) == CallAlert(
        "131", (AlertRecipient("+905321234567", AlertOutcome.ANSWERED, "2"),)
    )


@pytest.mark.parametrize(
    ("digit", "outcome", "key"),
    [
        ("", AlertOutcome.FAILED, None),
        ("-", AlertOutcome.ANSWERED, None),
        ("!4", AlertOutcome.ANSWERED, "4"),
        ("*", AlertOutcome.ANSWERED, "*"),
        ("#", AlertOutcome.ANSWERED, "#"),
        ("!!", AlertOutcome.ANSWERED, None),
        (" 7 ", AlertOutcome.ANSWERED, "7"),
    ],
    ids=["not-connected", "timeout", "invalid-key", "star", "square", "odd", "spaced"],
)
def test_report_digits(digit: str, outcome: AlertOutcome, key: str | None) -> None:
    """Not connected fails; a timeout is answered without a key; `!N` is key N."""
    report = read_report(DOCUMENTED_REPORT | {"digit": digit})
    assert report is not None
    assert report.recipients == (AlertRecipient("+905321234567", outcome, key),)


def test_report_without_digit_did_not_connect() -> None:
    """A report that names no digit reads as a call that did not connect."""
    fields = {k: v for k, v in DOCUMENTED_REPORT.items() if k != "digit"}
    report = read_report(fields)
    assert report is not None
    assert report.recipients[0].outcome is AlertOutcome.FAILED


def test_verification_post_reports_nothing() -> None:
    """The empty post Bulutsantralim makes when a campaign is created is no report."""
    assert read_report({}) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"phone": "905321234567"},
        DOCUMENTED_REPORT | {"ivr_campaign_id": "x1"},
        DOCUMENTED_REPORT | {"phone": ""},
        {"event_type": "ringing", "call_uuid": "1"},
    ],
    ids=["no-campaign", "campaign-not-a-number", "no-phone", "another-hook"],
)
def test_not_a_report(fields: dict[str, Any]) -> None:
    """A post that names no campaign or no number is refused."""
    with pytest.raises(SantralWebhookError):
        read_report(fields)


def test_announcements_listed() -> None:
    """Only Santral's announcements are read, by name; odd items are passed over."""
    listing = [
        {"id": 112, "name": "Firmamıza hoşgeldiniz"},
        {"id": 300, "name": f"{ANNOUNCEMENT_PREFIX}aa"},
        {"id": "301", "name": f"{ANNOUNCEMENT_PREFIX}bb"},
        {"id": 299, "name": f"{ANNOUNCEMENT_PREFIX}aa"},
        {"id": True, "name": f"{ANNOUNCEMENT_PREFIX}cc"},
        {"id": None, "name": f"{ANNOUNCEMENT_PREFIX}dd"},
        {"id": 5, "name": None},
        "text",
    ]
    assert announcements(listing) == {
        f"{ANNOUNCEMENT_PREFIX}aa": 300,
        f"{ANNOUNCEMENT_PREFIX}bb": 301,
    }
    with pytest.raises(SantralInvalidResponseError, match="list"):
        announcements({"announcements": []})


def test_stale_announcements() -> None:
    """Beyond the newest few, Santral's announcements are deleted, oldest first."""
    kept = {f"{ANNOUNCEMENT_PREFIX}{n}": n for n in range(10, 10 + ANNOUNCEMENTS_KEPT)}
    assert stale_announcements(kept, 99) == [10]
    assert stale_announcements({}, 99) == []
    many = {f"{ANNOUNCEMENT_PREFIX}{n}": n for n in range(1, 9)}
    assert stale_announcements(many, 50) == [1, 2, 3, 4]


def test_upload_form_is_a_url_safe_data_url() -> None:
    """`sounddata` is a data URL with the file name URL-encoded and URL-safe base64."""
    form = upload_form("K1", SOUND, "mp3")
    assert form["key"] == "K1"
    assert form["name"] == announcement_name(SOUND) == f"Santral {SOUND.digest}"
    head, data = form["sounddata"].split(";base64,")
    assert head == f"data:audio/mpeg;name:{SOUND.digest}.mp3"
    assert unquote_plus(head.split("name:")[1]) == f"{SOUND.digest}.mp3"
    assert not {"+", "/", "\n"} & set(data)
    assert base64.urlsafe_b64decode(data) == AUDIO


def test_campaign_body() -> None:
    """One call to each number, the message as welcome, every key and the timeout end it."""
    body = campaign_body(
        "K1",
        ["905321234567", "00491701234567"],
        name="x" * 100,
        cli="908501234567",
        announcement_id=859,
        webhook_url="https://ha/api/webhook/abc",
    )
    assert body["key"] == "K1"
    assert body["call_type"] == "ivr"
    assert body["name"] == "x" * MAX_NAME_LENGTH
    assert body["welcome_announcement_id"] == 859
    assert body["webhook_url"] == "https://ha/api/webhook/abc"
    assert body["cli"] == "908501234567"
    assert body["call_retries"] == 0
    assert 25 <= body["ring_timeout"] <= 60
    assert 1 <= body["digit_timeout"] <= 10
    assert body["phone_list"] == [
        {"phone": "905321234567"},
        {"phone": "00491701234567"},
    ]
    assert {body[target] for target in KEY_TARGETS} == {END_CALL}
    assert "digit_target_star" in body
    assert "digit_target_square" in body


@pytest.mark.parametrize("text", ["", "OK", "12a", "-3"])
def test_created_id_refused(text: str) -> None:
    """A creating POST must answer with an id in plain text."""
    with pytest.raises(SantralInvalidResponseError, match="no campaign id"):
        created_id(text, "campaign")


def test_created_id() -> None:
    """The id comes back as a number, around it perhaps a line break."""
    assert created_id("20212\n", "campaign") == 20212


def requests_to(simulator: Simulator, *endpoints: str) -> int:
    """Return how many requests the simulator answered at `endpoints`."""
    return sum(1 for r in simulator.state.requests if r.endpoint in endpoints)


async def test_alert_against_the_simulator(
    simulator: Simulator, session: aiohttp.ClientSession, hook: Webhook
) -> None:
    """The audio is uploaded once, the webhook checked, and every call reported."""
    simulator.state.bulutfon.automatic_calls.set_callee(
        "905321112233", Callee(answers=True, digit=1)
    )
    simulator.state.bulutfon.automatic_calls.set_callee(
        "905324445566", Callee(answers=False)
    )
    calls = simulator.state.bulutsantralim.ivr_campaigns
    client = bulutsantralim_client(simulator, session)
    assert client.reports_by_webhook is True
    alert_id = await client.async_create_call_alert(
        ["+905321112233", "+905324445566", "+905327778899"],
        SOUND,
        title="Santral test",
        report_url=hook.url,
    )
    campaign = calls.campaigns[int(alert_id)]
    [announcement] = calls.announcements.values()
    assert announcement.content == AUDIO
    assert announcement.is_audio
    assert announcement.name == announcement_name(SOUND)
    assert campaign.body["welcome_announcement_id"] == announcement.id
    assert campaign.body["cli"] == min(simulator.state.bulutsantralim.caller_ids)
    assert campaign.verification == 200
    assert [post.body for post in hook.posts] == [b""]
    await calls.async_idle()
    assert client.read_call_alert_report(hook.posts[0].form) is None
    reports = [client.read_call_alert_report(form) for form in hook.reports]
    assert [r.recipients[0] for r in reports if r is not None] == [
        AlertRecipient("+905321112233", AlertOutcome.ANSWERED, "1"),
        AlertRecipient("+905324445566", AlertOutcome.FAILED),
        AlertRecipient("+905327778899", AlertOutcome.ANSWERED, None),
    ]
    assert {r.alert_id for r in reports if r is not None} == {alert_id}
    assert await client.async_get_call_alert(alert_id) is None
    await client.async_end_call_alert(alert_id)
    assert campaign.deleted
    await client.async_end_call_alert(alert_id)


async def test_the_same_message_is_uploaded_once(
    simulator: Simulator, session: aiohttp.ClientSession, hook: Webhook
) -> None:
    """A message is found again by its name; beyond the newest few, old ones go."""
    calls = simulator.state.bulutsantralim.ivr_campaigns
    foreign = calls.upload("Firmamıza hoşgeldiniz", "audio/mpeg", "a.mp3", AUDIO)
    client = bulutsantralim_client(simulator, session)
    for _ in range(2):
        await client.async_create_call_alert(
            ["+905321112233"],
            SOUND,
            title="t",
            sender="+908501234567",
            report_url=hook.url,
        )
    assert requests_to(simulator, "announcements_create") == 1
    assert requests_to(simulator, "caller_ids") == 0
    for n in range(ANNOUNCEMENTS_KEPT + 1):
        other = AlertSound(SOUND.url, AUDIO, "audio/mpeg", f"{n:020d}")
        await client.async_create_call_alert(
            ["+905321112233"], other, title="t", report_url=hook.url
        )
    names = sorted(a.name for a in calls.announcements.values())
    assert foreign.id in calls.announcements
    assert len(names) == ANNOUNCEMENTS_KEPT + 1
    assert announcement_name(SOUND) not in names
    assert requests_to(simulator, "announcement_delete") == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sender": "+902120000000"}, "cli is not one of your caller ids"),
        ({"webhook_status": 500}, "webhook_url doğrulanamadı"),
        ({"numbers": ["+90212"]}, "phone_list is invalid"),
    ],
    ids=["foreign-sender", "webhook-not-ok", "bad-number"],
)
async def test_refusals_in_verimors_words(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    hook: Webhook,
    change: dict[str, Any],
    message: str,
) -> None:
    """A sender the PBX does not own, a webhook that does not answer 200: in its words."""
    hook.statuses = [change.get("webhook_status", 200)]
    client = bulutsantralim_client(simulator, session)
    with pytest.raises(SantralProviderError) as err:
        await client.async_create_call_alert(
            change.get("numbers", ["+905321112233"]),
            SOUND,
            title="refused",
            sender=change.get("sender"),
            report_url=hook.url,
        )
    assert err.value.provider_message == message
    assert not simulator.state.bulutsantralim.ivr_campaigns.campaigns


async def test_audio_that_is_none_is_refused(
    simulator: Simulator, session: aiohttp.ClientSession, hook: Webhook
) -> None:
    """Bytes that are no audio file are refused at the upload, in Verimor's words."""
    client = bulutsantralim_client(simulator, session)
    page = AlertSound(SOUND.url, b"<html></html>", "audio/mpeg", "1" * 20)
    with pytest.raises(SantralProviderError) as err:
        await client.async_create_call_alert(
            ["+905321112233"], page, title="t", report_url=hook.url
        )
    assert err.value.provider_message == "Ses dosyası geçerli bir ses dosyası değil"


async def test_no_report_url_or_outbound_number(
    simulator: Simulator, session: aiohttp.ClientSession, hook: Webhook
) -> None:
    """Without a webhook nothing is sent; a PBX without numbers needs a sender."""
    client = bulutsantralim_client(simulator, session)
    with pytest.raises(ValueError, match="webhook"):
        await client.async_create_call_alert(["+905321112233"], SOUND, title="t")
    simulator.state.bulutsantralim.caller_ids.clear()
    with pytest.raises(ValueError, match="outbound number"):
        await client.async_create_call_alert(
            ["+905321112233"], SOUND, title="t", report_url=hook.url
        )
    assert not simulator.state.bulutsantralim.ivr_campaigns.campaigns


async def test_deleting_what_is_gone_is_fine(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A campaign deleted already counts as ended; another refusal is an error."""
    client = bulutsantralim_client(simulator, session)
    await client.async_end_call_alert("404")
    simulator.state.bulutsantralim.api_key = "other"
    with pytest.raises(SantralAuthenticationError):
        await client.async_end_call_alert("404")
