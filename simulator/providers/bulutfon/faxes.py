"""Bulutfon API v1 faxes as documented (providers.md §1.7): lists, TIFF download, send.

The send call takes JSON (the PHP and .NET SDKs) or a form (the Ruby SDK, which also puts
the credentials in the form), and an attachment in Bulutfon's own pseudo data URI,
`data:<mime>;name:<file>;base64:<data>`; a standard data URL is refused, as it would not
be understood.
"""

from __future__ import annotations

import re

from aiohttp import web

from simulator import documents
from simulator.calls import international
from simulator.faxes import Attachment, FaxBook, SimulatedFax, decode_base64
from simulator.http import STATE_KEY, json_error

from .auth import NOT_FOUND, authorize, authorized_body, field
from .render import incoming_item, outgoing_detail, outgoing_item

ATTACHMENT = re.compile(
    r"^data:(?P<mime>[^;,]+);name:(?P<name>[^;]*);base64:(?P<data>.*)$", re.DOTALL
)
ATTACHMENT_TYPES = frozenset(
    {documents.PDF, documents.JPEG, documents.PNG, documents.TIFF}
)
RECEIVER_SHAPE = re.compile(r"^\d{10,13}$")
SENT = "Faks gönderildi."


def _book(request: web.Request) -> FaxBook:
    """Return the account's faxes, any that are due settled first."""
    book = request.app[STATE_KEY].bulutfon.faxes
    book.settle_due()
    return book


async def incoming_faxes(request: web.Request) -> web.Response:
    """GET /incoming-faxes: every received fax, newest first, without paging."""
    if (error := authorize(request)) is not None:
        return error
    items = [incoming_item(fax) for fax in _book(request).incoming()]
    return web.json_response({"incoming_faxes": items})


def _incoming(request: web.Request) -> SimulatedFax | None:
    fax = _book(request).find_uuid(request.match_info["uuid"])
    if fax is None or fax.direction != "incoming":
        return None
    return fax


async def incoming_fax(request: web.Request) -> web.Response:
    """GET /incoming-faxes/{uuid}: the received fax as a TIFF file."""
    if (error := authorize(request)) is not None:
        return error
    if (fax := _incoming(request)) is None:
        return json_error(NOT_FOUND, 404)
    return web.Response(
        body=fax.document,
        content_type=documents.TIFF,
        headers={"Content-Disposition": f'attachment; filename="{fax.uuid}.tiff"'},
    )


async def incoming_fax_stream(request: web.Request) -> web.Response:
    """GET /incoming-faxes/{uuid}/stream: the same TIFF, to show rather than save."""
    if (error := authorize(request)) is not None:
        return error
    if (fax := _incoming(request)) is None:
        return json_error(NOT_FOUND, 404)
    return web.Response(body=fax.document, content_type=documents.TIFF)


async def outgoing_faxes(request: web.Request) -> web.Response:
    """GET /outgoing-faxes: every sent fax, newest first, without recipients."""
    if (error := authorize(request)) is not None:
        return error
    items = [outgoing_item(fax) for fax in _book(request).outgoing()]
    return web.json_response({"faxes": items})


async def outgoing_fax(request: web.Request) -> web.Response:
    """GET /outgoing-faxes/{id}: a sent fax and each recipient's state."""
    if (error := authorize(request)) is not None:
        return error
    fax = _book(request).find(request.match_info["id"])
    if fax is None or fax.direction != "outgoing":
        return json_error(NOT_FOUND, 404)
    return web.json_response({"fax": outgoing_detail(fax)})


def _receivers(value: str) -> list[str] | str:
    """Return the comma-separated receivers as `90…` numbers, or why one is refused."""
    numbers: list[str] = []
    for part in value.split(","):
        number = part.strip()
        if not number:
            continue
        if not RECEIVER_SHAPE.match(number):
            return f"invalid receiver: {number}"
        numbers.append(international(number))
    return numbers or "receivers is missing"


def _attachment(value: str) -> Attachment | str:
    """Return the decoded attachment, or why it is refused."""
    match = ATTACHMENT.match(value)
    if match is None:
        return "invalid attachment: expected data:<mime>;name:<file>;base64:<data>"
    mime = match["mime"].strip().lower()
    if mime not in ATTACHMENT_TYPES:
        return f"unsupported attachment type: {mime}"
    try:
        content = decode_base64(match["data"])
    except ValueError:
        return "invalid attachment: bad base64"
    return Attachment(mime, content, match["name"] or None)


async def send_fax(request: web.Request) -> web.Response:
    """POST /outgoing-faxes: queue one fax to every receiver; it waits until it settles."""
    body = await authorized_body(request)
    if isinstance(body, web.Response):
        return body
    state = request.app[STATE_KEY]
    account = state.bulutfon
    receivers_text, did = field(body, "receivers"), field(body, "did")
    attachment_text = body.get("attachment")
    if receivers_text is None:
        return json_error("receivers is missing", 400)
    if did is None:
        return json_error("did is missing", 400)
    if not isinstance(attachment_text, str) or not attachment_text.strip():
        return json_error("attachment is missing", 400)
    receivers = _receivers(receivers_text)
    if isinstance(receivers, str):
        return json_error(receivers, 400)
    if international(did) != account.did:
        return json_error(f"did not found: {did}", 400)
    attachment = _attachment(attachment_text.strip())
    if isinstance(attachment, str):
        return json_error(attachment, 400)
    title = body.get("title")
    account.faxes.keep_sent([attachment])
    fax = account.faxes.send(
        local=account.did,
        remotes=receivers,
        attachments=[attachment],
        rng=state.rng,
        subject=title.strip() if isinstance(title, str) and title.strip() else None,
    )
    return web.json_response({"message": SENT, "fax": outgoing_detail(fax)})


def add_routes(app: web.Application) -> None:
    """Mount the fax calls, each with a `.json` twin."""
    json_ext = r"{ext:(\.json)?}"
    app.router.add_get(
        f"/incoming-faxes{json_ext}", incoming_faxes, name="incoming_faxes"
    )
    app.router.add_get(
        r"/incoming-faxes/{uuid:[^/.]+}/stream",
        incoming_fax_stream,
        name="incoming_fax_stream",
    )
    app.router.add_get(
        r"/incoming-faxes/{uuid:[^/.]+}" + json_ext, incoming_fax, name="incoming_fax"
    )
    app.router.add_get(
        f"/outgoing-faxes{json_ext}", outgoing_faxes, name="outgoing_faxes"
    )
    app.router.add_post(f"/outgoing-faxes{json_ext}", send_fax, name="send_fax")
    app.router.add_get(
        r"/outgoing-faxes/{id:[^/.]+}" + json_ext, outgoing_fax, name="outgoing_fax"
    )
