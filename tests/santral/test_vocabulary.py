"""One name per thing: sensor and event entity attributes speak the events' vocabulary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from homeassistant.core import Event, HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import CONF_PHONEBOOK, DOMAIN, EVENT_FAX
from simulator import Simulator
from tests.helpers import post_santralim_form, santralim, santralim_stamp, setup

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# What each kind of state adds to its attributes, apart from the vocabulary.
OWN = {"since", "event_type", "event_types", "options", "device_class"}
OWN |= {"friendly_name", "icon", "unit_of_measurement", "state_class"}


def state(
    hass: HomeAssistant, platform: str, entry: MockConfigEntry, key: str
) -> State:
    """Return the state of the entry's entity `key`, whatever the language named it."""
    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{entry.entry_id}_{key}"
    )
    assert entity_id is not None, key
    found = hass.states.get(entity_id)
    assert found is not None, key
    return found


def names(found: State) -> set[str]:
    """Return the attribute names that describe a call or a fax."""
    return set(found.attributes) - OWN


async def test_one_vocabulary(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    hass_client_no_auth: ClientSessionGenerator,
    call_events: list[dict[str, Any]],
    media: Path,
) -> None:
    """Every attribute of a call or fax entity is a field of its bus event, same value.

    The caller of the last call is `caller`, whoever reports it; the other side of a fax
    or of an extension's call is `remote`; names are `<field>_name`.
    """
    await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    book = {"+905321234567": "Ayşe", "+902125550000": "Muhasebe"}
    entry = await setup(hass, make_entry("bulutsantralim"), {CONF_PHONEBOOK: book})
    fax_events: list[dict[str, Any]] = []

    def _fax(event: Event) -> None:
        fax_events.append(dict(event.data))

    hass.bus.async_listen(EVENT_FAX, _fax)

    # One call: both notifications carry its one start stamp, as Verimor's do.
    started = santralim_stamp(-40)
    ringing = santralim("ringing", call_uuid="v-1", start_stamp=started)
    assert await post_santralim_form(client, ringing) == 200
    await hass.async_block_till_done()
    extension = state(hass, "sensor", entry, "extension_1001")
    assert extension.state == "ringing"
    assert names(extension) == {"call_id", "direction", "remote", "remote_name"}
    assert extension.attributes["remote"] == call_events[-1]["caller"]
    assert extension.attributes["remote_name"] == "Ayşe"

    missed = santralim("hangup", call_uuid="v-1", answered="false", start_stamp=started)
    assert await post_santralim_form(client, missed) == 200
    await hass.async_block_till_done()
    call = call_events[-1]
    assert call["type"] == "missed"
    for key, expected in (
        ("last_caller", {"caller", "caller_name", "started", "call_id"}),
        ("last_missed_caller", {"caller", "caller_name", "ended", "call_id", "callee"}),
    ):
        found = state(hass, "sensor", entry, key)
        assert names(found) == expected, key
        for name in expected - {"started", "ended"}:
            assert found.attributes[name] == call[name], (key, name)
        for name in expected & {"started", "ended"}:
            # The event leaves a time out when the provider does not say it; the sensor
            # keeps when Santral saw it instead.
            assert call[name] in (None, found.attributes[name]), (key, name)
            assert dt_util.parse_datetime(found.attributes[name]) is not None
    assert state(hass, "sensor", entry, "last_caller").attributes["caller_name"] == (
        "Ayşe"
    )
    call_entity = state(hass, "event", entry, "call")
    assert names(call_entity) <= set(call)
    for name in names(call_entity):
        assert call_entity.attributes[name] == call[name], name

    await simulator.receive_fax("bulutsantralim", sender="905321234567", pages=2)
    assert entry.runtime_data.fax_history is not None
    await entry.runtime_data.fax_history.async_refresh()
    await hass.async_block_till_done()
    received = fax_events[-1]
    assert received["type"] == "received"
    last = state(hass, "sensor", entry, "last_received_fax")
    assert names(last) == {
        "remote",
        "remote_name",
        "created",
        "pages",
        "file",
        "fax_id",
    }
    for name in names(last):
        assert last.attributes[name] == received[name], name

    document = media / "teklif.pdf"
    document.write_bytes(PDF)
    await hass.services.async_call(
        DOMAIN,
        "send_fax",
        {
            "config_entry_id": entry.entry_id,
            "number": ["0212 555 00 00"],
            "file": [str(document)],
            "sender": "+908505320000",
        },
        blocking=True,
        return_response=True,
    )
    await entry.runtime_data.fax_history.async_refresh()
    simulator.settle_faxes("bulutsantralim", "success")
    await entry.runtime_data.fax_history.async_refresh()
    await entry.runtime_data.fax_history.async_refresh()
    await hass.async_block_till_done()
    sent = fax_events[-1]
    assert sent["type"] == "sent"
    outgoing = state(hass, "sensor", entry, "last_outgoing_fax")
    assert names(outgoing) == {"remote", "remote_name", "created", "fax_id"}
    for name in names(outgoing):
        assert outgoing.attributes[name] == sent[name], name
    assert outgoing.attributes["remote_name"] == "Muhasebe"
    fax_entity = state(hass, "event", entry, "fax")
    assert names(fax_entity) <= set(sent)
    for name in names(fax_entity):
        assert fax_entity.attributes[name] == sent[name], name
