"""Bounded paging: a list that never ends costs each read its cap, a normal backlog passes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import homeassistant.util.dt as dt_util
import pytest

from custom_components.santral.const import CALL_HISTORY_OVERLAP, FAX_HISTORY_OVERLAP
from custom_components.santral.providers import (
    BulutfonClient,
    BulutsantralimClient,
    TelsamClient,
)
from custom_components.santral.providers.paging import (
    BUSY_CALLS_PER_HOUR,
    BUSY_FAXES_PER_HOUR,
    LONGEST_WINDOW,
    MOST_PAGES,
    page_cap,
    pagination_number,
)
from simulator import Fault, FaultKind, Simulator
from simulator.calls import build_call
from tests.helpers import PAGED_LISTS, PagedList, capped_warnings


def client_of(
    simulator: Simulator, session: aiohttp.ClientSession, provider: str
) -> BulutfonClient | BulutsantralimClient | TelsamClient:
    """Return a client of `provider` with the simulator's credentials."""
    state = simulator.state
    if provider == "bulutfon":
        return BulutfonClient(
            session, token=state.bulutfon.token, base_url=simulator.url("bulutfon")
        )
    if provider == "bulutsantralim":
        return BulutsantralimClient(
            session,
            api_key=state.bulutsantralim.api_key,
            base_url=simulator.url("bulutsantralim"),
        )
    return TelsamClient(
        session,
        username=state.telsam.username,
        password=state.telsam.password,
        client_id=state.telsam.client_id,
        client_secret=state.telsam.client_secret,
        base_url=simulator.url("telsam"),
    )


async def read(client: Any, paged: PagedList, since: datetime) -> list[Any]:
    """Read the list the way a poll does, from `since`."""
    if paged.kind == "calls":
        return list(await client.async_get_calls_since(since))
    records = await client.async_get_faxes_since(since)
    return [record for record in records if not record.fax_id.startswith("order-")]


async def file_items(simulator: Simulator, paged: PagedList, count: int) -> None:
    """File `count` real items of the list, all within the last hour."""
    if paged.kind == "calls":
        now = dt_util.utcnow()
        calls = [
            build_call(
                paged.provider,
                pbx_number="908508850000",
                ended=now - timedelta(minutes=1 + index),
            )
            for index in range(count)
        ]
        simulator.state.add_cdrs(paged.provider, calls)
        return
    for index in range(count):
        await simulator.receive_fax(
            paged.provider, at=dt_util.utcnow() - timedelta(minutes=1 + index)
        )


def test_caps_follow_the_window() -> None:
    """The figures of each list, and how the cap grows with the window and stops growing."""
    now = datetime.now(UTC)
    for paged in PAGED_LISTS.values():
        per_hour = BUSY_CALLS_PER_HOUR if paged.kind == "calls" else BUSY_FAXES_PER_HOUR
        assert (
            page_cap(
                now - paged.window, now, per_hour=per_hour, page_size=paged.page_size
            )
            == paged.cap
        )

    def calls(window: timedelta, page_size: int = 100) -> int:
        return page_cap(
            now - window,
            now,
            per_hour=BUSY_CALLS_PER_HOUR,
            page_size=page_size,
        )

    # Bearings read exactly the 5-hour overlap; a few milliseconds more cost the same.
    assert calls(CALL_HISTORY_OVERLAP) == 61
    assert calls(CALL_HISTORY_OVERLAP + timedelta(milliseconds=3)) == 61
    # An hourly poll reads 6 hours; after a long outage the window counts as two days.
    assert calls(timedelta(hours=6)) == 71
    assert calls(timedelta(days=30)) == calls(LONGEST_WINDOW) == 491
    # A provider's odd page size cannot make a read cost more than the ceiling.
    assert calls(timedelta(hours=5), page_size=1) == MOST_PAGES
    assert calls(timedelta(0)) == calls(timedelta(hours=-1)) == 11


