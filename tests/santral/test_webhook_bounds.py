"""What a call can be: bounded values, refused bodies, and rejections logged a few a minute."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import save_json
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.providers import (
    SantralWebhookError,
    parse_bulutfon_webhook,
    parse_bulutsantralim_webhook,
)
from custom_components.santral.providers.bounds import (
    MAX_AGE,
    MAX_CALL_SECONDS,
    MAX_FUTURE,
    OutOfBoundsError,
    as_extension,
    call_seconds,
    call_seconds_or_zero,
    call_span,
    call_time,
    extension,
    flag,
    identifier,
    party,
    stamp,
    text,
)
from custom_components.santral.webhook import REJECTION_WINDOW, REJECTIONS_LOGGED
from simulator import Simulator
from simulator.calls import build_call
from tests.helpers import WEBHOOK_IDS, setup

ISTANBUL = ZoneInfo("Europe/Istanbul")
SANTRALIM_PATH = f"/api/webhook/{WEBHOOK_IDS['bulutsantralim']}"
BULUTFON_PATH = f"/api/webhook/{WEBHOOK_IDS['bulutfon']}"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


def _local(moment: datetime) -> str:
    return moment.astimezone(ISTANBUL).strftime("%Y-%m-%d %H:%M:%S")


def _hangup(**fields: str) -> dict[str, str]:
    """Return an answered inbound hangup of call `b-1` that began a minute ago."""
    now = dt_util.now()
    return {
        "event_type": "hangup",
        "direction": "inbound",
        "call_uuid": "b-1",
        "caller_id_number": "05321234567",
        "destination_number": "1001",
        "connected_user": "1001",
        "dialed_user": "1001",
        "start_stamp": _local(now - timedelta(minutes=1)),
        "answer_stamp": _local(now - timedelta(seconds=40)),
        "end_stamp": _local(now),
        "answered": "true",
        "duration": "40",
        "recording_present": "false",
    } | fields


def _form(fields: dict[str, str]) -> str:
    return urlencode(fields, quote_via=quote)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, 0),
        ("", 0),
        (0, 0),
        (35, 35),
        ("35", 35),
        (" 35 ", 35),
        ("35.9", 35),
        (35.9, 35),
        ("00:00:35", 35),
        ("1:02:03", 3723),
        ("02:03", 123),
        (MAX_CALL_SECONDS, MAX_CALL_SECONDS),
    ],
)
def test_call_seconds_read(value: object, seconds: int) -> None:
    """Durations come as numbers, digits or a clock; absent is no time at all."""
    assert call_seconds(value, "duration") == seconds


@pytest.mark.parametrize(
    "value",
    [
        "17000000000000000000000",
        "9" * 120,
        17000000000000000000000,
        MAX_CALL_SECONDS + 1,
        -1,
        "-1",
        -0.5,
        1e300,
        float("nan"),
        float("inf"),
        "1e400",
        "NaN",
        "35 s",
        "99:99:99",
        "١٢",
        True,
        [35],
        {"s": 35},
    ],
)
def test_call_seconds_refused(value: object) -> None:
    """A duration no call lasts, or no duration at all, is refused by field name."""
    with pytest.raises(OutOfBoundsError, match="^duration "):
        call_seconds(value, "duration")


def test_call_seconds_or_zero() -> None:
    """Lists keep a record whose duration no call has, without the duration."""
    assert call_seconds_or_zero("00:01:05") == 65
    assert call_seconds_or_zero("9" * 120) == 0
    assert call_seconds_or_zero("2777777777:46:40") == 0


def test_call_time_window() -> None:
    """Times are taken from `MAX_AGE` before now to `MAX_FUTURE` after it."""
    now = datetime.now(UTC)
    for moment in (now, now - MAX_AGE, now + MAX_FUTURE, now.astimezone(ISTANBUL)):
        assert call_time(moment, "ended", now=now) == moment
    assert call_time(None, "ended") is None
    for moment in (
        now - MAX_AGE - timedelta(seconds=1),
        now + MAX_FUTURE + timedelta(seconds=1),
        datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC),
        datetime.fromisoformat("9999-12-31T23:59:59+14:00"),
        datetime.fromisoformat("0001-01-01T00:00:00+14:00"),
    ):
        with pytest.raises(OutOfBoundsError, match="^ended out of range$"):
            call_time(moment, "ended", now=now)
    with pytest.raises(OutOfBoundsError, match="time zone"):
        call_time(now.replace(tzinfo=None), "ended", now=now)


def test_stamp_spellings_and_refusals() -> None:
    """Every provider spelling is read relative to now; unreadable or far-off ones are refused."""
    now = datetime.now(UTC).replace(microsecond=0)
    for value in (
        _local(now),
        now.isoformat(),
        now.strftime("%Y-%m-%d %H:%M:%S UTC"),
        int(now.timestamp()),
        int(now.timestamp() * 1_000_000),
        str(int(now.timestamp() * 1000)),
    ):
        assert stamp(value, "start_stamp", now=now) == now
    assert stamp("", "start_stamp") is None
    assert stamp(None, "start_stamp") is None
    for value in (
        "9999-12-31T23:59:59+14:00",
        "1970-01-01T00:00:01",
        _local(now - MAX_AGE - timedelta(days=1)),
        "dün",
        "9" * 400,
        10**30,
        float("nan"),
        True,
        {"t": 1},
    ):
        with pytest.raises(OutOfBoundsError, match="^start_stamp "):
            stamp(value, "start_stamp", now=now)


def test_call_span() -> None:
    """A call's moments run forwards (give or take a minute) and last at most a day."""
    start = datetime.now(UTC)
    call_span(start, start + timedelta(seconds=5), start + timedelta(hours=1))
    call_span(None, None, start)
    call_span(start, None, start - timedelta(seconds=30))
    with pytest.raises(OutOfBoundsError, match="^answered is before"):
        call_span(start, start - timedelta(minutes=5), None)
    with pytest.raises(OutOfBoundsError, match="^ended is before"):
        call_span(start, start + timedelta(minutes=5), start)
    with pytest.raises(OutOfBoundsError, match="^ended is more than a day"):
        call_span(start, None, start + timedelta(days=1, minutes=2))


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (None, ""),
        ("", ""),
        ("anonymous", ""),
        ("Gizli Numara", ""),
        ("05321234567", "+905321234567"),
        (905321234567, "+905321234567"),
        ("+90 (532) 123-45-67", "+905321234567"),
        ("+4930123456", "+4930123456"),
        ("00" + "4930123456", "+4930123456"),
        ("1001", "1001"),
        ("07", "07"),
        (90532000000, "90532000000"),
        ("9" * 15, "9" * 15),
        ("+1" + "9" * 14, "+1" + "9" * 14),
    ],
)
def test_party_read(value: object, number: str) -> None:
    """Numbers are normalized; a text without digits is a withheld number."""
    assert party(value, "caller") == number


