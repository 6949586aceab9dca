"""The simulated PBXs at work: calls that post their webhooks and leave CDRs behind.

A placed call posts its events to the receiver the account configured, in order, then files
its CDR, so a client sees the same call through push and poll, as with the real providers.
Calls that a client starts through an API (Verimor's `originate`, Bulutfon's
`call_and_bridge`) go on in the background, since those APIs answer before anyone picks up.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
import logging
from typing import cast

from .calls import (
    ISTANBUL,
    OUTCOMES,
    PROVIDERS,
    SimulatedCall,
    WebhookDelivery,
    WebhookEvent,
    build_call,
    bulutfon_webhooks,
    bulutsantralim_webhooks,
    choose,
    form_fields,
)
from .state import SimulatorState, WebhookFormat
from .webhooks import WebhookSender

_LOGGER = logging.getLogger(__name__)
# Historic CDRs are spread over the past at these gaps between call starts, in seconds.
HISTORY_GAP_SECONDS = (120, 1800)
# The share of each outcome among historic CDRs made without a fixed outcome.
HISTORY_OUTCOME_WEIGHTS = (70, 20, 10)
# In real time, a post waits when the call's clock moved on this much since the previous one.
PAUSE_AFTER = timedelta(seconds=1)


class Switchboard:
    """Place calls and file records for the calling providers of one simulator state."""

    def __init__(self, state: SimulatorState, sender: WebhookSender) -> None:
        """Work on `state` and post through `sender`."""
        self.state = state
        self.sender = sender
        self.realtime_step = 2.0
        self._dialing: set[asyncio.Task[SimulatedCall]] = set()

    def _pbx_number(self, provider: str) -> str:
        if provider == "bulutfon":
            return self.state.bulutfon.did
        return self.state.bulutsantralim.did

    async def place_call(
        self,
        provider: str,
        *,
        direction: str = "inbound",
        outcome: str = "answered",
        caller: str | None = None,
        callee: str | None = None,
        extension: str = "1001",
        talk_seconds: int = 35,
        recording: bool | None = None,
        realtime: bool = False,
        uuid: str | None = None,
    ) -> SimulatedCall:
        """Make a call happen: post its webhooks in order, then add its CDR.

        Without `realtime` the call has just ended and its posts go out at once; with it
        the call starts now and the posts are `realtime_step` seconds apart wherever the
        call's own clock moves on. A recorded call's recording is kept as the call ends,
        before the hang-up post, so a receiver can fetch it as soon as it hears of the
        hang-up. `uuid` is the call's, when an API already answered it. Raises ValueError
        on input the provider could not see.
        """
        now = datetime.now(ISTANBUL)
        call = build_call(
            provider,
            pbx_number=self._pbx_number(provider),
            direction=direction,
            outcome=outcome,
            caller=caller,
            callee=callee,
            extension=extension,
            talk_seconds=talk_seconds,
            recording=recording,
            started=now if realtime else None,
            ended=None if realtime else now,
            rng=self.state.rng,
            uuid=uuid,
        )
        previous: datetime | None = None
        for event in self._events_to_send(call):
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

    def dial(
        self,
        provider: str,
        *,
        uuid: str,
        extension: str,
        callee: str,
        caller: str | None = None,
    ) -> asyncio.Task[SimulatedCall]:
        """Place an answered, recorded outbound call in the background, as APIs start them.

        The caller of the API already has `uuid`; the call's webhooks and CDR follow soon
        after its answer. `wait_dialed` waits for them.
        """
        task = asyncio.create_task(
            self.place_call(
                provider,
                direction="outbound",
                caller=caller,
                callee=callee,
                extension=extension,
                recording=True,
                uuid=uuid,
            )
        )
        self._dialing.add(task)
        task.add_done_callback(self._dialed)
        return task

    def _dialed(self, task: asyncio.Task[SimulatedCall]) -> None:
        """Forget a finished background call, logging why it failed if it did."""
        self._dialing.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            _LOGGER.warning("A call started through the API failed: %s", error)

    async def wait_dialed(self) -> None:
        """Wait until every background call, and any started meanwhile, is over."""
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
            calls.append(
                build_call(
                    provider,
                    pbx_number=self._pbx_number(provider),
                    direction=direction or rng.choice(directions),
                    outcome=outcome
                    or rng.choices(OUTCOMES, HISTORY_OUTCOME_WEIGHTS)[0],
                    extension=f"10{rng.randint(1, 9):02d}",
                    talk_seconds=rng.randint(5, 600),
                    started=start,
                    rng=rng,
                )
            )
        self.state.add_cdrs(provider, calls)
        return calls

    def set_bulutfon_webhook(
        self,
        url: str,
        fmt: str = "json",
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        """Point Bulutfon's webhook at `url`, as its panel does, with optional Basic auth."""
        webhook = self.state.bulutfon.webhook
        webhook.url = url
        webhook.format = cast("WebhookFormat", choose(fmt, ("json", "form"), "format"))
        webhook.username = username or None
        webhook.password = password or None

    async def deliver(self, provider: str, event: WebhookEvent) -> WebhookDelivery:
        """Post one event to the provider's receiver as it is set, and record the result."""
        delivery = await self._send(provider, event)
        self.state.deliveries.append(delivery)
        return delivery

    def _events_to_send(self, call: SimulatedCall) -> list[WebhookEvent]:
        """Return the call's events the account asked for; none without a receiver."""
        if call.provider == "bulutfon":
            account = self.state.bulutfon
            if not account.webhook.url:
                return []
            return bulutfon_webhooks(
                call, domain_id=account.domain_id, account_id=account.account_id
            )
        pbx = self.state.bulutsantralim
        if not pbx.crm.notification_url:
            return []
        events = bulutsantralim_webhooks(
            call, domain_id=pbx.domain_id, booleans=pbx.crm.booleans
        )
        return [event for event in events if pbx.crm.sends(event.event_type)]

    async def _send(self, provider: str, event: WebhookEvent) -> WebhookDelivery:
        """Post one event as the provider does: Verimor always a form, Bulutfon as set."""
        if provider == "bulutsantralim":
            url = self.state.bulutsantralim.crm.notification_url
            return await self.sender.post(
                event.event_type, url, form=form_fields(event.fields)
            )
        webhook = self.state.bulutfon.webhook
        auth = None
        if webhook.username:
            auth = (webhook.username, webhook.password or "")
        if webhook.format == "form":
            return await self.sender.post(
                event.event_type,
                webhook.url,
                form=form_fields(event.fields),
                basic_auth=auth,
            )
        return await self.sender.post(
            event.event_type, webhook.url, json=event.fields, basic_auth=auth
        )
