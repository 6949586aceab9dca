"""A busy office on Bulutsantralim: store writes, quiet polls, sweeps and a backlog of CDRs.

Runs one in-process Home Assistant with a Bulutsantralim entry against the simulator, both
on a virtual clock (`_virtual_day.py`) that moves on in steps. The simulator places calls at
the day's rate (default 10,000 a day, the office mix of `simulator/traffic.py`): most post
their webhooks to Home Assistant and leave a CDR, some (default 5 %) leave only the CDR, as
when a webhook never arrives. The PBX has 6 hours of such calls behind it when Home
Assistant starts, so the long window is full from the first poll. Then the stages:

- warm-up (default 30 minutes) and measured traffic (default 6 hours): each write of a
  `santral.*` store is counted with its size, and whether its JSON was made in the event
  loop's thread; the day's writes are the warm-up's plus the measured rate over the rest of
  24 hours. Each `/cdrs` poll is told from the others by the window it asked for (its
  `start_stamp_from` and `start_stamp_to`, logged by wrapping the client's request method):
  a poll that reads back more than an hour reads the long window.
- a backlog: 250 calls that started in the last few minutes appear in `/cdrs` at once,
  without webhooks; the requests of the poll that announces them and of the next polls.
- quiet: no more calls; the requests of the second poll after the last call (the hourly
  sweep, if it falls there, is skipped: it has a figure of its own).

Figures, not asserts.

    .venv/test/bin/python benchmarks/busy_day.py [--calls-per-day 10000] [--hours 6]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import random
import secrets
import threading
import time
from typing import Any

from _virtual_day import VirtualDay, arguments, bench, per_day, virtual_day
import freezegun
from homeassistant.core import Event, callback
from homeassistant.helpers import json as json_helper, storage
import homeassistant.util.dt as dt_util

from custom_components.santral.const import EVENT_CALL
from custom_components.santral.providers.bulutsantralim import BulutsantralimClient
from simulator.calls import CallSpec, build_call
from simulator.traffic import CALL_MIX, EXTENSIONS

PROVIDER = "bulutsantralim"
STAMP_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
POLL_INTERVAL = timedelta(minutes=5)
# A poll that reads back further than this reads the long window (the quick ones read
# minutes back).
LONG_WINDOW = timedelta(hours=1)
# The PBX's past calls when Home Assistant starts: more than the long window holds.
HISTORY = timedelta(hours=6)
BACKLOG = 250
# The backlog's calls start within BACKLOG_STARTS after a poll, and all have ended when they
# appear in `/cdrs`, BACKLOG_FILED after that poll and before the next.
BACKLOG_STARTS = timedelta(minutes=3)
BACKLOG_FILED = timedelta(minutes=4, seconds=30)
WRITES_TARGET = 100
WRITE_BYTES_TARGET = 200_000
QUIET_REQUESTS_TARGET = 2
SWEEPS_TARGET = 1.0
POLLS_AFTER_BACKLOG = 3
ENDS = ("hangup", "missed")


@dataclass(slots=True)
class Write:
    """One write of a Santral store, as it reached the disk."""

    store: str
    stage: str
    size: int


@dataclass(slots=True)
class Serialization:
    """One store's JSON made for a write: in which thread, and how long it took."""

    store: str
    in_loop: bool
    seconds: float


@dataclass(slots=True)
class Poll:
    """The `/cdrs` requests of one poll: they all ask for the same window."""

    at: datetime
    stage: str
    since: datetime
    until: datetime
    requests: int = 0
    announced: int = 0

    @property
    def window(self) -> timedelta:
        """How far back the poll read."""
        return self.until - self.since

    @property
    def long(self) -> bool:
        """Whether the poll read the long window."""
        return self.window > LONG_WINDOW


@dataclass
class Observer:
    """Everything the benchmark learns from outside the integration, by stage."""

    loop_thread: int
    stage: str = "setup"
    writes: list[Write] = field(default_factory=list)
    serializations: list[Serialization] = field(default_factory=list)
    largest: bytes = b""
    polls: dict[tuple[str, str], Poll] = field(default_factory=dict)
    ends: Counter[str] = field(default_factory=Counter)
    ends_by_poll: Counter[str] = field(default_factory=Counter)

    def polls_in(self, *stages: str) -> list[Poll]:
        """Return the polls of the stages, in order."""
        return [poll for poll in self.polls.values() if poll.stage in stages]


def _store_name(path: object) -> str | None:
    """Return `calls` for `.storage/santral.<entry id>.calls`, None for other files."""
    name = Path(str(path)).name
    return name.rsplit(".", 1)[-1] if name.startswith("santral.") else None


