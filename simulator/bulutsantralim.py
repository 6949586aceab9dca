"""Bulutsantralim (Verimor) API as documented: `key` parameter, plain-text answers and errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import functools
import json

from aiohttp import web
from yarl import URL

from .calls import ISTANBUL, SimulatedCall, bulutsantralim_cdr, made_up_calls
from .faults import paginate
from .state import SimulatorState
from .webhooks import WebhookSender

STATE_KEY = web.AppKey("state", SimulatorState)
SENDER_KEY = web.AppKey("sender", WebhookSender)

MAX_CDR_RANGE = timedelta(days=31)
CDR_LIMITS = (10, 100)
STAMP_FORMATS = ("%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M:%S %z")
CRM_SWITCHES = ("ringing", "answered", "hangup")
URL_NOT_VALIDATED = "Bildirim adresi doğrulanamadı"
# Verimor answers Turkish words ("Cevaplandı", "Santral içi") as UTF-8, not \u escapes.
_dumps = functools.partial(json.dumps, ensure_ascii=False)


def _text(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/plain")


async def _authorize(request: web.Request) -> web.Response | None:
    """Return the documented `Gecersiz anahtar` answer when the key is wrong."""
    key = request.query.get("key")
    if key is None and request.method != "GET":
        key = (await request.post()).get("key")  # type: ignore[assignment]
    if key != request.app[STATE_KEY].bulutsantralim.api_key:
        return _text(f"Gecersiz anahtar: {key or ''}", 400)
    return None


async def caller_ids(request: web.Request) -> web.Response:
    """GET /caller_ids: the PBX's outbound numbers as a JSON array of strings."""
    if (error := await _authorize(request)) is not None:
        return error
    return web.json_response(request.app[STATE_KEY].bulutsantralim.caller_ids)


def _stamp(value: str) -> datetime:
    """Parse a `start_stamp_from`/`_to` value, `2017-08-03 12:30:32 UTC` as documented."""
    for layout in STAMP_FORMATS:
        try:
            moment = datetime.strptime(value, layout)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise ValueError(value)


def _filter_cdrs(
    calls: list[SimulatedCall], query: dict[str, str]
) -> list[SimulatedCall] | str:
    """Return the calls the filters keep, or the plain-text reason a filter is refused.

    The range may not pass 31 days; a range open at the end runs until now.
    """
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
    kept = [
        call
        for call in calls
        if (since is None or call.started >= since)
        and (until is None or call.started <= until)
    ]
    if (direction := query.get("direction")) is not None:
        kept = [call for call in kept if call.direction == direction]
    if (missed := query.get("missed")) is not None:
        kept = [call for call in kept if str(call.missed).lower() == missed]
    if (recording := query.get("recording_present")) is not None:
        kept = [call for call in kept if str(call.recording).lower() == recording]
    items = {call.uuid: bulutsantralim_cdr(call) for call in kept}
    for name in ("caller_id_number", "destination_number", "queue"):
        if (value := query.get(name)) is not None:
            kept = [call for call in kept if items[call.uuid][name] == value]
    return kept


async def cdrs(request: web.Request) -> web.Response:
    """GET /cdrs: call records, newest first, 10 to 100 a page (default 10)."""
    if (error := await _authorize(request)) is not None:
        return error
    query = dict(request.query)
    try:
        limit = int(query.get("limit", str(CDR_LIMITS[0])))
        page = int(query.get("page", "1"))
    except ValueError:
        return _text("invalid limit or page", 400)
    if not CDR_LIMITS[0] <= limit <= CDR_LIMITS[1]:
        return _text("limit must be between 10 and 100", 400)
    if page < 1:
        return _text("invalid page", 400)
    pbx = request.app[STATE_KEY].bulutsantralim
    kept = _filter_cdrs(pbx.cdrs, query)
    if isinstance(kept, str):
        return _text(kept, 400)

    def made_up(number: int, count: int) -> list[SimulatedCall]:
        return made_up_calls("bulutsantralim", pbx.did, number, count)

    paged = paginate(kept, page, limit, made_up)
    return web.json_response(
        {
            "cdrs": [bulutsantralim_cdr(call) for call in paged.items],
            "pagination": {
                "page": paged.page,
                "total_count": paged.total_count,
                "total_pages": paged.total_pages,
                "limit": limit,
            },
        },
        dumps=_dumps,
    )


def _valid_notification_url(value: str) -> bool:
    url = URL(value)
    return url.scheme in ("http", "https") and bool(url.host)


async def crm_integrations(request: web.Request) -> web.Response:
    """GET or POST /crm_integrations: the event webhook's switches and URL.

    Saving a URL first POSTs an empty body to it and needs a 2xx answer, as Verimor does
    since July 2021; an empty URL switches delivery off without a check.
    """
    if (error := await _authorize(request)) is not None:
        return error
    crm = request.app[STATE_KEY].bulutsantralim.crm
    if request.method == "GET":
        return web.json_response(crm.as_dict())
    form = await request.post()
    switches = {name: form.get(name, getattr(crm, name)) for name in CRM_SWITCHES}
    for name, value in switches.items():
        if value not in ("on", "off"):
            return _text(f"{name} must be on or off", 400)
    url = form.get("notification_url", crm.notification_url)
    if not isinstance(url, str):
        return _text("invalid notification_url", 400)
    url = url.strip()
    if url:
        if not _valid_notification_url(url):
            return _text(f"invalid notification_url: {url}", 400)
        check = await request.app[SENDER_KEY].post("validation", url)
        if check.status is None or not 200 <= check.status < 300:
            return _text(URL_NOT_VALIDATED, 400)
    crm.ringing, crm.answered, crm.hangup = (
        str(switches[name]) for name in CRM_SWITCHES
    )
    crm.notification_url = url
    return _text("Ok")


def create_app(state: SimulatorState, sender: WebhookSender) -> web.Application:
    """Build the Bulutsantralim sub-application, mounted at /bulutsantralim."""
    app = web.Application()
    app[STATE_KEY] = state
    app[SENDER_KEY] = sender
    app.router.add_get("/caller_ids", caller_ids, name="caller_ids")
    app.router.add_get("/cdrs", cdrs, name="cdrs")
    crm = app.router.add_resource("/crm_integrations", name="crm_integrations")
    crm.add_route("GET", crm_integrations)
    crm.add_route("POST", crm_integrations)
    return app
