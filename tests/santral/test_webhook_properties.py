"""Generated webhook bodies never break what Home Assistant keeps: events, states, stores.

Hypothesis builds thousands of Bulutsantralim forms and Bulutfon JSON and form bodies,
plausible ones and ones with values no call can have (a 120-digit duration, an end in the
year 9999, a 19-digit "number", lone surrogates, NaN, nested objects), and posts them
through one Home Assistant instance per provider. Every answer must be 200 or 400, every
event on the bus must serialize the way the websocket API and the recorder serialize it,
the tracker's store must save with Home Assistant's JSON writer, and an unload and set-up
of the entry must bring back what it knew.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
import json
import logging
from pathlib import Path
import re
import time
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from homeassistant.const import MATCH_ALL
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.json import json_bytes, save_json
import homeassistant.util.dt as dt_util
from hypothesis import HealthCheck, example, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import EVENT_CALL
from custom_components.santral.providers.bounds import MAX_CALL_SECONDS
from custom_components.santral.webhook import REJECTION_WINDOW, REJECTIONS_LOGGED
from tests.helpers import WEBHOOK_IDS, setup

BODIES_PER_PROVIDER = 2000
ISTANBUL = ZoneInfo("Europe/Istanbul")
KINDS = {"bulutfon": "bulutfon_token", "bulutsantralim": "bulutsantralim"}
E164_OR_SHORT = re.compile(r"(\+[1-9][0-9]{0,14}|[0-9]{1,15})?")
EXTENSION = re.compile(r"[1-9][0-9]{1,5}")
# Values no call can have, and their neighbours.
HOSTILE_TEXTS = (
    "17000000000000000000000",
    "9" * 120,
    "-1",
    "-17000000000000000000000",
    "9999-12-31T23:59:59+14:00",
    "9999-12-31 23:59:59",
    "1970-01-01T00:00:01",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01 00:00:00",
    "07",
    "1234567890123456789",
    "+01234567",
    "00" + "9" * 16,
    "NaN",
    "inf",
    "1e400",
    "99:99:99",
    "4294967296",
    "18446744073709551616",
    "\x00",
    "١٢٣٤",
    "²³",
)
CALL_IDS = tuple(f"c-{index}" for index in range(8))
PHONES = (
    "05321234567",
    "905321234567",
    "+90 532 123 45 67",
    "5321234567",
    "02123205062",
    "+4930123456",
    "4441234",
)


@dataclass(frozen=True, slots=True)
class Body:
    """A generated request: its bytes, content type, and whether every value is plausible."""

    data: str
    content_type: str
    plausible: bool


def _local(moment: datetime) -> str:
    return moment.astimezone(ISTANBUL).strftime("%Y-%m-%d %H:%M:%S")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _form(fields: dict[str, Any]) -> str:
    return urlencode(
        {key: str(value) for key, value in fields.items()},
        quote_via=quote,
        errors="surrogatepass",
    )


def _lone_surrogates() -> st.SearchStrategy[str]:
    return st.lists(
        st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff", "a", "1"]),
        min_size=1,
        max_size=4,
    ).map("".join)


HOSTILE_TEXT = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.text(max_size=40),
    st.integers().map(str),
    st.integers(min_value=10**15, max_value=10**130).map(str),
)
HOSTILE_JSON = st.one_of(
    HOSTILE_TEXT,
    _lone_surrogates(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=10**40),
    st.integers(min_value=-(10**40), max_value=-1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


SECONDS_AGO = st.integers(0, 7200)
RING_SECONDS = st.integers(0, 120)
TALK_SECONDS = st.integers(0, 3600)
STAMP_FORMATS = st.sampled_from([_local, _iso])
SPELLINGS = st.sampled_from([("t", "f"), ("true", "false")])
EXTENSIONS = st.integers(10, 999_999)
SANTRALIM_EVENTS = st.sampled_from(["ringing", "answer", "hangup", "user_hangup"])
SANTRALIM_DIRECTIONS = st.sampled_from(["inbound", "outbound", "internal"])
SANTRALIM_PARTIES = st.sampled_from(PHONES) | EXTENSIONS.map(str)
SANTRALIM_DURATIONS = st.integers(0, MAX_CALL_SECONDS).map(str) | st.sampled_from(
    ["00:00:35", "1:02:03"]
)
HANGUP_CAUSES = st.sampled_from(["NORMAL_CLEARING", "NO_ANSWER", ""])
CALL_ID = st.sampled_from(CALL_IDS)
SANTRALIM_FIELDS = (
    "event_type",
    "domain_id",
    "direction",
    "caller_id_number",
    "destination_number",
    "dialed_user",
    "connected_user",
    "call_uuid",
    "start_stamp",
    "answer_stamp",
    "end_stamp",
    "duration",
    "answered",
    "recording_present",
    "hangup_cause",
)
SANTRALIM_REQUIRED = ("event_type", "direction", "call_uuid", "domain_id")
SANTRALIM_OMITTED = st.sets(
    st.sampled_from([key for key in SANTRALIM_FIELDS if key not in SANTRALIM_REQUIRED])
)
SANTRALIM_SPOILED = st.sets(st.sampled_from(SANTRALIM_FIELDS), max_size=3)
BULUTFON_EVENTS = st.sampled_from(
    [
        "call_init",
        "call_init_extension",
        "incoming_call_extension",
        "call_init_group",
        "incoming_call_menu",
        "call_hangup",
        "missing_call",
    ]
)
BULUTFON_PARTIES = st.sampled_from(PHONES) | st.integers(
    900_000_000_000, 909_999_999_999
)
BULUTFON_DIRECTIONS = st.sampled_from(["IN", "OUT", "INTERNAL"])
BULUTFON_TALK = st.integers(0, MAX_CALL_SECONDS)
DISPOSITIONS = st.sampled_from(["SUCCESS", ""])
BULUTFON_FIELDS = (
    "event_type",
    "domain_id",
    "account_id",
    "caller",
    "callee",
    "uuid",
    "direction",
    "timestamp",
    "talk_duration",
    "hangup_cause",
    "result_disposition",
    "destination",
)
BULUTFON_OMITTED = st.sets(
    st.sampled_from(
        ["caller", "callee", "talk_duration", "hangup_cause", "destination"]
    )
)
BULUTFON_SPOILED = st.sets(st.sampled_from(BULUTFON_FIELDS), max_size=3)


@st.composite
def _moments(draw: st.DrawFn) -> tuple[datetime, datetime, datetime]:
    """Return a plausible start, answer and end of a call that began in the last 2 hours."""
    start = dt_util.now() - timedelta(seconds=draw(SECONDS_AGO))
    answer = start + timedelta(seconds=draw(RING_SECONDS))
    end = answer + timedelta(seconds=draw(TALK_SECONDS))
    return start, answer, end


MOMENTS = _moments()


def _spoil(
    draw: st.DrawFn,
    fields: dict[str, Any],
    omitted: st.SearchStrategy[set[str]],
    spoiled: st.SearchStrategy[set[str]],
    hostile: st.SearchStrategy[Any],
) -> bool:
    """Drop some optional fields, give up to 3 fields a hostile value; return whether none got one."""
    for key in draw(omitted):
        fields.pop(key, None)
    keys = draw(spoiled)
    for key in keys:
        fields[key] = draw(hostile)
    return not keys


@st.composite
def santralim_bodies(draw: st.DrawFn) -> Body:
    """Build a Bulutsantralim form notification."""
    start, answer, end = draw(MOMENTS)
    stamp = draw(STAMP_FORMATS)
    spelling = draw(SPELLINGS)
    fields: dict[str, Any] = {
        "event_type": draw(SANTRALIM_EVENTS),
        "domain_id": "101",
        "direction": draw(SANTRALIM_DIRECTIONS),
        "caller_id_number": draw(SANTRALIM_PARTIES),
        "destination_number": draw(SANTRALIM_PARTIES),
        "dialed_user": draw(EXTENSIONS),
        "connected_user": draw(EXTENSIONS),
        "call_uuid": draw(CALL_ID),
        "start_stamp": stamp(start),
        "answer_stamp": stamp(answer),
        "end_stamp": stamp(end),
        "duration": draw(SANTRALIM_DURATIONS),
        "answered": spelling[draw(st.booleans())],
        "recording_present": spelling[draw(st.booleans())],
        "hangup_cause": draw(HANGUP_CAUSES),
    }
    plausible = _spoil(draw, fields, SANTRALIM_OMITTED, SANTRALIM_SPOILED, HOSTILE_TEXT)
    return Body(_form(fields), "application/x-www-form-urlencoded", plausible)


@st.composite
def bulutfon_bodies(draw: st.DrawFn) -> Body:
    """Build a Bulutfon web hook, as JSON (numbers as integers) or as form fields."""
    _, _, moment = draw(MOMENTS)
    microseconds = int(moment.timestamp() * 1_000_000)
    fields: dict[str, Any] = {
        "event_type": draw(BULUTFON_EVENTS),
        "domain_id": 1234,
        "account_id": 5678,
        "caller": draw(BULUTFON_PARTIES),
        "callee": draw(BULUTFON_PARTIES),
        "uuid": draw(CALL_ID),
        "direction": draw(BULUTFON_DIRECTIONS),
        "timestamp": microseconds if draw(st.booleans()) else str(microseconds),
        "talk_duration": draw(BULUTFON_TALK),
        "hangup_cause": "NORMAL_CLEARING",
        "result_disposition": draw(DISPOSITIONS),
        "destination": draw(EXTENSIONS),
    }
    as_json = draw(st.booleans())
    plausible = _spoil(
        draw,
        fields,
        BULUTFON_OMITTED,
        BULUTFON_SPOILED,
        HOSTILE_JSON if as_json else HOSTILE_TEXT,
    )
    if as_json:
        return Body(json.dumps(fields), "application/json", plausible)
    return Body(_form(fields), "application/x-www-form-urlencoded", plausible)


def _santralim(**fields: str) -> Body:
    """Build a plausible hangup of call `c-0` with `fields` changed to what no call has."""
    now = dt_util.now()
    base = {
        "event_type": "hangup",
        "direction": "inbound",
        "call_uuid": "c-0",
        "caller_id_number": "05321234567",
        "destination_number": "1001",
        "connected_user": "1001",
        "start_stamp": _local(now - timedelta(minutes=1)),
        "end_stamp": _local(now),
        "answered": "t",
        "duration": "40",
    }
    return Body(_form(base | fields), "application/x-www-form-urlencoded", False)


def _assert_bounded(data: dict[str, Any]) -> None:
    """Check one `santral_call` event holds only values a call can have."""
    now = dt_util.utcnow()
    assert data["duration"] is None or 0 <= data["duration"] <= MAX_CALL_SECONDS
    for key in ("started", "answered", "ended"):
        if data[key] is not None:
            moment = dt_util.parse_datetime(data[key])
            assert moment is not None
            assert now - timedelta(days=32) < moment < now + timedelta(days=2)
    for key in ("caller", "callee"):
        assert E164_OR_SHORT.fullmatch(data[key])
    assert data["extension"] is None or EXTENSION.fullmatch(data["extension"])


def _assert_saves(hass_storage: dict[str, Any], key: str, folder: Path) -> None:
    """Write the stored data with Home Assistant's own JSON writer, as `Store` does."""
    assert key in hass_storage
    save_json(str(folder / key), hass_storage[key], private=True)
    assert json.loads((folder / key).read_text())["data"] == hass_storage[key]["data"]


