"""Webhooks: the providers' own examples, every event spelling, and every bad input."""

from __future__ import annotations

import base64

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.santral.const import CONF_WEBHOOK_PASSWORD, CONF_WEBHOOK_USERNAME
from tests.helpers import (
    CALL_KINDS,
    FORM,
    JSON,
    OBJECT_IDS,
    Events,
    MakeEntry,
    Poster,
    bulutfon_form,
    payload_moment,
    santralim,
    santralim_stamp,
    setup,
    webhook_body,
    webhook_payload,
)

BULUTFON_FORM_MOMENT = "2025-11-23 09:00:30+00:00"  # timestamp=1763888400000000
SANTRALIM = "bulutsantralim_908501234567"
LAST_CALLER = "+90 532 123 45 67"


def basic(user: str, password: str) -> dict[str, str]:
    """JSON headers with HTTP Basic credentials."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {**JSON, "Authorization": f"Basic {token}"}


async def test_bulutsantralim_seed_example(
    hass: HomeAssistant,
    make_entry: MakeEntry,
    webhook: Poster,
    call_events: Events,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The document's own example, byte for byte, rings 1001 and fires `santral_call`."""
    freezer.move_to(
        payload_moment("bulutsantralim", webhook_payload("bulutsantralim_ringing"))
    )
    entry = await setup(hass, make_entry("bulutsantralim"))
    body = webhook_body("bulutsantralim_ringing")
    assert await webhook("bulutsantralim", body) == 200
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
    call = hass.states.get(f"event.{SANTRALIM}_call")
    assert call.attributes["event_type"] == "ringing"
    assert (
        entity_registry.async_get(extension.entity_id).unique_id
        == f"{entry.entry_id}_extension_1001"
    )


async def test_bulutsantralim_answered_call(
    hass: HomeAssistant, make_entry: MakeEntry, webhook: Poster, call_events: Events
) -> None:
    """Ringing, answer, hangup: three events, the extension talks then idles, one call today."""
    await setup(hass, make_entry("bulutsantralim"))
    sensor = "sensor.extension_1001"
    assert await webhook("bulutsantralim", santralim("ringing")) == 200
    answer = santralim("answer", answer_stamp=santralim_stamp(-35))
    assert await webhook("bulutsantralim", answer) == 200
    assert hass.states.get(sensor).state == "talking"
    body = santralim(
        "hangup",
        answered="true",
        duration="35",
        end_stamp=santralim_stamp(),
        recording_present="true",
    )
    assert await webhook("bulutsantralim", body) == 200
    assert [event["type"] for event in call_events] == ["ringing", "answered", "hangup"]
    assert call_events[-1]["duration"] == 35
    assert call_events[-1]["recording_available"] is True
    assert hass.states.get(sensor).state == "idle"
    assert hass.states.get(f"sensor.{SANTRALIM}_calls_today").state == "1"
    assert hass.states.get(f"sensor.{SANTRALIM}_missed_calls_today").state == "0"
    assert hass.states.get(f"sensor.{SANTRALIM}_last_caller").state == LAST_CALLER


def _leg(user: str) -> dict[str, str]:
    return {"connected_user": user, "dialed_user": user}


# A call's webhooks in order (event type and the fields that differ from the builder's),
# the call events they fire, and the states they leave.
SEQUENCES = {
    # An unanswered hangup is a missed call, announced once however often it is posted.
    "santralim_missed_once": (
        "bulutsantralim",
        [("ringing", {}), ("ringing", {})] + [("hangup", {"answered": "false"})] * 3,
        ["ringing", "missed"],
        {
            f"sensor.{SANTRALIM}_missed_calls_today": "1",
            f"sensor.{SANTRALIM}_last_missed_caller": LAST_CALLER,
        },
    ),
    # `user_hangup` frees the extension without ending the call.
    "santralim_user_hangup_frees_extension": (
        "bulutsantralim",
        [("ringing", _leg("1002")), ("user_hangup", _leg("1002"))],
        ["ringing"],
        {"sensor.extension_1002": "idle"},
    ),
    # Two extensions ring; 1001 answers and 1002's leg ends: 1001 is still talking.
    "santralim_user_hangup_frees_only_its_extension": (
        "bulutsantralim",
        [
            ("ringing", _leg("1001")),
            ("ringing", _leg("1002")),
            ("answer", _leg("1001")),
            ("user_hangup", _leg("1002")),
        ],
        ["ringing", "ringing", "answered"],
        {"sensor.extension_1001": "talking", "sensor.extension_1002": "idle"},
    ),
    # An answer arriving after the hangup fires nothing and leaves the extension idle.
    "santralim_late_answer_after_hangup": (
        "bulutsantralim",
        [
            ("ringing", {}),
            ("hangup", {"answered": "true", "duration": "5"}),
            ("answer", {}),
        ],
        ["ringing", "hangup"],
        {"sensor.extension_1001": "idle"},
    ),
    # Form bodies work: the call rings the account, then extension 1004.
    "bulutfon_form_rings": (
        "bulutfon",
        [
            ("call_init", {}),
            ("incoming_call_extension", {"destination": "1004"}),
        ],
        ["ringing", "ringing"],
        {"sensor.extension_1004": "ringing"},
    ),
    # missing_call then call_hangup is one missed call.
    "bulutfon_form_missed": (
        "bulutfon",
        [
            ("call_init", {}),
            ("incoming_call_extension", {"destination": "1004"}),
            ("missing_call", {}),
            ("call_hangup", {"talk_duration": "0", "result_disposition": ""}),
        ],
        ["ringing", "ringing", "missed"],
        {"sensor.extension_1004": "idle"},
    ),
    # Time in the menu counts as talk; without SUCCESS the call is still missed, once.
    "bulutfon_menu_talk_then_missing_call": (
        "bulutfon",
        [
            (
                "call_hangup",
                {"uuid": "menu-1", "talk_duration": "20", "result_disposition": ""},
            ),
            ("missing_call", {"uuid": "menu-1"}),
        ],
        ["missed"],
        {},
    ),
}


