"""Webhooks: the providers' own examples, every event spelling, and every bad input."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import CONF_WEBHOOK_PASSWORD, CONF_WEBHOOK_USERNAME

from .helpers import WEBHOOK_IDS, santralim, santralim_stamp

# The Bulutsantralim document's own notification example, byte for byte.
BULUTSANTRALIM_SEED = (
    "event_type=ringing&domain_id=101&direction=inbound&caller_id_number=02123205062"
    "&outbound_caller_id_number=&destination_number=1001&dialed_user=1001&call_uuid=1234"
    "&start_stamp=2016-01-01 00:00:00"
)
# Bulutfon's web hook examples (2021).
BULUTFON_CALL_INIT = (
    '{"event_type":"call_init","domain_id":1234,"account_id":5678,"caller":90532000000,'
    '"callee":908508850000,"uuid":"f615986c-2001-11e5-bdee-6599352d46ce","direction":"IN",'
    '"timestamp":1435762851086820}'
)
BULUTFON_CALL_HANGUP = (
    '{"event_type":"call_hangup","caller":90532000000,"callee":908508850000,'
    '"uuid":"f615986c-2001-11e5-bdee-6599352d46ce","timestamp":1614261582000000,'
    '"hangup_cause":"NORMAL_CLEARING","direction":"IN","talk_duration":35,'
    '"hangup_detail":"send_bye","result_disposition":"SUCCESS",'
    '"cdr_url":"https://oim.bulutfon.com/account/pbx/call-records/2021/02/25/f615986c",'
    '"cdr_api_url":"https://api.bulutfon.com/v2/cdr/2021/02/25/f615986c"}'
)
# Moments just after the examples' own stamps: a webhook is about a call of the moment.
BULUTSANTRALIM_SEED_MOMENT = "2016-01-01 00:00:30+02:00"
BULUTFON_CALL_INIT_MOMENT = "2015-07-01 15:01:00+00:00"
BULUTFON_CALL_HANGUP_MOMENT = "2021-02-25 14:00:00+00:00"
BULUTFON_FORM_MOMENT = "2025-11-23 09:00:30+00:00"  # timestamp=1763888400000000
SANTRALIM_PATH = f"/api/webhook/{WEBHOOK_IDS['bulutsantralim']}"
BULUTFON_PATH = f"/api/webhook/{WEBHOOK_IDS['bulutfon']}"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}

type Poster = Callable[..., Awaitable[int]]


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def post(
    hass_client_no_auth: ClientSessionGenerator, hass: HomeAssistant
) -> Poster:
    """POST a raw body to a webhook path; return the HTTP status."""
    clients: list[Any] = []

    async def _post(
        path: str,
        body: str | bytes,
        headers: dict[str, str] | None = None,
        method: str = "POST",
    ) -> int:
        if not clients:  # http is loaded with the integration
            clients.append(await hass_client_no_auth())
        response = await clients[0].request(
            method, path, data=body, headers=headers or FORM
        )
        await hass.async_block_till_done()
        return response.status

    return _post


async def test_bulutsantralim_seed_example(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The document's own example rings extension 1001 and fires `santral_call`."""
    freezer.move_to(BULUTSANTRALIM_SEED_MOMENT)
    entry = await _setup(hass, make_entry("bulutsantralim"))
    assert await post(SANTRALIM_PATH, BULUTSANTRALIM_SEED) == 200
    assert len(call_events) == 1
    event = call_events[0]
    assert event["type"] == "ringing"
    assert event["call_id"] == "1234"
    assert event["caller"] == "+902123205062"
    assert event["extension"] == "1001"
    assert event["direction"] == "inbound"
    assert event["source"] == "webhook"
    assert event["provider"] == "bulutsantralim"
    assert event["entry_id"] == entry.entry_id
    assert event["device_id"]
    assert event["started"] == "2016-01-01T00:00:00+02:00"

    extension = hass.states.get("sensor.extension_1001")
    assert extension.state == "ringing"
    assert extension.attributes["remote"] == "+902123205062"
    call = hass.states.get("event.bulutsantralim_908501234567_call")
    assert call.attributes["event_type"] == "ringing"
    assert (
        entity_registry.async_get(extension.entity_id).unique_id
        == f"{entry.entry_id}_extension_1001"
    )