@pytest.mark.parametrize(
    "value",
    [
        "1234567890123456789",
        1234567890123456789,
        "9" * 16,
        "+1" + "9" * 15,
        "+0123456",
        "00" + "9" * 16,
        "-5",
        -5,
        "5321234567 ext 12",
        "١٢٣٤",
        "a\x00",
        "1" * 40,
        5.0,
        True,
        [905321234567],
    ],
)
def test_party_refused(value: object) -> None:
    """A "number" longer than E.164 allows, or that is not a number, is refused."""
    with pytest.raises(OutOfBoundsError, match="^caller is not a phone number$"):
        party(value, "caller")


def test_extensions() -> None:
    """Extensions have 2 to 6 digits and do not start with 0, the trunk prefix."""
    for number in ("10", "101", "1001", "999999"):
        assert extension(number, "connected_user") == number
        assert as_extension(number) == number
    assert extension(1004, "connected_user") == "1004"
    assert extension("", "connected_user") is None
    assert extension(None, "connected_user") is None
    for number in ("07", "0", "1", "1234567", "+905321234567", "05321234567"):
        with pytest.raises(OutOfBoundsError, match="^connected_user is not an"):
            extension(number, "connected_user")
    assert as_extension("07") is None


def test_identifiers_texts_and_flags() -> None:
    """Ids and texts are printable and short; booleans come in every documented spelling."""
    assert identifier(" f615986c-2001 ", "uuid") == "f615986c-2001"
    assert identifier(1234, "uuid") == "1234"
    for value in ("", None, True, "\ud800", "a\nb", "x" * 129, -1, 10**200, [1]):
        with pytest.raises(OutOfBoundsError, match="^uuid "):
            identifier(value, "uuid")
    assert text(" NORMAL_CLEARING ", "hangup_cause") == "NORMAL_CLEARING"
    assert text(16, "hangup_cause") == "16"
    assert text("", "hangup_cause") is None
    for value in ("x" * 65, "\x00", "\udfff", False, {"a": 1}):
        with pytest.raises(OutOfBoundsError, match="^hangup_cause is not a text$"):
            text(value, "hangup_cause")
    for word, meaning in (
        ("t", True),
        ("f", False),
        ("true", True),
        ("false", False),
        ("TRUE", True),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
        (True, True),
        ("", False),
        (None, False),
        ("Var", True),
        ("Yok", False),
    ):
        assert flag(word, "answered") is meaning
    for value in ("maybe", "2", 2, [True]):
        with pytest.raises(OutOfBoundsError, match="^answered is not true or false$"):
            flag(value, "answered")


