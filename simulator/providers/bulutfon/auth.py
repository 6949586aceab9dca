"""Bulutfon's credentials and request bodies: the master token or e-mail and password.

Credentials come in the query string, or, from the Ruby SDK, in a form body with the rest
of a POST's fields; bodies are JSON (the PHP and .NET SDKs) or forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from simulator.http import STATE_KEY, json_error

CREDENTIAL_PARAMS = frozenset({"access_token", "email", "password"})
NOT_FOUND = "Not found"


def authorize(
    request: web.Request, params: Mapping[str, str] | None = None
) -> web.Response | None:
    """Return an error answer when the request's credentials are not accepted.

    Credentials come from the query string, or from `params` (a form body) when given.
    """
    account = request.app[STATE_KEY].bulutfon
    query = request.query if params is None else params
    token = query.get("access_token")
    if token is not None:
        if token != account.token:
            return json_error("Unauthorized", 401)
        if account.token_expired:
            return json_error("Token expired", 401)
        return None
    if (
        query.get("email") == account.email
        and query.get("password") == account.password
    ):
        return None
    return json_error("Unauthorized", 401)


async def read_body(request: web.Request) -> dict[str, Any] | str:
    """Return the JSON or form fields of a POST, or why they cannot be read."""
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            return "invalid JSON body"
        return body if isinstance(body, dict) else "the body must be a JSON object"
    form = await request.post()
    return {name: value for name, value in form.items() if isinstance(value, str)}


async def authorized_body(request: web.Request) -> dict[str, Any] | web.Response:
    """Return a POST's fields once its credentials, in the query or the body, pass.

    The answer refusing the request comes back instead: the credentials' first, then
    the body's.
    """
    body = await read_body(request)
    fields = body if isinstance(body, dict) else {}
    if (error := authorize(request, _credentials(request, fields))) is not None:
        return error
    if isinstance(body, str):
        return json_error(body, 400)
    return body


def _credentials(request: web.Request, body: dict[str, Any]) -> Mapping[str, str]:
    """Return where the credentials are: the query string, else the body."""
    if CREDENTIAL_PARAMS & set(request.query):
        return request.query
    return {name: value for name, value in body.items() if isinstance(value, str)}


def without_credentials(query: Mapping[str, str]) -> dict[str, str]:
    """Return the query parameters other than credentials, to repeat or to read."""
    return {
        name: value for name, value in query.items() if name not in CREDENTIAL_PARAMS
    }


def field(body: dict[str, Any], name: str) -> str | None:
    """Return a text or number field, trimmed; None when absent, empty or anything else."""
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value).strip() or None
