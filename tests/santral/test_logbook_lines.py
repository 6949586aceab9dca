"""What one call writes in the logbook: one line per call event, each with an icon."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, mock_component
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import DOMAIN
from custom_components.santral.logbook import ICONS
from tests.helpers import post_santralim_form, santralim, santralim_stamp, setup

ANSWERED = [
    santralim("ringing", call_uuid="l-1"),
    santralim("answer", call_uuid="l-1", answer_stamp=santralim_stamp(-35)),
    santralim(
        "hangup",
        call_uuid="l-1",
        answered="true",
        duration="35",
        end_stamp=santralim_stamp(),
    ),
]
MISSED = [
    santralim("ringing", call_uuid="l-2"),
    santralim("hangup", call_uuid="l-2", answered="false"),
]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_db_url: str, enable_custom_integrations: None
) -> None:
    """Prepare the recorder's database before Home Assistant starts; load Santral."""


async def logbook_lines(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    bodies: list[str],
) -> list[dict[str, Any]]:
    """Post one call's notifications; return the logbook lines written meanwhile."""
    await async_wait_recording_done(hass)
    start = dt_util.utcnow()
    client = await hass_client()
    for body in bodies:
        assert await post_santralim_form(client, body) == 200
        await hass.async_block_till_done()
        # An event entity's state is the event's time to the millisecond, and the logbook
        # shows only changes of state: events of a real call are seconds apart.
        await asyncio.sleep(0.01)
    await async_wait_recording_done(hass)
    end = dt_util.utcnow() + timedelta(seconds=1)
    response = await client.get(
        f"/api/logbook/{start.isoformat()}", params={"end_time": end.isoformat()}
    )
    assert response.status == 200
    return list(await response.json())


def call_entity(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Return the entity id of the entry's call event entity."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "event", DOMAIN, f"{entry.entry_id}_call"
    )
    assert entity_id is not None
    return entity_id


@pytest.mark.parametrize(
    ("bodies", "kinds"),
    [(ANSWERED, ["ringing", "answered", "hangup"]), (MISSED, ["ringing", "missed"])],
    ids=["answered", "missed"],
)
async def test_lines_of_one_call(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    make_entry: Callable[[str], MockConfigEntry],
    bodies: list[str],
    kinds: list[str],
) -> None:
    """Santral writes one line per call event, with its icon, on the call event entity.

    The other lines are state changes Home Assistant logs by itself: the event entity's,
    the extension's and the last callers'. The counters write none.
    """
    await async_setup_component(hass, "webhook", {})
    mock_component(hass, "frontend")
    assert await async_setup_component(hass, "logbook", {})
    entry = await setup(hass, make_entry("bulutsantralim"))
    lines = await logbook_lines(hass, hass_client, bodies)

    ours = [line for line in lines if line.get("domain") == DOMAIN]
    assert [line["message"].split(":")[0] for line in ours] == [
        {"ringing": "Ringing", "answered": "Answered", "hangup": "Hung up"}.get(
            kind, "Missed"
        )
        for kind in kinds
    ]
    assert [line["icon"] for line in ours] == [ICONS["call"][kind] for kind in kinds]
    assert {line["entity_id"] for line in ours} == {call_entity(hass, entry)}

    changed = [line["entity_id"] for line in lines if "state" in line]
    registry = er.async_get(hass)
    keys = [
        registry.async_get(entity_id).unique_id.removeprefix(f"{entry.entry_id}_")
        for entity_id in changed
    ]
    assert "calls_today" not in keys
    assert "missed_calls_today" not in keys
    assert keys.count("call") == len(kinds)  # the event entity: one per event
    # What the README says a call writes.
    assert len(lines) == {3: 10, 2: 8}[len(kinds)]


async def test_only_santral_lines_with_the_readme_exclude(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """The README's logbook exclusion leaves one line per call event, Santral's."""
    await async_setup_component(hass, "webhook", {})
    mock_component(hass, "frontend")
    globs = [
        "event.*_call",
        "event.*_fax",
        "sensor.extension_*",
        "sensor.*_last_caller",
        "sensor.*_last_missed_caller",
        "sensor.*_last_received_fax",
        "sensor.*_last_outgoing_fax",
    ]
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "\n".join(f"      - {glob}" for glob in globs) in readme
    config = {"logbook": {"exclude": {"entity_globs": globs}}}
    assert await async_setup_component(hass, "logbook", config)
    await setup(hass, make_entry("bulutsantralim"))
    lines = await logbook_lines(hass, hass_client, ANSWERED + MISSED)
    assert [line["icon"] for line in lines] == [
        ICONS["call"][kind]
        for kind in ("ringing", "answered", "hangup", "ringing", "missed")
    ]
    assert {line["domain"] for line in lines} == {DOMAIN}
