"""Hanging up and transferring a call in progress: `santral.hangup`, `santral.transfer`.

Bulutsantralim ends and moves live calls through `/hangup/{uuid}` and `/transfer/{uuid}`;
what follows arrives as the call's own webhooks. Its refusal (`No such channel!`) reaches
the user in its words, translated around them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.santral.const import DOMAIN
from simulator import Simulator
from simulator.calls import SimulatedCall
from tests.helpers import Events, deliver_webhooks, poll_calls, setup

HOLD = 3600.0


async def action(hass: HomeAssistant, name: str, **data: Any) -> None:
    """Call a santral action that answers nothing."""
    await hass.services.async_call(DOMAIN, name, data, blocking=True)


async def refused(
    hass: HomeAssistant, name: str, **data: Any
) -> ServiceValidationError:
    """Call a santral action that must be refused; return the refusal."""
    with pytest.raises(ServiceValidationError) as err:
        await action(hass, name, **data)
    return err.value


async def until(hass: HomeAssistant, done: Callable[[], bool]) -> None:
    """Let the webhooks in until `done` holds (five seconds at most)."""
    async with asyncio.timeout(5):
        while not done():
            await asyncio.sleep(0.01)
            await hass.async_block_till_done()


def of_call(events: Events, call_id: str, kind: str) -> list[dict[str, Any]]:
    """Return the call's events of one type."""
    return [
        event
        for event in events
        if event["call_id"] == call_id and event["type"] == kind
    ]


