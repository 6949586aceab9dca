"""Yenifaks credentials: the OAuth2 password and refresh grants, then Bearer tokens."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from simulator.http import STATE_KEY

INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": "Client authentication failed",
    "message": "Client authentication failed",
}
INVALID_GRANT = {
    "error": "invalid_grant",
    "error_description": "The user credentials were incorrect.",
    "message": "The user credentials were incorrect.",
}
UNSUPPORTED_GRANT = {
    "error": "unsupported_grant_type",
    "error_description": "The authorization grant type is not supported by the authorization server.",
    "hint": "Check that all required parameters have been provided",
    "message": "The authorization grant type is not supported by the authorization server.",
}
UNAUTHENTICATED = {"message": "Unauthenticated."}


async def json_body(request: web.Request) -> dict[str, Any]:
    """Return the JSON object of the body; anything else reads as no fields, as Laravel does."""
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def token(request: web.Request) -> web.Response:
    """POST /oauth/token: password and refresh_token grants."""
    user = request.app[STATE_KEY].telsam
    body = await json_body(request)
    if (
        str(body.get("client_id")) != user.client_id
        or body.get("client_secret") != user.client_secret
    ):
        return web.json_response(INVALID_CLIENT, status=401)
    grant_type = body.get("grant_type")
    if grant_type == "password":
        if (
            body.get("username") != user.username
            or body.get("password") != user.password
        ):
            return web.json_response(INVALID_GRANT, status=400)
        return web.json_response(user.issue("password"))
    if grant_type == "refresh_token":
        refresh = body.get("refresh_token")
        if refresh not in user.refresh_tokens:
            return web.json_response(
                {
                    **INVALID_GRANT,
                    "error_description": "The refresh token is invalid.",
                    "message": "The refresh token is invalid.",
                },
                status=400,
            )
        user.refresh_tokens.discard(refresh)
        return web.json_response(user.issue("refresh_token"))
    return web.json_response(UNSUPPORTED_GRANT, status=400)


def authorize(request: web.Request) -> web.Response | None:
    """Return the documented `Unauthenticated.` answer unless a live Bearer token came."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if (
        scheme.lower() == "bearer"
        and value in request.app[STATE_KEY].telsam.access_tokens
    ):
        return None
    return web.json_response(UNAUTHENTICATED, status=401)


def add_routes(app: web.Application) -> None:
    """Mount the token call."""
    app.router.add_post("/oauth/token", token, name="token")