@pytest.mark.parametrize(
    ("provider", "steps", "types", "states"),
    SEQUENCES.values(),
    ids=SEQUENCES.keys(),
)
async def test_call_sequence(
    hass: HomeAssistant,
    make_entry: MakeEntry,
    webhook: Poster,
    call_events: Events,
    freezer: FrozenDateTimeFactory,
    provider: str,
    steps: list[tuple[str, dict[str, str]]],
    types: list[str],
    states: dict[str, str],
) -> None:
    """Each webhook is accepted; the call fires its events once and leaves its states.

    The call event entity shows the last event fired.
    """
    if provider == "bulutfon":
        freezer.move_to(BULUTFON_FORM_MOMENT)
        build = bulutfon_form
    else:
        build = santralim
    await setup(hass, make_entry(CALL_KINDS[provider]))
    for event_type, fields in steps:
        assert await webhook(provider, build(event_type, **fields)) == 200
    assert [event["type"] for event in call_events] == types
    for entity_id, state in states.items():
        assert hass.states.get(entity_id).state == state
    call = hass.states.get(f"event.{OBJECT_IDS[provider]}_call")
    assert call.attributes["event_type"] == types[-1]


async def test_bulutsantralim_validation_post(
    hass: HomeAssistant, make_entry: MakeEntry, webhook: Poster, call_events: Events
) -> None:
    """The empty POST Verimor sends to validate a URL answers 200 and fires nothing."""
    await setup(hass, make_entry("bulutsantralim"))
    assert await webhook("bulutsantralim", b"") == 200
    assert call_events == []


def _hostile_json(timestamp: str) -> str:
    return f'{{"event_type": "call_init", "uuid": "1", "direction": "IN", "timestamp": {timestamp}}}'


@pytest.mark.parametrize(
    ("provider", "body", "headers", "method", "status"),
    [
        ("bulutsantralim", "event_type=ringing", FORM, "GET", 405),
        ("bulutsantralim", "event_type=ringing", FORM, "PUT", 405),
        (
            "bulutsantralim",
            "event_type=dialing&call_uuid=1&direction=inbound",
            FORM,
            "POST",
            400,
        ),
        ("bulutsantralim", "event_type=ringing&direction=inbound", FORM, "POST", 400),
        (
            "bulutsantralim",
            "event_type=ringing&call_uuid=1&direction=sideways",
            FORM,
            "POST",
            400,
        ),
        (
            "bulutsantralim",
            '{"event_type": "ringing", "call_uuid": "1", "direc',
            JSON,
            "POST",
            400,
        ),
        ("bulutsantralim", '["ringing"]', JSON, "POST", 400),
        ("bulutsantralim", b"\xff\xfe\x00", FORM, "POST", 400),
        ("bulutsantralim", "a=1&&=&b", FORM, "POST", 400),
        ("bulutsantralim", "x=" + "9" * 70_000, FORM, "POST", 413),
        # Empty, unknown, wrongly typed and truncated Bulutfon bodies.
        ("bulutfon", "", FORM, "POST", 400),
        (
            "bulutfon",
            '{"event_type": "sms_received", "uuid": "1", "direction": "IN"}',
            JSON,
            "POST",
            400,
        ),
        ("bulutfon", _hostile_json('"dün"'), JSON, "POST", 400),
        ("bulutfon", '{"event_type": "call_init", "uuid": "1"', JSON, "POST", 400),
        ("bulutfon", '"call_init"', JSON, "POST", 400),
        # Timestamps no clock can hold.
        ("bulutfon", _hostile_json("NaN"), JSON, "POST", 400),
        ("bulutfon", _hostile_json("Infinity"), JSON, "POST", 400),
        ("bulutfon", _hostile_json("1e400"), JSON, "POST", 400),
        (
            "bulutfon",
            f"event_type=call_init&uuid=1&direction=IN&timestamp={'9' * 400}",
            FORM,
            "POST",
            400,
        ),
    ],
)
async def test_bad_input(
    hass: HomeAssistant,
    make_entry: MakeEntry,
    webhook: Poster,
    call_events: Events,
    caplog: pytest.LogCaptureFixture,
    provider: str,
    body: str | bytes,
    headers: dict[str, str],
    method: str,
    status: int,
) -> None:
    """Bad requests get a 4xx, one concise log line, no traceback and no event."""
    entry = await setup(hass, make_entry(CALL_KINDS[provider]))
    caplog.clear()
    assert await webhook(provider, body, headers, method) == status
    assert call_events == []
    rejected = [
        record
        for record in caplog.records
        if f"Rejected a {provider} webhook" in record.getMessage()
    ]
    assert len(rejected) == 1
    assert "Traceback" not in caplog.text
    assert entry.state.recoverable or entry.state.name == "LOADED"


