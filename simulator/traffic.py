"""An office day, sped up: calls and faxes that happen by themselves, for demos.

`python -m simulator serve --traffic` starts it. From a seed, so a demo can be replayed, it
places a call every few seconds on the calling providers, as an office has them: mostly
inbound calls, a quarter of them missed, outbound and internal calls, recorded answered
calls; now and then a fax arrives at a fax provider. Sent faxes settle as
`--fax-settle-after` says. Calls happen in real time (ringing, a pause, the answer, a pause,
the hang-up), so a receiver sees extensions ring and talk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
import random

from .calls import CallSpec, SimulatedCall
from .fax_office import FaxOffice
from .faxes import FAX_PROVIDERS
from .switchboard import Switchboard

_LOGGER = logging.getLogger(__name__)

CALLING_PROVIDERS = ("bulutfon", "bulutsantralim")
EXTENSIONS = ("1001", "1002", "1003", "1004")
# (direction, outcome, weight): an office's calls, by how often each kind happens.
CALL_MIX = (
    ("inbound", "answered", 45),
    ("inbound", "missed", 20),
    ("inbound", "busy", 5),
    ("outbound", "answered", 20),
    ("outbound", "missed", 5),
    ("internal", "answered", 5),
)
# Calls and faxes a demo minute brings, on average.
CALLS_A_MINUTE = 4.0
FAXES_A_MINUTE = 0.5


@dataclass(frozen=True, slots=True)
class Happening:
    """One thing the office day brings: a call on a provider, or a fax."""

    provider: str
    spec: CallSpec | None = None
    pages: int = 0


class OfficeDay:
    """Chooses, from a seed, what happens next and how long until it does."""

    def __init__(self, seed: int) -> None:
        """Replay the same day for the same seed."""
        self.rng = random.Random(seed)

    def pause(self) -> float:
        """Return the seconds until the next happening."""
        return self.rng.expovariate(CALLS_A_MINUTE + FAXES_A_MINUTE) * 60

    def next(self) -> Happening:
        """Return the next call or fax."""
        rng = self.rng
        if rng.random() < FAXES_A_MINUTE / (CALLS_A_MINUTE + FAXES_A_MINUTE):
            return Happening(rng.choice(FAX_PROVIDERS), pages=rng.randint(1, 4))
        provider = rng.choice(CALLING_PROVIDERS)
        mix = [
            kind for kind in CALL_MIX if provider != "bulutfon" or kind[0] != "internal"
        ]
        direction, outcome, _ = rng.choices(mix, [kind[2] for kind in mix])[0]
        return Happening(
            provider,
            CallSpec(
                direction=direction,
                outcome=outcome,
                extension=rng.choice(EXTENSIONS),
                talk_seconds=rng.randint(20, 400),
            ),
        )


def _placed(task: asyncio.Task[SimulatedCall]) -> None:
    """Log why a call of the office day failed, if it did."""
    if not task.cancelled() and (error := task.exception()) is not None:
        _LOGGER.warning("The office day's call failed: %s", error)


async def run_office_day(
    switchboard: Switchboard, fax_office: FaxOffice, *, seed: int = 2026
) -> None:
    """Make the day happen until cancelled; a happening that fails is logged and skipped."""
    day = OfficeDay(seed)
    calls: set[asyncio.Task[SimulatedCall]] = set()
    try:
        while True:
            await asyncio.sleep(day.pause())
            happening = day.next()
            if happening.spec is None:
                try:
                    await fax_office.receive(happening.provider, pages=happening.pages)
                except ValueError as err:
                    _LOGGER.warning("The office day's fax failed: %s", err)
                continue
            task = asyncio.create_task(
                switchboard.place_call(
                    happening.provider, happening.spec, realtime=True
                )
            )
            calls.add(task)
            task.add_done_callback(_placed)
            task.add_done_callback(calls.discard)
    finally:
        for call in calls:
            call.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
