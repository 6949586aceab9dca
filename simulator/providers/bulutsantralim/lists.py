"""How Verimor serves its record lists (`/cdrs`, `/fdrs`, `/fax_orders`).

Pages hold 10 to 100 records (10 by default) under Verimor's pagination object, and the
record lists take a start-time range of at most 31 days; a range open at the end runs
until now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import functools
import json
from typing import Any

from aiohttp import web

from simulator.calls import ISTANBUL
from simulator.faults import paginate
from simulator.http import text

MAX_RANGE = timedelta(days=31)
PAGE_LIMITS = (10, 100)
STAMP_FORMATS = ("%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M:%S %z")
# Verimor answers Turkish words ("Cevaplandı", "Santral içi") as UTF-8, not \u escapes.
_dumps = functools.partial(json.dumps, ensure_ascii=False)


def _stamp(value: str) -> datetime:
    """Parse a `start_stamp_from`/`_to` value, `2017-08-03 12:30:32 UTC` as documented."""
    for layout in STAMP_FORMATS:
        try:
            moment = datetime.strptime(value, layout)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise ValueError(value)


@dataclass(frozen=True, slots=True)
class StartRange:
    """The `start_stamp_from` and `start_stamp_to` of a list request; None is open."""

    since: datetime | None
    until: datetime | None

    def holds(self, moment: datetime) -> bool:
        """Return whether a record that started at `moment` is in the range."""
        return (self.since is None or moment >= self.since) and (
            self.until is None or moment <= self.until
        )


def start_range(query: Mapping[str, str]) -> StartRange | str:
    """Return the start-time range asked for, or the plain-text reason it is refused."""
    bounds: dict[str, datetime] = {}
    for name in ("start_stamp_from", "start_stamp_to"):
        if (value := query.get(name)) is not None:
            try:
                bounds[name] = _stamp(value)
            except ValueError:
                return f"invalid {name}: {value}"
    since, until = bounds.get("start_stamp_from"), bounds.get("start_stamp_to")
    if since is not None and (until or datetime.now(ISTANBUL)) - since > MAX_RANGE:
        return "date range cannot be longer than 31 days"
    return StartRange(since, until)


def _paging(query: Mapping[str, str]) -> tuple[int, int] | str:
    """Return `(page, limit)` of a list request, or the plain-text refusal."""
    try:
        limit = int(query.get("limit", str(PAGE_LIMITS[0])))
        page = int(query.get("page", "1"))
    except ValueError:
        return "invalid limit or page"
    if not PAGE_LIMITS[0] <= limit <= PAGE_LIMITS[1]:
        return "limit must be between 10 and 100"
    if page < 1:
        return "invalid page"
    return page, limit


def _listed(
    name: str,
    items: list[dict[str, Any]],
    page: int,
    limit: int,
    made_up: Callable[[int, int], list[dict[str, Any]]] | None = None,
) -> web.Response:
    """Return one page of `items` under `name`, with Verimor's pagination object.

    `made_up(page, count)` fills the pages of a list that a fault makes endless.
    """
    paged = paginate(items, page, limit, made_up or (lambda _page, _count: []))
    return web.json_response(
        {
            name: paged.items,
            "pagination": {
                "page": paged.page,
                "total_count": paged.total_count,
                "total_pages": paged.total_pages,
                "limit": limit,
            },
        },
        dumps=_dumps,
    )


def answer_list(
    name: str,
    query: Mapping[str, str],
    records: Callable[[Mapping[str, str]], list[dict[str, Any]] | str],
    made_up: Callable[[int, int], list[dict[str, Any]]] | None = None,
) -> web.Response:
    """Answer a list request: the page asked for of the `records` its filters keep.

    The paging is checked first, then the filters; either answers its refusal as text.
    """
    pages = _paging(query)
    if isinstance(pages, str):
        return text(pages, 400)
    items = records(query)
    if isinstance(items, str):
        return text(items, 400)
    return _listed(name, items, *pages, made_up)
