"""The simulator application: three provider APIs, fault injection and a control API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
import json
from typing import Any

from aiohttp import web

from . import (
    bulutfon,
    bulutfon_calls,
    bulutfon_faxes,
    bulutsantralim,
    bulutsantralim_calls,
    bulutsantralim_faxes,
    control,
    telsam,
    telsam_faxes,
)
from .calls import BULUTSANTRALIM_BOOLEANS, SimulatedCall, choose
from .faults import (
    HTML_ERROR_PAGE,
    PAGING_FAULTS,
    Fault,
    FaultKind,
    paging_fault,
    with_bad_record,
)
from .fax_office import FaxOffice
from .faxes import SimulatedFax
from .state import (
    BulutfonState,
    BulutsantralimState,
    RequestRecord,
    SimulatorState,
    TelsamState,
)
from .switchboard import Switchboard
from .webhooks import WebhookSender

PREFIXES: dict[str, str] = {
    "bulutfon": "/bulutfon",
    "bulutsantralim": "/bulutsantralim",
    "telsam": "/telsam/api/v1",
}
STATE_KEY = web.AppKey("state", SimulatorState)
# Fax files arrive base64-encoded inside JSON or form bodies; aiohttp's 1 MiB default would
# refuse an ordinary multi-page scan.
MAX_BODY_BYTES = 32 * 1024 * 1024

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _rate_limited(provider: str, fault: Fault) -> web.Response:
    headers = {"Retry-After": str(fault.retry_after)}
    if provider == "bulutsantralim":
        return web.Response(text="Too Many Requests", status=429, headers=headers)
    if provider == "telsam":
        return web.json_response(
            {"message": "Too Many Attempts."}, status=429, headers=headers
        )
    return web.json_response(
        {"error": "Too Many Requests"}, status=429, headers=headers
    )


def _rejected(provider: str, fault: Fault) -> web.Response:
    status = fault.status if 400 <= fault.status < 500 else 400
    if provider == "bulutsantralim":
        return web.Response(text=fault.message, status=status)
    if provider == "telsam":
        if (
            status == 422
        ):  # Laravel validation errors, as in the Yenifaks send-fax example
            body = {
                "message": "The given data was invalid.",
                "errors": {"did": [fault.message]},
            }
            return web.json_response(body, status=status)
        return web.json_response({"message": fault.message}, status=status)
    return web.json_response({"error": fault.message}, status=status)


# The error bodies of Telsam's page (seed 004), by status: the token call's, and those of
# every other call.
TELSAM_TOKEN_ERRORS: dict[int, dict[str, str]] = {
    400: telsam.UNSUPPORTED_GRANT,
    401: telsam.INVALID_CLIENT,
    404: {"message": "Not Found!"},
    500: {"message": "Unknown Error"},
}
TELSAM_ERRORS: dict[int, dict[str, Any]] = {
    401: telsam.UNAUTHENTICATED,
    403: {"message": "This action is unauthorized."},
    404: {"message": "Not Found!"},
    422: {
        "message": "The given data was invalid.",
        "errors": {"did": ["did değeri geçersiz."]},
    },
    500: {"message": "Server Error"},
}


def _documented_error(provider: str, endpoint: str, fault: Fault) -> web.Response:
    """Answer `fault.status` (4xx or 5xx) with the body the provider's document shows.

    Telsam's page shows one per status; Bulutfon's errors carry an `error` key and
    Bulutsantralim's are plain text, both with `fault.message`.
    """
    status = fault.status if 400 <= fault.status < 600 else 500
    if provider == "telsam":
        table = TELSAM_TOKEN_ERRORS if endpoint == "token" else TELSAM_ERRORS
        body = table.get(status, {"message": fault.message})
        return web.json_response(body, status=status)
    if provider == "bulutsantralim":
        return web.Response(text=fault.message, status=status)
    return web.json_response({"error": fault.message}, status=status)


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


def _fault_middleware(provider: str, state: SimulatorState) -> Any:
    """Log every request of a provider and apply the fault injected for its endpoint."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route
        endpoint = route.name or request.path
        state.requests.append(
            RequestRecord(provider, endpoint, request.method, request.path)
        )
        fault = state.take_fault(provider, endpoint)
        if fault is None:
            return await handler(request)
        if fault.kind is FaultKind.RATE_LIMIT:
            return _rate_limited(provider, fault)
        if fault.kind is FaultKind.REJECT:
            return _rejected(provider, fault)
        if fault.kind is FaultKind.DOCUMENTED_ERROR:
            return _documented_error(provider, endpoint, fault)
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


async def _control_faults(request: web.Request) -> web.Response:
    """POST a fault, DELETE to clear all."""
    state = request.app[STATE_KEY]
    if request.method == "DELETE":
        state.clear_faults()
        return web.json_response({"faults": 0})
    body = await request.json()
    fault = Fault(
        kind=FaultKind(body["kind"]),
        times=body.get("times", 1),
        retry_after=int(body.get("retry_after", 30)),
        delay=float(body.get("delay", 5.0)),
        status=int(body.get("status", 503)),
        message=str(body.get("message", "request refused")),
    )
    state.inject(body["provider"], body["endpoint"], fault)
    return web.json_response({"faults": len(state.faults)})


async def _control_expire(request: web.Request) -> web.Response:
    """Expire the credentials a provider issued: Bulutfon's token, Telsam's access tokens."""
    state = request.app[STATE_KEY]
    provider = request.match_info["provider"]
    if provider == "bulutfon":
        state.bulutfon.token_expired = True
    elif provider == "telsam":
        state.telsam.expire_access_tokens()
    else:
        raise web.HTTPNotFound
    return web.json_response({"expired": provider})


