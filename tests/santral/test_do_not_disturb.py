"""Bulutsantralim's do-not-disturb switches: read from presence, set through `/dnd`.

One `/user_statuses` read (twice a minute at most, providers.md §2.1) serves every switch
and presence sensor; a toggle shows at once and brings the next read forward to confirm it,
within the limit, instead of adding one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import (
    DOMAIN as SWITCH_DOMAIN,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.santral.const import DOMAIN, PRESENCE_INTERVAL
from simulator import Fault, FaultKind, Simulator
from tests.helpers import WatchedLimit, setup, tick

DND_1001 = "switch.extension_1001_do_not_disturb"
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
FIVE = [str(number) for number in range(1001, 1006)]


def enable(
    registry: er.EntityRegistry, entry: MockConfigEntry, platform: str, key: str
) -> None:
    """Register an entity of the entry, enabled, before the entry is set up."""
    number = key.rsplit("_", 1)[1]
    suffix = "do_not_disturb" if platform == "switch" else "status"
    registry.async_get_or_create(
        platform,
        DOMAIN,
        f"{entry.entry_id}_{key}",
        config_entry=entry,
        suggested_object_id=f"extension_{number}_{suffix}",
    )


async def set_up(
    hass: HomeAssistant,
    registry: er.EntityRegistry,
    make_entry: Callable[[str], MockConfigEntry],
    numbers: list[str],
    *,
    sensors: bool = False,
) -> MockConfigEntry:
    """Set up a Bulutsantralim entry with the switches (and presence sensors) enabled."""
    entry = make_entry("bulutsantralim")
    entry.add_to_hass(hass)
    for number in numbers:
        enable(registry, entry, "switch", f"do_not_disturb_{number}")
        if sensors:
            enable(registry, entry, "sensor", f"presence_{number}")
    return await setup(hass, entry)


async def switch(hass: HomeAssistant, service: str, *entity_ids: str) -> None:
    """Turn switches on or off, as a dashboard or an automation does."""
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: list(entity_ids)}, blocking=True
    )


def shown(hass: HomeAssistant, entity_id: str = DND_1001) -> str:
    """Return the switch's state."""
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def test_switches_are_disabled_by_default(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each extension has a switch on its device, off until enabled: no presence pace."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    registered = entity_registry.async_get(DND_1001)
    assert registered is not None
    assert registered.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert registered.translation_key == "do_not_disturb"
    assert registered.device_id is not None
    assert hass.states.get(DND_1001) is None
    switches = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    assert sorted(
        item.unique_id for item in switches if item.domain == SWITCH_DOMAIN
    ) == sorted(
        f"{entry.entry_id}_do_not_disturb_{number}"
        for number in simulator.state.bulutsantralim.extensions
    )
    for _ in range(5):
        await tick(hass, freezer, PRESENCE_INTERVAL)
    assert simulator.count("bulutsantralim", "user_statuses") == 1


@pytest.mark.parametrize("kind", ["bulutfon_token", "telsam"])
async def test_other_providers_have_no_switch(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
    kind: str,
) -> None:
    """Only Bulutsantralim describes do-not-disturb, so no other entry has a switch."""
    entry = await setup(hass, make_entry(kind))
    assert entry.runtime_data.client.do_not_disturb is None
    assert not [
        item
        for item in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if item.domain == SWITCH_DOMAIN
    ]


async def test_switch_follows_the_presence_read(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """SS_DND is on, any other status off; what the PBX says reaches the switch in a read."""
    await set_up(hass, entity_registry, make_entry, ["1001"])
    assert shown(hass) == STATE_OFF
    reads = simulator.count("bulutsantralim", "user_statuses")

    simulator.set_user_status(1001, "SS_DND")
    await tick(hass, freezer, PRESENCE_INTERVAL)
    assert shown(hass) == STATE_ON
    for status in ("TALKING", "UNREGISTERED", "AVAILABLE"):
        simulator.set_user_status(1001, status)
        await tick(hass, freezer, PRESENCE_INTERVAL)
        assert shown(hass) == STATE_OFF, status
    assert simulator.count("bulutsantralim", "user_statuses") == reads + 4
    assert simulator.count("bulutsantralim", "dnd") == 0


async def test_toggle_shows_at_once_and_the_next_read_corrects_it(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A toggle is shown before any read; the read brought forward says what is true."""
    await set_up(hass, entity_registry, make_entry, ["1001"])
    reads = simulator.count("bulutsantralim", "user_statuses")

    await switch(hass, SERVICE_TURN_ON, DND_1001)
    assert simulator.state.bulutsantralim.user_status("1001") == "SS_DND"
    assert shown(hass) == STATE_ON
    assert simulator.count("bulutsantralim", "user_statuses") == reads
    # Someone switches it off again at the phone before the confirming read.
    simulator.set_user_status(1001, "AVAILABLE")
    # The setup read was just now: a read 21 s later keeps the next one, 40 s after
    # it, within two a minute. Until then the switch shows what it was set to.
    await tick(hass, freezer, timedelta(seconds=20))
    assert shown(hass) == STATE_ON
    assert simulator.count("bulutsantralim", "user_statuses") == reads
    await tick(hass, freezer, 2 * SECOND)
    assert simulator.count("bulutsantralim", "user_statuses") == reads + 1
    assert shown(hass) == STATE_OFF

    # The next read keeps its pace; twenty seconds after it, a toggle's confirmation
    # is only two seconds away.
    await tick(hass, freezer, PRESENCE_INTERVAL)
    assert simulator.count("bulutsantralim", "user_statuses") == reads + 2
    await tick(hass, freezer, timedelta(seconds=20))
    await switch(hass, SERVICE_TURN_ON, DND_1001)
    await tick(hass, freezer, SECOND)
    assert simulator.count("bulutsantralim", "user_statuses") == reads + 2
    await tick(hass, freezer, SECOND)
    assert simulator.count("bulutsantralim", "user_statuses") == reads + 3
    assert shown(hass) == STATE_ON
    await switch(hass, SERVICE_TURN_OFF, DND_1001)
    assert shown(hass) == STATE_OFF
    assert simulator.state.bulutsantralim.user_status("1001") == "AVAILABLE"
    assert simulator.count("bulutsantralim", "dnd") == 3


async def test_changes_made_together_wait_for_one_read(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Switching three extensions at once, and one more soon after, costs one read."""
    numbers = ["1001", "1002", "1003", "1004"]
    await set_up(hass, entity_registry, make_entry, numbers)
    switches = [f"switch.extension_{number}_do_not_disturb" for number in numbers]
    await tick(hass, freezer, PRESENCE_INTERVAL)
    reads = simulator.count("bulutsantralim", "user_statuses")
    await tick(hass, freezer, timedelta(seconds=25))

    await switch(hass, SERVICE_TURN_ON, *switches[:3])
    await tick(hass, freezer, SECOND)
    await switch(hass, SERVICE_TURN_ON, switches[3])
    await tick(hass, freezer, 3 * SECOND)
    assert simulator.count("bulutsantralim", "user_statuses") == reads + 1
    assert simulator.count("bulutsantralim", "dnd") == 4
    assert [shown(hass, entity_id) for entity_id in switches] == [STATE_ON] * 4
    # The pace goes on from the confirming read.
    await tick(hass, freezer, PRESENCE_INTERVAL - 4 * SECOND)
    assert simulator.count("bulutsantralim", "user_statuses") == reads + 1
    await tick(hass, freezer, 4 * SECOND)
    assert simulator.count("bulutsantralim", "user_statuses") == reads + 2


async def test_a_toggle_is_confirmed_with_polling_off(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With the entry's polling off nothing is read on a schedule, but a toggle is read."""
    entry = make_entry("bulutsantralim")
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, pref_disable_polling=True)
    enable(entity_registry, entry, "switch", "do_not_disturb_1001")
    await setup(hass, entry)
    reads = simulator.count("bulutsantralim", "user_statuses")
    await tick(hass, freezer, 3 * PRESENCE_INTERVAL)
    assert simulator.count("bulutsantralim", "user_statuses") == reads

    await switch(hass, SERVICE_TURN_ON, DND_1001)
    simulator.set_user_status(1001, "UNREGISTERED")
    await tick(hass, freezer, 2 * SECOND)
    assert simulator.count("bulutsantralim", "user_statuses") == reads + 1
    assert shown(hass) == STATE_OFF


async def test_switch_is_unavailable_while_the_list_cannot_be_read(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failed read makes the switch unavailable; the next good one brings it back."""
    await set_up(hass, entity_registry, make_entry, ["1001"])
    simulator.set_user_status(1001, "SS_DND")
    simulator.inject("bulutsantralim", "user_statuses", Fault(FaultKind.SERVER_ERROR))
    await tick(hass, freezer, PRESENCE_INTERVAL)
    assert shown(hass) == STATE_UNAVAILABLE
    await tick(hass, freezer, PRESENCE_INTERVAL)
    assert shown(hass) == STATE_ON

    simulator.inject("bulutsantralim", "user_statuses", Fault(FaultKind.HTML))
    await tick(hass, freezer, PRESENCE_INTERVAL)
    assert shown(hass) == STATE_UNAVAILABLE


async def test_a_status_the_client_cannot_read_is_unknown(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A status Santral does not know says nothing of do-not-disturb."""
    await set_up(hass, entity_registry, make_entry, ["1001"])
    simulator.state.bulutsantralim.user_statuses["1001"] = "ON_HOLD"
    await tick(hass, freezer, PRESENCE_INTERVAL)
    assert shown(hass) == STATE_UNKNOWN


async def test_refusal_is_in_the_providers_words(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
) -> None:
    """An extension the PBX no longer has is refused in its sentence; nothing is shown."""
    await set_up(hass, entity_registry, make_entry, ["1001"])
    simulator.set_extensions("bulutsantralim", [1002, 1003])
    with pytest.raises(ServiceValidationError) as err:
        await switch(hass, SERVICE_TURN_ON, DND_1001)
    assert err.value.translation_key == "provider_error"
    assert err.value.translation_placeholders == {"message": "extension 1001 not found"}
    assert shown(hass) == STATE_OFF


async def test_an_unreadable_answer_is_an_error(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
) -> None:
    """A web page where Verimor's sentence should be is no confirmation."""
    await set_up(hass, entity_registry, make_entry, ["1001"])
    simulator.inject("bulutsantralim", "dnd", Fault(FaultKind.HTML))
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, SERVICE_TURN_ON, DND_1001)
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "invalid_response"
    assert shown(hass) == STATE_OFF


async def test_an_hour_of_toggles_stays_within_the_limit(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    figures: list[str],
) -> None:
    """Five switches and five presence sensors, toggled often: two reads a minute at most.

    Toggles come alone and together, right after a read and long after one; each is
    shown at once and confirmed by a read brought forward, and no read meets a 429.
    """
    watched = WatchedLimit(2)
    simulator.state.bulutsantralim.limits["user_statuses"] = watched
    simulator.set_extensions("bulutsantralim", [int(number) for number in FIVE])
    await set_up(hass, entity_registry, make_entry, FIVE, sensors=True)
    switches = [f"switch.extension_{number}_do_not_disturb" for number in FIVE]
    assert [shown(hass, entity_id) for entity_id in switches] == [STATE_OFF] * 5
    before = simulator.count("bulutsantralim", "user_statuses")

    step = 5 * SECOND
    toggles = 0
    for index in range(HOUR // step):
        if index % 7 == 3:
            entity_id = switches[index % 5]
            service = (
                SERVICE_TURN_OFF
                if shown(hass, entity_id) == STATE_ON
                else SERVICE_TURN_ON
            )
            await switch(hass, service, entity_id)
            toggles += 1
        if index % 60 == 30:
            await switch(hass, SERVICE_TURN_ON, *switches)
            toggles += 5
        await tick(hass, freezer, step)
    await tick(hass, freezer, MINUTE)

    answers = [answer for _, answer in watched.answers]
    assert answers == [None] * len(answers)
    moments = [moment for moment, _ in watched.answers]
    assert all(
        later - earlier >= MINUTE
        for earlier, later in zip(moments, moments[2:], strict=False)
    )
    per_hour = simulator.count("bulutsantralim", "user_statuses") - before
    assert HOUR // PRESENCE_INTERVAL - 1 <= per_hour <= 2 * 60
    pbx = simulator.state.bulutsantralim
    for number, entity_id in zip(FIVE, switches, strict=True):
        expected = STATE_ON if pbx.user_status(number) == "SS_DND" else STATE_OFF
        assert shown(hass, entity_id) == expected
        presence = hass.states.get(f"sensor.extension_{number}_status")
        assert presence is not None
        assert (presence.state == "do_not_disturb") is (expected == STATE_ON)
    assert simulator.count("bulutsantralim", "dnd") == toggles
    figures.append(
        "Bulutsantralim, 5 DND switches and 5 presence sensors enabled, "
        f"{toggles} toggles in an hour: /user_statuses {per_hour} an hour "
        f"(at most {2 * 60}), /dnd {toggles}"
    )
