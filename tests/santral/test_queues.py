"""Bulutsantralim's queues: callers waiting per queue, and agents' statuses, within the limits.

`/queues/pending` is read only while a queue sensor is enabled and `/agent_statuses` only
while an agent sensor is; the PBX allows `/agent_statuses` twice a minute (providers.md §2.2).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.santral.const import DOMAIN
from custom_components.santral.coordinator import (
    AGENT_INTERVAL,
    QUEUE_INTERVAL,
    QUEUE_LIST_INTERVAL,
)
from custom_components.santral.providers import AgentStatus, BulutsantralimClient
from simulator import Fault, FaultKind, Simulator
from tests.helpers import OBJECT_IDS, WatchedLimit, setup, tick

QUEUE_200 = f"sensor.{OBJECT_IDS['bulutsantralim']}_kuyruk_1_callers_waiting"
AGENT_1001 = "sensor.extension_1001_agent_status"
PRESENCE_1001 = "sensor.extension_1001_status"
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def unique_id(entry: MockConfigEntry, key: str) -> str:
    """Return the unique id of the entry's entity of `key`."""
    return f"{entry.entry_id}_{key}"


def preset(
    registry: er.EntityRegistry,
    entry: MockConfigEntry,
    key: str,
    entity_id: str,
    *,
    disabled: bool,
) -> None:
    """Register an entity of the entry before setup, enabled or disabled by the user."""
    platform, object_id = entity_id.split(".")
    registry.async_get_or_create(
        platform,
        DOMAIN,
        unique_id(entry, key),
        config_entry=entry,
        suggested_object_id=object_id,
        disabled_by=er.RegistryEntryDisabler.USER if disabled else None,
    )


def longest_wait(hass: HomeAssistant) -> int:
    """Return the queue sensor's longest wait, in seconds."""
    state = hass.states.get(QUEUE_200)
    assert state is not None
    wait = state.attributes["longest_wait"]
    assert isinstance(wait, int)
    return wait


