"""Run the simulator alone: `python -m simulator [--host 127.0.0.1] [--port 8300]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from .app import PREFIXES, Simulator


async def _serve(host: str, port: int) -> None:
    simulator = Simulator()
    await simulator.start(host, port)
    state = simulator.state
    print(f"Santral provider simulator on {simulator.base_url}", flush=True)
    for provider in PREFIXES:
        print(f"  {provider:<15} {simulator.url(provider)}", flush=True)
    print("Credentials:", flush=True)
    print(f"  bulutfon        token {state.bulutfon.token}", flush=True)
    print(f"  bulutsantralim  key   {state.bulutsantralim.api_key}", flush=True)
    print(
        f"  telsam          user {state.telsam.username} / {state.telsam.password}, "
        f"client {state.telsam.client_id} / {state.telsam.client_secret}",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await simulator.stop()


def main() -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8300)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port))


if __name__ == "__main__":
    main()
