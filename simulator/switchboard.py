"""The simulated PBXs at work: calls that post their webhooks and leave CDRs behind.

A placed call posts its events to the receiver the account configured, in order, then files
its CDR, so a client sees the same call through push and poll, as with the real providers.
Calls that a client starts through an API (Verimor's `originate`, Bulutfon's
`call_and_bridge`) go on in the background, since those APIs answer before anyone picks up.
A call in real time is live until its hang-up is posted: the PBX's API may hang it up
sooner or move it to another extension meanwhile (`hang_up`, `transfer`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
import logging
from typing import Any
import uuid as uuid_lib

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


def no_transfer_events(
    _state: SimulatorState, _call: SimulatedCall, _at: datetime
) -> list[WebhookEvent]:
    """Announce nothing, for a provider whose API moves no call."""
    return []


@dataclass(frozen=True, slots=True)
class Line:
    """How a provider reports to the receiver its account configured.

    `events` are the posts a call causes, in order, as the account asked for them (none
    without a receiver); `fax_events` those a received fax causes; `transferred` those
    an answered call causes when the API moves it to its (new) extension at a moment;
    `post` sends one.
    """

    events: Callable[[SimulatorState, SimulatedCall], list[WebhookEvent]]
    post: Callable[
        [WebhookSender, SimulatorState, WebhookEvent], Awaitable[WebhookDelivery]
    ]
    fax_events: Callable[[SimulatorState, SimulatedFax], list[WebhookEvent]] = no_events
    transferred: Callable[
        [SimulatorState, SimulatedCall, datetime], list[WebhookEvent]
    ] = no_transfer_events


@dataclass(slots=True)
class LiveCall:
    """A call going on in real time, which the PBX's API may end or move meanwhile."""

    call: SimulatedCall
    hung_up: bool = False
    # Its hang-up is being posted: too late to change anything.
    ending: bool = False
    # The extensions it was moved to, oldest first, not yet taken over.
    transfers: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, seconds: float) -> None:
        """Wait `seconds`, or less when the API changes the call meanwhile."""
        try:
            async with asyncio.timeout(seconds):
                await self.changed.wait()
        except TimeoutError:
            pass
        self.changed.clear()


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
        self._live: dict[tuple[str, str], LiveCall] = {}

    async def place_call(
        self,
        provider: str,
        spec: CallSpec | None = None,
        *,
        realtime: bool = False,
        hold: float | None = None,
        **fields: Any,
    ) -> SimulatedCall:
        """Make a call happen: post its webhooks in order, then add its CDR.

        Without `realtime` the call has just ended and its posts go out at once; with it
        the call starts now and the posts are `realtime_step` seconds apart wherever the
        call's own clock moves on, but for the hang-up: `hold` seconds after the post
        before it, if given. Until then the call is live (`hang_up`, `transfer`). A
        recorded call's recording is kept as the call ends, before the hang-up post, so
        a receiver can fetch it as soon as it hears of the hang-up. `fields` change the
        `CallSpec` by name (`outcome="missed"`). The status of each post is in the
        returned call's `deliveries` (and in `state.deliveries`); a receiver that fails
        is recorded there, never raised. Raises ValueError on input the provider could
        not see.
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
        live = LiveCall(call)
        key = (call.provider, call.uuid)
        if realtime:
            self._live[key] = live
        try:
            await self._go_through(live, realtime, hold)
        finally:
            if self._live.get(key) is live:
                del self._live[key]
        self.state.add_cdrs(call.provider, [call])
        return call

    async def _go_through(
        self, live: LiveCall, realtime: bool, hold: float | None
    ) -> None:
        """Post the call's events in order, taking in what the API changed meanwhile."""
        call = live.call
        line = self.lines[call.provider]
        events = line.events(self.state, call)
        posted, previous = 0, None
        while posted < len(events):
            if realtime:
                event = events[posted]
                if previous is not None and event.at - previous >= PAUSE_AFTER:
                    last = event.at >= call.ended
                    seconds = self.realtime_step
                    if last and hold is not None:
                        seconds = hold
                    await self._pause(live, seconds, previous)
                await self._take_changes(live, previous)
                # What is left to post follows from the call as it now is.
                events = line.events(self.state, call)
            event = events[posted]
            if event.at >= call.ended:
                live.ending = True
                self.state.keep_recording(call)
            previous = event.at
            await self._post(call, event)
            posted += 1

    async def _pause(
        self, live: LiveCall, seconds: float, previous: datetime | None
    ) -> None:
        """Wait `seconds` of the call's course, or until the API hangs it up.

        A transfer meanwhile is taken over at once; the pause goes on.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not live.hung_up and (left := deadline - loop.time()) > 0:
            await live.wait(left)
            if live.transfers and not live.hung_up:
                await self._take_changes(live, previous)

    async def _take_changes(self, live: LiveCall, previous: datetime | None) -> None:
        """Take over what the API changed: a new extension, then a hang-up.

        An answered call's new extension is announced at once; a ringing call's answer,
        still to come, names it. A hang-up ends the call now, on its clock never before
        its last post.
        """
        call = live.call
        answered = _announced_answer(call, previous)
        moment = max(datetime.now(ISTANBUL), previous or call.started)
        if live.transfers:
            call.extension = live.transfers[-1]
            live.transfers.clear()
            if answered:
                line = self.lines[call.provider]
                for event in line.transferred(self.state, call, moment):
                    await self._post(call, event)
        if live.hung_up and not live.ending:
            call.cut(moment, answered=answered)
            live.ending = True

    async def _post(self, call: SimulatedCall, event: WebhookEvent) -> None:
        """Post one of the call's events, keeping the delivery with the call and state."""
        delivery = await self._send(call.provider, event)
        call.deliveries.append(delivery)
        self.state.deliveries.append(delivery)

    def live_call(self, provider: str, call_uuid: str) -> SimulatedCall | None:
        """Return the call of `provider` going on with this uuid, if one is."""
        live = self._live.get((provider, call_uuid))
        return None if live is None or live.ending else live.call

    def hang_up(self, provider: str, call_uuid: str) -> bool:
        """End a live call now, as the PBX's API does; False if no such call goes on.

        Its hang-up is posted and its CDR filed as for a call that ended by itself.
        """
        live = self._live.get((provider, call_uuid))
        if live is None or live.ending or live.hung_up:
            return False
        live.hung_up = True
        live.changed.set()
        return True

    def transfer(self, provider: str, call_uuid: str, extension: str) -> bool:
        """Move a live call to `extension`; False if no such call goes on.

        An answered call's new extension is announced as answering at once; a ringing
        one rings on, and its answer names the new extension.
        """
        live = self._live.get((provider, call_uuid))
        if live is None or live.ending or live.hung_up:
            return False
        live.transfers.append(extension)
        live.changed.set()
        return True

    def dial(
        self,
        provider: str,
        spec: CallSpec,
        *,
        realtime: bool = False,
        hold: float | None = None,
    ) -> asyncio.Task[SimulatedCall]:
        """Place the call an API started, in the background: the API answered already.

        The caller of the API already has the call's uuid; its webhooks and CDR follow
        soon after its answer (in real time, as `place_call` says). `wait_dialed` waits
        for them.
        """
        task = asyncio.create_task(
            self.place_call(provider, spec, realtime=realtime, hold=hold)
        )
        self._dialing.add(task)
        task.add_done_callback(self._dialed)
        return task

    def check_call(self, provider: str, spec: CallSpec) -> CallSpec:
        """Return `spec` with a uuid of its own, or raise ValueError as `place_call` would.

        For a call to go on in the background, whose caller needs its uuid beforehand.
        """
        choose(provider, PROVIDERS, "provider")
        spec = replace(
            spec,
            uuid=spec.uuid
            or str(uuid_lib.UUID(int=self.state.rng.getrandbits(128), version=4)),
        )
        build_call(provider, spec, pbx_number=self.state.provider_state(provider).did)
        return spec

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


def _announced_answer(call: SimulatedCall, previous: datetime | None) -> bool:
    """Return whether the call's answer was posted, `previous` being the last post's time."""
    return (
        call.answered is not None and previous is not None and previous >= call.answered
    )
