"""Bulutsantralim (Verimor) faxes as documented (providers.md §2.4).

Orders are sent as forms with a standard data URL and answered with the order id in plain
text; they wait in `/fax_orders` ("Bekliyor") until they settle, then show up in `/fdrs` as
outgoing records. A fax's document is fetched from a one-hour URL that needs no key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
import re
from typing import Any

from aiohttp import web

from . import documents
from .bulutsantralim import (
    CDR_LIMITS,
    MAX_CDR_RANGE,
    STATE_KEY,
    _authorize,
    _dumps,
    _stamp,
    _text,
)
from .calls import ISTANBUL, international, national
from .faults import paginate
from .faxes import Attachment, FaxBook, SimulatedFax, decode_base64, made_up_faxes

DATA_URL = re.compile(r"^data:(?P<mime>[^;,]+);base64,(?P<data>.*)$", re.DOTALL)
FILE_TYPES = frozenset({documents.PDF, documents.PNG, documents.JPEG, documents.TIFF})
STATION_SHAPE = re.compile(r"^\+?\d{3,15}$")
DOCUMENT_URL_LIFETIME = timedelta(hours=1)
TRANSFER_RATE = 14400
ANSWER_DELAY = timedelta(seconds=4)
# `direction` filter values: the /cdrs words, and the words the records use.
DIRECTION_FILTERS = {
    "inbound": "incoming",
    "outbound": "outgoing",
    "Gelen": "incoming",
    "Giden": "outgoing",
}


def _record_stamp(moment: datetime | None) -> str | None:
    """Return Verimor's record time, `2017-08-03 12:30:32 +0300`."""
    if moment is None:
        return None
    return moment.astimezone(ISTANBUL).strftime("%Y-%m-%d %H:%M:%S %z")


def fdr_item(fax: SimulatedFax) -> dict[str, Any]:
    """Return a finished fax as an item of `GET /fdrs`; `success` is a real boolean."""
    incoming = fax.direction == "incoming"
    success = fax.status == "success"
    return {
        "call_uuid": fax.uuid,
        "direction": "Gelen" if incoming else "Giden",
        "caller_id_number": national(fax.remote) if incoming else fax.local,
        "local_station_header": fax.header,
        "original_destination": fax.local if incoming else fax.remote,
        "pages_count": f"{fax.pages if success else 0} / {fax.pages}",
        "transfer_rate": TRANSFER_RATE if success else 0,
        "start_stamp": _record_stamp(fax.started),
        "answer_stamp": _record_stamp(fax.started + ANSWER_DELAY) if success else None,
        "end_stamp": _record_stamp(fax.ended),
        "duration": fax.duration_seconds,
        "success": success,
        "result": "Başarılı" if success else "Başarısız",
    }


def order_item(fax: SimulatedFax) -> dict[str, Any]:
    """Return a waiting fax as an item of `GET /fax_orders`."""
    return {
        "id": fax.id,
        "created_at": fax.created.astimezone(ISTANBUL).strftime("%Y-%m-%d %H:%M:%S"),
        "local_station_id": fax.local,
        "remote_station_id": fax.remote,
        "status": "Bekliyor",
    }


def _book(request: web.Request) -> FaxBook:
    """Return the PBX's faxes, any that are due settled first."""
    book = request.app[STATE_KEY].bulutsantralim.faxes
    book.settle_due()
    return book


def _paging(query: dict[str, str]) -> tuple[int, int] | str:
    """Return `(page, limit)` as /cdrs reads them, or the plain-text refusal."""
    try:
        limit = int(query.get("limit", str(CDR_LIMITS[0])))
        page = int(query.get("page", "1"))
    except ValueError:
        return "invalid limit or page"
    if not CDR_LIMITS[0] <= limit <= CDR_LIMITS[1]:
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


def _filter_fdrs(
    faxes: list[SimulatedFax], query: dict[str, str]
) -> list[dict[str, Any]] | str:
    """Return the records the filters keep, newest first, or why a filter is refused."""
    bounds: dict[str, datetime] = {}
    for name in ("start_stamp_from", "start_stamp_to"):
        if (value := query.get(name)) is not None:
            try:
                bounds[name] = _stamp(value)
            except ValueError:
                return f"invalid {name}: {value}"
    since, until = bounds.get("start_stamp_from"), bounds.get("start_stamp_to")
    if since is not None and (until or datetime.now(ISTANBUL)) - since > MAX_CDR_RANGE:
        return "date range cannot be longer than 31 days"
    kept = sorted(
        (
            fax
            for fax in faxes
            if not fax.pending
            and (since is None or fax.started >= since)
            and (until is None or fax.started <= until)
        ),
        key=lambda fax: fax.started,
        reverse=True,
    )
    if (direction := query.get("direction")) is not None:
        wanted = DIRECTION_FILTERS.get(direction)
        kept = [fax for fax in kept if fax.direction == wanted]
    items = [fdr_item(fax) for fax in kept]
    if (success := query.get("success")) is not None:
        items = [item for item in items if str(item["success"]).lower() == success]
    for name in ("caller_id_number", "original_destination"):
        if (value := query.get(name)) is not None:
            items = [item for item in items if item[name] == value]
    return items


