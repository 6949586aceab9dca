"""The simulated PBXs at work: calls that post their webhooks and leave CDRs behind.

A placed call posts its events to the receiver the account configured, in order, then files
its CDR, so a client sees the same call through push and poll, as with the real providers.
Calls that a client starts through an API (Verimor's `originate`, Bulutfon's
`call_and_bridge`) go on in the background, since those APIs answer before anyone picks up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
from typing import Any

from .calls import (
    ISTANBUL,
    OUTCOMES,
    PROVIDERS,
    CallSpec,
    SimulatedCall,
    WebhookDelivery,
    WebhookEvent,
    build_call,
    choose,
)
from .faxes import SimulatedFax
from .state import SimulatorState
from .webhooks import WebhookSender

_LOGGER = logging.getLogger(__name__)
# Historic CDRs are spread over the past at these gaps between call starts, in seconds.
HISTORY_GAP_SECONDS = (120, 1800)
# The share of each outcome among historic CDRs made without a fixed outcome.
HISTORY_OUTCOME_WEIGHTS = (70, 20, 10)
# In real time, a post waits when the call's clock moved on this much since the previous one.
PAUSE_AFTER = timedelta(seconds=1)


def no_events(_state: SimulatorState, _fax: SimulatedFax) -> list[WebhookEvent]:
    """Announce nothing, for a provider that posts nothing when a fax arrives."""
    return []


@dataclass(frozen=True, slots=True)
class Line:
    """How a provider reports to the receiver its account configured.

    `events` are the posts a call causes, in order, as the account asked for them (none
    without a receiver); `fax_events` those a received fax causes; `post` sends one.
    """

    events: Callable[[SimulatorState, SimulatedCall], list[WebhookEvent]]
    post: Callable[
        [WebhookSender, SimulatorState, WebhookEvent], Awaitable[WebhookDelivery]
    ]
    fax_events: Callable[[SimulatorState, SimulatedFax], list[WebhookEvent]] = no_events


class Switchboard:
    """Place calls and file records for the calling providers of one simulator state."""

    def __init__(
        self, state: SimulatorState, sender: WebhookSender, lines: Mapping[str, Line]
    ) -> None:
        """Work on `state` and post through `sender`, as each provider's `lines` say."""
        self.state = state
        self.sender = sender
        self.lines = lines
        self.realtime_step = 2.0
        self._dialing: set[asyncio.Task[SimulatedCall]] = set()

    async def place_call(
        self,
        provider: str,
        spec: CallSpec | None = None,
        *,
        realtime: bool = False,
        **fields: Any,
    ) -> SimulatedCall:
        """Make a call happen: post its webhooks in order, then add its CDR.

        Without `realtime` the call has just ended and its posts go out at once; with it
        the call starts now and the posts are `realtime_step` seconds apart wherever the
        call's own clock moves on. A recorded call's recording is kept as the call ends,
        before the hang-up post, so a receiver can fetch it as soon as it hears of the
        hang-up. `fields` change the `CallSpec` by name (`outcome="missed"`). The status
        of each post is in the returned call's `deliveries` (and in `state.deliveries`); a
        receiver that fails is recorded there, never raised. Raises ValueError on input
        the provider could not see.
        """
        now = datetime.now(ISTANBUL)
        call = build_call(
            provider,
            spec,
            pbx_number=self.state.provider_state(
                choose(provider, PROVIDERS, "provider")
            ).did,
            started=now if realtime else None,
            ended=None if realtime else now,
            rng=self.state.rng,
            **fields,
        )
        previous: datetime | None = None
        for event in self.lines[call.provider].events(self.state, call):
            if realtime and previous is not None and event.at - previous >= PAUSE_AFTER:
                await asyncio.sleep(self.realtime_step)
            previous = event.at
            if event.at >= call.ended:
                self.state.keep_recording(call)
            delivery = await self._send(call.provider, event)
            call.deliveries.append(delivery)
            self.state.deliveries.append(delivery)
        self.state.add_cdrs(call.provider, [call])
        return call

    def dial(self, provider: str, spec: CallSpec) -> asyncio.Task[SimulatedCall]:
        """Place the call an API started, in the background: the API answered already.

        The caller of the API already has the call's uuid; its webhooks and CDR follow
        soon after its answer. `wait_dialed` waits for them.
        """
        task = asyncio.create_task(self.place_call(provider, spec))
        self._dialing.add(task)
        task.add_done_callback(self._dialed)
        return task

    def _dialed(self, task: asyncio.Task[SimulatedCall]) -> None:
        """Forget a finished background call, logging why it failed if it did."""
        self._dialing.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            _LOGGER.warning("A call started through the API failed: %s", error)

    async def wait_dialed(self) -> None:
        """Wait until every background call, and any started meanwhile, is over.

        APIs such as `originate` and `call_and_bridge` answer at once; their calls post
        webhooks and file CDRs just after.
        """
        while pending := [task for task in self._dialing if not task.done()]:
            await asyncio.wait(pending)

    async def hang_up_all(self) -> None:
        """Cancel the background calls still going, as when the simulator stops."""
        tasks = list(self._dialing)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def add_cdrs(
        self,
        provider: str,
        count: int,
        *,
        outcome: str | None = None,
        direction: str | None = None,
    ) -> list[SimulatedCall]:
        """File `count` past calls, newest ending a few minutes ago, without any webhook."""
        if count < 0:
            raise ValueError("count must not be negative")
        rng = self.state.rng
        choose(provider, PROVIDERS, "provider")
        if outcome is not None:
            choose(outcome, OUTCOMES, "outcome")
        directions = ["inbound", "outbound"]
        if provider == "bulutsantralim":
            directions.append("internal")
        start = datetime.now(ISTANBUL) - timedelta(minutes=5)
        calls: list[SimulatedCall] = []
        for _ in range(count):
            start -= timedelta(seconds=rng.randint(*HISTORY_GAP_SECONDS))
            spec = CallSpec(
                direction=direction or rng.choice(directions),
                outcome=outcome or rng.choices(OUTCOMES, HISTORY_OUTCOME_WEIGHTS)[0],
                extension=f"10{rng.randint(1, 9):02d}",
                talk_seconds=rng.randint(5, 600),
            )
            calls.append(
                build_call(
                    provider,
                    spec,
                    pbx_number=self.state.provider_state(provider).did,
                    started=start,
                    rng=rng,
                )
            )
        self.state.add_cdrs(provider, calls)
        return calls

    async def deliver(self, provider: str, event: WebhookEvent) -> WebhookDelivery:
        """Post one event to the provider's receiver as it is set, and record the result."""
        delivery = await self._send(provider, event)
        self.state.deliveries.append(delivery)
        return delivery

    def fax_events(self, provider: str, fax: SimulatedFax) -> list[WebhookEvent]:
        """Return the posts a fax that arrived at `provider` causes, if it has a line."""
        line = self.lines.get(provider)
        return [] if line is None else line.fax_events(self.state, fax)

    async def _send(self, provider: str, event: WebhookEvent) -> WebhookDelivery:
        """Post one event to the receiver the provider's account configured."""
        return await self.lines[provider].post(self.sender, self.state, event)