async def test_queue_sensor_follows_the_callers_waiting(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The count moves when a caller joins and when it leaves; the longest wait grows."""
    await setup(hass, make_entry("bulutsantralim"))
    state = hass.states.get(QUEUE_200)
    assert state is not None
    assert state.state == "0"
    assert state.attributes["queue"] == "200"
    assert state.attributes["state_class"] == "measurement"
    assert longest_wait(hass) == 0

    joined = dt_util.utcnow().replace(microsecond=0) - timedelta(seconds=90)
    simulator.queue_caller(200, "905320000000", joined)
    await tick(hass, freezer, QUEUE_INTERVAL)
    assert hass.states.get(QUEUE_200).state == "1"
    assert longest_wait(hass) == 90 + QUEUE_INTERVAL.seconds

    simulator.queue_caller(200, "905321111111")
    await tick(hass, freezer, QUEUE_INTERVAL)
    assert hass.states.get(QUEUE_200).state == "2"
    assert longest_wait(hass) == 90 + 2 * QUEUE_INTERVAL.seconds

    simulator.unqueue("905320000000")
    await tick(hass, freezer, QUEUE_INTERVAL)
    assert hass.states.get(QUEUE_200).state == "1"
    assert longest_wait(hass) == 2 * QUEUE_INTERVAL.seconds  # the second caller's

    simulator.unqueue("905321111111")
    await tick(hass, freezer, QUEUE_INTERVAL)
    assert hass.states.get(QUEUE_200).state == "0"
    assert longest_wait(hass) == 0


async def test_a_failed_read_makes_the_sensors_unavailable(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Queue and agent sensors show unavailable while their list cannot be read."""
    entry = make_entry("bulutsantralim")
    entry.add_to_hass(hass)
    preset(entity_registry, entry, "agent_1001", AGENT_1001, disabled=False)
    await setup(hass, entry)
    assert hass.states.get(AGENT_1001).state == "available"

    simulator.inject("bulutsantralim", "queues_pending", Fault(FaultKind.SERVER_ERROR))
    simulator.inject("bulutsantralim", "agent_statuses", Fault(FaultKind.SERVER_ERROR))
    await tick(hass, freezer, QUEUE_INTERVAL)
    assert hass.states.get(QUEUE_200).state == STATE_UNAVAILABLE
    assert hass.states.get(AGENT_1001).state == STATE_UNAVAILABLE

    await tick(hass, freezer, QUEUE_INTERVAL)
    assert hass.states.get(QUEUE_200).state == "0"
    assert hass.states.get(AGENT_1001).state == "available"


async def test_agent_sensors_are_disabled_by_default_and_follow_statuses(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Every extension has an agent sensor, off until enabled; then it follows the PBX."""
    entry = await setup(hass, make_entry("bulutsantralim"))
    registry_entry = entity_registry.async_get(AGENT_1001)
    assert registry_entry is not None
    assert registry_entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get(AGENT_1001) is None
    assert simulator.count("bulutsantralim", "agent_statuses") == 0

    entity_registry.async_update_entity(AGENT_1001, disabled_by=None)
    simulator.set_agent_status(1001, "ON_BREAK", "Kahve")
    await tick(hass, freezer, timedelta(seconds=31))  # Home Assistant reloads the entry
    state = hass.states.get(AGENT_1001)
    assert state.state == AgentStatus.ON_BREAK
    assert state.attributes["break_description"] == "Kahve"
    assert state.attributes["queues"] == ["200"]
    assert state.attributes["options"] == [
        "available",
        "talking",
        "logged_out",
        "on_break",
    ]
    assert entry.runtime_data.agents is not None

    simulator.set_agent_status(1001, "TALKING")
    await tick(hass, freezer, AGENT_INTERVAL)
    state = hass.states.get(AGENT_1001)
    assert state.state == AgentStatus.TALKING
    assert state.attributes["break_description"] is None

    # An extension that serves no queue is enabled too, and shows unknown.
    entity_registry.async_update_entity(
        "sensor.extension_1005_agent_status", disabled_by=None
    )
    await tick(hass, freezer, timedelta(seconds=31))
    assert hass.states.get("sensor.extension_1005_agent_status").state == STATE_UNKNOWN
    assert hass.states.get(AGENT_1001).state == AgentStatus.TALKING


async def test_nothing_is_read_for_disabled_sensors(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """With the queue and agent sensors disabled, only the queue list is read, rarely."""
    entry = make_entry("bulutsantralim")
    entry.add_to_hass(hass)
    preset(entity_registry, entry, "queue_200", QUEUE_200, disabled=True)
    await setup(hass, entry)
    assert hass.states.get(QUEUE_200) is None
    simulator.queue_caller(200, "905320000000")
    for _ in range(HOUR // QUEUE_INTERVAL):
        await tick(hass, freezer, QUEUE_INTERVAL)
    assert simulator.count("bulutsantralim", "queues_pending") == 0
    assert simulator.count("bulutsantralim", "agent_statuses") == 0
    assert (
        simulator.count("bulutsantralim", "queues") <= 1 + HOUR // QUEUE_LIST_INTERVAL
    )


async def test_an_hour_with_everything_enabled_stays_within_the_limits(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    figures: list[str],
) -> None:
    """Every entity of the PBX enabled, switches toggled: 2 reads a minute each, no 429.

    Agent, presence and voicemail-box sensors and do-not-disturb switches on every
    extension, a caller waiting and a message left: each list is read at its own pace,
    and `/user_statuses` and `/agent_statuses` stay within the PBX's two a minute.
    """
    agents = WatchedLimit(2)
    presence = WatchedLimit(2)
    pbx = simulator.state.bulutsantralim
    pbx.limits["agent_statuses"], pbx.limits["user_statuses"] = agents, presence
    entry = make_entry("bulutsantralim")
    entry.add_to_hass(hass)
    switches = []
    for number in pbx.extensions:
        for key, entity_id in (
            (f"agent_{number}", f"sensor.extension_{number}_agent_status"),
            (f"presence_{number}", f"sensor.extension_{number}_status"),
            (
                f"extension_{number}_unread_voicemails",
                f"sensor.extension_{number}_unread_voicemails",
            ),
            (f"do_not_disturb_{number}", f"switch.extension_{number}_do_not_disturb"),
        ):
            preset(entity_registry, entry, key, entity_id, disabled=False)
        switches.append(f"switch.extension_{number}_do_not_disturb")
    await setup(hass, entry)
    assert hass.states.get(AGENT_1001).state == "available"
    assert hass.states.get(PRESENCE_1001).state == "available"
    assert hass.states.get(switches[0]).state == "off"
    simulator.queue_caller(200, "905320000000")
    before = Counter(
        record.endpoint
        for record in simulator.state.requests
        if record.provider == "bulutsantralim"
    )
    step = timedelta(seconds=5)
    toggles = 0
    for index in range(HOUR // step):
        if index % 24 == 12:
            entity_id = switches[index % len(switches)]
            service = (
                "turn_off" if hass.states.get(entity_id).state == "on" else "turn_on"
            )
            await hass.services.async_call(
                "switch", service, {"entity_id": entity_id}, blocking=True
            )
            toggles += 1
        if index == 100:
            simulator.leave_voicemail("1001", "905321112233")
        await tick(hass, freezer, step)
    assert hass.states.get(QUEUE_200).state == "1"
    assert hass.states.get(AGENT_1001).state == "available"
    assert hass.states.get("sensor.extension_1001_unread_voicemails").state == "1"

    for watched in (agents, presence):
        assert [answer for _, answer in watched.answers] == [None] * len(
            watched.answers
        )
        moments = [moment for moment, _ in watched.answers]
        assert all(
            later - earlier >= MINUTE
            for earlier, later in zip(moments, moments[2:], strict=False)
        )
    per_hour = (
        Counter(
            record.endpoint
            for record in simulator.state.requests
            if record.provider == "bulutsantralim"
        )
        - before
    )
    assert per_hour["agent_statuses"] <= 2 * 60
    assert per_hour["user_statuses"] <= 2 * 60
    assert per_hour["agent_statuses"] >= HOUR // AGENT_INTERVAL - 1
    assert per_hour["queues_pending"] >= HOUR // QUEUE_INTERVAL - 1
    assert per_hour["queues"] <= HOUR // QUEUE_LIST_INTERVAL + 1
    assert per_hour["dnd"] == toggles
    figures.append(
        "Bulutsantralim, every agent, presence and voicemail-box sensor and every "
        f"do-not-disturb switch enabled ({len(switches)} extensions, {toggles} toggles), "
        "requests an hour: "
        + ", ".join(f"{name} {count}" for name, count in sorted(per_hour.items()))
    )


async def test_client_reads_the_documented_shapes(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Queue numbers come as integers and strings, joined_at as unix seconds in text."""
    client = BulutsantralimClient(
        session,
        api_key=simulator.state.bulutsantralim.api_key,
        base_url=simulator.url("bulutsantralim"),
    )
    assert (await client.async_get_queue_list())["200"].waiting is None
    joined = dt_util.utcnow().replace(microsecond=0) - timedelta(seconds=30)
    simulator.queue_caller("200", "905320000000", joined)
    queue = (await client.async_get_queues())["200"]
    assert queue.name == "Kuyruk 1"
    assert queue.waiting == 1
    assert queue.waiting_since == (joined,)
    assert queue.longest_wait(joined + timedelta(seconds=42)) == 42
    agents = await client.async_get_agent_statuses()
    assert set(agents) == {"1001", "1002"}
    assert agents["1001"].status is AgentStatus.AVAILABLE
    assert agents["1001"].break_description is None


@pytest.mark.parametrize("kind", ["bulutfon_token", "telsam"])
async def test_other_providers_have_no_queues(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    entity_registry: er.EntityRegistry,
    kind: str,
) -> None:
    """Only Bulutsantralim describes queues, so no other entry has their sensors."""
    entry = await setup(hass, make_entry(kind))
    assert entry.runtime_data.queues is None
    unique_ids = {
        item.unique_id
        for item in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    assert not any("_queue_" in uid or "_agent_" in uid for uid in unique_ids)