def observe(observer: Observer) -> None:
    """Wrap the store's file writes and JSON, and the client's requests, to record them."""
    write_atomic = storage.write_utf8_file_atomic
    write_plain = storage.write_utf8_file
    prepare = json_helper.prepare_save_json
    request = BulutsantralimClient._request  # noqa: SLF001

    def wrap_write(original: Callable[..., None]) -> Callable[..., None]:
        def write(
            filename: str, utf8_data: str | bytes, *args: Any, **kwargs: Any
        ) -> None:
            original(filename, utf8_data, *args, **kwargs)
            if (name := _store_name(filename)) is not None:
                data = utf8_data.encode() if isinstance(utf8_data, str) else utf8_data
                observer.writes.append(Write(name, observer.stage, len(data)))
                if len(data) > len(observer.largest):
                    observer.largest = data

        return write

    def prepare_save_json(data: Any, **kwargs: Any) -> tuple[str, str | bytes]:
        started = freezegun.api.real_perf_counter()
        result = prepare(data, **kwargs)
        seconds = freezegun.api.real_perf_counter() - started
        key = data.get("key") if isinstance(data, dict) else None
        if isinstance(key, str) and (name := _store_name(key)) is not None:
            in_loop = threading.get_ident() == observer.loop_thread
            observer.serializations.append(Serialization(name, in_loop, seconds))
        return result

    async def logged_request(
        client: BulutsantralimClient, method: str, path: str, **kwargs: Any
    ) -> Any:
        params = kwargs.get("params") or {}
        if path == "/cdrs" and "start_stamp_from" in params:
            window = (params["start_stamp_from"], params["start_stamp_to"])
            if window not in observer.polls:
                observer.polls[window] = Poll(
                    dt_util.utcnow(),
                    observer.stage,
                    *(
                        datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=UTC)
                        for stamp in window
                    ),
                )
            observer.polls[window].requests += 1
        return await request(client, method, path, **kwargs)

    storage.write_utf8_file_atomic = wrap_write(write_atomic)
    storage.write_utf8_file = wrap_write(write_plain)
    json_helper.prepare_save_json = prepare_save_json
    BulutsantralimClient._request = logged_request  # noqa: SLF001


class Office:
    """Places the day's calls: a share through webhooks and CDR, the rest in `/cdrs` only."""

    def __init__(
        self, day: VirtualDay, calls_per_day: int, cdr_only: float, seed: int
    ) -> None:
        """Place `calls_per_day` calls a day, `cdr_only` of them without webhooks."""
        self.day = day
        self.rate = calls_per_day / 86_400
        self.cdr_only = cdr_only
        self.rng = random.Random(seed)
        self._due = 0.0
        self.placed: list[str] = []
        self.unheard: list[str] = []
        self.failed_posts = 0

    def spec(self, talk_seconds: int | None = None) -> CallSpec:
        """Return the next call of the office's mix."""
        rng = self.rng
        direction, outcome, _ = rng.choices(CALL_MIX, [kind[2] for kind in CALL_MIX])[0]
        return CallSpec(
            direction=direction,
            outcome=outcome,
            extension=rng.choice(EXTENSIONS),
            talk_seconds=rng.randint(20, 400) if talk_seconds is None else talk_seconds,
        )

    def fill_history(self, span: timedelta) -> None:
        """File the calls of the `span` before now, at the day's rate, as the PBX's past."""
        state = self.day.simulator.state
        now = dt_util.utcnow()
        count = round(self.rate * span.total_seconds())
        calls = [
            build_call(
                PROVIDER,
                self.spec(),
                pbx_number=state.bulutsantralim.did,
                ended=now - span * (number + 1) / count,
                rng=state.rng,
            )
            for number in range(count)
        ]
        state.add_cdrs(PROVIDER, calls)

    def file_cdr(self, spec: CallSpec, started: datetime | None = None) -> str:
        """File one call in `/cdrs` only, ended now or started at `started`."""
        state = self.day.simulator.state
        call = build_call(
            PROVIDER,
            spec,
            pbx_number=state.bulutsantralim.did,
            started=started,
            rng=state.rng,
        )
        state.add_cdrs(PROVIDER, [call])
        self.unheard.append(call.uuid)
        return call.uuid

    async def work(self, seconds: float) -> None:
        """Place the calls `seconds` of the day bring, each ending now."""
        self._due += self.rate * seconds
        while self._due >= 1:
            self._due -= 1
            spec = self.spec()
            if self.rng.random() < self.cdr_only:
                self.placed.append(self.file_cdr(spec))
                continue
            call = await self.day.simulator.place_call(PROVIDER, spec)
            self.failed_posts += sum(
                1 for post in call.deliveries if post.status != 200
            )
            self.placed.append(call.uuid)