async def test_bulutfon_examples(
    hass: HomeAssistant,
    make_entry: MakeEntry,
    webhook: Poster,
    call_events: Events,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Bulutfon's JSON examples: integer numbers and microsecond timestamps are read right."""
    names = ("bulutfon_call_init", "bulutfon_call_hangup")
    freezer.move_to(payload_moment("bulutfon", webhook_payload(names[0])))
    await setup(hass, make_entry("bulutfon_token"))
    for name in names:
        freezer.move_to(payload_moment("bulutfon", webhook_payload(name)))
        assert await webhook("bulutfon", webhook_body(name), JSON) == 200
    assert [event["type"] for event in call_events] == ["ringing", "hangup"]
    ringing, hangup = call_events
    # The example's caller is anonymised to 11 digits: not a full number, so kept as digits.
    assert ringing["caller"] == "90532000000"
    assert ringing["callee"] == "+908508850000"
    assert ringing["started"] == "2015-07-01T15:00:51.086820+00:00"
    assert hangup["ended"] == "2021-02-25T13:59:42+00:00"
    assert hangup["duration"] == 35


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
    make_entry: MakeEntry,
    webhook: Poster,
    event_type: str,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every `event_type` spelling Bulutfon documents or shows is accepted."""
    freezer.move_to(BULUTFON_FORM_MOMENT)
    await setup(hass, make_entry("bulutfon_token"))
    body = bulutfon_form(event_type, uuid="s-1", destination="101")
    assert await webhook("bulutfon", body) == 200


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        # Without credentials, or with wrong ones.
        ("kanca-sifre", [JSON, basic("hook", "wrong")]),
        # A non-ASCII Authorization header is refused like any wrong one.
        ("şifre", [{**JSON, "Authorization": "Basic é"}]),
    ],
    ids=["missing_or_wrong", "non_ascii"],
)
async def test_bulutfon_basic_auth(
    hass: HomeAssistant,
    make_entry: MakeEntry,
    webhook: Poster,
    call_events: Events,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
    password: str,
    refused: list[dict[str, str]],
) -> None:
    """With web hook credentials set, posts without the right ones get 401 and fire nothing."""
    payload = webhook_payload("bulutfon_call_init")
    freezer.move_to(payload_moment("bulutfon", payload))
    credentials = {CONF_WEBHOOK_USERNAME: "hook", CONF_WEBHOOK_PASSWORD: password}
    await setup(hass, make_entry("bulutfon_token"), data=credentials)
    body = webhook_body("bulutfon_call_init")
    for headers in refused:
        assert await webhook("bulutfon", body, headers) == 401
    assert call_events == []
    assert "Traceback" not in caplog.text
    assert await webhook("bulutfon", body, basic("hook", password)) == 200
    assert len(call_events) == 1


async def test_bulutsantralim_hostile_stamp(
    hass: HomeAssistant,
    make_entry: MakeEntry,
    webhook: Poster,
    call_events: Events,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 400-digit start stamp neither crashes nor fires anything it cannot date."""
    await setup(hass, make_entry("bulutsantralim"))
    body = santralim("ringing", start_stamp="9" * 400)
    assert await webhook("bulutsantralim", body) in (200, 400)
    assert "Traceback" not in caplog.text
    assert all(event["started"] is None for event in call_events)
