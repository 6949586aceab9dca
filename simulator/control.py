"""Control API: calls, past CDRs, webhooks, faxes, extensions, statuses, faults, requests.

It lets a person or a test outside the simulator's process drive the simulated PBXs the way
their users and the far ends do, by phoning and faxing, make endpoints misbehave and count
what was asked; nothing here needs credentials.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from .callees import Callee, key_of
from .calls import ISTANBUL, CallSpec, international
from .faults import Fault, FaultKind
from .fax_office import FaxOffice
from .http import STATE_KEY, SWITCHBOARD_KEY, json_error
from .providers.bulutfon.calls import set_webhook
from .switchboard import Switchboard

FAX_OFFICE_KEY = web.AppKey("fax_office", FaxOffice)


async def _json_object(request: web.Request) -> dict[str, Any]:
    """Return the JSON object of the request body; raise on anything else."""
    try:
        body = await request.json()
    except ValueError as err:
        raise ValueError("the body must be a JSON object") from err
    if not isinstance(body, dict):
        raise TypeError("the body must be a JSON object")
    return body


def _optional_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"{name} must be text")
    return str(value)


def _int(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number")
    return value


def _seconds(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise TypeError(f"{name} must be a number of seconds")
    return float(value)


def _bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{name} must be true or false")
    return value


def _rings(body: dict[str, Any]) -> tuple[str, ...]:
    """Return the extensions a group rings, given as a list of numbers or texts."""
    rings = body.get("rings")
    if rings is None:
        return ()
    if not isinstance(rings, list) or any(
        isinstance(ring, bool) or not isinstance(ring, str | int) for ring in rings
    ):
        raise TypeError("rings must be a list of extensions")
    return tuple(str(ring) for ring in rings)


async def place_call(request: web.Request) -> web.Response:
    """POST /_control/calls: place a call; answer the call and each webhook post's status.

    With `hold` (seconds, in real time) the call stays up that long unless the PBX's API
    ends it: it goes on in the background, and the answer is its uuid, at once.
    """
    switchboard = request.app[SWITCHBOARD_KEY]
    try:
        body = await _json_object(request)
        hold = _seconds(body, "hold")
        spec = CallSpec(
            direction=str(body.get("direction", "inbound")),
            outcome=str(body.get("outcome", "answered")),
            caller=_optional_str(body, "caller"),
            callee=_optional_str(body, "callee"),
            extension=_optional_str(body, "extension") or "1001",
            talk_seconds=_int(body, "talk_seconds", 35),
            recording=_bool(body, "recording"),
            menu=_optional_str(body, "menu"),
            group=_optional_str(body, "group"),
            rings=_rings(body),
        )
        if hold is not None:
            provider = str(body.get("provider", ""))
            spec = switchboard.check_call(provider, spec)
            switchboard.dial(provider, spec, realtime=True, hold=hold)
            return web.json_response({"uuid": spec.uuid, "live": True}, status=202)
        call = await switchboard.place_call(
            str(body.get("provider", "")),
            spec,
            realtime=bool(_bool(body, "realtime")),
        )
    except (TypeError, ValueError) as err:
        return json_error(str(err))
    return web.json_response(call.as_dict())


async def add_cdrs(request: web.Request) -> web.Response:
    """POST /_control/cdrs: file past calls without webhooks, for paging and history."""
    switchboard = request.app[SWITCHBOARD_KEY]
    try:
        body = await _json_object(request)
        provider = str(body.get("provider", ""))
        calls = switchboard.add_cdrs(
            provider,
            _int(body, "count", 1),
            outcome=_optional_str(body, "outcome"),
            direction=_optional_str(body, "direction"),
        )
    except (TypeError, ValueError) as err:
        return json_error(str(err))
    return web.json_response(
        {
            "added": len(calls),
            "total": len(switchboard.state.cdrs(provider)),
            "uuids": [call.uuid for call in calls],
        }
    )


async def bulutfon_webhook(request: web.Request) -> web.Response:
    """POST /_control/bulutfon/webhook: set the URL, format and Basic auth of the webhook."""
    switchboard = request.app[SWITCHBOARD_KEY]
    try:
        body = await _json_object(request)
        set_webhook(
            switchboard.state.bulutfon,
            _optional_str(body, "url") or "",
            _optional_str(body, "format") or "json",
            _optional_str(body, "username"),
            _optional_str(body, "password"),
        )
    except (TypeError, ValueError) as err:
        return json_error(str(err))
    webhook = switchboard.state.bulutfon.webhook
    return web.json_response(
        {
            "url": webhook.url,
            "format": webhook.format,
            "username": webhook.username,
            "basic_auth": webhook.username is not None,
        }
    )


def _moment(body: dict[str, Any], name: str) -> datetime | None:
    """Return an ISO 8601 time field (Istanbul when it has no offset), or None."""
    value = _optional_str(body, name)
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=ISTANBUL)


async def receive_fax(request: web.Request) -> web.Response:
    """POST /_control/faxes: a fax arrives; answer it, with Bulutfon's webhook post."""
    office = request.app[FAX_OFFICE_KEY]
    try:
        body = await _json_object(request)
        fax = await office.receive(
            str(body.get("provider", "")),
            sender=_optional_str(body, "sender"),
            pages=_int(body, "pages", 1),
            at=_moment(body, "at"),
        )
    except (TypeError, ValueError) as err:
        return json_error(str(err))
    return web.json_response(fax.as_dict())


