"""Bulutfon API v1 as documented: credentials in the query string, JSON everywhere."""

from __future__ import annotations

from aiohttp import web

from .state import SimulatorState

STATE_KEY = web.AppKey("state", SimulatorState)


def _json_error(message: str, status: int) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _authorize(request: web.Request) -> web.Response | None:
    """Return an error answer when the request's credentials are not accepted."""
    account = request.app[STATE_KEY].bulutfon
    query = request.query
    token = query.get("access_token")
    if token is not None:
        if token != account.token:
            return _json_error("Unauthorized", 401)
        if account.token_expired:
            return _json_error("Token expired", 401)
        return None
    if (
        query.get("email") == account.email
        and query.get("password") == account.password
    ):
        return None
    return _json_error("Unauthorized", 401)


async def me(request: web.Request) -> web.Response:
    """GET /me: user, PBX and credit."""
    if (error := _authorize(request)) is not None:
        return error
    return web.json_response(request.app[STATE_KEY].bulutfon.me)


def create_app(state: SimulatorState) -> web.Application:
    """Build the Bulutfon sub-application, mounted at /bulutfon."""
    app = web.Application()
    app[STATE_KEY] = state
    app.router.add_get(r"/me{ext:(\.json)?}", me, name="me")
    return app