async def test_bulutsantralim_answered_call(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
) -> None:
    """Ringing, answer, hangup: three events, the extension talks then idles, one call today."""
    await _setup(hass, make_entry("bulutsantralim"))
    sensor = "sensor.extension_1001"
    assert await post(SANTRALIM_PATH, santralim("ringing")) == 200
    assert (
        await post(
            SANTRALIM_PATH, santralim("answer", answer_stamp=santralim_stamp(-35))
        )
        == 200
    )
    assert hass.states.get(sensor).state == "talking"
    body = santralim(
        "hangup",
        answered="true",
        duration="35",
        end_stamp=santralim_stamp(),
        recording_present="true",
    )
    assert await post(SANTRALIM_PATH, body) == 200
    assert [event["type"] for event in call_events] == ["ringing", "answered", "hangup"]
    assert call_events[-1]["duration"] == 35
    assert call_events[-1]["recording_available"] is True
    assert hass.states.get(sensor).state == "idle"
    assert (
        hass.states.get("sensor.bulutsantralim_908501234567_calls_today").state == "1"
    )
    assert (
        hass.states.get("sensor.bulutsantralim_908501234567_missed_calls_today").state
        == "0"
    )
    assert (
        hass.states.get("sensor.bulutsantralim_908501234567_last_caller").state
        == "+90 532 123 45 67"
    )


async def test_bulutsantralim_missed_call_once(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
) -> None:
    """An unanswered hangup is a missed call, announced once however often it is posted."""
    await _setup(hass, make_entry("bulutsantralim"))
    await post(SANTRALIM_PATH, santralim("ringing"))
    await post(SANTRALIM_PATH, santralim("ringing"))
    for _ in range(3):
        assert await post(SANTRALIM_PATH, santralim("hangup", answered="false")) == 200
    assert [event["type"] for event in call_events] == ["ringing", "missed"]
    assert (
        hass.states.get("sensor.bulutsantralim_908501234567_missed_calls_today").state
        == "1"
    )
    assert (
        hass.states.get("sensor.bulutsantralim_908501234567_last_missed_caller").state
        == "+90 532 123 45 67"
    )
    assert (
        hass.states.get("event.bulutsantralim_908501234567_call").attributes[
            "event_type"
        ]
        == "missed"
    )


async def test_bulutsantralim_user_hangup_frees_extension(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
) -> None:
    """`user_hangup` frees the extension without ending the call."""
    await _setup(hass, make_entry("bulutsantralim"))
    await post(
        SANTRALIM_PATH, santralim("ringing", connected_user="1002", dialed_user="1002")
    )
    await post(
        SANTRALIM_PATH,
        santralim("user_hangup", connected_user="1002", dialed_user="1002"),
    )
    assert [event["type"] for event in call_events] == ["ringing"]
    assert hass.states.get("sensor.extension_1002").state == "idle"


async def test_bulutsantralim_validation_post(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
) -> None:
    """The empty POST Verimor sends to validate a URL answers 200 and fires nothing."""
    await _setup(hass, make_entry("bulutsantralim"))
    assert await post(SANTRALIM_PATH, b"") == 200
    assert call_events == []


@pytest.mark.parametrize(
    ("body", "headers", "method", "status"),
    [
        ("event_type=ringing", FORM, "GET", 405),
        ("event_type=ringing", FORM, "PUT", 405),
        ("event_type=dialing&call_uuid=1&direction=inbound", FORM, "POST", 400),
        ("event_type=ringing&direction=inbound", FORM, "POST", 400),
        ("event_type=ringing&call_uuid=1&direction=sideways", FORM, "POST", 400),
        ('{"event_type": "ringing", "call_uuid": "1", "direc', JSON, "POST", 400),
        ('["ringing"]', JSON, "POST", 400),
        (b"\xff\xfe\x00", FORM, "POST", 400),
        ("a=1&&=&b", FORM, "POST", 400),
        ("x=" + "9" * 70_000, FORM, "POST", 413),
    ],
)
async def test_bulutsantralim_bad_input(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    body: str | bytes,
    headers: dict[str, str],
    method: str,
    status: int,
) -> None:
    """Bad requests get a 4xx, one concise log line, no traceback and no event."""
    entry = await _setup(hass, make_entry("bulutsantralim"))
    caplog.clear()
    assert await post(SANTRALIM_PATH, body, headers, method) == status
    assert call_events == []
    rejected = [
        record
        for record in caplog.records
        if "Rejected a bulutsantralim webhook" in record.getMessage()
    ]
    assert len(rejected) == 1
    assert "Traceback" not in caplog.text
    assert entry.state.recoverable or entry.state.name == "LOADED"


