"""Bulutfon's PBX: account, extensions, CDRs, click-to-call, recordings and its webhook.

`call_and_bridge` (providers.md §1.8) answers at once; Bulutfon then calls the callee and
bridges the call to a menu, group or extension, which here is a recorded outbound call
placed in the background. Recordings are Ogg Vorbis files. Besides the usual credentials
they take the documented hashed token, `sha1(master_token + uuid)`, which opens that one
recording only, so its URL can go to a media player without the master token.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import hashlib
import re
from typing import Any, cast

from aiohttp import web

from simulator import audio
from simulator.calls import (
    ISTANBUL,
    CallSpec,
    SimulatedCall,
    WebhookDelivery,
    WebhookEvent,
    choose,
    international,
    made_up_calls,
    user_name,
)
from simulator.faults import paginate
from simulator.faxes import SimulatedFax, new_uuid
from simulator.http import STATE_KEY, SWITCHBOARD_KEY, json_error
from simulator.recordings import Recording
from simulator.state import BulutfonState, SimulatorState, WebhookFormat
from simulator.switchboard import Line
from simulator.webhooks import WebhookSender, form_fields

from .auth import NOT_FOUND, authorize, authorized_body, field, without_credentials
from .render import call_flow, call_webhooks, cdr_item, fax_init_event

# `time_limit` values: the last hour, 24 hours or month of calls (`cdr.md`).
TIME_LIMITS = {
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "month": timedelta(days=30),
}
CDR_PAGE_LIMIT = 100
ORDER_FIELDS = frozenset(
    {"uuid", "direction", "caller", "callee", "call_time", "answer_time", "hangup_time"}
)
STARTED = "Arama başarıyla başlatıldı."
INVALID_CALLER = "Geçersiz arayan numara"
INVALID_CALLEE = "Geçersiz aranan numara"
INVALID_DESTINATION = "Geçersiz hedef"
INVALID_TIMEOUT = "Geçersiz zaman aşımı"
CALLEE_SHAPE = re.compile(r"^\+?\d{10,14}$")
MAX_TIMEOUT = 60


async def me(request: web.Request) -> web.Response:
    """GET /me: user, PBX and credit."""
    if (error := authorize(request)) is not None:
        return error
    return web.json_response(request.app[STATE_KEY].bulutfon.me)


async def extensions(request: web.Request) -> web.Response:
    """GET /extensions: the PBX's extensions, named as the call webhooks name them."""
    if (error := authorize(request)) is not None:
        return error
    numbers = request.app[STATE_KEY].bulutfon.extensions
    return web.json_response(
        {
            "extensions": [
                {
                    "id": index,
                    "number": int(number),
                    "registered": True,
                    "caller_name": user_name(number),
                    "email": f"dahili{number}@mail.com",
                }
                for index, number in enumerate(numbers, start=1)
            ]
        }
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
    name, _, way = (order or "call_time,desc").partition(",")
    if name not in ORDER_FIELDS or (way or "asc") not in ("asc", "desc"):
        return f"cannot order by {order}"
    return sorted(
        items, key=lambda item: str(item.get(name) or ""), reverse=way == "desc"
    )


def _page_url(request: web.Request, page: int) -> str:
    """Return the URL of another page, without the caller's credentials."""
    query = without_credentials(request.query)
    query["page"] = str(page)
    return str(request.url.with_query(query))


async def cdrs(request: web.Request) -> web.Response:
    """GET /cdrs: the PBX's call records, newest first, 100 a page at most."""
    if (error := authorize(request)) is not None:
        return error
    query = dict(request.query)
    try:
        page = int(query.get("page", "1"))
        limit = int(query.get("limit", str(CDR_PAGE_LIMIT)))
    except ValueError:
        return json_error("page and limit must be numbers", 400)
    page = max(page, 1)
    limit = min(max(limit, 1), CDR_PAGE_LIMIT)
    state = request.app[STATE_KEY]
    kept = _filter_cdrs(state.bulutfon.cdrs, query)
    if isinstance(kept, str):
        return json_error(kept, 400)
    dialect = state.dialect("bulutfon")
    items = _ordered([cdr_item(call, dialect) for call in kept], query.get("order"))
    if isinstance(items, str):
        return json_error(items, 400)

    def made_up(number: int, count: int) -> list[dict[str, Any]]:
        calls = made_up_calls("bulutfon", state.bulutfon.did, number, count)
        return [cdr_item(call, dialect) for call in calls]

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


def hashed_token(token: str, call_uuid: str) -> str:
    """Return the documented call-record token: lowercase hex sha1 of token and uuid."""
    return hashlib.sha1((token + call_uuid).encode()).hexdigest()


def _bridges_to(account: BulutfonState, destination: str) -> bool:
    """Return whether `destination` is a menu (XX), group (XXX) or extension (XXXX)."""
    by_length = {2: account.menus, 3: account.groups, 4: account.extensions}
    return destination in by_length.get(len(destination), [])


def _refusal(account: BulutfonState, params: dict[str, Any]) -> str | None:
    """Return why `call_and_bridge` refuses these parameters, or None."""
    caller = field(params, "caller")
    if caller is None or international(caller) not in account.numbers:
        return INVALID_CALLER
    callee = field(params, "callee")
    if callee is None or not CALLEE_SHAPE.match(callee):
        return INVALID_CALLEE
    destination = field(params, "destination")
    if destination is None or not _bridges_to(account, destination):
        return INVALID_DESTINATION
    timeout = field(params, "timeout")
    if timeout is not None and not (timeout.isdigit() and int(timeout) <= MAX_TIMEOUT):
        return INVALID_TIMEOUT
    return None


async def call_and_bridge(request: web.Request) -> web.Response:
    """POST /call_and_bridge: call `callee` from `caller`, then bridge to `destination`.

    Parameters come in the query string or in a JSON or form body.
    """
    body = await authorized_body(request)
    if isinstance(body, web.Response):
        return body
    params = body | without_credentials(request.query)
    state = request.app[STATE_KEY]
    if (refusal := _refusal(state.bulutfon, params)) is not None:
        return json_error(refusal, 400)
    spec = CallSpec(
        direction="outbound",
        caller=international(str(field(params, "caller"))),
        callee=international(str(field(params, "callee"))),
        extension=str(field(params, "destination")),
        recording=True,
        uuid=new_uuid(state.rng),
    )
    request.app[SWITCHBOARD_KEY].dial("bulutfon", spec)
    return web.json_response({"success": True, "message": STARTED})


async def cdr(request: web.Request) -> web.Response:
    """GET /cdrs/{uuid}: one call record and the steps the call went through."""
    if (error := authorize(request)) is not None:
        return error
    call = request.app[STATE_KEY].find_cdr("bulutfon", request.match_info["uuid"])
    if call is None:
        return json_error(NOT_FOUND, 404)
    return web.json_response({"cdr": cdr_item(call) | {"call_flow": call_flow(call)}})


def _call_recording(request: web.Request) -> web.Response | Recording:
    """Return the recording the URL names, or the answer refusing it."""
    account = request.app[STATE_KEY].bulutfon
    call_uuid = request.match_info["uuid"]
    token = request.query.get("access_token")
    if token is not None and token == hashed_token(account.token, call_uuid):
        if account.token_expired:
            return json_error("Token expired", 401)
    elif (error := authorize(request)) is not None:
        return error
    found = account.recordings.get(call_uuid)
    return json_error(NOT_FOUND, 404) if found is None else found


async def call_record(request: web.Request) -> web.Response:
    """GET /call-records/{uuid}: the call's recording as an Ogg file to save."""
    found = _call_recording(request)
    if isinstance(found, web.Response):
        return found
    return web.Response(
        body=found.audio,
        content_type=audio.OGG,
        headers={
            "Content-Disposition": f'attachment; filename="{found.call_uuid}.ogg"'
        },
    )


async def call_record_stream(request: web.Request) -> web.Response:
    """GET /call-records/{uuid}/stream: the same recording, to play rather than save."""
    found = _call_recording(request)
    if isinstance(found, web.Response):
        return found
    return web.Response(body=found.audio, content_type=audio.OGG)


def set_webhook(
    account: BulutfonState,
    url: str,
    fmt: str = "json",
    username: str | None = None,
    password: str | None = None,
) -> None:
    """Point the webhook at `url`, as Bulutfon's panel does, with optional Basic auth."""
    webhook = account.webhook
    webhook.url = url
    webhook.format = cast("WebhookFormat", choose(fmt, ("json", "form"), "format"))
    webhook.username = username or None
    webhook.password = password or None


def _call_events(state: SimulatorState, call: SimulatedCall) -> list[WebhookEvent]:
    account = state.bulutfon
    if not account.webhook.url:
        return []
    return call_webhooks(
        call, domain_id=account.domain_id, account_id=account.account_id
    )


def _fax_events(state: SimulatorState, fax: SimulatedFax) -> list[WebhookEvent]:
    account = state.bulutfon
    if not account.webhook.url:
        return []
    return [
        fax_init_event(fax, domain_id=account.domain_id, account_id=account.account_id)
    ]


async def _post(
    sender: WebhookSender, state: SimulatorState, event: WebhookEvent
) -> WebhookDelivery:
    """Post one event as the webhook is set: JSON or a form, with optional Basic auth."""
    webhook = state.bulutfon.webhook
    auth = None
    if webhook.username:
        auth = (webhook.username, webhook.password or "")
    if webhook.format == "form":
        return await sender.post(
            event.event_type,
            webhook.url,
            form=form_fields(event.fields),
            basic_auth=auth,
        )
    return await sender.post(
        event.event_type, webhook.url, json=event.fields, basic_auth=auth
    )


LINE = Line(events=_call_events, post=_post, fax_events=_fax_events)


def add_routes(app: web.Application) -> None:
    """Mount the account, CDRs, click-to-call and call recordings."""
    app.router.add_get(r"/me{ext:(\.json)?}", me, name="me")
    app.router.add_get(r"/cdrs{ext:(\.json)?}", cdrs, name="cdrs")
    app.router.add_get(r"/extensions{ext:(\.json)?}", extensions, name="extensions")
    app.router.add_post(
        r"/call_and_bridge{ext:(\.json)?}", call_and_bridge, name="call_and_bridge"
    )
    app.router.add_get(
        r"/call-records/{uuid:[^/.]+}/stream",
        call_record_stream,
        name="call_record_stream",
    )
    app.router.add_get(r"/call-records/{uuid:[^/.]+}", call_record, name="call_record")
    app.router.add_get(r"/cdrs/{uuid:[^/.]+}{ext:(\.json)?}", cdr, name="cdr")
