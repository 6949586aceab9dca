"""Bulutfon API v1 as documented: credentials in the query string, JSON everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from .calls import ISTANBUL, SimulatedCall, _user_name, bulutfon_cdr, made_up_calls
from .faults import paginate
from .state import SimulatorState

STATE_KEY = web.AppKey("state", SimulatorState)


def _json_error(message: str, status: int) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _authorize(
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


async def extensions(request: web.Request) -> web.Response:
    """GET /extensions: the PBX's extensions, named as the call webhooks name them."""
    if (error := _authorize(request)) is not None:
        return error
    numbers = request.app[STATE_KEY].bulutfon.extensions
    return web.json_response(
        {
            "extensions": [
                {
                    "id": index,
                    "number": int(number),
                    "registered": True,
                    "caller_name": _user_name(number),
                    "email": f"dahili{number}@mail.com",
                }
                for index, number in enumerate(numbers, start=1)
            ]
        }
    )


# `time_limit` values: the last hour, 24 hours or month of calls (`cdr.md`).
TIME_LIMITS = {
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "month": timedelta(days=30),
}
CDR_PAGE_LIMIT = 100
CREDENTIAL_PARAMS = frozenset({"access_token", "email", "password"})
ORDER_FIELDS = frozenset(
    {"uuid", "direction", "caller", "callee", "call_time", "answer_time", "hangup_time"}
)


def _numbers(value: str) -> set[str]:
    """Return the comma-separated numbers of a filter parameter."""
    return {number.strip() for number in value.split(",") if number.strip()}


def _filter_cdrs(
    calls: list[SimulatedCall], query: dict[str, str]
) -> list[SimulatedCall] | str:
    """Return the calls the filters keep, or the reason a filter is refused."""
    kept = calls
    if (time_limit := query.get("time_limit")) is not None:
        if time_limit not in TIME_LIMITS:
            return "time_limit must be hour, day or month"
        since = datetime.now(ISTANBUL) - TIME_LIMITS[time_limit]
        kept = [call for call in kept if call.started >= since]
    if (missing := query.get("missing_call")) is not None:
        if missing not in ("true", "false"):
            return "missing_call must be true or false"
        kept = [call for call in kept if call.missed == (missing == "true")]
    for name in ("caller", "callee", "caller_or_callee"):
        if (value := query.get(name)) is None:
            continue
        wanted = _numbers(value)
        kept = [
            call
            for call in kept
            if (name != "callee" and call.caller in wanted)
            or (name != "caller" and call.callee in wanted)
        ]
    return kept


def _ordered(
    items: list[dict[str, Any]], order: str | None
) -> list[dict[str, Any]] | str:
    """Return the items in `field,asc|desc` order (newest first by default), or why not."""
    field, _, way = (order or "call_time,desc").partition(",")
    if field not in ORDER_FIELDS or (way or "asc") not in ("asc", "desc"):
        return f"cannot order by {order}"
    return sorted(
        items, key=lambda item: str(item.get(field) or ""), reverse=way == "desc"
    )


def _page_url(request: web.Request, page: int) -> str:
    """Return the URL of another page, without the caller's credentials."""
    query = {
        name: value
        for name, value in request.query.items()
        if name not in CREDENTIAL_PARAMS
    }
    query["page"] = str(page)
    return str(request.url.with_query(query))


async def cdrs(request: web.Request) -> web.Response:
    """GET /cdrs: the PBX's call records, newest first, 100 a page at most."""
    if (error := _authorize(request)) is not None:
        return error
    query = dict(request.query)
    try:
        page = int(query.get("page", "1"))
        limit = int(query.get("limit", str(CDR_PAGE_LIMIT)))
    except ValueError:
        return _json_error("page and limit must be numbers", 400)
    page = max(page, 1)
    limit = min(max(limit, 1), CDR_PAGE_LIMIT)
    state = request.app[STATE_KEY]
    kept = _filter_cdrs(state.bulutfon.cdrs, query)
    if isinstance(kept, str):
        return _json_error(kept, 400)
    dialect = state.dialect("bulutfon")
    items = _ordered([bulutfon_cdr(call, dialect) for call in kept], query.get("order"))
    if isinstance(items, str):
        return _json_error(items, 400)

    def made_up(number: int, count: int) -> list[dict[str, Any]]:
        calls = made_up_calls("bulutfon", state.bulutfon.did, number, count)
        return [bulutfon_cdr(call, dialect) for call in calls]

    paged = paginate(items, page, limit, made_up)
    page, total_pages = paged.page, paged.total_pages
    return web.json_response(
        {
            "cdrs": paged.items,
            "pagination": {
                "page": page,
                "total_count": paged.total_count,
                "total_pages": total_pages,
                "limit": limit,
                "previous_page": _page_url(request, page - 1) if page > 1 else None,
                "next_page": _page_url(request, page + 1)
                if page < total_pages
                else None,
            },
        }
    )


def create_app(state: SimulatorState) -> web.Application:
    """Build the Bulutfon sub-application, mounted at /bulutfon."""
    app = web.Application()
    app[STATE_KEY] = state
    app.router.add_get(r"/me{ext:(\.json)?}", me, name="me")
    app.router.add_get(r"/cdrs{ext:(\.json)?}", cdrs, name="cdrs")
    app.router.add_get(r"/extensions{ext:(\.json)?}", extensions, name="extensions")
    return app