def _states(hass: HomeAssistant) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        state.entity_id: (state.state, dict(state.attributes))
        for state in hass.states.async_all()
        if state.entity_id.startswith(("sensor.", "event."))
    }


PROPERTY_SETTINGS = settings(
    max_examples=BODIES_PER_PROVIDER,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize(
    ("provider", "bodies", "examples"),
    [
        (
            "bulutsantralim",
            santralim_bodies(),
            [
                _santralim(duration="17000000000000000000000"),
                _santralim(duration="9" * 120),
                _santralim(end_stamp="9999-12-31T23:59:59+14:00"),
                _santralim(answer_stamp="1970-01-01T00:00:01"),
                _santralim(connected_user="07"),
                _santralim(caller_id_number="1234567890123456789"),
            ],
        ),
        (
            "bulutfon",
            bulutfon_bodies(),
            [
                Body(
                    json.dumps(
                        {
                            "event_type": "call_hangup",
                            "uuid": "c-0",
                            "direction": "IN",
                            "caller": 1234567890123456789,
                            "callee": 908508850000,
                            "timestamp": 10**30,
                            "talk_duration": 17000000000000000000000,
                        }
                    ),
                    "application/json",
                    False,
                ),
                Body(
                    '{"event_type": "call_hangup", "uuid": "\\ud800", "direction": "IN"}',
                    "application/json",
                    False,
                ),
            ],
        ),
    ],
)
async def test_generated_bodies_keep_persistence_intact(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    make_entry: Callable[[str], MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    figures: list[str],
    provider: str,
    bodies: st.SearchStrategy[Body],
    examples: list[Body],
) -> None:
    """Thousands of generated bodies: 200 or 400 each, and nothing kept fails to serialize."""
    entry = await setup(hass, make_entry(KINDS[provider]))
    client = await hass_client_no_auth()
    path = f"/api/webhook/{WEBHOOK_IDS[provider]}"
    key = f"santral.{entry.entry_id}.calls"
    fired: list[Event] = []

    @callback
    def _collect(event: Event) -> None:
        fired.append(event)

    hass.bus.async_listen(MATCH_ALL, _collect)
    statuses: list[int] = []

    async def _post(body: Body) -> None:
        fired.clear()
        response = await client.post(
            path,
            data=body.data.encode("utf-8", "surrogatepass"),
            headers={"Content-Type": body.content_type},
        )
        await hass.async_block_till_done()
        statuses.append(response.status)
        assert response.status in (200, 400), await response.text()
        if body.plausible:
            assert response.status == 200, await response.text()
        calls = [event for event in fired if event.event_type == EVENT_CALL]
        if response.status == 400:
            assert calls == []
        for event in fired:
            # What the websocket API sends and the recorder writes (states included,
            # as `state_changed` events carry them).
            json_bytes(event.as_dict())
            json_bytes(event.data)
        for event in calls:
            _assert_bounded(dict(event.data))

    def _run() -> None:
        @PROPERTY_SETTINGS
        @given(bodies)
        def _property(body: Body) -> None:
            asyncio.run_coroutine_threadsafe(_post(body), hass.loop).result(60)

        for body in examples:
            _property = example(body)(_property)
        _property()

    began = time.perf_counter()
    await hass.async_add_executor_job(_run)
    elapsed = time.perf_counter() - began
    figures.append(
        f"webhook properties, {provider}: {len(statuses)} generated bodies posted"
        f" ({statuses.count(200)} taken, {statuses.count(400)} refused)"
        f" in {elapsed:.1f} s"
    )

    assert len(statuses) >= BODIES_PER_PROVIDER
    assert statuses.count(200) and statuses.count(400)
    assert not [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR or "Error writing config" in record.message
    ]
    # Rejections were many; their warnings were few: a handful per minute.
    windows = int(elapsed // REJECTION_WINDOW.total_seconds()) + 1
    rejected = [r for r in caplog.records if "Rejected a" in r.getMessage()]
    assert len(rejected) <= REJECTIONS_LOGGED * windows

    before = _states(hass)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    _assert_saves(hass_storage, key, tmp_path)
    assert hass_storage[key]["data"]["log"]
    saved = hass_storage[key]["data"]

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _states(hass) == before
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass_storage[key]["data"]["log"] == saved["log"]
    assert hass_storage[key]["data"]["extensions"] == saved["extensions"]
