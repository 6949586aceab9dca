"""Webhook throughput: Santral's call webhook against a bare Home Assistant webhook.

Runs one in-process Home Assistant (the test harness's, with a temporary config dir), posts
the same number of Bulutsantralim call notifications to Santral's webhook and to a bare
webhook handler that only answers 200, and prints requests per second, call events per
second and the ratio. Figures, not asserts: run it on a quiet machine and compare runs.

    .venv/test/bin/python benchmarks/webhook_throughput.py [--posts 2000]
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import sys
import tempfile
import time

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant import loader  # noqa: E402
from homeassistant.components import webhook  # noqa: E402
from homeassistant.core import Event, HomeAssistant  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.santral.const import EVENT_CALL  # noqa: E402
from simulator import Simulator  # noqa: E402

SANTRAL_ID = "santral-benchmark-webhook"
BARE_ID = "bare-benchmark-webhook"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
EVENTS = ("ringing", "answer", "hangup")


def bodies(count: int) -> list[str]:
    """Return `count` notifications: ringing, answer, hangup of consecutive calls."""
    result = []
    for index in range(count):
        call, step = divmod(index, len(EVENTS))
        result.append(
            f"event_type={EVENTS[step]}&domain_id=101&direction=inbound"
            f"&caller_id_number=0532{call % 10_000_000:07d}&destination_number=1001"
            f"&dialed_user=1001&connected_user=1001&call_uuid=bench-{call}"
            "&start_stamp=2026-11-23 10:00:00&answered=true&duration=35"
        )
    return result


async def post_all(client: TestClient, path: str, payloads: list[str]) -> float:
    """Post every payload in turn; return the seconds it took."""
    started = time.perf_counter()
    for payload in payloads:
        response = await client.post(path, data=payload, headers=FORM)
        response.release()
        if response.status != 200:
            raise RuntimeError(f"{path} answered HTTP {response.status}")
    return time.perf_counter() - started


async def run(posts: int) -> None:
    """Set up Home Assistant, Santral and the bare webhook, then measure both."""
    simulator = Simulator()
    await simulator.start()
    with tempfile.TemporaryDirectory() as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            await async_setup_component(hass, "webhook", {})
            events: list[Event] = []
            hass.bus.async_listen(EVENT_CALL, events.append)

            async def bare(
                _hass: HomeAssistant, _id: str, _request: web.Request
            ) -> web.Response:
                return web.Response(status=200)

            webhook.async_register(hass, "benchmark", "bare", BARE_ID, bare)
            entry = MockConfigEntry(
                domain="santral",
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

            payloads = bodies(posts)
            async with TestClient(TestServer(hass.http.app)) as client:
                await post_all(
                    client, f"/api/webhook/{BARE_ID}", payloads[:50]
                )  # warm up
                bare_seconds = await post_all(
                    client, f"/api/webhook/{BARE_ID}", payloads
                )
                santral_seconds = await post_all(
                    client, f"/api/webhook/{SANTRAL_ID}", payloads
                )
                await hass.async_block_till_done()
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
    await simulator.stop()

    bare_rate = posts / bare_seconds
    santral_rate = posts / santral_seconds
    print(f"posts per run:            {posts}")
    print(
        f"bare webhook (200 only):  {bare_rate:8.0f} requests/s  ({bare_seconds:.2f} s)"
    )
    print(
        f"santral webhook:          {santral_rate:8.0f} requests/s  ({santral_seconds:.2f} s)"
    )
    print(
        f"santral call events:      {len(events)} fired, {len(events) / santral_seconds:8.0f} events/s"
    )
    print(f"santral / bare:           {santral_rate / bare_rate:.2f}")


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(run(args.posts))


if __name__ == "__main__":
    main()
