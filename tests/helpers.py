"""What many test modules share: the test entries' ids, setup, webhook bodies and polls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
import json
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.syrupy import (
    HomeAssistantSnapshotExtension,
    HomeAssistantSnapshotSerializer,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.types import SerializableData
import voluptuous as vol

from custom_components.santral.const import (
    CALL_HISTORY_OVERLAP,
    CONF_BASE_URL,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_PROVIDER,
    CONF_SET_NOTIFICATION_URL,
    DOMAIN,
    FAX_HISTORY_OVERLAP,
    SECTION_ADVANCED,
    SECTION_WEBHOOK,
)
from custom_components.santral.providers import BulutsantralimClient
from simulator import Simulator
from simulator.calls import SimulatedCall, build_call
from simulator.limits import RollingLimit

UNIQUE_IDS = {
    "bulutfon": "bulutfon_santral.bulutfon.net",
    "bulutsantralim": "bulutsantralim_+908501234567",
    "telsam": "telsam_api-kullanici",
}
# Webhook ids are secrets too: the log guard looks for them.
WEBHOOK_IDS = {
    "bulutfon": "b7a1c0ffee5e1f0b7a1c0ffee5e1f0b7",
    "bulutsantralim": "5a17ba5e0ddba11c0ffee5a17ba5e0dd",
}
TITLES = {
    "bulutfon": "Bulutfon santral.bulutfon.net",
    "bulutsantralim": "Bulutsantralim +908501234567",
    "telsam": "Telsam Yenifaks api-kullanici",
}
# The start of the test entries' entity ids: `sensor.<object id>_calls_today`, ...
OBJECT_IDS = {
    "bulutfon": "bulutfon_santral_bulutfon_net",
    "bulutsantralim": "bulutsantralim_908501234567",
    "telsam": "telsam_yenifaks_api_kullanici",
}
# The credential kind a test entry of each provider is made of.
CALL_KINDS = {"bulutfon": "bulutfon_token", "bulutsantralim": "bulutsantralim"}
FAX_KINDS = {
    "telsam": "telsam",
    "bulutfon": "bulutfon_token",
    "bulutsantralim": "bulutsantralim",
}
# Menu path to each credential step.
MENU_PATHS = {
    "bulutfon_token": ["bulutfon", "bulutfon_token"],
    "bulutfon_login": ["bulutfon", "bulutfon_login"],
    "bulutsantralim": ["bulutsantralim"],
    "telsam": ["telsam"],
}
ISTANBUL = ZoneInfo("Europe/Istanbul")
FIXTURES = Path(__file__).parent / "fixtures"
WEBHOOK_PAYLOADS = FIXTURES / "webhooks"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
SANTRALIM_STAMPS = ("start_stamp", "answer_stamp", "end_stamp")

# The `webhook` fixture: provider, body, headers, method -> HTTP status.
type Poster = Callable[..., Awaitable[int]]
# The `make_entry` fixture: credential kind -> entry.
type MakeEntry = Callable[[str], MockConfigEntry]
# The data of the bus events `call_events` and `fax_events` collect.
type Events = list[dict[str, Any]]
# Registry fields that one supported Home Assistant version has and the other has not, or
# writes in another form; none of them is set by Santral.
VERSIONED_REGISTRY_FIELDS = (
    "aliases",
    "config_entries",
    "config_entries_subentries",
    "config_entry_id",
    "config_subentry_id",
    "primary_config_entry",
)


PAGING_LOGGER = "custom_components.santral.providers.paging"
CAPPED = "still offered more"


@dataclass(frozen=True)
class PagedList:
    """One provider list: where it is served, what reads it, its window and its cap."""

    provider: str
    endpoint: str
    kind: str  # "calls" or "faxes"
    page_size: int
    cap: int  # the cap of one poll's window (the overlap plus a 5-minute interval)

    @property
    def window(self) -> timedelta:
        """The window one poll reads: the overlap and a 5-minute poll interval."""
        overlap = CALL_HISTORY_OVERLAP if self.kind == "calls" else FAX_HISTORY_OVERLAP
        return overlap + timedelta(minutes=5)


# The figures: calls over 5 h 5 min at 1,000 an hour in pages of 100, faxes over 24 h 5 min
# at 50 an hour in pages of 100 (Verimor) or Laravel's 15 (Telsam); windows are counted in
# started hours, plus the page that reaches past the window's start.
PAGED_LISTS = {
    "bulutfon_cdrs": PagedList("bulutfon", "cdrs", "calls", 100, 61),
    "bulutsantralim_cdrs": PagedList("bulutsantralim", "cdrs", "calls", 100, 61),
    "bulutsantralim_fdrs": PagedList("bulutsantralim", "fdrs", "faxes", 100, 14),
    "telsam_fax": PagedList("telsam", "fax_list", "faxes", 15, 85),
}


def capped_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Return the warnings the page cap logged."""
    return [
        record
        for record in caplog.records
        if record.name == PAGING_LOGGER
        and record.levelno == logging.WARNING
        and CAPPED in record.getMessage()
    ]