async def test_bulutfon_examples(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Bulutfon's JSON examples: integer numbers and microsecond timestamps are read right."""
    freezer.move_to(BULUTFON_CALL_INIT_MOMENT)
    await _setup(hass, make_entry("bulutfon_token"))
    assert await post(BULUTFON_PATH, BULUTFON_CALL_INIT, JSON) == 200
    freezer.move_to(BULUTFON_CALL_HANGUP_MOMENT)
    assert await post(BULUTFON_PATH, BULUTFON_CALL_HANGUP, JSON) == 200
    assert [event["type"] for event in call_events] == ["ringing", "hangup"]
    ringing, hangup = call_events
    # The example's caller is anonymised to 11 digits: not a full number, so kept as digits.
    assert ringing["caller"] == "90532000000"
    assert ringing["callee"] == "+908508850000"
    assert ringing["started"] == "2015-07-01T15:00:51.086820+00:00"
    assert hangup["ended"] == "2021-02-25T13:59:42+00:00"
    assert hangup["duration"] == 35


async def test_bulutfon_form_and_missed(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Form bodies work; missing_call then call_hangup is one missed call."""
    freezer.move_to(BULUTFON_FORM_MOMENT)
    await _setup(hass, make_entry("bulutfon_token"))
    common = "caller=905321234567&callee=908508850000&uuid=m-1&direction=IN&timestamp=1763888400000000"
    assert await post(BULUTFON_PATH, f"event_type=call_init&{common}") == 200
    assert (
        await post(
            BULUTFON_PATH,
            f"event_type=incoming_call_extension&destination=1004&{common}",
        )
        == 200
    )
    assert hass.states.get("sensor.extension_1004").state == "ringing"
    assert await post(BULUTFON_PATH, f"event_type=missing_call&{common}") == 200
    assert (
        await post(
            BULUTFON_PATH,
            f"event_type=call_hangup&talk_duration=0&result_disposition=&{common}",
        )
        == 200
    )
    assert [event["type"] for event in call_events] == ["ringing", "ringing", "missed"]
    assert hass.states.get("sensor.extension_1004").state == "idle"


@pytest.mark.parametrize(
    "event_type",
    [
        "call_init",
        "call_init_extension",
        "incoming_call_extension",
        "call_init_group",
        "incoming_call_group",
        "call_init_menu",
        "call_init_manu",
        "call_hangup",
        "missing_call",
        "fax_init",
    ],
)
async def test_bulutfon_every_spelling(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    event_type: str,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every `event_type` spelling Bulutfon documents or shows is accepted."""
    freezer.move_to(BULUTFON_FORM_MOMENT)
    await _setup(hass, make_entry("bulutfon_token"))
    body = f"event_type={event_type}&caller=905321234567&callee=908508850000&uuid=s-1&direction=IN&timestamp=1763888400000000&destination=101"
    assert await post(BULUTFON_PATH, body) == 200


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ("", FORM, 400),
        ('{"event_type": "sms_received", "uuid": "1", "direction": "IN"}', JSON, 400),
        (
            '{"event_type": "call_init", "uuid": "1", "direction": "IN", "timestamp": "dün"}',
            JSON,
            400,
        ),
        ('{"event_type": "call_init", "uuid": "1"', JSON, 400),
        ('"call_init"', JSON, 400),
    ],
)
async def test_bulutfon_bad_input(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    body: str,
    headers: dict[str, str],
    status: int,
) -> None:
    """Empty, unknown, wrongly typed and truncated Bulutfon bodies are refused."""
    await _setup(hass, make_entry("bulutfon_token"))
    assert await post(BULUTFON_PATH, body, headers) == status
    assert call_events == []
    assert "Traceback" not in caplog.text