async def run_for(
    day: VirtualDay,
    seconds: float,
    step: float,
    office: Office | None,
    until: Callable[[], bool] | None = None,
) -> None:
    """Move the clock on by `step` for `seconds` (or until `until()`), the office working."""
    elapsed = 0.0
    while elapsed < seconds and not (until and until()):
        await day.advance(step)
        if office is not None:
            await office.work(step)
            await day.settle()
        elapsed += step


async def next_polls(
    day: VirtualDay,
    observer: Observer,
    count: int,
    step: float,
    office: Office | None,
    keep: Callable[[Poll], bool] = lambda _poll: True,
) -> list[Poll]:
    """Run until `count` more polls that `keep` accepts have read `/cdrs`; return them."""
    seen = len(observer.polls)
    found: list[Poll] = []

    def enough() -> bool:
        nonlocal seen
        polls = list(observer.polls.values())
        found.extend(poll for poll in polls[seen:] if keep(poll))
        seen = len(polls)
        return len(found) >= count

    limit = (count + 2) * 2 * POLL_INTERVAL.total_seconds()
    await run_for(day, limit, step, office, enough)
    if len(found) < count:
        raise RuntimeError(f"only {len(found)} of {count} polls came")
    return found[:count]


def _listen(day: VirtualDay, observer: Observer) -> None:
    """Count each call's ends, and which of them a poll announced."""

    @callback
    def ended(event: Event[dict[str, Any]]) -> None:
        if event.data["type"] in ENDS:
            observer.ends[event.data["call_id"]] += 1
            if event.data["source"] == "poll":
                observer.ends_by_poll[event.data["call_id"]] += 1
                if observer.polls:
                    next(reversed(observer.polls.values())).announced += 1

    day.hass.bus.async_listen(EVENT_CALL, ended)


def _kb(size: float) -> str:
    return f"{size / 1000:.0f} kB"


def report_writes(
    observer: Observer, load: str, warmup_hours: float, hours: float
) -> None:
    """Print the store write figures: writes and bytes a day, and where JSON was made."""
    stores = sorted({write.store for write in observer.writes} | {"calls", "faxes"})
    rest = 24 - warmup_hours

    def a_day(values: Callable[[Write], float]) -> dict[str, float]:
        """Add up by store: the warm-up as it was, the measured rate for the rest."""
        totals: dict[str, float] = dict.fromkeys(stores, 0.0)
        for write in observer.writes:
            if write.stage == "warm-up":
                totals[write.store] += values(write)
            elif write.stage == "measured":
                totals[write.store] += per_day(values(write), hours) * rest / 24
        return totals

    writes = a_day(lambda _write: 1)
    volume = a_day(lambda write: write.size)
    largest = max((write.size for write in observer.writes), default=0)
    for store in stores:
        counted = [w for w in observer.writes if w.store == store]
        print(
            f"store {store}: {len(counted)} writes in the run "
            f"({sum(w.stage == 'warm-up' for w in counted)} in the warm-up, "
            f"{sum(w.stage == 'measured' for w in counted)} in the measured {hours:g} h); "
            f"{writes[store]:.0f} a day, {_kb(volume[store])} a day, "
            f"largest {_kb(max((w.size for w in counted), default=0))}"
        )
    if observer.largest:
        stored = json.loads(observer.largest)
        parts = ", ".join(
            f"{key} {_kb(len(json.dumps(value, separators=(',', ':'))))}"
            for key, value in stored["data"].items()
        )
        print(
            f"largest write: {stored['key'].rsplit('.', 1)[-1]}, "
            f"{_kb(len(observer.largest))} on disk; compact JSON of its parts: {parts}"
        )
    measured = ", ".join(f"{store} {writes[store]:.0f} a day" for store in stores)
    bench(
        f"store writes a day, {load}",
        f"{measured}; largest {_kb(largest)}",
        f"<= {WRITES_TARGET} a day, each <= {_kb(WRITE_BYTES_TARGET)}",
        all(count <= WRITES_TARGET for count in writes.values())
        and largest <= WRITE_BYTES_TARGET,
    )
    total = sum(volume.values())
    bench(
        f"store bytes written a day, {load}",
        f"{total / 1_000_000:.1f} MB",
        "report",
        True,
    )
    in_loop = [item for item in observer.serializations if item.in_loop]
    bench(
        "store serialization on the event loop",
        f"{len(in_loop)} of {len(observer.serializations)} writes in the loop thread "
        f"({sum(item.seconds for item in in_loop) * 1000:.1f} ms)",
        "off the loop",
        bool(observer.serializations) and not in_loop,
    )


def _window(poll: Poll) -> str:
    minutes = poll.window.total_seconds() / 60
    return f"{minutes / 60:.1f} h" if poll.long else f"{minutes:.0f} min"


def _describe(poll: Poll) -> str:
    return f"{poll.requests} ({_window(poll)})"