def test_parsers_bound_every_field() -> None:
    """Both parsers refuse a body with one out-of-bounds value, saying which field."""
    now = datetime.now(UTC)
    with pytest.raises(SantralWebhookError, match="^duration out of range$"):
        parse_bulutsantralim_webhook(_hangup(duration="17000000000000000000000"))
    with pytest.raises(SantralWebhookError, match="^end_stamp out of range$"):
        parse_bulutsantralim_webhook(_hangup(end_stamp="9999-12-31T23:59:59+14:00"))
    event = parse_bulutsantralim_webhook(_hangup(), now=now)
    assert event is not None
    assert event.duration == 40
    micro = int(now.timestamp() * 1_000_000)
    body = {
        "event_type": "call_hangup",
        "uuid": "f-1",
        "direction": "IN",
        "caller": 905321234567,
        "callee": 908508850000,
        "timestamp": micro,
        "talk_duration": 35,
        "result_disposition": "SUCCESS",
    }
    hangup = parse_bulutfon_webhook(body, now=now)
    assert hangup is not None
    assert (hangup.duration, hangup.caller) == (35, "+905321234567")
    for field, value in (
        ("talk_duration", 17000000000000000000000),
        ("timestamp", micro + 2 * 86_400_000_000),
        ("caller", 1234567890123456789),
        ("uuid", "\ud800"),
        ("hangup_cause", {"nested": True}),
    ):
        with pytest.raises(SantralWebhookError, match=f"^{field} "):
            parse_bulutfon_webhook(body | {field: value}, now=now)
    with pytest.raises(SantralWebhookError, match="^destination is not an extension"):
        parse_bulutfon_webhook(
            body | {"event_type": "incoming_call_extension", "destination": "07"},
            now=now,
        )


