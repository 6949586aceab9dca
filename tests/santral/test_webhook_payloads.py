"""Each stored webhook payload, posted as its provider sends it, fires the call event it means.

`tests/fixtures/webhooks/` holds the providers' bodies: Bulutfon's JSON web hooks (its
`call_init` and `call_hangup` are the 2021 examples) and Bulutsantralim's form fields,
stored as an object (its `ringing` is the API document's notification example). A new
payload shape is tested by adding its file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.santral.const import DOMAIN
from simulator import Simulator
from tests.helpers import (
    CALL_KINDS,
    OBJECT_IDS,
    WEBHOOK_IDS,
    WEBHOOK_PAYLOADS,
    fixed_entry,
    payload_moment,
    setup,
)

PAYLOADS = sorted(WEBHOOK_PAYLOADS.glob("*.json"))


@pytest.mark.parametrize("path", PAYLOADS, ids=[path.stem for path in PAYLOADS])
async def test_payload_fires_its_event(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
    call_events: list[dict[str, Any]],
    snapshot: SnapshotAssertion,
    path: Path,
) -> None:
    """The bus event, the call event entity and the extension show what the payload says.

    The end of one extension's leg (`user_hangup`) fires nothing: only the extension idles.
    """
    provider = path.stem.split("_")[0]
    payload = json.loads(path.read_text(encoding="utf-8"))
    freezer.move_to(payload_moment(provider, payload))
    entry = await setup(hass, fixed_entry(simulator, CALL_KINDS[provider]))
    client = await hass_client_no_auth()
    url = f"/api/webhook/{WEBHOOK_IDS[provider]}"
    if provider == "bulutfon":
        response = await client.post(url, json=payload)
    else:
        response = await client.post(url, data=payload)
    await hass.async_block_till_done()

    assert response.status == 200
    (account,) = (
        device.id
        for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        if (DOMAIN, entry.entry_id) in device.identifiers
    )
    for event in call_events:
        assert event.pop("device_id") == account
    assert call_events == snapshot(name="events")
    assert hass.states.get(f"event.{OBJECT_IDS[provider]}_call") == snapshot(
        name="event_entity"
    )
    assert hass.states.get("sensor.extension_1001") == snapshot(name="extension")
