"""Telsam Yenifaks API as its page describes it: OAuth2 password grant, Bearer tokens, JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from simulator.faults import Fault
from simulator.providers import SimulatedProvider

from . import auth, faxes

# The error bodies of Telsam's page (seed 004), by status: the token call's, and those of
# every other call.
TOKEN_ERRORS: dict[int, dict[str, str]] = {
    400: auth.UNSUPPORTED_GRANT,
    401: auth.INVALID_CLIENT,
    404: {"message": "Not Found!"},
    500: {"message": "Unknown Error"},
}
ERRORS: dict[int, dict[str, Any]] = {
    401: auth.UNAUTHENTICATED,
    403: {"message": "This action is unauthorized."},
    404: {"message": "Not Found!"},
    422: {
        "message": "The given data was invalid.",
        "errors": {"did": ["did değeri geçersiz."]},
    },
    500: {"message": "Server Error"},
}


def _error(
    message: str, status: int, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.json_response({"message": message}, status=status, headers=headers)


def _reject(fault: Fault) -> web.Response:
    """Refuse as Laravel does: a 422 names the field, as in the send-fax example."""
    status = fault.refusal_status
    if status == 422:
        body = {"message": faxes.INVALID_DATA, "errors": {"did": [fault.message]}}
        return web.json_response(body, status=status)
    return _error(fault.message, status)


def _documented(endpoint: str, fault: Fault) -> web.Response:
    """Answer with the body the page shows for the status, one per status."""
    status = fault.error_status
    table = TOKEN_ERRORS if endpoint == "token" else ERRORS
    body = table.get(status, {"message": fault.message})
    return web.json_response(body, status=status)


PROVIDER = SimulatedProvider(
    prefix="/telsam/api/v1",
    routes=(auth.add_routes, faxes.add_routes),
    error=_error,
    too_many="Too Many Attempts.",
    reject=_reject,
    documented=_documented,
)
