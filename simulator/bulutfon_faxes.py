"""Bulutfon API v1 faxes as documented (providers.md §1.7): lists, TIFF download, send.

The send call takes JSON (the PHP and .NET SDKs) or a form (the Ruby SDK, which also puts
the credentials in the form), and an attachment in Bulutfon's own pseudo data URI,
`data:<mime>;name:<file>;base64:<data>`; a standard data URL is refused, as it would not
be understood.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
import re
from typing import Any

from aiohttp import web

from . import documents
from .bulutfon import CREDENTIAL_PARAMS, STATE_KEY, _authorize, _json_error
from .calls import ISTANBUL, international
from .faxes import Attachment, FaxBook, SimulatedFax, decode_base64

ATTACHMENT = re.compile(
    r"^data:(?P<mime>[^;,]+);name:(?P<name>[^;]*);base64:(?P<data>.*)$", re.DOTALL
)
ATTACHMENT_TYPES = frozenset(
    {documents.PDF, documents.JPEG, documents.PNG, documents.TIFF}
)
RECEIVER_SHAPE = re.compile(r"^\d{10,13}$")
SENT = "Faks gönderildi."
NOT_FOUND = "Not found"
# Per status of a sent fax: the recipient's state, hang-up cause and who hung up.
RECIPIENT_STATES: dict[str, tuple[str, str | None, str | None]] = {
    "pending": ("WAITING", None, None),
    "success": ("SENT", "NORMAL_CLEARING", "send_bye"),
    "failed": ("FAILED", "NO_ANSWER", "send_cancel"),
}


def _time(moment: datetime) -> str:
    """Return Bulutfon's fax time, with milliseconds: `2014-04-19T21:52:52.721+03:00`."""
    return moment.astimezone(ISTANBUL).isoformat(timespec="milliseconds")


def _receiver(number: str) -> int:
    """Return the receiving DID as the document's example shows it: 8508850000, no 90."""
    return int(number.removeprefix("90"))


def incoming_item(fax: SimulatedFax) -> dict[str, Any]:
    """Return a received fax as an item of `GET /incoming-faxes`."""
    return {
        "uuid": fax.uuid,
        "sender": int(fax.remote),
        "receiver": _receiver(fax.local),
        "created_at": _time(fax.created),
    }


def outgoing_item(fax: SimulatedFax) -> dict[str, Any]:
    """Return a sent fax as an item of `GET /outgoing-faxes`."""
    return {
        "id": fax.id,
        "title": fax.subject,
        "did": int(fax.local),
        "recipient_count": len(fax.remotes),
        "created_at": _time(fax.created),
    }


def outgoing_detail(fax: SimulatedFax) -> dict[str, Any]:
    """Return a sent fax with its recipients, as `GET /outgoing-faxes/{id}` does."""
    state, cause, hangup_state = RECIPIENT_STATES[fax.status]
    recipients = [
        {
            "number": int(number),
            "state": state,
            "hangup_cause": cause,
            "hangup_state": hangup_state,
            "uuid": None if fax.pending else call_uuid,
        }
        for number, call_uuid in zip(fax.remotes, fax.call_uuids, strict=True)
    ]
    return outgoing_item(fax) | {"recipients": recipients}


def _book(request: web.Request) -> FaxBook:
    """Return the account's faxes, any that are due settled first."""
    book = request.app[STATE_KEY].bulutfon.faxes
    book.settle_due()
    return book


async def incoming_faxes(request: web.Request) -> web.Response:
    """GET /incoming-faxes: every received fax, newest first, without paging."""
    if (error := _authorize(request)) is not None:
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
    if (error := _authorize(request)) is not None:
        return error
    if (fax := _incoming(request)) is None:
        return _json_error(NOT_FOUND, 404)
    return web.Response(
        body=fax.document,
        content_type=documents.TIFF,
        headers={"Content-Disposition": f'attachment; filename="{fax.uuid}.tiff"'},
    )


async def incoming_fax_stream(request: web.Request) -> web.Response:
    """GET /incoming-faxes/{uuid}/stream: the same TIFF, to show rather than save."""
    if (error := _authorize(request)) is not None:
        return error
    if (fax := _incoming(request)) is None:
        return _json_error(NOT_FOUND, 404)
    return web.Response(body=fax.document, content_type=documents.TIFF)


async def outgoing_faxes(request: web.Request) -> web.Response:
    """GET /outgoing-faxes: every sent fax, newest first, without recipients."""
    if (error := _authorize(request)) is not None:
        return error
    items = [outgoing_item(fax) for fax in _book(request).outgoing()]
    return web.json_response({"faxes": items})


async def outgoing_fax(request: web.Request) -> web.Response:
    """GET /outgoing-faxes/{id}: a sent fax and each recipient's state."""
    if (error := _authorize(request)) is not None:
        return error
    fax = _book(request).find(request.match_info["id"])
    if fax is None or fax.direction != "outgoing":
        return _json_error(NOT_FOUND, 404)
    return web.json_response({"fax": outgoing_detail(fax)})


async def _body(request: web.Request) -> dict[str, Any] | str:
    """Return the JSON or form fields of a send request, or why they cannot be read."""
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            return "invalid JSON body"
        return body if isinstance(body, dict) else "the body must be a JSON object"
    form = await request.post()
    return {name: value for name, value in form.items() if isinstance(value, str)}


def _credentials(request: web.Request, body: dict[str, Any]) -> Mapping[str, str]:
    """Return where the credentials are: the query string, else the body."""
    if CREDENTIAL_PARAMS & set(request.query):
        return request.query
    return {name: value for name, value in body.items() if isinstance(value, str)}


def _field(body: dict[str, Any], name: str) -> str | None:
    """Return a text or number field, trimmed; None when absent, empty or anything else."""
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value).strip() or None


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
    body = await _body(request)
    fields = body if isinstance(body, dict) else {}
    if (error := _authorize(request, _credentials(request, fields))) is not None:
        return error
    if isinstance(body, str):
        return _json_error(body, 400)
    state = request.app[STATE_KEY]
    account = state.bulutfon
    receivers_text, did = _field(body, "receivers"), _field(body, "did")
    attachment_text = body.get("attachment")
    if receivers_text is None:
        return _json_error("receivers is missing", 400)
    if did is None:
        return _json_error("did is missing", 400)
    if not isinstance(attachment_text, str) or not attachment_text.strip():
        return _json_error("attachment is missing", 400)
    receivers = _receivers(receivers_text)
    if isinstance(receivers, str):
        return _json_error(receivers, 400)
    if international(did) != account.did:
        return _json_error(f"did not found: {did}", 400)
    attachment = _attachment(attachment_text.strip())
    if isinstance(attachment, str):
        return _json_error(attachment, 400)
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
    """Mount the fax calls on the Bulutfon sub-application, each with a `.json` twin."""
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
