"""Bulutsantralim (Verimor) faxes as documented (providers.md §2.4).

Orders are sent as forms with a standard data URL and answered with the order id in plain
text; they wait in `/fax_orders` ("Bekliyor") until they settle, then show up in `/fdrs` as
outgoing records. A fax's document is fetched from a one-hour URL that needs no key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
import re
from typing import Any

from aiohttp import web

from simulator import documents
from simulator.calls import ISTANBUL, international
from simulator.faxes import (
    Attachment,
    FaxBook,
    SimulatedFax,
    decode_base64,
    made_up_faxes,
)
from simulator.http import STATE_KEY, text

from .auth import authorize
from .lists import answer_list, start_range
from .render import fdr_item, order_item

DATA_URL = re.compile(r"^data:(?P<mime>[^;,]+);base64,(?P<data>.*)$", re.DOTALL)
FILE_TYPES = frozenset({documents.PDF, documents.PNG, documents.JPEG, documents.TIFF})
STATION_SHAPE = re.compile(r"^\+?\d{3,15}$")
DOCUMENT_URL_LIFETIME = timedelta(hours=1)
# `direction` filter values: the /cdrs words, and the words the records use.
DIRECTION_FILTERS = {
    "inbound": "incoming",
    "outbound": "outgoing",
    "Gelen": "incoming",
    "Giden": "outgoing",
}


def _book(request: web.Request) -> FaxBook:
    """Return the PBX's faxes, any that are due settled first."""
    book = request.app[STATE_KEY].bulutsantralim.faxes
    book.settle_due()
    return book


def _filter_fdrs(
    faxes: list[SimulatedFax], query: Mapping[str, str]
) -> list[dict[str, Any]] | str:
    """Return the records the filters keep, newest first, or why a filter is refused."""
    within = start_range(query)
    if isinstance(within, str):
        return within
    kept = sorted(
        (fax for fax in faxes if not fax.pending and within.holds(fax.started)),
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
    if (error := await authorize(request)) is not None:
        return error
    pbx = request.app[STATE_KEY].bulutsantralim

    def made_up(number: int, count: int) -> list[dict[str, Any]]:
        return [fdr_item(fax) for fax in made_up_faxes(pbx.did, number, count)]

    return answer_list(
        "fdrs",
        request.query,
        lambda query: _filter_fdrs(_book(request).faxes, query),
        made_up,
    )


async def fax_orders(request: web.Request) -> web.Response:
    """GET /fax_orders: the orders still waiting to be sent, newest first."""
    if (error := await authorize(request)) is not None:
        return error
    return answer_list(
        "fax_orders",
        request.query,
        lambda _query: [order_item(fax) for fax in _book(request).pending()],
    )


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
    if (error := await authorize(request)) is not None:
        return error
    state = request.app[STATE_KEY]
    pbx = state.bulutsantralim
    form = await request.post()
    remote = _form_text(form, "remote_station_id")
    if not remote:
        return text("remote_station_id is missing", 400)
    if not STATION_SHAPE.match(remote):
        return text(f"invalid remote_station_id: {remote}", 400)
    local = _form_text(form, "local_station_id")
    own = {international(number) for number in pbx.caller_ids}
    if local and international(local) not in own:
        return text(f"invalid local_station_id: {local}", 400)
    attachment = _filedata(_form_text(form, "filedata"))
    if isinstance(attachment, str):
        return text(attachment, 400)
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
    return text(str(fax.id))


async def fax_document_url(request: web.Request) -> web.Response:
    """POST /fax_document_url: a one-hour URL of a finished fax's document, in plain text."""
    if (error := await authorize(request)) is not None:
        return error
    pbx = request.app[STATE_KEY].bulutsantralim
    form = await request.post()
    call_uuid = _form_text(form, "call_uuid") or request.query.get("call_uuid", "")
    fax = _book(request).find_uuid(call_uuid) if call_uuid else None
    if fax is None or fax.pending:
        return text(f"cannot find fax with call_uuid {call_uuid}", 400)
    pbx.fax_document_urls[call_uuid] = datetime.now(ISTANBUL)
    path = request.app.router["fax_document"].url_for(uuid=call_uuid)
    return text(str(request.url.origin().join(path)))


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
        return text("Not Found", 404)
    return web.Response(
        body=fax.document,
        content_type=documents.PDF,
        headers={"Content-Disposition": 'attachment; filename="belge.pdf"'},
    )


def add_routes(app: web.Application) -> None:
    """Mount the fax records, orders and documents."""
    app.router.add_get("/fdrs", fdrs, name="fdrs")
    app.router.add_get("/fax_orders", fax_orders, name="fax_orders")
    app.router.add_post("/fax_orders", create_fax_order, name="fax_orders_create")
    app.router.add_post("/fax_document_url", fax_document_url, name="fax_document_url")
    app.router.add_get("/fax_document/F{uuid}", fax_document, name="fax_document")