async def _control_requests(request: web.Request) -> web.Response:
    """How many requests each endpoint answered."""
    counts: dict[str, int] = {}
    for record in request.app[STATE_KEY].requests:
        key = f"{record.provider}/{record.endpoint}"
        counts[key] = counts.get(key, 0) + 1
    return web.json_response(counts)


def create_app(
    state: SimulatorState, switchboard: Switchboard | None = None
) -> web.Application:
    """Mount the three providers under their prefixes, and the control API under /_control.

    Without a `switchboard` the application makes its own, whose client session closes
    with the application.
    """
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[STATE_KEY] = state
    if switchboard is None:
        switchboard = Switchboard(state, WebhookSender())
    sender = switchboard.sender

    async def close_sender(_app: web.Application) -> None:
        await switchboard.hang_up_all()
        await sender.close()

    app.on_cleanup.append(close_sender)
    subapps = {
        "bulutfon": bulutfon.create_app(state),
        "bulutsantralim": bulutsantralim.create_app(state, sender),
        "telsam": telsam.create_app(state),
    }
    bulutfon_faxes.add_routes(subapps["bulutfon"])
    bulutfon_calls.add_routes(subapps["bulutfon"], switchboard)
    bulutsantralim_faxes.add_routes(subapps["bulutsantralim"])
    bulutsantralim_calls.add_routes(subapps["bulutsantralim"], switchboard)
    telsam_faxes.add_routes(subapps["telsam"])
    for name, sub in subapps.items():
        sub.middlewares.append(_fault_middleware(name, state))
        app.add_subapp(PREFIXES[name], sub)
    control.add_routes(app, switchboard)
    app.router.add_route("POST", "/_control/faults", _control_faults)
    app.router.add_route("DELETE", "/_control/faults", _control_faults)
    app.router.add_post("/_control/{provider}/expire", _control_expire)
    app.router.add_get("/_control/requests", _control_requests)
    return app


class Simulator:
    """A running simulator on one host and port, for tests and for `scripts/develop`."""

    def __init__(self, state: SimulatorState | None = None) -> None:
        """Prepare the application; nothing listens until `start`."""
        self.state = state or SimulatorState()
        self.sender = WebhookSender()
        self.switchboard = Switchboard(self.state, self.sender)
        self.fax_office = FaxOffice(self.switchboard)
        self.app = create_app(self.state, self.switchboard)
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
    ) -> SimulatedCall:
        """Place a call: post its webhooks in order, then file its CDR.

        The status of each post is in the returned call's `deliveries` (and in
        `state.deliveries`); a receiver that fails is recorded there, never raised.
        """
        return await self.switchboard.place_call(
            provider,
            direction=direction,
            outcome=outcome,
            caller=caller,
            callee=callee,
            extension=extension,
            talk_seconds=talk_seconds,
            recording=recording,
            realtime=realtime,
        )

    def add_cdrs(
        self,
        provider: str,
        count: int,
        *,
        outcome: str | None = None,
        direction: str | None = None,
    ) -> list[SimulatedCall]:
        """File `count` past calls of `provider`, without webhooks."""
        return self.switchboard.add_cdrs(
            provider, count, outcome=outcome, direction=direction
        )

    def set_bulutfon_webhook(
        self,
        url: str,
        fmt: str = "json",
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        """Point Bulutfon's webhook at `url` ("json" or "form"), with optional Basic auth."""
        self.switchboard.set_bulutfon_webhook(url, fmt, username, password)

    async def wait_dialed(self) -> None:
        """Wait until the calls started through `originate` or `call_and_bridge` are over.

        Those APIs answer at once and their calls post webhooks and file CDRs just after.
        """
        await self.switchboard.wait_dialed()

    def find_call(self, provider: str, call_uuid: str) -> SimulatedCall | None:
        """Return the filed call of `provider` with this uuid, if there is one yet."""
        return self.state.find_cdr(provider, call_uuid)

    def set_user_status(self, extension: str | int, status: str) -> None:
        """Set what Verimor's `user_statuses` says of an extension.

        `status` is AVAILABLE, TALKING, UNREGISTERED or SS_DND; an unknown extension or
        status raises ValueError.
        """
        self.state.bulutsantralim.set_user_status(str(extension), status)

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
        crm.booleans = choose(booleans, tuple(BULUTSANTRALIM_BOOLEANS), "booleans")
        crm.notification_url = notification_url
        crm.ringing, crm.answered, crm.hangup = (
            "on" if switch else "off" for switch in (ringing, answered, hangup)
        )

    async def receive_fax(
        self,
        provider: str,
        *,
        sender: str | None = None,
        pages: int = 1,
        at: datetime | None = None,
    ) -> SimulatedFax:
        """Receive a fax of `pages` pages from `sender` (default a random number).

        It is filed at once with its document; on Bulutfon it also posts `fax_init` to
        the webhook, if one is set (see the fax's `deliveries`). `at` backdates it.
        """
        return await self.fax_office.receive(
            provider, sender=sender, pages=pages, at=at
        )

    def settle_faxes(
        self, provider: str, outcome: str = "success", fax_id: int | str | None = None
    ) -> int:
        """Settle the pending sent fax `fax_id`, or all of them, as "success" or "failed".

        Returns how many settled. Each provider's lists show the outcome from then on.
        """
        return self.fax_office.settle(provider, outcome, fax_id)
