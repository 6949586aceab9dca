"""State writes: a webhook event writes the entities it changes, and no other."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, HomeAssistant, State, callback
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.santral.sensor import SantralTrackerSensor
from tests.helpers import (
    OBJECT_IDS,
    MakeEntry,
    Poster,
    santralim,
    santralim_stamp,
    setup,
)

SANTRALIM = OBJECT_IDS["bulutsantralim"]


def _shown(state: State | None) -> tuple[str, dict[str, Any]] | None:
    return (state.state, dict(state.attributes)) if state is not None else None


async def test_a_call_writes_each_entity_only_when_it_changes(
    hass: HomeAssistant,
    make_entry: MakeEntry,
    webhook: Poster,
    entity_registry: er.EntityRegistry,
) -> None:
    """Ringing, answer, hangup: the extension and the event thrice, two call figures once.

    The other sensors of the account show what they showed before, and are not written:
    the state machine reports a write that changes nothing as `state_reported`.
    """
    entry = await setup(hass, make_entry("bulutsantralim"))
    entities = {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    before = {entity_id: _shown(hass.states.get(entity_id)) for entity_id in entities}
    written: defaultdict[str, list[tuple[str, dict[str, Any]] | None]] = defaultdict(
        list
    )
    unchanged: list[str] = []

    @callback
    def _ours(data: Any) -> bool:
        return data["entity_id"] in entities

    @callback
    def _changed(event: Event[Any]) -> None:
        written[event.data["entity_id"]].append(_shown(event.data["new_state"]))

    @callback
    def _reported(event: Event[Any]) -> None:
        unchanged.append(event.data["entity_id"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, _changed, event_filter=_ours)
    hass.bus.async_listen(EVENT_STATE_REPORTED, _reported, event_filter=_ours)

    assert await webhook("bulutsantralim", santralim("ringing")) == 200
    answer = santralim("answer", answer_stamp=santralim_stamp(-35))
    assert await webhook("bulutsantralim", answer) == 200
    hangup = santralim(
        "hangup", answered="true", duration="35", end_stamp=santralim_stamp()
    )
    assert await webhook("bulutsantralim", hangup) == 200

    assert unchanged == []
    for entity_id, states in written.items():
        shown = [before[entity_id], *states]
        assert all(old != new for old, new in zip(shown, shown[1:], strict=False)), (
            entity_id
        )
    assert {entity_id: len(states) for entity_id, states in written.items()} == {
        "sensor.extension_1001": 3,
        f"event.{SANTRALIM}_call": 3,
        f"sensor.{SANTRALIM}_last_caller": 1,
        f"sensor.{SANTRALIM}_calls_today": 1,
    }
    assert [state[0] for state in written["sensor.extension_1001"] if state] == [
        "ringing",
        "talking",
        "idle",
    ]
    assert written[f"sensor.{SANTRALIM}_calls_today"][-1] == (
        "1",
        dict(hass.states.get(f"sensor.{SANTRALIM}_calls_today").attributes),
    )


async def test_a_call_event_reads_only_the_figures_it_moves(
    hass: HomeAssistant,
    make_entry: MakeEntry,
    webhook: Poster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ringing moves the last caller, an end the counts, a missed end the last missed.

    Every other call sensor skips its read: on a busy line most of them would read what
    they show already.
    """
    await setup(hass, make_entry("bulutsantralim"))
    read: list[str] = []
    original = SantralTrackerSensor._read  # noqa: SLF001

    def _counted(self: SantralTrackerSensor[Any]) -> Any:
        read.append(self.entity_description.key)
        return original(self)

    monkeypatch.setattr(SantralTrackerSensor, "_read", _counted)

    assert await webhook("bulutsantralim", santralim("ringing")) == 200
    assert read == ["last_caller"]
    read.clear()
    answer = santralim("answer", answer_stamp=santralim_stamp(-35))
    assert await webhook("bulutsantralim", answer) == 200
    assert read == []
    hangup = santralim(
        "hangup", answered="true", duration="35", end_stamp=santralim_stamp()
    )
    assert await webhook("bulutsantralim", hangup) == 200
    assert read == ["calls_today"]
    read.clear()
    missed = santralim("hangup", call_uuid="c-2", answered="false")
    assert await webhook("bulutsantralim", missed) == 200
    assert sorted(read) == [
        "calls_today",
        "last_caller",
        "last_missed_caller",
        "missed_calls_today",
    ]

    assert hass.states.get(f"sensor.{SANTRALIM}_missed_calls_today").state == "1"
    assert hass.states.get(f"sensor.{SANTRALIM}_calls_today").state == "2"
    last_missed = hass.states.get(f"sensor.{SANTRALIM}_last_missed_caller")
    assert last_missed.attributes["call_id"] == "c-2"
