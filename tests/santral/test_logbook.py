"""Phonebook names and number formats in events, sensors and the logbook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from homeassistant.core import Event, HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import (
    CONF_NUMBER_FORMAT,
    CONF_PHONEBOOK,
    EVENT_CALL,
    EVENT_FAX,
)
from custom_components.santral.logbook import async_describe_events
from simulator import Simulator
from tests.helpers import post_santralim_form, santralim, setup

RINGING = santralim("ringing", call_uuid="k-1")
MISSED = santralim("hangup", call_uuid="k-1", answered="false")
Describer = Callable[[Event], dict[str, str]]


def sensor(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> State:
    """Return the state of the entry's sensor `key`, whatever the language named it."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", "santral", f"{entry.entry_id}_{key}"
    )
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state


def describers(hass: HomeAssistant) -> dict[str, Describer]:
    """Return the logbook descriptions Santral registers, by event type."""
    found: dict[str, Describer] = {}

    def _register(domain: str, event_type: str, describe: Describer) -> None:
        assert domain == "santral"
        found[event_type] = describe

    async_describe_events(hass, _register)
    return found


async def _missed_call(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    hass_client_no_auth: ClientSessionGenerator,
    options: dict[str, Any],
) -> MockConfigEntry:
    """Set up Bulutsantralim with `options`, then miss a call from 0532 123 45 67 on 1001."""
    await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    entry = await setup(hass, make_entry("bulutsantralim"), options)
    assert await post_santralim_form(client, RINGING) == 200
    await hass.async_block_till_done()
    return entry


@pytest.mark.parametrize(
    ("language", "style", "message"),
    [
        ("en", "national", "Missed: Ayşe (0532 123 45 67) → 1001"),
        ("tr", "international", "Cevapsız: Ayşe (+90 532 123 45 67) → 1001"),
        ("en", "e164", "Missed: Ayşe (+905321234567) → 1001"),
    ],
)
async def test_names_and_formats(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    hass_client_no_auth: ClientSessionGenerator,
    call_events: list[dict[str, Any]],
    language: str,
    style: str,
    message: str,
) -> None:
    """The phonebook names the caller everywhere; the format shapes what is shown."""
    hass.config.language = language
    options = {CONF_PHONEBOOK: {"+905321234567": "Ayşe"}, CONF_NUMBER_FORMAT: style}
    entry = await _missed_call(hass, make_entry, hass_client_no_auth, options)
    extension = sensor(hass, entry, "extension_1001")
    assert extension.attributes["remote"] == "+905321234567"
    assert extension.attributes["remote_name"] == "Ayşe"

    client = await hass_client_no_auth()
    assert await post_santralim_form(client, MISSED) == 200
    await hass.async_block_till_done()
    missed = call_events[-1]
    assert missed["type"] == "missed"
    assert missed["caller"] == "+905321234567"
    assert missed["caller_name"] == "Ayşe"
    assert missed["callee_name"] is None

    shown = {
        "national": "0532 123 45 67",
        "international": "+90 532 123 45 67",
        "e164": "+905321234567",
    }[style]
    last = sensor(hass, entry, "last_missed_caller")
    assert last.state == shown
    assert last.attributes["caller_name"] == "Ayşe"
    assert last.attributes["caller"] == "+905321234567"
    assert sensor(hass, entry, "last_caller").state == shown

    described = describers(hass)[EVENT_CALL](Event(EVENT_CALL, missed))
    assert described["name"] == entry.title
    assert described["message"] == message
    assert described["icon"] == "mdi:phone-missed"
    assert described["entity_id"].startswith("event.")


async def test_logbook_without_names(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    media: Path,
) -> None:
    """Numbers without a name are shown alone; outbound calls name the callee."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    describe = describers(hass)
    call = {
        "entry_id": entry.entry_id,
        "type": "hangup",
        "direction": "outbound",
        "caller": "1001",
        "callee": "+4915123456789",
        "extension": "1001",
    }
    assert describe[EVENT_CALL](Event(EVENT_CALL, call))["message"] == (
        "Hung up: +4915123456789"
    )
    fax = {"entry_id": entry.entry_id, "type": "received", "remote": "+902125556677"}
    described = describe[EVENT_FAX](Event(EVENT_FAX, fax))
    assert described["name"] == entry.title
    assert described["message"] == "Received: +90 212 555 66 77"
    assert described["icon"] == "mdi:fax"
    assert described["entity_id"] == er.async_get(hass).async_get_entity_id(
        "event", "santral", f"{entry.entry_id}_fax"
    )


async def test_logbook_after_removal(hass: HomeAssistant) -> None:
    """An event of an entry since removed still reads, under the provider's name."""
    data = {
        "entry_id": "gone",
        "provider": "telsam",
        "type": "received",
        "remote": "+902125556677",
        "remote_name": "Muhasebe",
    }
    described = describers(hass)[EVENT_FAX](Event(EVENT_FAX, data))
    assert described["name"] == "telsam"
    assert described["message"].endswith(": Muhasebe (+90 212 555 66 77)")
    assert "entity_id" not in described