async def settle_faxes(request: web.Request) -> web.Response:
    """POST /_control/faxes/settle: settle one pending sent fax (`id`) or all of them."""
    office = request.app[FAX_OFFICE_KEY]
    try:
        body = await _json_object(request)
        fax_id = _optional_str(body, "id")
        settled = office.settle(
            str(body.get("provider", "")),
            str(body.get("outcome", "success")),
            fax_id,
        )
    except (TypeError, ValueError) as err:
        return json_error(str(err))
    if fax_id is not None and not settled:
        return web.json_response(
            {"error": f"no pending sent fax with id {fax_id}"}, status=404
        )
    return web.json_response({"settled": settled})


async def set_user_status(request: web.Request) -> web.Response:
    """POST /_control/user_statuses: set one extension's status, as its phone would."""
    switchboard = request.app[SWITCHBOARD_KEY]
    try:
        body = await _json_object(request)
        extension = _optional_str(body, "extension") or ""
        status = _optional_str(body, "status") or ""
        switchboard.state.bulutsantralim.set_user_status(extension, status)
    except (TypeError, ValueError) as err:
        return json_error(str(err))
    return web.json_response({"user": int(extension), "status": status})


async def queue_caller(request: web.Request) -> web.Response:
    """POST /_control/queues: put a caller in a queue; `/release` lets one go."""
    board = request.app[STATE_KEY].bulutsantralim.queues
    try:
        body = await _json_object(request)
        caller_id = _optional_str(body, "caller") or ""
        if request.match_info.get("action") == "release":
            caller = board.unqueue(caller_id)
        elif request.match_info.get("action"):
            raise web.HTTPNotFound
        else:
            caller = board.queue_caller(_optional_str(body, "queue") or "", caller_id)
    except (TypeError, ValueError) as err:
        return json_error(str(err))
    return web.json_response(
        {"queue": caller.queue, "caller": caller.caller_id, "uuid": caller.uuid}
    )


async def voicemail(request: web.Request) -> web.Response:
    """POST /_control/voicemail: leave a message in a box; `/read` listens to one."""
    boxes = request.app[STATE_KEY].bulutsantralim.voicemail
    try:
        body = await _json_object(request)
        if request.match_info.get("action") == "read":
            message = boxes.mark_read(_optional_str(body, "uuid") or "")
        elif request.match_info.get("action"):
            raise web.HTTPNotFound
        else:
            message = boxes.leave(
                _optional_str(body, "extension") or "1001",
                _optional_str(body, "caller") or "905320000000",
                caller_name=_optional_str(body, "caller_name") or "",
                duration=_int(body, "duration", 12),
            )
    except (TypeError, ValueError) as err:
        return json_error(str(err))
    return web.json_response(
        {
            "uuid": message.uuid,
            "extension": message.user_number,
            "caller": message.caller_id_number,
            "read": message.read_stamp is not None,
        }
    )


def _callee_number(body: dict[str, Any]) -> str:
    number = international(_optional_str(body, "number") or "")
    if not number.isdigit():
        raise ValueError("number must be a phone number")
    return number


async def set_callee(request: web.Request) -> web.Response:
    """POST /_control/callees: make a number answer alert calls (both providers') or not.

    Body: `number`, `answers` (default true) and `digit`, the key pressed (0-9, `"*"`,
    `"#"`, or null). Bulutfon's automatic calls and Bulutsantralim's IVR campaigns read
    the same table; `/_control/bulutfon/callees`, its first address, sets it too.
    """
    state = request.app[STATE_KEY]
    try:
        body = await _json_object(request)
        number = _callee_number(body)
        digit = key_of(body.get("digit"))
        answers = _bool(body, "answers")
        state.set_callee(number, Callee(answers is not False, digit))
    except (TypeError, ValueError) as err:
        return json_error(str(err))
    return web.json_response(
        {"number": number, "answers": answers is not False, "digit": digit}
    )