async def fdrs(request: web.Request) -> web.Response:
    """GET /fdrs: finished faxes, in and out, newest first, 10 to 100 a page."""
    if (error := await _authorize(request)) is not None:
        return error
    query = dict(request.query)
    paging = _paging(query)
    if isinstance(paging, str):
        return _text(paging, 400)
    items = _filter_fdrs(_book(request).faxes, query)
    if isinstance(items, str):
        return _text(items, 400)
    pbx = request.app[STATE_KEY].bulutsantralim

    def made_up(number: int, count: int) -> list[dict[str, Any]]:
        return [fdr_item(fax) for fax in made_up_faxes(pbx.did, number, count)]

    return _listed("fdrs", items, *paging, made_up)


async def fax_orders(request: web.Request) -> web.Response:
    """GET /fax_orders: the orders still waiting to be sent, newest first."""
    if (error := await _authorize(request)) is not None:
        return error
    paging = _paging(dict(request.query))
    if isinstance(paging, str):
        return _text(paging, 400)
    items = [order_item(fax) for fax in _book(request).pending()]
    return _listed("fax_orders", items, *paging)


def _form_text(form: Mapping[str, object], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _filedata(value: str) -> Attachment | str:
    """Return the decoded `data:<mime>;base64,<data>` file, or the plain-text refusal."""
    if not value:
        return "filedata is missing"
    match = DATA_URL.match(value)
    if match is None:
        return "invalid filedata"
    mime = match["mime"].strip().lower()
    if mime not in FILE_TYPES:
        return f"unsupported file type: {mime}"
    try:
        content = decode_base64(match["data"])
    except ValueError:
        return "invalid base64"
    return Attachment(mime, content)


async def create_fax_order(request: web.Request) -> web.Response:
    """POST /fax_orders: queue a fax; answer its order id in plain text."""
    if (error := await _authorize(request)) is not None:
        return error
    state = request.app[STATE_KEY]
    pbx = state.bulutsantralim
    form = await request.post()
    remote = _form_text(form, "remote_station_id")
    if not remote:
        return _text("remote_station_id is missing", 400)
    if not STATION_SHAPE.match(remote):
        return _text(f"invalid remote_station_id: {remote}", 400)
    local = _form_text(form, "local_station_id")
    own = {international(number) for number in pbx.caller_ids}
    if local and international(local) not in own:
        return _text(f"invalid local_station_id: {local}", 400)
    attachment = _filedata(_form_text(form, "filedata"))
    if isinstance(attachment, str):
        return _text(attachment, 400)
    header = _form_text(form, "local_station_header")
    pbx.faxes.keep_sent([attachment])
    fax = pbx.faxes.send(
        local=international(local) if local else pbx.did,
        remotes=[international(remote)],
        attachments=[attachment],
        rng=state.rng,
        subject=header or None,
        header=header,
    )
    return _text(str(fax.id))


async def fax_document_url(request: web.Request) -> web.Response:
    """POST /fax_document_url: a one-hour URL of a finished fax's document, in plain text."""
    if (error := await _authorize(request)) is not None:
        return error
    pbx = request.app[STATE_KEY].bulutsantralim
    form = await request.post()
    call_uuid = _form_text(form, "call_uuid") or request.query.get("call_uuid", "")
    fax = _book(request).find_uuid(call_uuid) if call_uuid else None
    if fax is None or fax.pending:
        return _text(f"cannot find fax with call_uuid {call_uuid}", 400)
    pbx.fax_document_urls[call_uuid] = datetime.now(ISTANBUL)
    path = request.app.router["fax_document"].url_for(uuid=call_uuid)
    return _text(str(request.url.origin().join(path)))


async def fax_document(request: web.Request) -> web.Response:
    """GET /fax_document/F{uuid}: the document, while its URL is less than an hour old."""
    pbx = request.app[STATE_KEY].bulutsantralim
    call_uuid = request.match_info["uuid"]
    issued = pbx.fax_document_urls.get(call_uuid)
    fax = pbx.faxes.find_uuid(call_uuid)
    if (
        fax is None
        or issued is None
        or datetime.now(ISTANBUL) - issued > DOCUMENT_URL_LIFETIME
    ):
        return _text("Not Found", 404)
    return web.Response(
        body=fax.document,
        content_type=documents.PDF,
        headers={"Content-Disposition": 'attachment; filename="belge.pdf"'},
    )


def add_routes(app: web.Application) -> None:
    """Mount the fax calls on the Bulutsantralim sub-application."""
    app.router.add_get("/fdrs", fdrs, name="fdrs")
    app.router.add_get("/fax_orders", fax_orders, name="fax_orders")
    app.router.add_post("/fax_orders", create_fax_order, name="fax_orders_create")
    app.router.add_post("/fax_document_url", fax_document_url, name="fax_document_url")
    app.router.add_get("/fax_document/F{uuid}", fax_document, name="fax_document")