async def run(args: argparse.Namespace) -> None:
    """Drive the day through its stages, then print the figures."""
    started = time.perf_counter()
    load = f"{args.calls_per_day / 1000:g}k calls/day"
    step = args.step
    async with virtual_day() as day:
        observer = Observer(threading.get_ident())
        observe(observer)
        _listen(day, observer)
        webhook_id = secrets.token_hex(16)
        state = day.simulator.state
        day.simulator.set_crm_integration(day.webhook_url(webhook_id))
        office = Office(day, args.calls_per_day, args.cdr_only, args.seed)
        office.fill_history(HISTORY)
        await day.add_entry(
            {
                "provider": PROVIDER,
                "api_key": state.bulutsantralim.api_key,
                "base_url": day.simulator.url(PROVIDER),
                "webhook_id": webhook_id,
            }
        )

        observer.stage = "warm-up"
        await run_for(day, args.warmup_minutes * 60, step, office)
        observer.stage = "measured"
        await run_for(day, args.hours * 3600, step, office)
        measured_polls = observer.polls_in("measured")
        sweeps = [poll for poll in measured_polls if poll.long]
        # The hourly sweep has its own figure; other polls are what the figures below
        # are about, unless every poll reads the long window.
        periodic = len(sweeps) < len(measured_polls)

        def quick(poll: Poll) -> bool:
            return not (periodic and poll.long)

        observer.stage = "backlog"
        (before,) = await next_polls(day, observer, 1, step, office)
        await run_for(day, BACKLOG_FILED.total_seconds(), step, office)
        spacing = BACKLOG_STARTS / BACKLOG
        backlog = {
            office.file_cdr(
                office.spec(talk_seconds=office.rng.randint(5, 40)),
                before.at + timedelta(seconds=5) + spacing * number,
            )
            for number in range(BACKLOG)
        }
        await day.settle()
        (announcing,) = await next_polls(day, observer, 1, step, office)
        after = await next_polls(
            day, observer, POLLS_AFTER_BACKLOG, step, office, quick
        )
        announced = sum(1 for call in backlog if observer.ends[call])

        observer.stage = "quiet"
        quiet = await next_polls(day, observer, 2, step, None, quick)
        calls_per_poll = max(
            (poll.announced for poll in observer.polls_in("measured")), default=0
        )

    elapsed = time.perf_counter() - started
    print(
        f"virtual day: {args.warmup_minutes:g} min warm-up, {args.hours:g} h measured, "
        f"then the backlog and the quiet polls, in {elapsed:.0f} s of real time"
    )
    ends = observer.ends
    placed = office.placed
    repeated = sum(count - 1 for count in ends.values() if count > 1)
    unannounced = [call for call in placed if not ends[call]]
    print(
        f"calls: {len(placed)} placed ({len(office.unheard) - BACKLOG} of them, and the "
        f"backlog's {BACKLOG}, in /cdrs only); {sum(ends.values())} ends announced, "
        f"{sum(observer.ends_by_poll.values())} by a poll; {repeated} repeated, "
        f"{len(unannounced)} not announced yet; {office.failed_posts} webhook posts failed; "
        f"at most {calls_per_poll} calls announced by one measured poll"
    )
    print(
        "measured polls (requests, window): "
        + ", ".join(_describe(poll) for poll in measured_polls)
    )
    report_writes(observer, load, args.warmup_minutes / 60, args.hours)

    second = quiet[1]
    bench(
        f"requests per quiet poll, {load}",
        f"{second.requests} (window {_window(second)}, {second.announced} calls new)",
        f"<= {QUIET_REQUESTS_TARGET}",
        second.requests <= QUIET_REQUESTS_TARGET,
    )
    rate = len(sweeps) / args.hours
    sweep_requests = ", ".join(str(poll.requests) for poll in sweeps) or "none"
    bench(
        "full sweep of the long window",
        f"{rate:.1f} an hour ({len(sweeps)} of {len(measured_polls)} polls in "
        f"{args.hours:g} h; requests {sweep_requests})",
        f"<= {SWEEPS_TARGET:g} an hour",
        rate <= SWEEPS_TARGET,
    )
    bench(
        f"after a backlog of {BACKLOG} new CDRs",
        f"{announcing.requests} to announce {announced} of them, then "
        + ", ".join(str(poll.requests) for poll in after)
        + " per poll",
        "1 per poll once announced",
        announced == BACKLOG and all(poll.requests == 1 for poll in after),
    )


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = arguments(__doc__, step=10.0)
    parser.add_argument("--calls-per-day", type=int, default=10_000)
    parser.add_argument("--hours", type=float, default=6.0, help="measured traffic")
    parser.add_argument("--warmup-minutes", type=float, default=30.0)
    parser.add_argument(
        "--cdr-only", type=float, default=0.05, help="share of calls without webhooks"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
