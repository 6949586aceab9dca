"""The simulator application: three provider APIs, fault injection and a control API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
import json
from typing import Any

from aiohttp import web

from . import control
from .calls import SimulatedCall, choose
from .faults import (
    HTML_ERROR_PAGE,
    PAGING_FAULTS,
    Fault,
    FaultKind,
    paging_fault,
    with_bad_record,
)
from .fax_office import FaxOffice
from .http import STATE_KEY
from .providers import SimulatedProvider, bulutfon, bulutsantralim, telsam
from .providers.bulutfon.calls import set_webhook
from .providers.bulutsantralim.render import BOOLEANS
from .state import (
    BulutfonState,
    BulutsantralimState,
    RequestRecord,
    SimulatorState,
    TelsamState,
)
from .switchboard import Switchboard
from .webhooks import WebhookSender

PROVIDERS: dict[str, SimulatedProvider] = {
    "bulutfon": bulutfon.PROVIDER,
    "bulutsantralim": bulutsantralim.PROVIDER,
    "telsam": telsam.PROVIDER,
}
PREFIXES: dict[str, str] = {name: each.prefix for name, each in PROVIDERS.items()}
# Fax files arrive base64-encoded inside JSON or form bodies; aiohttp's 1 MiB default would
# refuse an ordinary multi-page scan.
MAX_BODY_BYTES = 32 * 1024 * 1024

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _with_bad_record(response: web.StreamResponse) -> web.StreamResponse:
    """Put a record no parser can read first in a JSON list answer."""
    if (
        not isinstance(response, web.Response)
        or response.content_type != "application/json"
    ):
        return response
    assert isinstance(response.body, bytes)
    body = with_bad_record(json.loads(response.body))
    return web.json_response(body, status=response.status)


def _fault_middleware(name: str, state: SimulatorState) -> Any:
    """Log every request of a provider and apply the fault injected for its endpoint."""
    provider = PROVIDERS[name]

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route
        endpoint = route.name or request.path
        state.requests.append(
            RequestRecord(name, endpoint, request.method, request.path)
        )
        fault = state.take_fault(name, endpoint)
        if fault is None:
            return await handler(request)
        if (refusal := provider.refusal(fault, endpoint)) is not None:
            return refusal
        if fault.kind in PAGING_FAULTS:
            with paging_fault(fault.kind):
                return await handler(request)
        if fault.kind is FaultKind.BAD_RECORD:
            return await _with_bad_record(await handler(request))
        if fault.kind is FaultKind.SERVER_ERROR:
            return web.Response(
                text=HTML_ERROR_PAGE, status=fault.status, content_type="text/html"
            )
        if fault.kind is FaultKind.HTML:
            return web.Response(
                text=HTML_ERROR_PAGE, status=200, content_type="text/html"
            )
        if fault.kind is FaultKind.SLOW:
            await asyncio.sleep(fault.delay)
            return await handler(request)
        response = await handler(request)
        assert isinstance(response, web.Response) and isinstance(response.body, bytes)
        body = response.body
        return web.Response(
            body=body[: max(1, len(body) // 2)],
            status=response.status,
            content_type=response.content_type,
        )

    return middleware


def new_switchboard(state: SimulatorState) -> Switchboard:
    """Return a switchboard over `state` with every calling provider's line."""
    lines = {name: each.line for name, each in PROVIDERS.items() if each.line}
    return Switchboard(state, WebhookSender(), lines)


def create_app(
    state: SimulatorState, switchboard: Switchboard | None = None
) -> web.Application:
    """Mount the three providers under their prefixes, and the control API under /_control.

    Without a `switchboard` the application makes its own, whose client session closes
    with the application.
    """
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[STATE_KEY] = state
    board = switchboard or new_switchboard(state)

    async def close_sender(_app: web.Application) -> None:
        await board.hang_up_all()
        await board.sender.close()

    app.on_cleanup.append(close_sender)
    for name, provider in PROVIDERS.items():
        sub = provider.create_app(state, board)
        sub.middlewares.append(_fault_middleware(name, state))
        app.add_subapp(provider.prefix, sub)
    control.add_routes(app, board)
    return app


