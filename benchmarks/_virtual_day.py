"""What the virtual-clock benchmarks share: Home Assistant and the simulator on a frozen clock.

Home Assistant (the test harness's, its HTTP server on a free port of 127.0.0.1) and the
simulator (on another free port of 127.0.0.1) run in one process, on one event loop, so both
read the same clock: freezegun holds the time still, `VirtualDay.advance` moves it on and
`async_fire_time_changed` runs what falls due (polls, delayed store writes). A simulator in
a process of its own would stamp its calls and faxes with the real time, hours behind the
virtual one, and no poll window would meet them.

Not a benchmark itself (`scripts/bench` runs no `benchmarks/_*.py`).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
import socket
import sys
import tempfile
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Before any other Home Assistant import: it makes `dt_util.utcnow` one freezegun can patch.
from pytest_homeassistant_custom_component import patch_time  # noqa: E402

# isort: split

import freezegun  # noqa: E402
from freezegun.api import FrozenDateTimeFactory  # noqa: E402
from homeassistant import loader  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_fire_time_changed,
    async_test_home_assistant,
)

from simulator import Simulator  # noqa: E402

TIME_ZONE = "Europe/Istanbul"


def free_port() -> int:
    """Return a port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def arguments(doc: str | None, step: float) -> argparse.ArgumentParser:
    """Return a benchmark's parser, with the clock's step (`--step`) and `--seed`."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--step",
        type=float,
        default=step,
        help="virtual seconds the clock moves at once",
    )
    parser.add_argument("--seed", type=int, default=2026)
    return parser


def bench(what: str, measured: str, target: str, passed: bool) -> None:
    """Print one figure in the benchmarks' machine-readable form."""
    print(f"BENCH | {what} | {measured} | {target} | {'PASS' if passed else 'MISS'}")


def per_day(count: float, hours: float) -> float:
    """Scale what `hours` of the virtual day brought to 24 hours."""
    return count * 24 / hours


# What the test plugin replaces in freezegun before each test, by the name of the
# replacement in its `patch_time` (which older versions of the plugin have fewer of).
_FREEZEGUN_FIXES = {
    "FakeDate": "HAFakeDate",
    "datetime_to_fakedatetime": "ha_datetime_to_fakedatetime",
    "FakeDatetime": "HAFakeDatetime",
    "_get_module_attributes": "ha_get_module_attributes",
    "_get_module_attributes_hash": "ha_get_module_attributes_hash",
    "_should_use_real_time": "ha_should_use_real_time",
    "get_current_time": "ha_get_current_time",
}


def _use_home_assistants_freezegun() -> None:
    """Give freezegun the fixes the test plugin gives it before each test."""
    for name, fix in _FREEZEGUN_FIXES.items():
        if hasattr(patch_time, fix):
            setattr(freezegun.api, name, getattr(patch_time, fix))


async def _confirm_http_setting(hass: HomeAssistant) -> None:
    """Confirm the HTTP setting, as a person would in the browser.

    Home Assistant (from 2026.10) tries a new `http:` setting for five minutes and then
    reverts it and restarts, unless it is confirmed; on a virtual clock five minutes pass
    at once.
    """
    try:
        from homeassistant.components.http import config  # noqa: PLC0415
    except ImportError:  # an older Home Assistant: no trial to confirm
        return
    store = await config.async_get_and_load_store(hass)
    if store.pending is not None:
        await store.async_promote_pending()


@dataclass(slots=True)
class VirtualDay:
    """A running Home Assistant and simulator, and the clock they both read."""

    hass: HomeAssistant
    simulator: Simulator
    clock: FrozenDateTimeFactory
    http_port: int

    def webhook_url(self, webhook_id: str) -> str:
        """Return where a provider posts to reach the webhook `webhook_id`."""
        return f"http://127.0.0.1:{self.http_port}/api/webhook/{webhook_id}"

    async def settle(self) -> None:
        """Let every task that is due, background ones too, run to its end."""
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def advance(self, seconds: float) -> None:
        """Move the clock on, run what fell due and let it finish."""
        self.clock.tick(seconds)
        async_fire_time_changed(self.hass)
        await self.settle()

    async def add_entry(
        self, data: dict[str, Any], options: dict[str, Any] | None = None
    ) -> MockConfigEntry:
        """Add a Santral entry and set it up (its first polls take bearings)."""
        entry = MockConfigEntry(
            domain="santral",
            title=f"{data['provider']} benchmark",
            unique_id=f"{data['provider']}_benchmark",
            data=data,
            options=options or {},
        )
        entry.add_to_hass(self.hass)
        if not await self.hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError(f"the {data['provider']} entry did not set up")
        await self.settle()
        # The harness starts the server only with the frontend; start it here if not.
        if self.hass.http.runner is None:
            await self.hass.http.start()
        return entry


@asynccontextmanager
async def virtual_day() -> AsyncIterator[VirtualDay]:
    """Start the simulator and Home Assistant on a clock frozen at the real minute."""
    _use_home_assistants_freezegun()
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    freezer = freezegun.freeze_time(start)
    clock = freezer.start()
    assert isinstance(clock, FrozenDateTimeFactory)
    simulator = Simulator()
    try:
        await simulator.start("127.0.0.1", 0)
        with tempfile.TemporaryDirectory() as config_dir:
            async with async_test_home_assistant(config_dir=config_dir) as hass:
                hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
                await hass.config.async_set_time_zone(TIME_ZONE)
                port = free_port()
                http = {"server_host": ["127.0.0.1"], "server_port": port}
                if not await async_setup_component(hass, "http", {"http": http}):
                    raise RuntimeError("Home Assistant's HTTP server did not start")
                await _confirm_http_setting(hass)
                try:
                    yield VirtualDay(hass, simulator, clock, port)
                finally:
                    for entry in hass.config_entries.async_entries("santral"):
                        await hass.config_entries.async_unload(entry.entry_id)
                    await hass.async_stop(force=True)
    finally:
        await simulator.stop()
        freezer.stop()