class _SameOnEveryVersionSerializer(HomeAssistantSnapshotSerializer):
    """Write what Santral decides, not how a Home Assistant version spells it.

    Newer versions key state attributes and capabilities by StrEnum members, which an
    older version's plain strings would not match; such keys are written as strings.
    """

    @classmethod
    def _serialize(cls, data: SerializableData, **kwargs: Any) -> str:
        if isinstance(data, dict) and any(isinstance(key, Enum) for key in data):
            data = type(data)(
                (key.value if isinstance(key, Enum) else key, value)
                for key, value in data.items()
            )
        return super()._serialize(data, **kwargs)

    @classmethod
    def _serializable_entity_registry_entry(
        cls, data: er.RegistryEntry
    ) -> SerializableData:
        serialized = super()._serializable_entity_registry_entry(data)
        for name in VERSIONED_REGISTRY_FIELDS:
            serialized.pop(name, None)
        return serialized

    @classmethod
    def _serializable_device_registry_entry(
        cls, data: dr.DeviceEntry
    ) -> SerializableData:
        serialized = super()._serializable_device_registry_entry(data)
        for name in VERSIONED_REGISTRY_FIELDS:
            serialized.pop(name, None)
        return serialized


class SnapshotExtension(HomeAssistantSnapshotExtension):
    """Home Assistant's snapshot format and folder, written alike by every version."""

    serializer_class = _SameOnEveryVersionSerializer


def leaked_line(records: list[logging.LogRecord], credentials: list[str]) -> str | None:
    """Return the first log line (cut to 300 characters) that carries a secret, if any."""
    formatter = logging.Formatter("%(name)s %(message)s")
    for record in records:
        line = formatter.format(record)
        secrets = list(credentials)
        if (
            record.name.startswith("custom_components")
            or record.levelno >= logging.WARNING
        ):
            secrets += WEBHOOK_IDS.values()
        if any(secret and secret in line for secret in secrets):
            return line[:300]
    return None


def entry_data(simulator: Simulator, kind: str) -> dict[str, Any]:
    """Config entry data as the config flow stores it, for each credential kind."""
    state = simulator.state
    if kind == "bulutfon_token":
        return {
            CONF_PROVIDER: "bulutfon",
            CONF_ACCESS_TOKEN: state.bulutfon.token,
            CONF_BASE_URL: simulator.url("bulutfon"),
        }
    if kind == "bulutfon_login":
        return {
            CONF_PROVIDER: "bulutfon",
            CONF_EMAIL: state.bulutfon.email,
            CONF_PASSWORD: state.bulutfon.password,
            CONF_BASE_URL: simulator.url("bulutfon"),
        }
    if kind == "bulutsantralim":
        return {
            CONF_PROVIDER: "bulutsantralim",
            CONF_API_KEY: state.bulutsantralim.api_key,
            CONF_BASE_URL: simulator.url("bulutsantralim"),
        }
    return {
        CONF_PROVIDER: "telsam",
        CONF_USERNAME: state.telsam.username,
        CONF_PASSWORD: state.telsam.password,
        CONF_CLIENT_ID: state.telsam.client_id,
        CONF_CLIENT_SECRET: state.telsam.client_secret,
        CONF_BASE_URL: simulator.url("telsam"),
    }