@pytest.fixture
def client_factory(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> Callable[..., Any]:
    """POST bodies to a webhook path and return the HTTP status."""
    clients: list[Any] = []

    async def _post(path: str, body: str, headers: dict[str, str] = FORM) -> int:
        if not clients:
            clients.append(await hass_client_no_auth())
        response = await clients[0].post(path, data=body, headers=headers)
        await hass.async_block_till_done()
        return response.status

    return _post


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"duration": "17000000000000000000000"}, "duration out of range"),
        ({"duration": "9" * 120}, "duration out of range"),
        ({"end_stamp": "9999-12-31T23:59:59+14:00"}, "end_stamp out of range"),
        ({"answer_stamp": "1970-01-01T00:00:01"}, "answer_stamp out of range"),
        ({"connected_user": "07"}, "connected_user is not an extension"),
        (
            {"caller_id_number": "1234567890123456789"},
            "caller_id_number is not a phone number",
        ),
        ({"answered": "belki"}, "answered is not true or false"),
    ],
)
async def test_bulutsantralim_out_of_bounds_refused(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    client_factory: Callable[..., Any],
    call_events: list[dict[str, Any]],
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    fields: dict[str, str],
    reason: str,
) -> None:
    """A hangup with one value no call has: 400, one line naming the field, nothing kept."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    caplog.clear()
    assert await client_factory(SANTRALIM_PATH, _form(_hangup(**fields))) == 400
    assert call_events == []
    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.santral")
        and record.levelno >= logging.WARNING
    ]
    assert lines == [f"Rejected a bulutsantralim webhook request (HTTP 400): {reason}"]
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert hass_storage[f"santral.{entry.entry_id}.calls"]["data"]["log"] == []


async def test_bulutsantralim_seed_booleans(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    client_factory: Callable[..., Any],
    call_events: list[dict[str, Any]],
) -> None:
    """Seed 002 spells booleans `t`/`f`: an answered, recorded call and a missed one."""
    await setup(hass, make_entry("bulutsantralim"))
    answered = _hangup(call_uuid="t-1", answered="t", recording_present="t")
    missed = _hangup(call_uuid="t-2", answered="f", recording_present="f")
    assert await client_factory(SANTRALIM_PATH, _form(answered)) == 200
    assert await client_factory(SANTRALIM_PATH, _form(missed)) == 200
    assert [
        (event["call_id"], event["type"], event["recording_available"])
        for event in call_events
    ] == [("t-1", "hangup", True), ("t-2", "missed", False)]


async def test_bulutfon_out_of_bounds_refused(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    client_factory: Callable[..., Any],
    call_events: list[dict[str, Any]],
) -> None:
    """Bulutfon bodies are held to the same bounds, as JSON and as form fields."""
    await setup(hass, make_entry("bulutfon_token"))
    micro = int(dt_util.utcnow().timestamp() * 1_000_000)
    base = f'"event_type": "call_hangup", "uuid": "f-1", "direction": "IN", "timestamp": {micro}'
    for bad in (
        '"talk_duration": 17000000000000000000000',
        '"caller": 1234567890123456789',
        '"uuid": "\\ud800"',
        f'"timestamp": {micro * 1000}',
    ):
        assert await client_factory(BULUTFON_PATH, f"{{{base}, {bad}}}", JSON) == 400
    form = f"event_type=call_hangup&uuid=f-1&direction=IN&timestamp={micro}"
    assert (
        await client_factory(BULUTFON_PATH, f"{form}&talk_duration={'9' * 120}") == 400
    )
    assert call_events == []
    assert await client_factory(BULUTFON_PATH, f"{form}&talk_duration=35") == 200
    assert [(event["type"], event["duration"]) for event in call_events] == [
        ("missed", 35)
    ]


def _rejections(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.santral")
        and record.levelno >= logging.WARNING
    ]


async def test_rejections_logged_a_few_a_minute(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    client_factory: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A burst of bad posts writes a few lines, then one that counts the rest."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    caplog.clear()
    burst = 300
    for _ in range(burst):
        assert (
            await client_factory(SANTRALIM_PATH, _form(_hangup(duration="-1"))) == 400
        )
    assert len(_rejections(caplog)) == REJECTIONS_LOGGED
    assert _rejections(caplog)[0] == (
        "Rejected a bulutsantralim webhook request (HTTP 400): duration out of range"
    )

    freezer.tick(REJECTION_WINDOW)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert _rejections(caplog)[REJECTIONS_LOGGED:] == [
        (
            f"… and {burst - REJECTIONS_LOGGED} more bulutsantralim webhook requests"
            " rejected in the last minute (the last: HTTP 400: duration out of range)"
        )
    ]

    # A new minute logs again; what is pending when the entry unloads is told then.
    caplog.clear()
    for _ in range(REJECTIONS_LOGGED + 2):
        assert await client_factory(SANTRALIM_PATH, "event_type=dialing") == 400
    assert len(_rejections(caplog)) == REJECTIONS_LOGGED
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert _rejections(caplog)[-1].startswith(
        "… and 2 more bulutsantralim webhook requests rejected"
    )
    freezer.tick(REJECTION_WINDOW)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(_rejections(caplog)) == REJECTIONS_LOGGED + 1


async def test_rejection_log_per_entry_and_window(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    client_factory: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each entry has its own allowance; a quiet minute needs no summary."""
    await setup(hass, make_entry("bulutsantralim"))
    await setup(hass, make_entry("bulutfon_token"))
    caplog.clear()
    for _ in range(REJECTIONS_LOGGED):
        assert await client_factory(SANTRALIM_PATH, "event_type=dialing") == 400
        assert await client_factory(BULUTFON_PATH, "event_type=dialing") == 400
    assert len(_rejections(caplog)) == 2 * REJECTIONS_LOGGED
    freezer.tick(REJECTION_WINDOW)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(_rejections(caplog)) == 2 * REJECTIONS_LOGGED
    assert await client_factory(SANTRALIM_PATH, "event_type=dialing") == 400
    assert len(_rejections(caplog)) == 2 * REJECTIONS_LOGGED + 1


