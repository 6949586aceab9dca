"""Telsam Yenifaks fax calls as its page describes them: list, detail, download and send.

Yenifaks is a Laravel application: lists come as Laravel's length-aware paginator, refused
input as a 422 with a field-keyed `errors` object, and strings are trimmed (empty ones
count as absent) before validation, as Laravel's default middleware does. The page names
no path for download and send; `/fax/{id}/download` and `/fax/send` are this project's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
import re
from typing import Any

from aiohttp import web

from simulator import documents
from simulator.calls import ISTANBUL
from simulator.faults import paginate
from simulator.faxes import Attachment, SimulatedFax, decode_base64, made_up_faxes
from simulator.http import STATE_KEY

from .auth import authorize, json_body
from .render import DATE_FORMAT, fax_detail, fax_item

PER_PAGE = 15
DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
PHONE_SHAPE = re.compile(r"^\d{10,13}$")
STATUSES = ("success", "pending", "failed")
TYPES = ("incoming", "outgoing")
INVALID_DATA = "The given data was invalid."
NOT_FOUND = {"message": "Not Found!"}
# The file types the page lists, by the media type `documents.sniff` finds.
FILE_TYPES = frozenset(
    {
        documents.PDF,
        documents.TIFF,
        documents.PNG,
        documents.JPEG,
        documents.BMP,
        documents.DOC,
        documents.OOXML,
    }
)
FILE_TYPE_NAMES = "jpeg, png, bmp, docx, doc, xls, xlsx, pdf, tiff"

type Errors = dict[str, list[str]]


def _invalid(errors: Errors) -> web.Response:
    return web.json_response({"message": INVALID_DATA, "errors": errors}, status=422)


def _text(body: dict[str, Any], name: str) -> str | None:
    """Return a field as trimmed text (numbers too); None when absent or empty."""
    value = body.get(name)
    if value is None:
        return None
    return str(value).strip() or None


def _date(
    body: dict[str, Any], name: str, default: datetime, errors: Errors
) -> datetime:
    """Return a `YYYY-MM-DD HH:mm:ss` field as Istanbul time, or note why not."""
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, str) and DATE_SHAPE.match(value.strip()):
        try:
            moment = datetime.strptime(value.strip(), DATE_FORMAT)
        except ValueError:
            pass
        else:
            return moment.replace(tzinfo=ISTANBUL)
    errors[name] = [f"{name} Y-m-d H:i:s biçimiyle eşleşmiyor."]
    return default


def _choice(
    body: dict[str, Any], name: str, allowed: tuple[str, ...], errors: Errors
) -> str | None:
    value = _text(body, name)
    if value is not None and value not in allowed:
        errors[name] = [f"Seçili {name} geçersiz."]
        return None
    return value


def _page(request: web.Request) -> int:
    """Return the `page` query parameter as Laravel reads it: anything odd is page 1."""
    try:
        return max(int(request.query.get("page", "1")), 1)
    except ValueError:
        return 1


def _paginate(
    request: web.Request,
    items: list[dict[str, Any]],
    dialect: str = "default",
    made_up: Callable[[int, int], list[dict[str, Any]]] | None = None,
) -> dict[str, Any] | list[dict[str, Any]]:
    """Return one page of `items` in the shape of Laravel's length-aware paginator.

    The `pages` dialect keeps only `current_page`, `data` and `last_page`; `bare` gives
    the page's items alone. `made_up(page, count)` fills the pages of a list that a fault
    makes endless.
    """
    paged = paginate(
        items, _page(request), PER_PAGE, made_up or (lambda _page, _count: [])
    )
    page, chunk = paged.page, paged.items
    total = paged.total_count
    last = max(1, paged.total_pages)
    if dialect == "bare":
        return chunk
    if dialect == "pages":
        return {"current_page": page, "data": chunk, "last_page": last}
    first_index = (page - 1) * PER_PAGE
    path = str(request.url.with_query(None))

    def url(number: int) -> str:
        return f"{path}?page={number}"

    return {
        "current_page": page,
        "data": chunk,
        "first_page_url": url(1),
        "from": first_index + 1 if chunk else None,
        "last_page": last,
        "last_page_url": url(last),
        "next_page_url": url(page + 1) if page < last else None,
        "path": path,
        "per_page": PER_PAGE,
        "prev_page_url": url(page - 1) if page > 1 else None,
        "to": first_index + len(chunk) if chunk else None,
        "total": total,
    }


def _matches(fax: SimulatedFax, search: str) -> bool:
    """Return whether the phone, subject or DID holds the search text."""
    needle = search.casefold()
    return any(
        needle in value.casefold()
        for value in (fax.remote, fax.subject or "", fax.local)
    )


async def fax_list(request: web.Request) -> web.Response:
    """POST /fax: faxes created between start_date and end_date (today by default)."""
    if (error := authorize(request)) is not None:
        return error
    book = request.app[STATE_KEY].telsam.faxes
    book.settle_due()
    body = await json_body(request)
    today = datetime.now(ISTANBUL).date()
    errors: Errors = {}
    start = _date(
        body, "start_date", datetime.combine(today, time.min, ISTANBUL), errors
    )
    end = _date(
        body, "end_date", datetime.combine(today, time(23, 59, 59), ISTANBUL), errors
    )
    status = _choice(body, "status", STATUSES, errors)
    kind = _choice(body, "type", TYPES, errors)
    search = _text(body, "search")
    if errors:
        return _invalid(errors)
    end_of_second = end + timedelta(seconds=1)
    account = request.app[STATE_KEY].telsam
    dialect = request.app[STATE_KEY].dialect("telsam")

    def made_up(number: int, count: int) -> list[dict[str, Any]]:
        faxes = made_up_faxes(account.did, number, count)
        return [fax_item(fax, dialect) for fax in faxes]

    kept = [
        fax
        for fax in book.faxes
        if start <= fax.created < end_of_second
        and (status is None or fax.status == status)
        and (kind is None or fax.direction == kind)
        and (search is None or _matches(fax, search))
    ]
    items = [fax_item(fax, dialect) for fax in kept]
    return web.json_response(_paginate(request, items, dialect, made_up))


def _find(request: web.Request) -> SimulatedFax | None:
    book = request.app[STATE_KEY].telsam.faxes
    book.settle_due()
    fax_id = request.match_info["id"]
    return book.find(fax_id) if fax_id.isdigit() else None


async def fax_show(request: web.Request) -> web.Response:
    """POST /fax/{id}: the fax and a row for each call it took."""
    if (error := authorize(request)) is not None:
        return error
    if (fax := _find(request)) is None:
        return web.json_response(NOT_FOUND, status=404)
    dialect = request.app[STATE_KEY].dialect("telsam")
    return web.json_response({"fax": fax_item(fax, dialect), "detail": fax_detail(fax)})


async def fax_download(request: web.Request) -> web.Response:
    """POST /fax/{id}/download: the fax as a PDF, received or sent."""
    if (error := authorize(request)) is not None:
        return error
    if (fax := _find(request)) is None:
        return web.json_response(NOT_FOUND, status=404)
    return web.Response(
        body=fax.document,
        content_type=documents.PDF,
        headers={"Content-Disposition": f'attachment; filename="faks-{fax.id}.pdf"'},
    )


def _list_field(body: dict[str, Any], name: str, errors: Errors) -> list[Any]:
    """Return a required array field, or note why it is refused and return nothing."""
    value = body.get(name)
    if value is None or value in ("", []):
        errors[name] = [f"{name} alanı gereklidir."]
        return []
    if not isinstance(value, list):
        errors[name] = [f"{name} mutlaka bir dizi olmalıdır."]
        return []
    return value


def _phones(body: dict[str, Any], errors: Errors) -> list[str]:
    phones: list[str] = []
    for index, value in enumerate(_list_field(body, "phones", errors)):
        text = "" if isinstance(value, bool) else str(value).strip()
        if not isinstance(value, (int, str)) or not PHONE_SHAPE.match(text):
            errors[f"phones.{index}"] = [f"phones.{index} biçimi geçersiz."]
            continue
        phones.append(text)
    return phones


def _files(body: dict[str, Any], errors: Errors) -> list[Attachment]:
    files: list[Attachment] = []
    for index, value in enumerate(_list_field(body, "files", errors)):
        name = f"files.{index}"
        if not isinstance(value, str):
            errors[name] = [f"{name} dizge olmalıdır."]
            continue
        try:
            content = decode_base64(value.strip())
        except ValueError:
            errors[name] = [f"{name} geçerli bir base64 değeri değil."]
            continue
        mime = documents.sniff(content)
        if mime not in FILE_TYPES:
            errors[name] = [f"{name} dosya biçimi {FILE_TYPE_NAMES} olmalıdır."]
            continue
        files.append(Attachment(mime, content))
    return files


async def fax_send(request: web.Request) -> web.Response:
    """POST /fax/send: queue one fax per phone, each carrying every file."""
    if (error := authorize(request)) is not None:
        return error
    state = request.app[STATE_KEY]
    account = state.telsam
    body = await json_body(request)
    errors: Errors = {}
    did = _text(body, "did")
    if did is None:
        errors["did"] = ["did alanı gereklidir."]
    elif did != account.did:
        errors["did"] = ["did değeri geçersiz."]
    phones = _phones(body, errors)
    files = _files(body, errors)
    subject = body.get("subject")
    if subject is not None and not isinstance(subject, str):
        errors["subject"] = ["subject dizge olmalıdır."]
    if errors:
        return _invalid(errors)
    account.faxes.keep_sent(files)
    faxes = [
        account.faxes.send(
            local=account.did,
            remotes=[phone],
            attachments=files,
            rng=state.rng,
            subject=(subject or "").strip() or None,
        )
        for phone in phones
    ]
    return web.json_response(
        {
            "process": True,
            "faxes": [fax_item(fax, state.dialect("telsam")) for fax in faxes],
        }
    )


def add_routes(app: web.Application) -> None:
    """Mount the fax calls; `/fax/send` before `/fax/{id}`."""
    app.router.add_post("/fax", fax_list, name="fax_list")
    app.router.add_post("/fax/send", fax_send, name="fax_send")
    app.router.add_post("/fax/{id}", fax_show, name="fax_detail")
    app.router.add_post("/fax/{id}/download", fax_download, name="fax_download")