async def set_agent_status(request: web.Request) -> web.Response:
    """POST /_control/agent_statuses: set what one agent is doing, and why on a break."""
    board = request.app[STATE_KEY].bulutsantralim.queues
    try:
        body = await _json_object(request)
        agent = _optional_str(body, "agent") or ""
        status = _optional_str(body, "status") or ""
        board.set_agent_status(
            agent, status, _optional_str(body, "break_description") or ""
        )
    except (TypeError, ValueError) as err:
        return json_error(str(err))
    return web.json_response({"agent": agent, "status": status})


async def set_extensions(request: web.Request) -> web.Response:
    """POST /_control/extensions: replace a PBX's extensions, as its administrator would."""
    switchboard = request.app[SWITCHBOARD_KEY]
    try:
        body = await _json_object(request)
        provider = str(body.get("provider", ""))
        numbers = switchboard.state.set_extensions(provider, body.get("numbers"))
    except (TypeError, ValueError) as err:
        return json_error(str(err))
    return web.json_response({"provider": provider, "extensions": numbers})


async def dialects(request: web.Request) -> web.Response:
    """GET or POST /_control/dialects: the shape each provider's lists are served in.

    POST `{"provider": "bulutfon", "dialect": "seed"}` switches one provider.
    """
    state = request.app[SWITCHBOARD_KEY].state
    if request.method == "POST":
        try:
            body = await _json_object(request)
            state.set_dialect(
                str(body.get("provider", "")), str(body.get("dialect", ""))
            )
        except (TypeError, ValueError) as err:
            return json_error(str(err))
    return web.json_response(state.dialects)


async def faults(request: web.Request) -> web.Response:
    """POST /_control/faults: make one endpoint misbehave; DELETE: clear every fault."""
    state = request.app[STATE_KEY]
    if request.method == "DELETE":
        state.clear_faults()
        return web.json_response({"faults": 0})
    body = await request.json()
    fault = Fault(
        kind=FaultKind(body["kind"]),
        times=body.get("times", 1),
        retry_after=int(body.get("retry_after", 30)),
        delay=float(body.get("delay", 5.0)),
        status=int(body.get("status", 503)),
        message=str(body.get("message", "request refused")),
    )
    state.inject(body["provider"], body["endpoint"], fault)
    return web.json_response({"faults": len(state.faults)})


async def expire(request: web.Request) -> web.Response:
    """POST /_control/{provider}/expire: expire Bulutfon's token, Telsam's access tokens."""
    state = request.app[STATE_KEY]
    provider = request.match_info["provider"]
    if provider == "bulutfon":
        state.bulutfon.token_expired = True
    elif provider == "telsam":
        state.telsam.expire_access_tokens()
    else:
        raise web.HTTPNotFound
    return web.json_response({"expired": provider})


async def requests(request: web.Request) -> web.Response:
    """GET /_control/requests: how many requests each endpoint answered."""
    counts: dict[str, int] = {}
    for record in request.app[STATE_KEY].requests:
        key = f"{record.provider}/{record.endpoint}"
        counts[key] = counts.get(key, 0) + 1
    return web.json_response(counts)


def add_routes(app: web.Application, switchboard: Switchboard) -> None:
    """Mount every control endpoint on the top-level application."""
    app[SWITCHBOARD_KEY] = switchboard
    app[FAX_OFFICE_KEY] = FaxOffice(switchboard)
    app.router.add_post("/_control/faxes", receive_fax)
    app.router.add_post("/_control/faxes/settle", settle_faxes)
    app.router.add_post("/_control/calls", place_call)
    app.router.add_post("/_control/cdrs", add_cdrs)
    app.router.add_post("/_control/bulutfon/webhook", bulutfon_webhook)
    app.router.add_post("/_control/callees", set_callee)
    app.router.add_post("/_control/bulutfon/callees", set_callee)
    app.router.add_post("/_control/user_statuses", set_user_status)
    app.router.add_post("/_control/extensions", set_extensions)
    app.router.add_post("/_control/queues", queue_caller)
    app.router.add_post("/_control/queues/{action}", queue_caller)
    app.router.add_post("/_control/agent_statuses", set_agent_status)
    app.router.add_post("/_control/voicemail", voicemail)
    app.router.add_post("/_control/voicemail/{action}", voicemail)
    app.router.add_get("/_control/dialects", dialects)
    app.router.add_post("/_control/dialects", dialects)
    app.router.add_route("POST", "/_control/faults", faults)
    app.router.add_route("DELETE", "/_control/faults", faults)
    app.router.add_post("/_control/{provider}/expire", expire)
    app.router.add_get("/_control/requests", requests)
