"""Fixtures: a real simulator on 127.0.0.1, config entries pointing at it, and a log guard."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator
from datetime import timedelta
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp.test_utils import TestClient
from homeassistant.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
import voluptuous as vol

from custom_components.santral.const import (
    CONF_BASE_URL,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_PROVIDER,
    DOMAIN,
    EVENT_CALL,
)
from simulator import Simulator, SimulatorState

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


def pytest_sessionstart(session: pytest.Session) -> None:
    """Print a failing test's log from INFO up; `--log-level=DEBUG` prints every line.

    Records are still made at DEBUG (pyproject's log_level), for the log guard below and
    for tests that assert on debug lines; only what a failure report prints is filtered.
    """
    if session.config.option.log_level is not None:
        return
    # The plugin's report handler, and the stderr handler Home Assistant's test plugin adds
    # with logging.basicConfig (printed as "Captured stderr").
    handlers = [
        h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler
    ]
    plugin = session.config.pluginmanager.get_plugin("logging-plugin")
    if plugin is not None:
        handlers.append(plugin.report_handler)
    for handler in handlers:
        handler.addFilter(lambda record: record.levelno >= logging.INFO)


_FIGURES = pytest.StashKey[list[str]]()


@pytest.fixture
def figures(pytestconfig: pytest.Config) -> list[str]:
    """Lines of measured figures a test reports; printed at the end of the run."""
    return pytestconfig.stash.setdefault(_FIGURES, [])


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the figures tests measured (counts of a crash, a flood, ...)."""
    if lines := config.stash.get(_FIGURES, []):
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)


# States of the simulators a test started, for the log guard to read after they stop.
_SIMULATOR_STATES: list[SimulatorState] = []


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Use Home Assistant's snapshot format and folder (`snapshots/`) on every version."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/santral."""


class _RecordKeeper(logging.Handler):
    """Keep every record of a test, whatever level pytest's own handlers report."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_secret_in_logs(
    caplog: pytest.LogCaptureFixture,
) -> Generator[list[logging.LogRecord]]:
    """Fail any test whose log lines (tracebacks included) carry a secret.

    Credentials may appear in no line at all. Webhook ids may appear in none of Santral's
    lines and in no warning or error; Home Assistant's own HTTP debug lines name the path
    of every request served, which Santral cannot change.

    The guard reads DEBUG lines through a handler of its own, whatever a report prints.
    """
    caplog.set_level(logging.DEBUG)
    keeper = _RecordKeeper()
    root = logging.getLogger()
    root.addHandler(keeper)
    try:
        yield keeper.records
    finally:
        root.removeHandler(keeper)
    credentials = SimulatorState().all_secrets()
    for state in _SIMULATOR_STATES:
        credentials += state.all_secrets()
    _SIMULATOR_STATES.clear()
    line = leaked_line(keeper.records, credentials)
    assert line is None, f"a secret reached the log: {line}"


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


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """Run the provider simulator, listening on a free port of 127.0.0.1."""
    sim = Simulator()
    _SIMULATOR_STATES.append(sim.state)
    await sim.start("127.0.0.1", 0)
    yield sim
    await sim.stop()


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """Open a plain aiohttp session for testing the HA-free clients."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


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


@pytest.fixture
def make_entry(simulator: Simulator) -> Callable[[str], MockConfigEntry]:
    """Build a config entry of a credential kind, pointing at the simulator."""

    def _make(kind: str) -> MockConfigEntry:
        data = entry_data(simulator, kind)
        provider = data[CONF_PROVIDER]
        if provider in WEBHOOK_IDS:
            data[CONF_WEBHOOK_ID] = WEBHOOK_IDS[provider]
        return MockConfigEntry(
            domain=DOMAIN,
            title=TITLES[provider],
            unique_id=UNIQUE_IDS[provider],
            data=data,
        )

    return _make


@pytest.fixture
def call_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Collect `santral_call` bus events."""
    events: list[dict[str, Any]] = []

    def _listener(event: Event) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(EVENT_CALL, _listener)
    return events


@pytest.fixture
def media(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Give Home Assistant a media folder of its own, allowed for files."""
    folder = tmp_path / "media"
    folder.mkdir()
    hass.config.media_dirs = {"local": str(folder)}
    hass.config.allowlist_external_dirs = {str(folder)}
    return folder


async def setup(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Add the entry (unless it is there already), with `options` if given, and set it up."""
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        entry.add_to_hass(hass)
    if options is not None:
        hass.config_entries.async_update_entry(entry, options=options)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


ISTANBUL = ZoneInfo("Europe/Istanbul")


def santralim_stamp(seconds: float = 0) -> str:
    """Return a Bulutsantralim stamp (Istanbul wall time) `seconds` after the test's now.

    Built from `dt_util.now()` so a call posted by a test happens today whatever the day,
    the machine's time zone or a frozen clock.
    """
    moment = dt_util.now(ISTANBUL) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def santralim(event_type: str, **fields: str) -> str:
    """Build a Bulutsantralim form body for one event of call `c-1`, started 40 s ago."""
    base = {
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
    base.update(fields)
    return "&".join(f"{key}={value}" for key, value in base.items())


async def post_santralim_form(client: TestClient, body: str) -> int:
    """POST a Bulutsantralim form notification to the test entry's webhook; return the status."""
    response = await client.post(
        f"/api/webhook/{WEBHOOK_IDS['bulutsantralim']}",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return response.status


def suggested(schema: vol.Schema) -> dict[str, Any]:
    """Return the values a form shows before the person types anything."""
    values: dict[str, Any] = {}
    for key, value in schema.schema.items():
        if isinstance(value, section):
            values[str(key)] = suggested(value.schema)
        elif key.description and "suggested_value" in key.description:
            values[str(key)] = key.description["suggested_value"]
    return values