def new_entry(
    simulator: Simulator, kind: str, entry_id: str | None = None
) -> MockConfigEntry:
    """Build a config entry of a credential kind, pointing at the simulator."""
    data = entry_data(simulator, kind)
    provider = data[CONF_PROVIDER]
    if provider in WEBHOOK_IDS:
        data[CONF_WEBHOOK_ID] = WEBHOOK_IDS[provider]
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry_id,
        title=TITLES[provider],
        unique_id=UNIQUE_IDS[provider],
        data=data,
    )


def fixed_entry(simulator: Simulator, kind: str) -> MockConfigEntry:
    """Build an entry of a credential kind whose id is the same in every run.

    Entry ids reach unique ids and event data, which snapshots hold.
    """
    provider = entry_data(simulator, kind)[CONF_PROVIDER]
    return new_entry(simulator, kind, f"{provider}_entry")


async def setup(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    options: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Add the entry (unless it is there already) and set it up.

    `options` replace the entry's options; `data` is added to its data.
    """
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        entry.add_to_hass(hass)
    if options is not None:
        hass.config_entries.async_update_entry(entry, options=options)
    if data is not None:
        hass.config_entries.async_update_entry(entry, data={**entry.data, **data})
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def santralim_stamp(seconds: float = 0) -> str:
    """Return a Bulutsantralim stamp (Istanbul wall time) `seconds` after the test's now.

    Built from `dt_util.now()` so a call posted by a test happens today whatever the day,
    the machine's time zone or a frozen clock.
    """
    moment = dt_util.now(ISTANBUL) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _form(fields: dict[str, str]) -> str:
    return "&".join(f"{key}={value}" for key, value in fields.items())


def santralim(event_type: str, **fields: str) -> str:
    """Build a Bulutsantralim form body for one event of call `c-1`, started 40 s ago."""
    return _form(
        {
            "event_type": event_type,
            "domain_id": "101",
            "direction": "inbound",
            "caller_id_number": "05321234567",
            "destination_number": "1001",
            "dialed_user": "1001",
            "connected_user": "1001",
            "call_uuid": "c-1",
            "start_stamp": santralim_stamp(-40),
        }
        | fields
    )


def bulutfon_form(event_type: str, **fields: str) -> str:
    """Build a Bulutfon form body for call `m-1` from 0532 123 45 67.

    Its timestamp is 2025-11-23 09:00:00 UTC; a test posting it freezes time just after.
    """
    return _form(
        {
            "event_type": event_type,
            "caller": "905321234567",
            "callee": "908508850000",
            "uuid": "m-1",
            "direction": "IN",
            "timestamp": "1763888400000000",
        }
        | fields
    )


async def post_webhook(
    client: TestClient,
    provider: str,
    body: str | bytes,
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> int:
    """Send a raw body (a form unless `headers` say otherwise) to the test entry's webhook.

    Return the HTTP status.
    """
    response = await client.request(
        method,
        f"/api/webhook/{WEBHOOK_IDS[provider]}",
        data=body,
        headers=headers or FORM,
    )
    return response.status


async def post_santralim_form(client: TestClient, body: str) -> int:
    """POST a Bulutsantralim form notification to the test entry's webhook; return the status."""
    return await post_webhook(client, "bulutsantralim", body)


async def deliver_webhooks(
    simulator: Simulator, hass_client_no_auth: ClientSessionGenerator, provider: str
) -> None:
    """Make the simulated provider post its webhooks to the test entry's webhook."""
    client = await hass_client_no_auth()
    url = str(client.make_url(f"/api/webhook/{WEBHOOK_IDS[provider]}"))
    if provider == "bulutfon":
        simulator.set_bulutfon_webhook(url)
    else:
        simulator.set_crm_integration(url)


def webhook_payload(name: str) -> dict[str, Any]:
    """Return a stored webhook payload of `tests/fixtures/webhooks/` by its file's stem."""
    payload: dict[str, Any] = json.loads(
        (WEBHOOK_PAYLOADS / f"{name}.json").read_text(encoding="utf-8")
    )
    return payload


def webhook_body(name: str) -> str:
    """Return a stored payload as its provider's document prints it, byte for byte.

    Bulutfon's examples are compact JSON; Bulutsantralim's is form fields joined unquoted.
    """
    payload = webhook_payload(name)
    if name.startswith("bulutfon"):
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return _form(payload)


def payload_moment(provider: str, payload: dict[str, Any]) -> datetime:
    """Return a moment just after the payload's latest stamp: a webhook is about now."""
    if provider == "bulutfon":
        latest = datetime.fromtimestamp(payload["timestamp"] / 1e6, UTC)
    else:
        latest = max(
            datetime.strptime(payload[key], "%Y-%m-%d %H:%M:%S").replace(
                tzinfo=ISTANBUL
            )
            for key in SANTRALIM_STAMPS
            if payload.get(key)
        )
    return latest + timedelta(seconds=30)


def suggested(schema: vol.Schema) -> dict[str, Any]:
    """Return the values a form shows before the person types anything."""
    values: dict[str, Any] = {}
    for key, value in schema.schema.items():
        if isinstance(value, section):
            values[str(key)] = suggested(value.schema)
        elif key.description and "suggested_value" in key.description:
            values[str(key)] = key.description["suggested_value"]
    return values


def form_input(simulator: Simulator, kind: str, **overrides: str) -> dict[str, Any]:
    """Return what a person types into the credential form of `kind`."""
    data = entry_data(simulator, kind)
    base_url = overrides.pop(CONF_BASE_URL, data.pop(CONF_BASE_URL))
    provider = data.pop("provider")
    data.update(overrides)
    if provider == "bulutfon":
        data[SECTION_WEBHOOK] = {}
    if provider == "bulutsantralim":
        data[CONF_SET_NOTIFICATION_URL] = False
    return {**data, SECTION_ADVANCED: {CONF_BASE_URL: base_url}}


async def open_form(hass: HomeAssistant, kind: str) -> str:
    """Walk the menus to the credential form of `kind`; return the flow id."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["bulutfon", "bulutsantralim", "telsam"]
    for step in MENU_PATHS[kind]:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": step}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == kind
    assert result["errors"] == {}
    return result["flow_id"]


async def poll_calls(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Run one call history poll now."""
    assert entry.runtime_data.call_history is not None
    await entry.runtime_data.call_history.async_refresh()
    await hass.async_block_till_done()


async def poll_faxes(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Run one fax poll now."""
    await entry.runtime_data.fax_history.async_refresh()
    await hass.async_block_till_done()


def file_calls(
    simulator: Simulator,
    provider: str,
    count: int,
    *,
    first_start: datetime,
    outcome: str = "answered",
    call_id: str | None = None,
    spacing: timedelta = timedelta(seconds=20),
) -> list[SimulatedCall]:
    """File `count` finished calls starting at `first_start`, `spacing` apart."""
    calls = []
    for index in range(count):
        call = build_call(
            provider,
            pbx_number="908508850000" if provider == "bulutfon" else "908505320000",
            outcome=outcome,
            started=first_start + spacing * index,
        )
        if call_id is not None:
            call.uuid = call_id
        calls.append(call)
    simulator.state.add_cdrs(provider, calls)
    return calls


@dataclass(slots=True)
class WatchedLimit(RollingLimit):
    """The simulator's limit, remembering when each request came and whether it got in."""

    answers: list[tuple[datetime, int | None]] = field(default_factory=list)

    def take(self, key: str, now: datetime | None = None) -> int | None:
        """Answer as the simulator does, and note the answer."""
        moment = now or datetime.now(ISTANBUL)
        answer = RollingLimit.take(self, key, moment)
        self.answers.append((moment, answer))
        return answer


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Let `delta` pass, and the timers due by then fire."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def bulutsantralim_client(
    simulator: Simulator, session: aiohttp.ClientSession
) -> BulutsantralimClient:
    """Return a Bulutsantralim client of the simulated PBX."""
    return BulutsantralimClient(
        session,
        api_key=simulator.state.bulutsantralim.api_key,
        base_url=simulator.url("bulutsantralim"),
    )
