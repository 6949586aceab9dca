"""Each platform's entities and the devices, as snapshots: metadata, states and attributes.

Time is frozen and the entry ids are fixed, so a snapshot reads the same on every day, in
every time zone and on every supported Home Assistant version.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
import re
from typing import Any
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.types import PropertyPath, SerializableData

from custom_components.santral.const import DOMAIN
from simulator import Simulator
from tests.helpers import (
    FAX_KINDS,
    WEBHOOK_IDS,
    fixed_entry,
    poll_faxes,
    post_santralim_form,
    santralim,
    santralim_stamp,
    setup,
)

pytestmark = pytest.mark.freeze_time("2026-11-23 07:30:00+00:00")
PROVIDERS = list(FAX_KINDS)
FAX_SENDER = "905321112233"
# The simulator gives some faxes random uuids; they name the archived file too.
RANDOM_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion, media: Path) -> SnapshotAssertion:
    """Write random fax uuids and the test's media folder the same way in every run."""

    def steady(data: SerializableData, path: PropertyPath) -> SerializableData:
        if isinstance(data, str):
            return RANDOM_UUID.sub("<uuid>", data.replace(str(media), "<media>"))
        return data

    return snapshot.with_defaults(matcher=steady)


@pytest.fixture(autouse=True)
def all_enabled() -> Generator[None]:
    """Enable the entities that are off by default, so that they are snapshotted too."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


async def set_up(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    provider: str,
) -> MockConfigEntry:
    """Set an entry up, then let it receive a fax and miss a call where it takes calls."""
    await hass.config.async_set_time_zone("Europe/Istanbul")
    entry = await setup(hass, fixed_entry(simulator, FAX_KINDS[provider]))
    await simulator.receive_fax(provider, sender=FAX_SENDER, at=dt_util.utcnow())
    await poll_faxes(hass, entry)
    client = await hass_client_no_auth()
    if provider == "bulutsantralim":
        assert await post_santralim_form(client, santralim("ringing")) == 200
        freezer.tick(5)
        missed = santralim(
            "hangup", answered="false", end_stamp=santralim_stamp(), duration="0"
        )
        assert await post_santralim_form(client, missed) == 200
    if provider == "bulutfon":
        for event_type in ("incoming_call_extension", "missing_call"):
            freezer.tick(5)
            stamp = int(dt_util.utcnow().timestamp()) * 1_000_000
            response = await client.post(
                f"/api/webhook/{WEBHOOK_IDS['bulutfon']}",
                json={
                    "event_type": event_type,
                    "caller": 905321234567,
                    "callee": 908508850000,
                    "destination": 1001,
                    "uuid": "c-1",
                    "direction": "IN",
                    "timestamp": stamp,
                },
            )
            assert response.status == 200
    await hass.async_block_till_done()
    return entry


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.EVENT])
async def test_platform(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
    provider: str,
    platform: Platform,
) -> None:
    """Every entity of the platform, with its registry entry and its state."""
    with patch("custom_components.santral.PLATFORMS", [platform]):
        entry = await set_up(hass, hass_client_no_auth, simulator, freezer, provider)
        await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


async def test_switch_platform(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    """Bulutsantralim's do-not-disturb switches, one in do-not-disturb (`SS_DND`)."""
    simulator.set_user_status(1002, "SS_DND")
    with patch("custom_components.santral.PLATFORMS", [Platform.SWITCH]):
        entry = await set_up(
            hass, hass_client_no_auth, simulator, freezer, "bulutsantralim"
        )
        await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_devices(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
    provider: str,
) -> None:
    """The account's device, and extension 1001's device where the PBX has extensions."""
    entry = await set_up(hass, hass_client_no_auth, simulator, freezer, provider)
    devices: dict[str, Any] = {
        identifier: device
        for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        for domain, identifier in device.identifiers
        if domain == DOMAIN
    }
    account = devices.pop(entry.entry_id)
    assert account == snapshot(name="account")
    extension = devices.pop(f"{entry.entry_id}_extension_1001", None)
    assert (provider == "telsam") is (extension is None)
    if extension is not None:
        assert extension.via_device_id == account.id
    assert extension == snapshot(name="extension_1001")
