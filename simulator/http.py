"""What every simulated API shares: where its handlers find the simulator, plain answers.

The top-level application and each provider's sub-application hold the same state under
`STATE_KEY`, and the calling providers the switchboard under `SWITCHBOARD_KEY`.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from .state import SimulatorState
from .switchboard import Switchboard

STATE_KEY = web.AppKey("state", SimulatorState)
SWITCHBOARD_KEY = web.AppKey("switchboard", Switchboard)


def json_error(
    message: str, status: int = 400, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Return `{"error": message}`: Bulutfon's refusals and the control API's."""
    return web.json_response({"error": message}, status=status, headers=headers)


def text(
    body: str, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Return a plain-text answer, as Verimor gives every one that is not a list."""
    return web.Response(
        text=body, status=status, content_type="text/plain", headers=headers
    )