async def test_bulutfon_basic_auth(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """With web hook credentials set, posts without them or with wrong ones get 401."""
    freezer.move_to(BULUTFON_CALL_INIT_MOMENT)
    entry = make_entry("bulutfon_token")
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry,
        data={
            **entry.data,
            CONF_WEBHOOK_USERNAME: "hook",
            CONF_WEBHOOK_PASSWORD: "kanca-sifre",
        },
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    def basic(user: str, password: str) -> dict[str, str]:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {**JSON, "Authorization": f"Basic {token}"}

    assert await post(BULUTFON_PATH, BULUTFON_CALL_INIT, JSON) == 401
    assert await post(BULUTFON_PATH, BULUTFON_CALL_INIT, basic("hook", "wrong")) == 401
    assert call_events == []
    assert (
        await post(BULUTFON_PATH, BULUTFON_CALL_INIT, basic("hook", "kanca-sifre"))
        == 200
    )
    assert len(call_events) == 1


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (
            '{"event_type": "call_init", "uuid": "1", "direction": "IN", "timestamp": NaN}',
            JSON,
        ),
        (
            '{"event_type": "call_init", "uuid": "1", "direction": "IN", "timestamp": Infinity}',
            JSON,
        ),
        (
            '{"event_type": "call_init", "uuid": "1", "direction": "IN", "timestamp": 1e400}',
            JSON,
        ),
        (f"event_type=call_init&uuid=1&direction=IN&timestamp={'9' * 400}", FORM),
    ],
)
async def test_bulutfon_hostile_numbers(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    body: str,
    headers: dict[str, str],
) -> None:
    """Timestamps no clock can hold are bad input: 400, one line, nothing else."""
    await _setup(hass, make_entry("bulutfon_token"))
    caplog.clear()
    assert await post(BULUTFON_PATH, body, headers) == 400
    assert call_events == []
    rejected = [
        r for r in caplog.records if "Rejected a bulutfon webhook" in r.getMessage()
    ]
    assert len(rejected) == 1
    assert "Traceback" not in caplog.text


async def test_bulutsantralim_hostile_stamp(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 400-digit start stamp neither crashes nor fires anything it cannot date."""
    await _setup(hass, make_entry("bulutsantralim"))
    status = await post(SANTRALIM_PATH, santralim("ringing", start_stamp="9" * 400))
    assert status in (200, 400)
    assert "Traceback" not in caplog.text
    assert all(event["started"] is None for event in call_events)


async def test_bulutfon_non_ascii_credentials(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A non-ASCII Authorization header is refused like any wrong one."""
    entry = make_entry("bulutfon_token")
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry,
        data={
            **entry.data,
            CONF_WEBHOOK_USERNAME: "hook",
            CONF_WEBHOOK_PASSWORD: "şifre",
        },
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    status = await post(
        BULUTFON_PATH, BULUTFON_CALL_INIT, {**JSON, "Authorization": "Basic é"}
    )
    assert status == 401
    assert call_events == []
    assert "Traceback" not in caplog.text


async def test_user_hangup_frees_only_its_extension(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
) -> None:
    """Two extensions ring; 1001 answers and 1002's leg ends: 1001 is still talking."""
    await _setup(hass, make_entry("bulutsantralim"))
    for user in ("1001", "1002"):
        await post(
            SANTRALIM_PATH, santralim("ringing", connected_user=user, dialed_user=user)
        )
    await post(
        SANTRALIM_PATH, santralim("answer", connected_user="1001", dialed_user="1001")
    )
    await post(
        SANTRALIM_PATH,
        santralim("user_hangup", connected_user="1002", dialed_user="1002"),
    )
    assert hass.states.get("sensor.extension_1001").state == "talking"
    assert hass.states.get("sensor.extension_1002").state == "idle"


async def test_late_answer_after_hangup_is_dropped(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
) -> None:
    """An answer arriving after the hangup fires nothing and leaves the extension idle."""
    await _setup(hass, make_entry("bulutsantralim"))
    await post(SANTRALIM_PATH, santralim("ringing"))
    await post(SANTRALIM_PATH, santralim("hangup", answered="true", duration="5"))
    await post(SANTRALIM_PATH, santralim("answer"))
    assert [event["type"] for event in call_events] == ["ringing", "hangup"]
    assert hass.states.get("sensor.extension_1001").state == "idle"


async def test_bulutfon_menu_talk_then_missing_call(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    post: Poster,
    call_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Time in the menu counts as talk; without SUCCESS the call is still missed, once."""
    freezer.move_to(BULUTFON_FORM_MOMENT)
    await _setup(hass, make_entry("bulutfon_token"))
    common = "caller=905321234567&callee=908508850000&uuid=menu-1&direction=IN&timestamp=1763888400000000"
    await post(
        BULUTFON_PATH,
        f"event_type=call_hangup&talk_duration=20&result_disposition=&{common}",
    )
    await post(BULUTFON_PATH, f"event_type=missing_call&{common}")
    assert [event["type"] for event in call_events] == ["missed"]
