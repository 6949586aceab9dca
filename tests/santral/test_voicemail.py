"""Bulutsantralim voicemail: each message announced once, unread counts, links and downloads.

The simulator keeps the boxes; `/voicemail_messages` lists them in Verimor's shapes, and
`/voicemail_recording_url` hands out one-hour links that carry no key (providers.md §2.3).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.translation import async_get_translations
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.santral.const import (
    CONF_PHONEBOOK,
    DOMAIN,
    EVENT_VOICEMAIL,
    VOICEMAIL_INTERVAL,
)
from simulator import Fault, FaultKind, Simulator
from tests.helpers import OBJECT_IDS, setup, tick
from tests.santral.test_logbook import describers

UNREAD = f"sensor.{OBJECT_IDS['bulutsantralim']}_unread_voicemails"
CALL_EVENT = f"event.{OBJECT_IDS['bulutsantralim']}_call"
EXTENSION_UNREAD = "sensor.extension_1002_unread_voicemails"
HOUR = timedelta(hours=1)


@pytest.fixture
def voicemail_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Collect `santral_voicemail` bus events, in the event loop."""
    events: list[dict[str, Any]] = []
    hass.bus.async_listen(EVENT_VOICEMAIL, lambda event: events.append(event.data))
    return events


def unread(hass: HomeAssistant, entity_id: str = UNREAD) -> str:
    """Return the state of an unread-voicemail sensor."""
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def test_a_new_message_is_announced_once(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    voicemail_events: list[dict[str, Any]],
) -> None:
    """Messages already in the boxes are history; a new one fires one event and counts."""
    earlier = dt_util.now() - timedelta(hours=3)
    heard = simulator.leave_voicemail("1001", "905321111111", when=earlier)
    simulator.read_voicemail(heard)
    simulator.leave_voicemail("1001", "905322222222", when=earlier)
    entry = await setup(hass, make_entry("bulutsantralim"))
    assert voicemail_events == []
    assert unread(hass) == "1"

    left = simulator.leave_voicemail(
        "1002", "905320000000", caller_name="Ayşe", duration=17
    )
    await tick(hass, freezer, VOICEMAIL_INTERVAL)
    assert len(voicemail_events) == 1
    event = voicemail_events[0]
    assert event["voicemail_id"] == left
    assert event["extension"] == "1002"
    assert event["caller"] == "+905320000000"
    assert event["caller_name"] == "Ayşe"
    assert event["duration"] == 17
    assert event["entry_id"] == entry.entry_id
    assert dt_util.parse_datetime(event["received"]) is not None
    assert unread(hass) == "2"
    sensor = hass.states.get(UNREAD)
    assert sensor is not None
    assert sensor.attributes["voicemail_id"] == left
    assert sensor.attributes["extension"] == "1002"
    fired = hass.states.get(CALL_EVENT)
    assert fired is not None
    assert fired.attributes["event_type"] == "voicemail"
    assert fired.attributes["voicemail_id"] == left
    assert "voicemail" in fired.attributes["event_types"]

    for _ in range(5):
        await tick(hass, freezer, VOICEMAIL_INTERVAL)
    assert len(voicemail_events) == 1

    simulator.read_voicemail(left)
    await tick(hass, freezer, VOICEMAIL_INTERVAL)
    assert unread(hass) == "1"
    assert len(voicemail_events) == 1


async def test_a_message_heard_before_the_poll_is_still_announced(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    voicemail_events: list[dict[str, Any]],
) -> None:
    """A message listened to on a phone between two polls is announced, and not counted."""
    await setup(hass, make_entry("bulutsantralim"))
    simulator.read_voicemail(simulator.leave_voicemail("1001", "905320000000"))
    await tick(hass, freezer, VOICEMAIL_INTERVAL)
    assert len(voicemail_events) == 1
    assert unread(hass) == "0"