@pytest.fixture
async def santralim(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> MockConfigEntry:
    """Set up a Bulutsantralim entry that hears its PBX's webhooks."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    await deliver_webhooks(simulator, hass_client_no_auth, "bulutsantralim")
    simulator.switchboard.realtime_step = 0.01
    return entry


async def answered_call(
    hass: HomeAssistant, simulator: Simulator, call_events: Events, extension: str
) -> tuple[asyncio.Task[SimulatedCall], str]:
    """Start an inbound call that stays up once answered; return it and its id."""
    task = asyncio.create_task(
        simulator.place_call(
            "bulutsantralim", realtime=True, hold=HOLD, extension=extension
        )
    )
    await until(hass, lambda: any(e["type"] == "answered" for e in call_events))
    return task, call_events[-1]["call_id"]


async def test_hangup_ends_a_live_call(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    call_events: Events,
) -> None:
    """The call ends at once; its hang-up is announced once, by webhook and by poll."""
    task, call_id = await answered_call(hass, simulator, call_events, "1001")
    sensor = "sensor.extension_1001"
    assert hass.states.get(sensor).state == "talking"
    assert hass.states.get(sensor).attributes["call_id"] == call_id

    await action(hass, "hangup", config_entry_id=santralim.entry_id, call_id=call_id)
    call = await asyncio.wait_for(task, 5)
    await until(hass, lambda: bool(of_call(call_events, call_id, "hangup")))
    assert hass.states.get(sensor).state == "idle"
    assert call.outcome == "answered"
    assert simulator.find_call("bulutsantralim", call_id) is call
    await poll_calls(hass, santralim)
    assert len(of_call(call_events, call_id, "hangup")) == 1
    assert simulator.count("bulutsantralim", "hangup") == 1

    err = await refused(
        hass, "hangup", config_entry_id=santralim.entry_id, call_id=call_id
    )
    assert err.translation_key == "provider_error"
    assert err.translation_placeholders == {"message": "No such channel!"}


async def test_transfer_moves_a_live_call(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    call_events: Events,
) -> None:
    """The new extension answers and has the call until it ends."""
    task, call_id = await answered_call(hass, simulator, call_events, "1001")

    await action(
        hass,
        "transfer",
        config_entry_id=santralim.entry_id,
        call_id=call_id,
        extension=" 1002 ",
    )
    await until(
        hass,
        lambda: any(
            event["extension"] == "1002"
            for event in of_call(call_events, call_id, "answered")
        ),
    )
    assert hass.states.get("sensor.extension_1002").state == "talking"
    assert hass.states.get("sensor.extension_1002").attributes["call_id"] == call_id
    # The call has left 1001, whose hang-up button must not end it any more.
    assert hass.states.get("sensor.extension_1001").state == "idle"

    await action(hass, "hangup", config_entry_id=santralim.entry_id, call_id=call_id)
    call = await asyncio.wait_for(task, 5)
    await until(hass, lambda: bool(of_call(call_events, call_id, "hangup")))
    assert call.extension == "1002"
    assert [
        event["extension"] for event in of_call(call_events, call_id, "hangup")
    ] == ["1002"]
    for number in ("1001", "1002"):
        assert hass.states.get(f"sensor.extension_{number}").state == "idle"
    assert simulator.count("bulutsantralim", "transfer") == 1


@pytest.mark.parametrize(
    ("name", "extra"), [("hangup", {}), ("transfer", {"extension": "1002"})]
)
async def test_no_such_channel_in_the_providers_words(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    name: str,
    extra: dict[str, str],
) -> None:
    """A call that is over or unknown is the PBX's `No such channel!`, translated around."""
    err = await refused(
        hass, name, config_entry_id=santralim.entry_id, call_id="yok-1", **extra
    )
    assert err.translation_key == "provider_error"
    assert err.translation_placeholders == {"message": "No such channel!"}
    assert simulator.count("bulutsantralim", name) == 1


async def test_transfer_to_an_extension_the_pbx_lacks(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    call_events: Events,
) -> None:
    """The PBX names the extension it does not have; the call goes on."""
    task, call_id = await answered_call(hass, simulator, call_events, "1001")
    err = await refused(
        hass,
        "transfer",
        config_entry_id=santralim.entry_id,
        call_id=call_id,
        extension="1099",
    )
    assert err.translation_placeholders == {"message": "extension 1099 not found"}
    assert simulator.switchboard.live_call("bulutsantralim", call_id) is not None
    await action(hass, "hangup", config_entry_id=santralim.entry_id, call_id=call_id)
    await asyncio.wait_for(task, 5)


@pytest.mark.parametrize(
    ("kind", "provider"),
    [("bulutfon_token", "Bulutfon"), ("telsam", "Telsam Yenifaks")],
)
@pytest.mark.parametrize(
    ("name", "extra"), [("hangup", {}), ("transfer", {"extension": "1002"})]
)
async def test_other_providers_refuse(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    kind: str,
    provider: str,
    name: str,
    extra: dict[str, str],
) -> None:
    """A provider without live call control refuses, naming itself; nothing is sent."""
    entry = await setup(hass, make_entry(kind))
    before = simulator.count()
    err = await refused(
        hass, name, config_entry_id=entry.entry_id, call_id="c-1", **extra
    )
    assert err.translation_key == "live_call_control_not_supported"
    assert err.translation_placeholders == {"title": entry.title, "provider": provider}
    assert simulator.count() == before


@pytest.mark.parametrize("call_id", ["../me", "", "a b", "x" * 81, "a/b"])
@pytest.mark.parametrize("name", ["hangup", "transfer"])
async def test_bad_call_ids_never_reach_the_pbx(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    name: str,
    call_id: str,
) -> None:
    """Ids that are not plain provider ids never reach a provider URL."""
    with pytest.raises(vol.Invalid):
        await action(
            hass,
            name,
            config_entry_id=santralim.entry_id,
            call_id=call_id,
            extension="1002",
        )
    assert simulator.count("bulutsantralim", name) == 0


@pytest.mark.parametrize("extension", ["yönetici", "1", "1001a", "1234567"])
async def test_bad_extensions_are_refused(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim: MockConfigEntry,
    extension: str,
) -> None:
    """Only an extension number is transferred to."""
    err = await refused(
        hass,
        "transfer",
        config_entry_id=santralim.entry_id,
        call_id="c-1",
        extension=extension,
    )
    assert err.translation_key == "invalid_extension"
    assert simulator.count("bulutsantralim", "transfer") == 0


async def test_hangup_answers_nothing(
    hass: HomeAssistant, santralim: MockConfigEntry
) -> None:
    """The actions have no response: what follows is the call's own events."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "hangup",
            {"config_entry_id": santralim.entry_id, "call_id": "c-1"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "service_does_not_support_response"
