"""Bulutfon click-to-call, call details and recordings (providers.md §1.1, §1.5, §1.6, §1.8).

`call_and_bridge` answers at once; Bulutfon then calls the callee and bridges the call to a
menu, group or extension, which here is a recorded outbound call placed in the background.
Recordings are Ogg Vorbis files. Besides the usual credentials they take the documented
hashed token, `sha1(master_token + uuid)`, which opens that one recording only, so its URL
can go to a media player without the master token.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from aiohttp import web

from . import audio
from .bulutfon import CREDENTIAL_PARAMS, STATE_KEY, _authorize, _json_error
from .bulutfon_faxes import NOT_FOUND, _body, _credentials, _field
from .calls import _iso, bulutfon_cdr, international
from .control import SWITCHBOARD_KEY
from .faxes import new_uuid
from .recordings import Recording
from .state import BulutfonState
from .switchboard import Switchboard

STARTED = "Arama başarıyla başlatıldı."
INVALID_CALLER = "Geçersiz arayan numara"
INVALID_CALLEE = "Geçersiz aranan numara"
INVALID_DESTINATION = "Geçersiz hedef"
INVALID_TIMEOUT = "Geçersiz zaman aşımı"
CALLEE_SHAPE = re.compile(r"^\+?\d{10,14}$")
MAX_TIMEOUT = 60


def hashed_token(token: str, call_uuid: str) -> str:
    """Return the documented call-record token: lowercase hex sha1 of token and uuid."""
    return hashlib.sha1((token + call_uuid).encode()).hexdigest()


def _bridges_to(account: BulutfonState, destination: str) -> bool:
    """Return whether `destination` is a menu (XX), group (XXX) or extension (XXXX)."""
    by_length = {2: account.menus, 3: account.groups, 4: account.extensions}
    return destination in by_length.get(len(destination), [])


def _refusal(account: BulutfonState, params: dict[str, Any]) -> str | None:
    """Return why `call_and_bridge` refuses these parameters, or None."""
    caller = _field(params, "caller")
    if caller is None or international(caller) not in account.numbers:
        return INVALID_CALLER
    callee = _field(params, "callee")
    if callee is None or not CALLEE_SHAPE.match(callee):
        return INVALID_CALLEE
    destination = _field(params, "destination")
    if destination is None or not _bridges_to(account, destination):
        return INVALID_DESTINATION
    timeout = _field(params, "timeout")
    if timeout is not None and not (timeout.isdigit() and int(timeout) <= MAX_TIMEOUT):
        return INVALID_TIMEOUT
    return None


async def call_and_bridge(request: web.Request) -> web.Response:
    """POST /call_and_bridge: call `callee` from `caller`, then bridge to `destination`.

    Parameters come in the query string or in a JSON or form body.
    """
    body = await _body(request)
    fields = body if isinstance(body, dict) else {}
    if (error := _authorize(request, _credentials(request, fields))) is not None:
        return error
    if isinstance(body, str):
        return _json_error(body, 400)
    query = {
        name: value
        for name, value in request.query.items()
        if name not in CREDENTIAL_PARAMS
    }
    params = body | query
    state = request.app[STATE_KEY]
    if (refusal := _refusal(state.bulutfon, params)) is not None:
        return _json_error(refusal, 400)
    switchboard: Switchboard = request.app[SWITCHBOARD_KEY]
    switchboard.dial(
        "bulutfon",
        uuid=new_uuid(state.rng),
        extension=str(_field(params, "destination")),
        caller=international(str(_field(params, "caller"))),
        callee=international(str(_field(params, "callee"))),
    )
    return web.json_response({"success": True, "message": STARTED})


async def cdr(request: web.Request) -> web.Response:
    """GET /cdrs/{uuid}: one call record and the steps the call went through."""
    if (error := _authorize(request)) is not None:
        return error
    call = request.app[STATE_KEY].find_cdr("bulutfon", request.match_info["uuid"])
    if call is None:
        return _json_error(NOT_FOUND, 404)
    step = {
        "callee": int(call.callee),
        "start_time": _iso(call.started),
        "answer_time": _iso(call.answered),
        "hangup_time": _iso(call.ended),
        "redirection": "OTHER",
    }
    return web.json_response({"cdr": bulutfon_cdr(call) | {"call_flow": [step]}})


def _call_recording(request: web.Request) -> web.Response | Recording:
    """Return the recording the URL names, or the answer refusing it."""
    account = request.app[STATE_KEY].bulutfon
    call_uuid = request.match_info["uuid"]
    token = request.query.get("access_token")
    if token is not None and token == hashed_token(account.token, call_uuid):
        if account.token_expired:
            return _json_error("Token expired", 401)
    elif (error := _authorize(request)) is not None:
        return error
    found = account.recordings.get(call_uuid)
    return _json_error(NOT_FOUND, 404) if found is None else found


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


def add_routes(app: web.Application, switchboard: Switchboard) -> None:
    """Mount click-to-call and call recordings on the Bulutfon sub-application."""
    app[SWITCHBOARD_KEY] = switchboard
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