class Simulator:
    """A running simulator on one host and port, for tests and for `scripts/develop`."""

    def __init__(self, state: SimulatorState | None = None) -> None:
        """Prepare the application; nothing listens until `start`."""
        self.state = state or SimulatorState()
        self.switchboard = new_switchboard(self.state)
        self.sender = self.switchboard.sender
        self.fax_office = FaxOffice(self.switchboard)
        self.app = create_app(self.state, self.switchboard)
        # Calls and faxes happen on the switchboard and at the fax office.
        self.place_call = self.switchboard.place_call
        self.add_cdrs = self.switchboard.add_cdrs
        self.wait_dialed = self.switchboard.wait_dialed
        self.receive_fax = self.fax_office.receive
        self.settle_faxes = self.fax_office.settle
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on `host:port` (port 0 picks a free one) and open the webhook session."""
        await self.sender.start()
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server  # noqa: SLF001
        assert server is not None
        bound_port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.base_url = f"http://{host}:{bound_port}"

    async def stop(self) -> None:
        """Stop listening and close the webhook session; safe to call more than once."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.sender.close()

    def url(self, provider: str) -> str:
        """Return the API root of `provider`, as a client's base URL."""
        return f"{self.base_url}{PREFIXES[provider]}"

    def state_of(
        self, provider: str
    ) -> BulutfonState | BulutsantralimState | TelsamState:
        """Return the simulated account of `provider`, with its faxes and sent documents."""
        return self.state.provider_state(provider)

    def inject(self, provider: str, endpoint: str, fault: Fault) -> None:
        """Make one endpoint misbehave."""
        self.state.inject(provider, endpoint, fault)

    def set_dialect(self, provider: str, dialect: str) -> None:
        """Serve the lists of `provider` in another documented shape (`state.DIALECTS`)."""
        self.state.set_dialect(provider, dialect)

    def count(self, provider: str | None = None, endpoint: str | None = None) -> int:
        """How many requests matched."""
        return self.state.count(provider, endpoint)

    def set_bulutfon_webhook(
        self,
        url: str,
        fmt: str = "json",
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        """Point Bulutfon's webhook at `url` ("json" or "form"), with optional Basic auth."""
        set_webhook(self.state.bulutfon, url, fmt, username, password)

    def find_call(self, provider: str, call_uuid: str) -> SimulatedCall | None:
        """Return the filed call of `provider` with this uuid, if there is one yet."""
        return self.state.find_cdr(provider, call_uuid)

    def set_user_status(self, extension: str | int, status: str) -> None:
        """Set what Verimor's `user_statuses` says of an extension.

        `status` is AVAILABLE, TALKING, UNREGISTERED or SS_DND; an unknown extension or
        status raises ValueError.
        """
        self.state.bulutsantralim.set_user_status(str(extension), status)

    def queue_caller(
        self, queue: str | int, caller_id: str, joined_at: datetime | None = None
    ) -> str:
        """Put a caller in a Bulutsantralim queue (200 exists); return its uuid."""
        board = self.state.bulutsantralim.queues
        return board.queue_caller(str(queue), caller_id, joined_at).uuid

    def unqueue(self, which: str) -> None:
        """Let a waiting caller go, by its uuid or caller id; ValueError if none waits."""
        self.state.bulutsantralim.queues.unqueue(which)

    def leave_voicemail(
        self,
        extension: str,
        caller_id: str,
        *,
        caller_name: str = "",
        duration: int = 12,
        when: datetime | None = None,
    ) -> str:
        """Leave a message in a Bulutsantralim extension's voicemail box; return its uuid."""
        boxes = self.state.bulutsantralim.voicemail
        return boxes.leave(
            extension, caller_id, caller_name=caller_name, duration=duration, when=when
        ).uuid

    def read_voicemail(self, which: str) -> None:
        """Listen to a Bulutsantralim voicemail, by uuid; ValueError if there is none."""
        self.state.bulutsantralim.voicemail.mark_read(which)

    def set_agent_status(
        self, agent: str | int, status: str, break_description: str = ""
    ) -> None:
        """Set what a Bulutsantralim agent (1001 and 1002 serve queue 200) is doing.

        `status` is AVAILABLE, TALKING, LOGGED_OUT or ON_BREAK; unknown ones raise ValueError.
        """
        self.state.bulutsantralim.queues.set_agent_status(
            str(agent), status, break_description
        )

    def set_extensions(self, provider: str, numbers: list[str | int]) -> None:
        """Replace the extensions the PBX of `provider` has, as its administrator would.

        Each number has 2 to 6 digits, the first not 0, and appears once; anything else,
        or another provider, raises ValueError. On Bulutsantralim the statuses of removed
        extensions are forgotten.
        """
        self.state.set_extensions(provider, numbers)

    def set_crm_integration(
        self,
        notification_url: str,
        *,
        ringing: bool = True,
        answered: bool = True,
        hangup: bool = True,
        booleans: str = "true/false",
    ) -> None:
        """Set Bulutsantralim's event webhook directly, skipping the URL's validation post.

        `booleans` spells `answered` and `recording_present` as "true/false" or, as seed
        002 documents them, "t/f"; anything else raises ValueError.
        """
        crm = self.state.bulutsantralim.crm
        crm.booleans = choose(booleans, tuple(BOOLEANS), "booleans")
        crm.notification_url = notification_url
        crm.ringing, crm.answered, crm.hangup = (
            "on" if switch else "off" for switch in (ringing, answered, hangup)
        )
