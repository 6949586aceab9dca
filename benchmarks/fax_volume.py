"""Exactly-once fax announcements at volume: 10,000 received faxes a day on Bulutfon.

Runs one in-process Home Assistant with a Bulutfon entry (fax archive off) against the
simulator, both on a virtual clock (`_virtual_day.py`) that moves on in steps for two days.
Faxes arrive at the day's rate, each a one-page TIFF made once for all of them (the
simulator's fax office would draw a new one for each, which costs more than the rest of the
run), spread over each step. The entry is reloaded halfway, as a restart would (`--reloads`).
After the last fax the clock runs on for two more fax polls; then each received fax must have
been announced by exactly one `santral_fax` event.

With `--webhook`, Bulutfon also posts its `fax_init` notice for each fax, which makes the
integration fetch the fax lists at once; Bulutfon's lists are not paged, so this costs a
read of every fax of the account each time, and wants fewer `--days`.

Figures, not asserts.

    .venv/test/bin/python benchmarks/fax_volume.py [--faxes-per-day 10000] [--days 2]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from datetime import timedelta
import random
import secrets
import time
from typing import Any

from _virtual_day import VirtualDay, arguments, bench, virtual_day
from homeassistant.core import Event, callback
import homeassistant.util.dt as dt_util

from custom_components.santral.const import EVENT_FAX
from simulator import documents
from simulator.calls import random_external_number

PROVIDER = "bulutfon"
FAX_POLL = timedelta(minutes=5)


class FaxMachines:
    """The far ends that fax the account, at the day's rate."""

    def __init__(
        self, day: VirtualDay, per_day: int, *, seed: int, notify: bool
    ) -> None:
        """Send `per_day` faxes a day; with `notify`, Bulutfon posts each one's notice."""
        self.day = day
        self.rate = per_day / 86_400
        self.rng = random.Random(seed)
        self.notify = notify
        self.document = documents.tiff(1)
        self.received: list[str] = []
        self.failed_posts = 0
        self._due = 0.0

    async def work(self, seconds: float) -> None:
        """File the faxes of the last `seconds`, spread over them, newest now."""
        self._due += self.rate * seconds
        count = int(self._due)
        self._due -= count
        simulator = self.day.simulator
        state = simulator.state
        now = dt_util.now()
        for number in range(count):
            fax = state.fax_book(PROVIDER).receive(
                local=state.bulutfon.did,
                sender=random_external_number(self.rng),
                pages=1,
                document=self.document,
                document_type=documents.TIFF,
                rng=state.rng,
                at=now - timedelta(seconds=seconds * (count - 1 - number) / count),
            )
            self.received.append(str(fax.id))
            if not self.notify:
                continue
            for event in simulator.switchboard.fax_events(PROVIDER, fax):
                delivery = await simulator.switchboard.deliver(PROVIDER, event)
                self.failed_posts += delivery.status != 200


async def run(args: argparse.Namespace) -> None:
    """Let the faxes arrive for the days asked, reloading the entry on the way; print."""
    started = time.perf_counter()
    announced: Counter[str] = Counter()
    load = f"{args.faxes_per_day / 1000:g}k faxes/day"
    async with virtual_day() as day:

        @callback
        def counted(event: Event[dict[str, Any]]) -> None:
            if event.data["type"] == "received":
                announced[event.data["fax_id"]] += 1

        day.hass.bus.async_listen(EVENT_FAX, counted)
        webhook_id = secrets.token_hex(16)
        state = day.simulator.state
        entry = await day.add_entry(
            {
                "provider": PROVIDER,
                "access_token": state.bulutfon.token,
                "base_url": day.simulator.url(PROVIDER),
                "webhook_id": webhook_id,
            },
            {"archive_faxes": False},
        )
        if args.webhook:
            day.simulator.set_bulutfon_webhook(day.webhook_url(webhook_id))
        machines = FaxMachines(
            day, args.faxes_per_day, seed=args.seed, notify=args.webhook
        )
        total = args.days * 86_400
        reload_at = [
            total * (number + 1) / (args.reloads + 1) for number in range(args.reloads)
        ]
        elapsed = 0.0
        while elapsed < total:
            await day.advance(args.step)
            await machines.work(args.step)
            await day.settle()
            elapsed += args.step
            if reload_at and elapsed >= reload_at[0]:
                reload_at.pop(0)
                if not await day.hass.config_entries.async_reload(entry.entry_id):
                    raise RuntimeError("the entry did not set up again")
                await day.settle()
        tail = 0.0
        while tail < 2 * FAX_POLL.total_seconds() + args.step:
            await day.advance(args.step)
            tail += args.step
        list_reads = day.simulator.count(PROVIDER, "incoming_faxes")

    received = machines.received
    repeated = sum(count - 1 for count in announced.values() if count > 1)
    missing = sum(1 for fax_id in received if not announced[fax_id])
    unknown = len(set(announced) - set(received))
    print(
        f"{len(received)} faxes received over {args.days:g} virtual days "
        f"({args.reloads} reload(s)), {sum(announced.values())} announcements, "
        f"{list_reads} reads of the fax list, in {time.perf_counter() - started:.0f} s "
        f"of real time; {unknown} announced faxes never received"
        + (f"; {machines.failed_posts} notices failed" if args.webhook else "")
    )
    bench(
        f"fax announcements, {load}",
        f"{repeated} duplicates, {missing} missing",
        "exactly once",
        bool(received) and not repeated and not missing and not unknown,
    )


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = arguments(__doc__, step=30.0)
    parser.add_argument("--faxes-per-day", type=int, default=10_000)
    parser.add_argument("--days", type=float, default=2.0)
    parser.add_argument("--reloads", type=int, default=1)
    parser.add_argument("--webhook", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