async def test_exactly_once_across_a_restart(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    voicemail_events: list[dict[str, Any]],
) -> None:
    """A reload announces nothing again, and a message left while down arrives once."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    first = simulator.leave_voicemail("1001", "905320000000")
    await tick(hass, freezer, VOICEMAIL_INTERVAL)
    assert [event["voicemail_id"] for event in voicemail_events] == [first]

    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.tick(timedelta(minutes=20))
    second = simulator.leave_voicemail("1002", "905321111111")
    await setup(hass, entry)
    await tick(hass, freezer, VOICEMAIL_INTERVAL)
    assert [event["voicemail_id"] for event in voicemail_events] == [first, second]
    assert unread(hass) == "2"


async def test_each_box_has_its_own_count(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """The extension sensors, disabled by default, count the messages of their own box."""
    entry = make_entry("bulutsantralim")
    entry.add_to_hass(hass)
    unique_id = f"{entry.entry_id}_extension_1002_unread_voicemails"
    entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        unique_id,
        config_entry=entry,
        suggested_object_id="extension_1002_unread_voicemails",
    )
    await setup(hass, entry)
    disabled = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"{entry.entry_id}_extension_1001_unread_voicemails"
    )
    assert disabled is not None
    registered = entity_registry.async_get(disabled)
    assert registered is not None
    assert registered.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert unread(hass, EXTENSION_UNREAD) == "0"

    simulator.leave_voicemail("1001", "905320000000")
    simulator.leave_voicemail("1002", "905321111111")
    simulator.leave_voicemail("1002", "905322222222")
    await tick(hass, freezer, VOICEMAIL_INTERVAL)
    assert unread(hass) == "3"
    assert unread(hass, EXTENSION_UNREAD) == "2"
    state = hass.states.get(EXTENSION_UNREAD)
    assert state is not None
    assert state.attributes["caller"] == "+905322222222"


async def test_a_failed_poll_makes_the_counts_unavailable(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    voicemail_events: list[dict[str, Any]],
) -> None:
    """While the list fails the count is unavailable; the message left meanwhile comes once."""
    await setup(hass, make_entry("bulutsantralim"))
    simulator.inject(
        "bulutsantralim", "voicemail_messages", Fault(FaultKind.SERVER_ERROR)
    )
    left = simulator.leave_voicemail("1001", "905320000000")
    await tick(hass, freezer, VOICEMAIL_INTERVAL)
    assert unread(hass) == STATE_UNAVAILABLE
    assert voicemail_events == []
    await tick(hass, freezer, VOICEMAIL_INTERVAL)
    assert unread(hass) == "1"
    assert [event["voicemail_id"] for event in voicemail_events] == [left]


async def test_requests_an_hour(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Two list reads a poll (the day's messages and the unread ones), a poll every 2 min."""
    await setup(hass, make_entry("bulutsantralim"))
    before = simulator.count("bulutsantralim", "voicemail_messages")
    steps = int(HOUR / VOICEMAIL_INTERVAL)
    for _ in range(steps):
        await tick(hass, freezer, VOICEMAIL_INTERVAL)
    read = simulator.count("bulutsantralim", "voicemail_messages") - before
    assert read == 2 * steps