async def test_polled_duration_no_call_lasts(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    call_events: list[dict[str, Any]],
    hass_storage: dict[str, Any],
    tmp_path: Path,
) -> None:
    """A call record whose talk time no call lasts is announced without it; the store saves."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    call = build_call(
        "bulutsantralim",
        pbx_number="908505320000",
        outcome="answered",
        recording=False,
        started=dt_util.utcnow() - timedelta(minutes=2),
    )
    call.talk_seconds = 17000000000000000000000
    simulator.state.add_cdrs("bulutsantralim", [call])
    assert entry.runtime_data.call_history is not None
    await entry.runtime_data.call_history.async_refresh()
    await hass.async_block_till_done()
    assert [(event["call_id"], event["duration"]) for event in call_events] == [
        (call.uuid, 0)
    ]
    assert await hass.config_entries.async_unload(entry.entry_id)
    key = f"santral.{entry.entry_id}.calls"
    save_json(str(tmp_path / key), hass_storage[key], private=True)
    assert [item["duration"] for item in hass_storage[key]["data"]["log"]] == [0]


async def test_bodies_no_parser_reads(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    make_entry: Callable[[str], MockConfigEntry],
    call_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A body in pieces is read whole; one too large, or a parser's own failure, is refused."""
    await setup(hass, make_entry("bulutfon_token"))
    client = await hass_client_no_auth()

    async def _chunks() -> Any:
        for _ in range(80):
            yield b"x" * 1024

    response = await client.post(BULUTFON_PATH, data=_chunks(), headers=FORM)
    assert response.status == 413

    micro = int(dt_util.utcnow().timestamp() * 1_000_000)
    pieces = [
        b"event_type=call_init&uuid=p-1&",
        b"direction=IN&caller=905321234567&",
        f"timestamp={micro}".encode(),
    ]

    async def _pieces() -> Any:
        for piece in pieces:
            yield piece
            await asyncio.sleep(0.01)

    response = await client.post(BULUTFON_PATH, data=_pieces(), headers=FORM)
    await hass.async_block_till_done()
    assert response.status == 200
    assert [(event["call_id"], event["caller"]) for event in call_events] == [
        ("p-1", "+905321234567")
    ]
    call_events.clear()

    def _fails(*_args: Any, **_kwargs: Any) -> None:
        raise RecursionError

    monkeypatch.setattr(
        "custom_components.santral.webhook.parse_bulutfon_webhook", _fails
    )
    response = await client.post(BULUTFON_PATH, data="event_type=call_init")
    assert response.status == 400
    assert await response.text() == "unreadable body (RecursionError)"
    assert call_events == []
    assert "Traceback" not in caplog.text
