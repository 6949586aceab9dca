"""Sending a 10 MB fax: peak memory and the longest event-loop stall.

Runs one in-process Home Assistant with a Telsam Yenifaks entry against the simulator (in a
process of its own, so that its decoding does not count), and calls `santral.send_fax` with
a 10 MB PDF while a ticker measures how late the event loop wakes it, and tracemalloc records
the peak of Python allocations. Figures, not asserts.

    .venv/test/bin/python benchmarks/send_fax_memory.py [--megabytes 10]
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import socket
import sys
import tempfile
import time
import tracemalloc

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant import loader  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from simulator import PREFIXES, SimulatorState  # noqa: E402

TICK = 0.005


async def ticker(stop: asyncio.Event, stalls: list[float]) -> None:
    """Sleep in short steps and record how much later than asked the loop woke us."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(TICK)
        stalls.append(time.perf_counter() - started - TICK)


async def start_simulator() -> tuple[asyncio.subprocess.Process, str]:
    """Start `python -m simulator` on a free port; return it and its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--port", str(port),
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
    raise RuntimeError("the simulator did not start")


async def run(megabytes: int) -> None:
    """Set up Home Assistant and Santral, then send one large fax and measure."""
    process, base = await start_simulator()
    state = SimulatorState().telsam
    with tempfile.TemporaryDirectory() as config_dir:
        media = Path(config_dir) / "media"
        media.mkdir()
        document = media / "buyuk.pdf"
        document.write_bytes(
            b"%PDF-1.4\n" + b"0" * (megabytes * 1024 * 1024) + b"\n%%EOF\n"
        )
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            hass.config.media_dirs = {"local": str(media)}
            hass.config.allowlist_external_dirs = {str(media)}
            entry = MockConfigEntry(
                domain="santral",
                title="Telsam benchmark",
                unique_id="telsam_benchmark",
                data={
                    "provider": "telsam",
                    "username": state.username,
                    "password": state.password,
                    "client_id": state.client_id,
                    "client_secret": state.client_secret,
                    "base_url": f"{base}{PREFIXES['telsam']}",
                },
            )
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()

            stop = asyncio.Event()
            stalls: list[float] = []
            tick_task = asyncio.create_task(ticker(stop, stalls))
            tracemalloc.start()
            started = time.perf_counter()
            response = await hass.services.async_call(
                "santral",
                "send_fax",
                {
                    "config_entry_id": entry.entry_id,
                    "number": "02125550000",
                    "file": str(document),
                    "sender": "+908502590260",
                },
                blocking=True,
                return_response=True,
            )
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            stop.set()
            await tick_task
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
    process.terminate()
    await process.wait()

    assert isinstance(response, dict)
    stalls.sort()
    print(
        f"document:                 {megabytes} MB PDF, {len(response['faxes'])} fax queued"
    )
    print(f"send_fax took:            {elapsed:.2f} s")
    print(
        f"peak traced memory:       {peak / 1024 / 1024:.1f} MiB ({peak / (megabytes * 1024 * 1024):.1f} x the file)"
    )
    print(f"longest loop stall:       {stalls[-1] * 1000:.1f} ms")
    print(
        f"99th percentile stall:    {stalls[int(len(stalls) * 0.99)] * 1000:.1f} ms over {len(stalls)} ticks"
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
