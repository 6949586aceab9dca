"""Bulutsantralim (Verimor) API as documented: `key` parameter, plain-text answers and errors."""

from __future__ import annotations

from aiohttp import web

from .state import SimulatorState

STATE_KEY = web.AppKey("state", SimulatorState)


def _text(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/plain")


async def _authorize(request: web.Request) -> web.Response | None:
    """Return the documented `Gecersiz anahtar` answer when the key is wrong."""
    key = request.query.get("key")
    if key is None and request.method != "GET":
        key = (await request.post()).get("key")  # type: ignore[assignment]
    if key != request.app[STATE_KEY].bulutsantralim.api_key:
        return _text(f"Gecersiz anahtar: {key or ''}", 400)
    return None


async def caller_ids(request: web.Request) -> web.Response:
    """GET /caller_ids: the PBX's outbound numbers as a JSON array of strings."""
    if (error := await _authorize(request)) is not None:
        return error
    return web.json_response(request.app[STATE_KEY].bulutsantralim.caller_ids)


def create_app(state: SimulatorState) -> web.Application:
    """Build the Bulutsantralim sub-application, mounted at /bulutsantralim."""
    app = web.Application()
    app[STATE_KEY] = state
    app.router.add_get("/caller_ids", caller_ids, name="caller_ids")
    return app
