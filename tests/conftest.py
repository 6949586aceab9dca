"""Fixtures: a real simulator on 127.0.0.1, config entries pointing at it, and a log guard."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator
from datetime import UTC, datetime, timedelta
import logging
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.santral.const import EVENT_CALL, EVENT_FAX
from simulator import Simulator, SimulatorState

from .helpers import Poster, SnapshotExtension, leaked_line, new_entry, post_webhook
from .report_webhook import Webhook


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
    return snapshot.use_extension(SnapshotExtension)


def midday_zone(now: datetime) -> str:
    """Return a fixed-offset zone in which `now` falls between noon and one o'clock.

    "Calls today" counts by the local day. A test that places a call and reads the count
    must not straddle midnight, whatever hour it runs at; the midnight reset has its own
    test with a frozen clock.
    """
    offset = 12 - now.astimezone(UTC).hour
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


@pytest.fixture(autouse=True)
async def auto_enable_custom_integrations(
    hass: HomeAssistant, enable_custom_integrations: None
) -> None:
    """Let Home Assistant load custom_components/santral, in a zone where it is midday."""
    await hass.config.async_set_time_zone(midday_zone(dt_util.utcnow()))


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


@pytest.fixture
def aiohttp_client(aiohttp_client: ClientSessionGenerator) -> ClientSessionGenerator:
    """Keep Home Assistant's router open to new routes once a test client serves it.

    aiohttp freezes an application's router when a server starts it. Home Assistant's own
    server turns that off, since integrations are set up (and register views and static
    paths) while it runs; the test client would otherwise refuse what the running server
    accepts, as when a test opens a client before it sets Santral up.
    """

    async def _client(
        param: Any, *args: Any, **kwargs: Any
    ) -> TestClient[web.Request, web.Application]:
        if isinstance(param, web.Application):
            param.router.freeze = lambda: None  # type: ignore[method-assign]
        client: TestClient[web.Request, web.Application] = await aiohttp_client(
            param, *args, **kwargs
        )
        return client

    return _client


@pytest.fixture
def make_entry(simulator: Simulator) -> Callable[[str], MockConfigEntry]:
    """Build a config entry of a credential kind, pointing at the simulator."""

    def _make(kind: str) -> MockConfigEntry:
        return new_entry(simulator, kind)

    return _make


def _collect(hass: HomeAssistant, event_type: str) -> list[dict[str, Any]]:
    """Collect the events in the event loop, in the order they fire.

    A plain listener would run in the executor, one job per event, and could fall behind.
    """
    events: list[dict[str, Any]] = []

    @callback
    def _listener(event: Event) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(event_type, _listener)
    return events


@pytest.fixture
def call_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Collect `santral_call` bus events."""
    return _collect(hass, EVENT_CALL)


@pytest.fixture
def fax_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Collect `santral_fax` bus events."""
    return _collect(hass, EVENT_FAX)


@pytest.fixture
def webhook(hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator) -> Poster:
    """POST a raw body to a provider's test webhook and let it take effect; return the status.

    Arguments are `post_webhook`'s after the client: provider, body, headers, method.
    """
    clients: list[Any] = []

    async def _post(*args: Any) -> int:
        if not clients:  # http is loaded with the integration
            clients.append(await hass_client_no_auth())
        status = await post_webhook(clients[0], *args)
        await hass.async_block_till_done()
        return status

    return _post


@pytest.fixture
def midday(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Stop the clock at noon of Home Assistant's today: a call of the last hours ended today."""
    freezer.move_to(dt_util.start_of_local_day() + timedelta(hours=12))


@pytest.fixture
def media(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Give Home Assistant a media folder of its own, allowed for files."""
    folder = tmp_path / "media"
    folder.mkdir()
    hass.config.media_dirs = {"local": str(folder)}
    hass.config.allowlist_external_dirs = {str(folder)}
    return folder


@pytest.fixture
async def hook(socket_enabled: None) -> AsyncGenerator[Webhook]:
    """Run a report webhook (an IVR campaign's) on a free port of 127.0.0.1."""
    keeper = Webhook()
    app = web.Application()
    app.router.add_post("/hook", keeper.handle)
    keeper.server = TestServer(app, host="127.0.0.1", port=0)
    await keeper.server.start_server()
    yield keeper
    await keeper.server.close()