async def test_link_carries_no_key_and_plays(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """The URL answers MP3 without the key, lasts an hour, and is reused while it lasts."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    left = simulator.leave_voicemail("1001", "905320000000", duration=5)
    data = {"config_entry_id": entry.entry_id, "voicemail_id": left}
    answer = await hass.services.async_call(
        DOMAIN, "get_voicemail_url", data, blocking=True, return_response=True
    )
    assert answer is not None
    url = answer["url"]
    assert isinstance(url, str)
    assert simulator.state.bulutsantralim.api_key not in url
    expires = dt_util.parse_datetime(str(answer["expires_at"]))
    assert expires is not None
    assert timedelta(minutes=55) < expires - dt_util.utcnow() <= HOUR
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.content_type == "audio/mpeg"
        assert await response.read()
    again = await hass.services.async_call(
        DOMAIN, "get_voicemail_url", data, blocking=True, return_response=True
    )
    assert again == answer
    assert simulator.count("bulutsantralim", "voicemail_recording_url") == 1


async def test_download_saves_the_audio(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
) -> None:
    """The download lands in the media folder by default, named by the message."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    left = simulator.leave_voicemail("1001", "905320000000", duration=3)
    answer = await hass.services.async_call(
        DOMAIN,
        "download_voicemail",
        {"config_entry_id": entry.entry_id, "voicemail_id": left},
        blocking=True,
        return_response=True,
    )
    assert answer is not None
    path = Path(str(answer["path"]))
    assert path.parent == media / "santral" / "voicemail" / entry.entry_id
    assert path.name == f"{left}.mp3"
    assert path.read_bytes()
    assert answer["content_type"] == "audio/mpeg"


async def test_unknown_message_in_the_providers_words(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
) -> None:
    """An unknown id is Verimor's refusal in its own words, and nothing is written."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    data = {"config_entry_id": entry.entry_id, "voicemail_id": "0badc0de"}
    for name in ("get_voicemail_url", "download_voicemail"):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN, name, data, blocking=True, return_response=True
            )
        assert err.value.translation_key == "provider_error"
        assert err.value.translation_placeholders == {
            "message": "cannot find voicemail with uuid 0badc0de"
        }
    assert not (media / "santral").exists()


async def test_providers_without_voicemail_show_none(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
) -> None:
    """Bulutfon has no voicemail list: no sensor, no event type, a clear refusal."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    keys = {
        registered.unique_id
        for registered in er.async_entries_for_config_entry(
            entity_registry, entry.entry_id
        )
    }
    assert not any("voicemail" in key for key in keys)
    event = hass.states.get(f"event.{OBJECT_IDS['bulutfon']}_call")
    assert event is not None
    assert "voicemail" not in event.attributes["event_types"]
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "get_voicemail_url",
            {"config_entry_id": entry.entry_id, "voicemail_id": "v-1"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "voicemail_not_supported"
    assert err.value.translation_placeholders == {
        "title": entry.title,
        "provider": "Bulutfon",
    }
    assert simulator.count("bulutfon", "voicemail_messages") == 0


async def test_logbook_line(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    voicemail_events: list[dict[str, Any]],
) -> None:
    """The logbook says who left a message in which box, on the call event entity."""
    entry = await setup(
        hass,
        make_entry("bulutsantralim"),
        options={CONF_PHONEBOOK: {"+905320000000": "Ayşe"}},
    )
    simulator.leave_voicemail("1002", "905320000000")
    await tick(hass, freezer, VOICEMAIL_INTERVAL)
    assert len(voicemail_events) == 1
    await async_get_translations(hass, "en", "entity", {DOMAIN})
    line = describers(hass)[EVENT_VOICEMAIL](
        Event(EVENT_VOICEMAIL, voicemail_events[0])
    )
    assert line["name"] == entry.title
    assert line["message"] == "Voicemail: Ayşe (+90 532 000 00 00) → 1002"
    assert line["icon"] == "mdi:voicemail"
    assert line["entity_id"] == CALL_EVENT


async def test_websocket_lists_the_messages(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """`santral/voicemails` lists the announced messages, newest first, read or not."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    first = simulator.leave_voicemail("1001", "905320000000", duration=9)
    await tick(hass, freezer, VOICEMAIL_INTERVAL)
    second = simulator.leave_voicemail("1002", "905321111111")
    simulator.read_voicemail(first)
    await tick(hass, freezer, VOICEMAIL_INTERVAL)
    ws = await hass_ws_client(hass)

    async def listed(**filters: Any) -> list[dict[str, Any]]:
        await ws.send_json_auto_id({"type": "santral/voicemails", **filters})
        answer = await ws.receive_json()
        assert answer["success"], answer
        rows: list[dict[str, Any]] = answer["result"]["voicemails"]
        return rows

    rows = await listed()
    assert [row["voicemail_id"] for row in rows] == [second, first]
    assert rows[1] | {"time": None} == {
        "entry_id": entry.entry_id,
        "voicemail_id": first,
        "extension": "1001",
        "caller": "+905320000000",
        "caller_name": None,
        "caller_display": "+90 532 000 00 00",
        "time": None,
        "duration": 9,
        "read": True,
    }
    assert [row["voicemail_id"] for row in await listed(unread_only=True)] == [second]
    assert [row["voicemail_id"] for row in await listed(extension="1001")] == [first]
    assert await listed(entry_id=entry.entry_id, limit=1) == rows[:1]


async def test_websocket_subscription_sends_each_new_message_once(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    hass_ws_client: WebSocketGenerator,
) -> None:
    """`santral/voicemails/subscribe` sends a message as announced, by box, and no repeat."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id(
        {"type": "santral/voicemails/subscribe", "extension": "1002"}
    )
    subscribed = await ws.receive_json()
    assert subscribed["success"], subscribed
    # Polled on the real clock: a frozen one moved on would time the websocket out.
    history = entry.runtime_data.voicemail_history
    assert history is not None
    await history.async_refresh()
    # Left a moment ago: a poll lists the messages up to its own second.
    when = dt_util.utcnow() - timedelta(seconds=2)
    simulator.leave_voicemail("1001", "905320000000", when=when)
    second = simulator.leave_voicemail("1002", "905321111111", duration=7, when=when)
    await history.async_refresh()
    await history.async_refresh()

    message = await ws.receive_json()
    assert message["id"] == subscribed["id"]
    row = message["event"]["voicemail"]
    assert row | {"time": None} == {
        "entry_id": entry.entry_id,
        "voicemail_id": second,
        "extension": "1002",
        "caller": "+905321111111",
        "caller_name": None,
        "caller_display": "+90 532 111 11 11",
        "time": None,
        "duration": 7,
        "read": False,
    }
    # The other box's message, and this one again at the next poll, are not sent.
    await ws.send_json_auto_id({"type": "ping"})
    assert (await ws.receive_json())["type"] == "pong"
