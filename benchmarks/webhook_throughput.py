"""Webhook throughput: Santral's call webhook against the floor and a bare webhook.

Runs one in-process Home Assistant (the test harness's, with a temporary config dir and its
HTTP server on a free port of 127.0.0.1) with a Bulutsantralim entry, and posts the same
kind of call notifications (ringing, answer, hangup of consecutive calls) over HTTP to
three webhooks, in alternating batches so that each gets the same share of a busy machine:

- bare: answers 200 and does nothing else;
- floor: what Home Assistant cannot do without for the same event: read the body, run the
  provider's parser, fire the one `santral_call` bus event and set the states the event
  really changes (the extension, the call event, the last caller on a new caller, today's
  count on an end), with the attributes Santral's entities show;
- entity floor: the floor, with its states written by an event entity and three sensors of
  its own (an enum, a plain and a total-increasing one, as Santral's are) instead of by
  `hass.states.async_set`: what an integration, which may write states only through its
  entities, cannot do without. The ratio against it is Santral's own cost;
- Santral: the integration's own webhook.

It prints events per second of each, the ratios, and how many state writes each Santral
event made, counting as a repeat every write the state machine reported as unchanged.
It also prints the garbage collector's pauses that fell inside each webhook's batches:
a full collection of Home Assistant's heap takes 0.1-0.2 s and lands in whichever batch
allocates the object that triggers it, so a short run swings by 0.15 in the ratio on where
two such pauses fall. The ratio without them is printed beside the ratio with them.
Figures, not asserts: run it on a quiet machine and compare runs.

    .venv/test/bin/python benchmarks/webhook_throughput.py [--posts 12000] [--batch 150]
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
import gc
from pathlib import Path
import socket
import sys
import tempfile
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant import loader  # noqa: E402
from homeassistant.components import webhook  # noqa: E402
from homeassistant.components.event import EventEntity  # noqa: E402
from homeassistant.components.sensor import (  # noqa: E402
    SensorDeviceClass,
    SensorEntity,
    SensorStateClass,
)
from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED  # noqa: E402
from homeassistant.core import Event, HomeAssistant, callback  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402
from homeassistant.helpers.entity_component import DATA_INSTANCES  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402
import homeassistant.util.dt as dt_util  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.santral.calls import CallTracker  # noqa: E402
from custom_components.santral.const import DOMAIN, EVENT_CALL  # noqa: E402
from custom_components.santral.event import ATTRIBUTES  # noqa: E402
from custom_components.santral.extensions import ExtensionCallState  # noqa: E402
from custom_components.santral.providers import (  # noqa: E402
    CallEventType,
    parse_bulutsantralim_webhook,
)
from simulator import Simulator  # noqa: E402

SANTRAL_ID = "santral-benchmark-webhook"
FLOOR_ID = "floor-benchmark-webhook"
ENTITY_FLOOR_ID = "entity-floor-benchmark-webhook"
BARE_ID = "bare-benchmark-webhook"
KINDS = ("bare", "floor", "entity_floor", "santral")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ISTANBUL = ZoneInfo("Europe/Istanbul")
RATIO_TARGET = 0.9
EXTENSION = "1001"
WARMUP_CALLS = 10


def free_port() -> int:
    """Return a port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def call_bodies(label: str, first: int, calls: int) -> list[str]:
    """Return ringing, answer and hangup notifications of `calls` consecutive calls.

    Stamps are Istanbul wall time around now, as Bulutsantralim writes them, so the calls
    end today whatever the day the benchmark runs.
    """
    now = dt_util.now(ISTANBUL)

    def stamp(seconds: int) -> str:
        return (now + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")

    result = []
    for call in range(first, first + calls):
        common = {
            "domain_id": "101",
            "direction": "inbound",
            "caller_id_number": f"0532{call % 10_000_000:07d}",
            "destination_number": EXTENSION,
            "dialed_user": EXTENSION,
            "connected_user": EXTENSION,
            "call_uuid": f"bench-{label}-{call}",
            "start_stamp": stamp(-40),
        }
        result += [
            urlencode({"event_type": "ringing", **common}),
            urlencode({"event_type": "answer", **common, "answer_stamp": stamp(-35)}),
            urlencode(
                {
                    "event_type": "hangup",
                    **common,
                    "answer_stamp": stamp(-35),
                    "end_stamp": stamp(0),
                    "answered": "true",
                    "duration": "35",
                }
            ),
        ]
    return result


class Floor:
    """The least Home Assistant must do for one call event: parse, fire, set what changed."""

    def __init__(
        self, hass: HomeAssistant, tracker: CallTracker, templates: dict[str, Any]
    ) -> None:
        """Set the states `templates` name: the floor's entity ids, with Santral's attributes."""
        self.hass = hass
        self.tracker = tracker
        self.templates = templates
        self.last_caller: str | None = None
        self.calls_today = 0
        self.writes = 0

    def _set(self, key: str, state: str, attributes: dict[str, Any]) -> None:
        entity_id, static = self.templates[key]
        self.hass.states.async_set(entity_id, state, static | attributes)
        self.writes += 1

    async def handle(
        self, hass: HomeAssistant, _id: str, request: web.Request
    ) -> web.Response:
        """Answer one notification the way Santral must at the least."""
        body = await request.read()
        fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
        event = parse_bulutsantralim_webhook(fields, now=dt_util.utcnow())
        if event is None:
            return web.Response(text="OK")
        data = self.tracker.event_data(event, "webhook")
        hass.bus.async_fire(EVENT_CALL, data)
        now = dt_util.utcnow().isoformat()
        self._set(
            "call",
            now,
            {"event_type": event.type.value} | {key: data[key] for key in ATTRIBUTES},
        )
        state = {
            CallEventType.RINGING: "ringing",
            CallEventType.ANSWERED: "talking",
        }.get(event.type, "idle")
        self._set(
            "extension",
            state,
            {
                "call_id": event.call_id,
                "direction": event.direction.value,
                "remote": event.caller,
                "remote_name": data["caller_name"],
                "since": now,
            },
        )
        if event.caller != self.last_caller:
            self.last_caller = event.caller
            self._set(
                "last_caller",
                self.tracker.phonebook.display(event.caller) or "",
                {
                    "caller": event.caller,
                    "caller_name": data["caller_name"],
                    "started": data["started"],
                    "call_id": event.call_id,
                },
            )
        if event.type.ends_call:
            self.calls_today += 1
            self._set("calls_today", str(self.calls_today), {})
        return web.Response(text="OK")


class FloorEventEntity(EventEntity):
    """The entity floor's call event entity."""

    _attr_should_poll = False
    _attr_event_types = [event_type.value for event_type in CallEventType]

    def show(self, _state: str, attributes: dict[str, Any]) -> None:
        """Fire the event the attributes name, with the others."""
        attributes = dict(attributes)
        self._trigger_event(attributes.pop("event_type"), attributes)
        self.async_write_ha_state()


class FloorSensorEntity(SensorEntity):
    """One of the entity floor's sensors."""

    _attr_should_poll = False

    def show(self, state: str, attributes: dict[str, Any]) -> None:
        """Show `state` with `attributes`."""
        self._attr_native_value = state
        self._attr_extra_state_attributes = attributes
        self.async_write_ha_state()


class EntityFloor(Floor):
    """The floor, writing its states through entities of its own."""

    def __init__(
        self, hass: HomeAssistant, tracker: CallTracker, templates: dict[str, Any]
    ) -> None:
        """Make the entities; `async_add` adds them to Home Assistant."""
        super().__init__(hass, tracker, templates)
        extension = FloorSensorEntity()
        extension._attr_device_class = SensorDeviceClass.ENUM  # noqa: SLF001
        extension._attr_options = [state.value for state in ExtensionCallState]  # noqa: SLF001
        calls_today = FloorSensorEntity()
        calls_today._attr_state_class = SensorStateClass.TOTAL_INCREASING  # noqa: SLF001
        self.entities: dict[str, FloorEventEntity | FloorSensorEntity] = {
            "call": FloorEventEntity(),
            "extension": extension,
            "last_caller": FloorSensorEntity(),
            "calls_today": calls_today,
        }
        for key, entity in self.entities.items():
            entity._attr_unique_id = f"entity_floor_{key}"  # noqa: SLF001
            entity._attr_name = f"Entity floor {key}"  # noqa: SLF001

    async def async_add(self) -> None:
        """Add the entities to the event and sensor components."""
        components = self.hass.data[DATA_INSTANCES]
        for domain in ("event", "sensor"):
            await components[domain].async_add_entities(
                entity
                for entity in self.entities.values()
                if isinstance(entity, EventEntity) == (domain == "event")
            )

    def _set(self, key: str, state: str, attributes: dict[str, Any]) -> None:
        self.entities[key].show(state, attributes)
        self.writes += 1

    @property
    def entity_ids(self) -> set[str]:
        """Return the entities' ids."""
        return {
            entity.entity_id for entity in self.entities.values() if entity.entity_id
        }


class WriteCounter:
    """Counts the state writes of a set of entities, and the ones that changed nothing.

    It also hears the floor's entities, without counting them: a state-changed listener
    makes Home Assistant build an event for each write, and both webhooks must pay alike.
    """

    def __init__(
        self, hass: HomeAssistant, entity_ids: set[str], also_heard: set[str]
    ) -> None:
        """Listen to the state machine for `entity_ids` and `also_heard`."""
        self.entity_ids = entity_ids
        self.heard = entity_ids | also_heard
        self.changed = 0
        self.repeated = 0
        self._unsubscribe = [
            hass.bus.async_listen(EVENT_STATE_CHANGED, self._changed, self._heard),
            hass.bus.async_listen(EVENT_STATE_REPORTED, self._repeated, self._heard),
        ]

    @callback
    def _heard(self, data: Any) -> bool:
        return data["entity_id"] in self.heard

    @callback
    def _changed(self, event: Event[Any]) -> None:
        if event.data["entity_id"] not in self.entity_ids:
            return
        old, new = event.data["old_state"], event.data["new_state"]
        if (
            old is not None
            and new is not None
            and (old.state, old.attributes) == (new.state, new.attributes)
        ):
            self.repeated += 1
        else:
            self.changed += 1

    @callback
    def _repeated(self, event: Event[Any]) -> None:
        self.repeated += event.data["entity_id"] in self.entity_ids

    def stop(self) -> None:
        """Stop counting."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()


class CollectorPauses:
    """Adds up the garbage collector's pauses, by the webhook whose batch was running."""

    def __init__(self) -> None:
        """Start with no batch running."""
        self.running: str | None = None
        self.seconds = dict.fromkeys(KINDS, 0.0)
        self.full = dict.fromkeys(KINDS, 0)
        self._started = 0.0
        gc.callbacks.append(self._heard)

    def _heard(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif self.running is not None:
            self.seconds[self.running] += time.perf_counter() - self._started
            self.full[self.running] += info["generation"] == 2

    def stop(self) -> None:
        """Stop listening to the collector."""
        gc.callbacks.remove(self._heard)


async def post_all(
    session: aiohttp.ClientSession, url: str, bodies: list[str]
) -> float:
    """Post every body in turn; return the seconds it took."""
    started = time.perf_counter()
    for body in bodies:
        async with session.post(url, data=body, headers=FORM) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"a webhook answered HTTP {response.status}")
    return time.perf_counter() - started


def santral_entity(hass: HomeAssistant, domain: str, unique_id: str) -> str:
    """Return the entity id of a Santral entity; fail when it was not created."""
    entity_id = er.async_get(hass).async_get_entity_id(domain, DOMAIN, unique_id)
    if entity_id is None:
        raise RuntimeError(f"Santral made no {domain} with unique id {unique_id}")
    return entity_id


def floor_templates(hass: HomeAssistant, entry_id: str) -> dict[str, Any]:
    """Return the floor's entity ids and the static attributes of Santral's entities."""
    dynamic = {"event_type", *ATTRIBUTES, "call_id", "direction", "remote", "since"}
    dynamic |= {"remote_name", "caller", "caller_name", "started"}
    templates = {}
    for key, domain, unique_id in (
        ("call", "event", f"{entry_id}_call"),
        ("extension", "sensor", f"{entry_id}_extension_{EXTENSION}"),
        ("last_caller", "sensor", f"{entry_id}_last_caller"),
        ("calls_today", "sensor", f"{entry_id}_calls_today"),
    ):
        entity_id = santral_entity(hass, domain, unique_id)
        state = hass.states.get(entity_id)
        static = {
            name: value
            for name, value in (state.attributes.items() if state else ())
            if name not in dynamic
        }
        templates[key] = (entity_id.replace(".", ".floor_", 1), static)
    return templates


async def run(posts: int, batch: int) -> None:
    """Set up Home Assistant, Santral and the other webhooks, then measure them all."""
    calls_per_batch = max(1, batch // 3)
    rounds = max(1, posts // (calls_per_batch * 3))
    simulator = Simulator()
    await simulator.start()
    with tempfile.TemporaryDirectory() as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            http = {"server_host": ["127.0.0.1"], "server_port": free_port()}
            assert await async_setup_component(hass, "http", {"http": http})
            assert await async_setup_component(hass, "webhook", {})
            # Counted, not kept: a list of every event would grow the heap the
            # collector walks, and its pauses with it.
            santral_fired = 0

            @callback
            def _heard(event: Event[Any]) -> None:
                # In the event loop, as an automation's trigger hears it.
                nonlocal santral_fired
                santral_fired += event.data["call_id"].startswith("bench-santral-")

            hass.bus.async_listen(EVENT_CALL, _heard)
            entry = MockConfigEntry(
                domain=DOMAIN,
                title="Bulutsantralim benchmark",
                unique_id="bulutsantralim_benchmark",
                data={
                    "provider": "bulutsantralim",
                    "api_key": simulator.state.bulutsantralim.api_key,
                    "base_url": simulator.url("bulutsantralim"),
                    "webhook_id": SANTRAL_ID,
                },
            )
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            # The harness starts the server only with the frontend; start it here if not.
            if hass.http.runner is None:
                await hass.http.start()
            base = f"http://127.0.0.1:{http['server_port']}/api/webhook"

            async def bare(
                _hass: HomeAssistant, _id: str, _request: web.Request
            ) -> web.Response:
                return web.Response(text="OK")

            webhook.async_register(hass, "benchmark", "bare", BARE_ID, bare)
            seconds = dict.fromkeys(KINDS, 0.0)
            measured = rounds * calls_per_batch * 3
            ours = {
                entity.entity_id
                for entity in er.async_entries_for_config_entry(
                    er.async_get(hass), entry.entry_id
                )
            }
            urls = {
                "bare": f"{base}/{BARE_ID}",
                "floor": f"{base}/{FLOOR_ID}",
                "entity_floor": f"{base}/{ENTITY_FLOOR_ID}",
                "santral": f"{base}/{SANTRAL_ID}",
            }
            async with aiohttp.ClientSession() as session:
                # A first batch of each, unmeasured; Santral's makes the extension's sensor.
                await post_all(
                    session, urls["santral"], call_bodies("santral", 0, WARMUP_CALLS)
                )
                await hass.async_block_till_done()
                ours |= {
                    entity.entity_id
                    for entity in er.async_entries_for_config_entry(
                        er.async_get(hass), entry.entry_id
                    )
                }
                tracker = entry.runtime_data.calls
                assert tracker is not None
                floor = Floor(hass, tracker, floor_templates(hass, entry.entry_id))
                webhook.async_register(
                    hass, "benchmark", "floor", FLOOR_ID, floor.handle
                )
                entity_floor = EntityFloor(hass, tracker, floor.templates)
                await entity_floor.async_add()
                webhook.async_register(
                    hass,
                    "benchmark",
                    "entity floor",
                    ENTITY_FLOOR_ID,
                    entity_floor.handle,
                )
                for kind in ("bare", "floor", "entity_floor"):
                    await post_all(
                        session, urls[kind], call_bodies(kind, 0, WARMUP_CALLS)
                    )
                floor.writes = entity_floor.writes = 0
                floor_ids = {
                    entity_id for entity_id, _static in floor.templates.values()
                }
                writes = WriteCounter(hass, ours, floor_ids | entity_floor.entity_ids)
                pauses = CollectorPauses()
                for index in range(rounds):
                    for step in range(len(KINDS)):
                        kind = KINDS[(index + step) % len(KINDS)]
                        bodies = call_bodies(
                            kind,
                            WARMUP_CALLS + index * calls_per_batch,
                            calls_per_batch,
                        )
                        pauses.running = kind
                        seconds[kind] += await post_all(session, urls[kind], bodies)
                        pauses.running = None
                pauses.stop()
                await hass.async_block_till_done()
            writes.stop()
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.http.stop()
            await hass.async_stop(force=True)
    await simulator.stop()

    rates = {kind: measured / seconds[kind] for kind in KINDS}
    per_event = (writes.changed + writes.repeated) / measured
    print(
        f"batches: {rounds} rounds of {calls_per_batch * 3} posts per webhook, alternating"
    )
    for kind, label in (
        ("bare", "bare webhook (200 only)"),
        ("floor", "floor (parse, fire, set)"),
        ("entity_floor", "entity floor"),
        ("santral", "Santral webhook"),
    ):
        print(
            f"{label + ':':26} {rates[kind]:8.0f} events/s  ({seconds[kind]:.2f} s, "
            f"of which {pauses.seconds[kind]:.2f} s in {pauses.full[kind]} full "
            "and the young collections)"
        )
    santral_posts = measured + WARMUP_CALLS * 3
    print(f"Santral call events fired: {santral_fired} of {santral_posts} posts")
    print(
        f"Santral state writes: {writes.changed} changed, {writes.repeated} repeated, "
        f"{per_event:.2f} per event; the floors': {floor.writes / measured:.2f} and "
        f"{entity_floor.writes / measured:.2f} per event"
    )
    floor_ratio = rates["santral"] / rates["floor"]
    bare_ratio = rates["santral"] / rates["bare"]
    unpaused = {
        kind: measured / (seconds[kind] - pauses.seconds[kind]) for kind in KINDS
    }
    unpaused_ratio = unpaused["santral"] / unpaused["floor"]
    print(
        f"BENCH | webhook: Santral / floor | {floor_ratio:.2f} "
        f"({rates['santral']:.0f} vs {rates['floor']:.0f} events/s) | "
        f">= {RATIO_TARGET} | {'PASS' if floor_ratio >= RATIO_TARGET else 'MISS'}"
    )
    print(
        f"BENCH | webhook: Santral / floor, collector pauses left out | "
        f"{unpaused_ratio:.2f} ({unpaused['santral']:.0f} vs {unpaused['floor']:.0f} "
        f"events/s) | report | PASS"
    )
    entity_ratio = rates["santral"] / rates["entity_floor"]
    entities_cost = rates["entity_floor"] / rates["floor"]
    print(
        f"BENCH | webhook: Santral / entity floor (states written by entities) | "
        f"{entity_ratio:.2f} ({rates['santral']:.0f} vs "
        f"{rates['entity_floor']:.0f} events/s) | report | PASS"
    )
    print(
        f"BENCH | webhook: entity floor / floor (the cost of writing by entities) | "
        f"{entities_cost:.2f} ({rates['entity_floor']:.0f} vs "
        f"{rates['floor']:.0f} events/s) | report | PASS"
    )
    print(
        f"BENCH | webhook: Santral / bare | {bare_ratio:.2f} "
        f"({rates['santral']:.0f} vs {rates['bare']:.0f} events/s) | report | PASS"
    )
    print(
        f"BENCH | state writes per webhook event | {per_event:.2f} "
        f"({writes.repeated} repeat the previous state) | only on change | "
        f"{'PASS' if writes.repeated == 0 else 'MISS'}"
    )


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=12000, help="posts per webhook")
    parser.add_argument("--batch", type=int, default=150, help="posts per batch")
    args = parser.parse_args()
    asyncio.run(run(args.posts, args.batch))


if __name__ == "__main__":
    main()
