"""Sending a 10 MB fax with each provider: peak memory and the longest event-loop stall.

Runs one in-process Home Assistant with an entry of each provider against the simulator (in
a process of its own, so that its decoding does not count), and calls `santral.send_fax`
with a 10 MB PDF: once per provider, and once more to three Bulutsantralim recipients (one
order each). During each call a ticker measures how late the event loop wakes it, and
tracemalloc records the peak of Python allocations. Home Assistant's HTTP server, which
the integration's webhooks need loaded, listens on a free port of 127.0.0.1 only.
Figures, not asserts.

    .venv/test/bin/python benchmarks/send_fax_memory.py [--megabytes 10]
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from pathlib import Path
import random
import secrets
import socket
import sys
import tempfile
import time
import tracemalloc
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant import loader  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from simulator import PREFIXES, SimulatorState  # noqa: E402

TICK = 0.005
PEAK_TARGET = 3.0  # times the file
STALL_TARGET = 0.020  # seconds
RECIPIENTS = ("02125550000", "02165550001", "03125550002")


@dataclass(frozen=True, slots=True)
class Case:
    """One measured send: which entry, to how many recipients, from which number."""

    label: str
    provider: str
    sender: str
    recipients: int = 1


def free_port() -> int:
    """Return a port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def entry_data(state: SimulatorState, provider: str, base: str) -> dict[str, Any]:
    """Config entry data for `provider`, with the simulator's default credentials."""
    webhook = {"webhook_id": secrets.token_hex(16)}
    credentials: dict[str, dict[str, str]] = {
        "bulutfon": {"access_token": state.bulutfon.token, **webhook},
        "bulutsantralim": {"api_key": state.bulutsantralim.api_key, **webhook},
        "telsam": {
            "username": state.telsam.username,
            "password": state.telsam.password,
            "client_id": state.telsam.client_id,
            "client_secret": state.telsam.client_secret,
        },
    }
    return {
        "provider": provider,
        "base_url": f"{base}{PREFIXES[provider]}",
        **credentials[provider],
    }


async def ticker(stop: asyncio.Event, stalls: list[float]) -> None:
    """Sleep in short steps and record how much later than asked the loop woke us."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(TICK)
        stalls.append(time.perf_counter() - started - TICK)


async def start_simulator() -> tuple[asyncio.subprocess.Process, str]:
    """Start `python -m simulator` on a free port; return it and its base URL."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--host", "127.0.0.1", "--port", str(port),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            try:
                async with session.get(f"{base}/_control/requests"):
                    return process, base
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    process.terminate()
    await process.wait()
    raise RuntimeError("the simulator did not start")


async def measure(
    hass: HomeAssistant, entry: MockConfigEntry, case: Case, document: Path
) -> tuple[int, float, float, int]:
    """Send the document once; return the peak bytes, longest stall, duration and faxes."""
    stop = asyncio.Event()
    stalls: list[float] = []
    tick_task = asyncio.create_task(ticker(stop, stalls))
    await asyncio.sleep(TICK * 2)  # the ticker is running before the call starts
    tracemalloc.start()
    started = time.perf_counter()
    response = await hass.services.async_call(
        "santral",
        "send_fax",
        {
            "config_entry_id": entry.entry_id,
            "number": list(RECIPIENTS[: case.recipients]),
            "file": str(document),
            "sender": case.sender,
        },
        blocking=True,
        return_response=True,
    )
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stop.set()
    await tick_task
    assert isinstance(response, dict) and isinstance(response["faxes"], list)
    return peak, max(stalls), elapsed, len(response["faxes"])


async def run(megabytes: int) -> None:
    """Set up Home Assistant with one entry a provider, then send each case and print."""
    state = SimulatorState()
    cases = [
        Case("Bulutfon", "bulutfon", "+" + state.bulutfon.did),
        Case("Bulutsantralim", "bulutsantralim", "+" + state.bulutsantralim.caller_ids[0]),
        Case("Bulutsantralim, 3 recipients", "bulutsantralim", "+" + state.bulutsantralim.caller_ids[0], 3),
        Case("Telsam", "telsam", "+" + state.telsam.did),
    ]  # fmt: skip
    size = megabytes * 1024 * 1024
    results: list[tuple[Case, tuple[int, float, float, int]]] = []
    process, base = await start_simulator()
    try:
        with tempfile.TemporaryDirectory() as config_dir:
            media = Path(config_dir) / "media"
            media.mkdir()
            document = media / "buyuk.pdf"
            # Random bytes: their base64 holds `+` and `/`, which a form must escape.
            filler = random.Random(0).randbytes(size - 16)
            document.write_bytes(b"%PDF-1.4\n" + filler + b"\n%%EOF\n")
            del filler
            async with async_test_home_assistant(config_dir=config_dir) as hass:
                hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
                hass.config.media_dirs = {"local": str(media)}
                hass.config.allowlist_external_dirs = {str(media)}
                http = {"server_host": ["127.0.0.1"], "server_port": free_port()}
                assert await async_setup_component(hass, "http", {"http": http})
                entries = {}
                for provider in ("bulutfon", "bulutsantralim", "telsam"):
                    entry = MockConfigEntry(
                        domain="santral",
                        title=f"{provider} benchmark",
                        unique_id=f"{provider}_benchmark",
                        data=entry_data(state, provider, base),
                    )
                    entry.add_to_hass(hass)
                    assert await hass.config_entries.async_setup(entry.entry_id)
                    entries[provider] = entry
                await hass.async_block_till_done()
                for case in cases:
                    figures = await measure(
                        hass, entries[case.provider], case, document
                    )
                    results.append((case, figures))
                for entry in entries.values():
                    await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_stop(force=True)
    finally:
        process.terminate()
        await process.wait()

    print(f"document: {megabytes} MB PDF (random bytes behind a PDF header)")
    for case, (peak, stall, elapsed, faxes) in results:
        print(
            f"{case.label + ':':30} {faxes} fax(es) queued in {elapsed:.2f} s, "
            f"peak {peak / 1024 / 1024:.1f} MiB, longest stall {stall * 1000:.1f} ms"
        )
    for case, (peak, stall, _, _) in results:
        ratio = peak / size
        print(
            f"BENCH | send_fax peak memory, {case.label}, {megabytes} MB file | "
            f"{ratio:.1f}x file ({peak / 1024 / 1024:.1f} MiB) | < {PEAK_TARGET:g}x file | "
            f"{'PASS' if ratio < PEAK_TARGET else 'MISS'}"
        )
        print(
            f"BENCH | send_fax longest event-loop stall, {case.label}, {megabytes} MB file | "
            f"{stall * 1000:.1f} ms | < {STALL_TARGET * 1000:g} ms | "
            f"{'PASS' if stall < STALL_TARGET else 'MISS'}"
        )


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--megabytes", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(run(args.megabytes))


if __name__ == "__main__":
    main()
