"""The simulated providers, one package each: its routes, words, credentials and errors.

Each package describes itself in one `SimulatedProvider`, which is all the application
needs to mount it and to answer an injected fault in that provider's style.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from simulator.faults import Fault, FaultKind
from simulator.http import STATE_KEY, SWITCHBOARD_KEY
from simulator.state import SimulatorState
from simulator.switchboard import Line, Switchboard

type Routes = Callable[[web.Application], None]
type ErrorAnswer = Callable[[str, int, Mapping[str, str] | None], web.Response]


@dataclass(frozen=True, slots=True)
class SimulatedProvider:
    """One provider: where its API lives, its routes, and how it refuses.

    `error(message, status, headers)` is the provider's own error answer; `too_many` the
    message of its 429. `reject` and `documented` replace the plain error where the
    provider's document shows other bodies; `documented` takes the endpoint, as some
    documents show one body for the token call and another for the rest. `line` is how a
    calling provider reports calls to its account's receiver; a fax-only one has none.
    """

    prefix: str
    routes: tuple[Routes, ...]
    error: ErrorAnswer
    too_many: str = "Too Many Requests"
    reject: Callable[[Fault], web.Response] | None = None
    documented: Callable[[str, Fault], web.Response] | None = None
    line: Line | None = None

    def create_app(
        self, state: SimulatorState, switchboard: Switchboard
    ) -> web.Application:
        """Build the provider's sub-application, to mount at `prefix`."""
        app = web.Application()
        app[STATE_KEY] = state
        app[SWITCHBOARD_KEY] = switchboard
        for add_routes in self.routes:
            add_routes(app)
        return app

    def refusal(self, fault: Fault, endpoint: str) -> web.Response | None:
        """Return the answer a refusing fault gives instead of the endpoint's, or None."""
        if fault.kind is FaultKind.RATE_LIMIT:
            return self.error(self.too_many, 429, fault.retry_headers)
        if fault.kind is FaultKind.REJECT:
            if self.reject is not None:
                return self.reject(fault)
            return self.error(fault.message, fault.refusal_status, None)
        if fault.kind is FaultKind.DOCUMENTED_ERROR:
            if self.documented is not None:
                return self.documented(endpoint, fault)
            return self.error(fault.message, fault.error_status, None)
        return None