@pytest.mark.parametrize("name", list(PAGED_LISTS))
async def test_never_ending_list_costs_the_cap(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    """Every page full and another always offered: each read stops at the cap, warned once."""
    paged = PAGED_LISTS[name]
    simulator.inject(
        paged.provider, paged.endpoint, Fault(FaultKind.ENDLESS_PAGES, times=None)
    )
    client = client_of(simulator, session, paged.provider)
    for attempt in (1, 2):
        since = datetime.now(UTC) - paged.window
        records = await read(client, paged, since)
        assert simulator.count(paged.provider, paged.endpoint) == paged.cap * attempt
        assert len(records) == paged.cap * paged.page_size
        assert len({getattr(r, "call_id", None) or r.fax_id for r in records}) == len(
            records
        )
        assert len(capped_warnings(caplog)) == 1


@pytest.mark.parametrize("dialect", ["default", "pages", "bare"])
async def test_never_ending_telsam_list_in_every_shape(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    dialect: str,
) -> None:
    """Telsam's list costs its cap whether it pages with URLs, page numbers or not at all."""
    paged = PAGED_LISTS["telsam_fax"]
    simulator.set_dialect("telsam", dialect)
    simulator.inject("telsam", "fax_list", Fault(FaultKind.ENDLESS_PAGES, times=None))
    client = client_of(simulator, session, "telsam")
    records = await read(client, paged, datetime.now(UTC) - paged.window)
    assert simulator.count("telsam", "fax_list") == paged.cap
    assert len(records) == paged.cap * paged.page_size
    assert len(capped_warnings(caplog)) == 1


@pytest.mark.parametrize("name", list(PAGED_LISTS))
@pytest.mark.parametrize("kind", [FaultKind.EMPTY_PAGES, FaultKind.REPEATED_PAGE])
async def test_empty_or_repeated_page_ends_the_read(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    name: str,
    kind: FaultKind,
) -> None:
    """A page with nothing, or nothing new, ends the read at once, without a warning."""
    paged = PAGED_LISTS[name]
    await file_items(simulator, paged, 5)
    simulator.inject(paged.provider, paged.endpoint, Fault(kind, times=None))
    client = client_of(simulator, session, paged.provider)
    records = await read(client, paged, datetime.now(UTC) - paged.window)
    assert simulator.count(paged.provider, paged.endpoint) == 2
    assert len(records) == 5
    assert capped_warnings(caplog) == []


@pytest.mark.parametrize("provider", ["bulutfon", "bulutsantralim"])
async def test_busy_office_backlog_passes(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    provider: str,
) -> None:
    """Bearings over the 5-hour overlap of a 10,000-call day (2,100 calls) read them all."""
    now = dt_util.utcnow()
    count = 2100
    step = (CALL_HISTORY_OVERLAP - timedelta(minutes=1)) / count
    calls = [
        build_call(provider, pbx_number="908508850000", ended=now - step * index)
        for index in range(count)
    ]
    simulator.state.add_cdrs(provider, calls)
    client = client_of(simulator, session, provider)
    records = await client.async_get_calls_since(
        datetime.now(UTC) - CALL_HISTORY_OVERLAP
    )
    assert {record.call_id for record in records} == {call.uuid for call in calls}
    assert simulator.count(provider, "cdrs") == count // 100
    assert capped_warnings(caplog) == []


async def _serving(
    session: aiohttp.ClientSession,
    path: str,
    body: Callable[[int], Any],
    method: str = "GET",
) -> tuple[str, TestServer, list[int]]:
    """Run a server answering `path` with `body(page)`; return its URL, it and the pages."""
    asked: list[int] = []

    async def handle(request: web.Request) -> web.Response:
        page = int(request.query.get("page", "1"))
        asked.append(page)
        return web.json_response(body(page))

    async def token(_request: web.Request) -> web.Response:
        return web.json_response({"access_token": "a", "refresh_token": "r"})

    app = web.Application()
    app.router.add_route(method, path, handle)
    app.router.add_post("/oauth/token", token)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    return str(server.make_url("")).rstrip("/"), server, asked


def _bulutfon_cdr(page: int, index: int) -> dict[str, Any]:
    return {
        "uuid": f"p{page}-{index}",
        "bf_calltype": "voice",
        "direction": "IN",
        "caller": 905321234567,
        "callee": 908508850000,
        "call_time": dt_util.utcnow().isoformat(timespec="seconds"),
        "answer_time": None,
        "hangup_time": dt_util.utcnow().isoformat(timespec="seconds"),
    }


async def test_bulutfon_total_pages_has_the_last_word(
    session: aiohttp.ClientSession,
) -> None:
    """A `next_page` on the last of `total_pages` is not followed."""
    url, server, asked = await _serving(
        session,
        "/cdrs",
        lambda page: {
            "cdrs": [_bulutfon_cdr(page, index) for index in range(3)],
            "pagination": {
                "page": page,
                "total_pages": 2,
                "limit": 3,
                "next_page": f"https://api.bulutfon.com/cdrs?page={page + 1}",
            },
        },
    )
    client = BulutfonClient(session, token="t", base_url=url)
    records = await client.async_get_calls_since(datetime.now(UTC) - timedelta(hours=5))
    await server.close()
    assert asked == [1, 2]
    assert len(records) == 6


@pytest.mark.parametrize(
    ("paging", "pages"),
    [
        # Laravel's paginator: the URL, unless `last_page` says this is the last.
        (lambda page: {"next_page_url": f"/fax?page={page + 1}", "last_page": 2}, 2),
        (lambda page: {"next_page_url": None, "last_page": 9}, 1),
        # Page numbers only.
        (lambda page: {"current_page": page, "last_page": 3}, 3),
        # An API resource: `meta` and `links`.
        (lambda page: {"meta": {"current_page": page, "last_page": 2}}, 2),
        (
            lambda page: {
                "links": {"next": f"/fax?page={page + 1}" if page < 4 else None}
            },
            4,
        ),
        # No word on paging: until a page is empty or repeats (here: always 2 new faxes).
        (lambda page: {}, None),
    ],
)
async def test_telsam_paging_shapes(
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    paging: Callable[[int], dict[str, Any]],
    pages: int | None,
) -> None:
    """Each shape of Laravel paging is read to its last page, and not past it."""

    def body(page: int) -> dict[str, Any]:
        faxes = [
            {"id": page * 10 + index, "call_type": "incoming", "status": "success"}
            for index in range(2)
        ]
        return {"data": faxes} | paging(page)

    url, server, asked = await _serving(session, "/fax", body, method="POST")
    client = TelsamClient(
        session,
        username="u",
        password="p",
        client_id="1",
        client_secret="s",
        base_url=url,
    )
    since = datetime.now(UTC) - FAX_HISTORY_OVERLAP
    records = await client.async_get_faxes_since(since)
    await server.close()
    if pages is None:  # never ends: the cap for pages of 2, warned once
        pages = page_cap(
            since, datetime.now(UTC), per_hour=BUSY_FAXES_PER_HOUR, page_size=15
        )
        assert len(capped_warnings(caplog)) == 1
    assert asked == list(range(1, pages + 1))
    assert len(records) == 2 * pages


async def test_telsam_bare_list_reads_until_empty(
    session: aiohttp.ClientSession,
) -> None:
    """A bare list is read until a page comes back empty; its length is the page size."""
    url, server, asked = await _serving(
        session,
        "/fax",
        lambda page: [
            {"id": page * 10 + index, "call_type": "incoming", "status": "success"}
            for index in range(3 if page < 3 else 0)
        ],
        method="POST",
    )
    client = TelsamClient(
        session,
        username="u",
        password="p",
        client_id="1",
        client_secret="s",
        base_url=url,
    )
    records = await client.async_get_faxes_since(datetime.now(UTC) - timedelta(days=1))
    await server.close()
    assert asked == [1, 2, 3]
    assert len(records) == 6


def test_pagination_numbers() -> None:
    """Page counts and sizes come as integers or text; anything else counts as unsaid."""
    assert [pagination_number(value) for value in (7, " 7 ", "0", 0, -2)] == [
        7,
        7,
        None,
        None,
        None,
    ]
    assert [pagination_number(value) for value in (True, "x", 2.5, None)] == [None] * 4


async def test_pagination_as_text(session: aiohttp.ClientSession) -> None:
    """`total_pages` and `limit` as text are read as the numbers they spell."""
    url, server, asked = await _serving(
        session,
        "/cdrs",
        lambda page: {
            "cdrs": [_bulutfon_cdr(page, index) for index in range(3)],
            "pagination": {"total_pages": "3", "limit": "3", "next_page": "more"},
        },
    )
    client = BulutfonClient(session, token="t", base_url=url)
    records = await client.async_get_calls_since(datetime.now(UTC) - timedelta(hours=5))
    await server.close()
    assert asked == [1, 2, 3]
    assert len(records) == 9
