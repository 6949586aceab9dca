"""Bulutsantralim (Verimor) call control, recordings and presence (providers.md §2.1–§2.3).

`originate` answers the new call's uuid at once and the call goes on in the background,
leaving webhooks and a recorded CDR. A recording is fetched in two steps: `recording_url`
hands out a one-hour URL that needs no key, and that URL answers the MP3. Both
`recording_url` and `user_statuses` are limited per key, as documented.
"""

from __future__ import annotations

from datetime import datetime
import re

from aiohttp import web

from . import audio
from .bulutsantralim import STATE_KEY, _authorize, _text
from .calls import ISTANBUL
from .control import SWITCHBOARD_KEY
from .faxes import new_uuid
from .recordings import RecordingLink
from .state import USER_STATUSES, BulutsantralimState
from .switchboard import Switchboard

# Domestic numbers as `90XXXXXXXXXX`, international ones as `00` and the country code.
DESTINATION = re.compile(r"^(?:90\d{10}|00[1-9]\d{5,14})$")
ORIGINATE_TIMEOUT = (10, 60)
TOO_MANY = "Too Many Requests"


def _too_many(retry_after: int) -> web.Response:
    """Return Verimor's 429, saying when the next request would be taken."""
    return web.Response(
        text=TOO_MANY,
        status=429,
        content_type="text/plain",
        headers={"Retry-After": str(retry_after)},
    )


def _limited(pbx: BulutsantralimState, route: str) -> web.Response | None:
    """Return the 429 answer when the key used up the route's requests this minute."""
    retry_after = pbx.limits[route].take(pbx.api_key)
    return None if retry_after is None else _too_many(retry_after)


def _originate_refusal(pbx: BulutsantralimState, query: dict[str, str]) -> str | None:
    """Return the plain-text reason `originate` refuses these parameters, or None."""
    extension = query.get("extension", "").strip()
    if not extension:
        return "extension is missing"
    if extension not in pbx.extensions:
        return f"extension {extension} not found"
    destination = query.get("destination", "").strip()
    if not destination:
        return "destination is missing"
    if not DESTINATION.match(destination):
        return f"invalid destination: {destination}"
    caller_id = query.get("caller_id")
    if caller_id is not None and caller_id not in pbx.caller_ids:
        return f"invalid caller_id: {caller_id}"
    manual_answer = query.get("manual_answer")
    if manual_answer is not None and manual_answer not in ("true", "false"):
        return f"invalid manual_answer: {manual_answer}"
    timeout = query.get("timeout")
    low, high = ORIGINATE_TIMEOUT
    if timeout is not None and not (timeout.isdigit() and low <= int(timeout) <= high):
        return f"invalid timeout: {timeout}"
    return None


async def originate(request: web.Request) -> web.Response:
    """GET /originate: call `destination` from `extension`; answer the call uuid as text."""
    if (error := await _authorize(request)) is not None:
        return error
    state = request.app[STATE_KEY]
    pbx = state.bulutsantralim
    query = dict(request.query)
    if (refusal := _originate_refusal(pbx, query)) is not None:
        return _text(refusal, 400)
    call_uuid = new_uuid(state.rng)
    switchboard: Switchboard = request.app[SWITCHBOARD_KEY]
    switchboard.dial(
        "bulutsantralim",
        uuid=call_uuid,
        extension=query["extension"].strip(),
        callee=query["destination"].strip(),
        caller=query.get("caller_id"),
    )
    return _text(call_uuid)


async def recording_url(request: web.Request) -> web.Response:
    """POST or GET /recording_url: a one-hour URL of a call's recording, in plain text.

    The API repository posts `key` and `call_uuid` as form fields; the unofficial SDK puts
    `call_uuid` in the query string; seed 002 shows the request as a URL with both in the
    query, which is what a GET sends. All three are served, under the same limit.
    """
    if (error := await _authorize(request)) is not None:
        return error
    state = request.app[STATE_KEY]
    pbx = state.bulutsantralim
    if (limited := _limited(pbx, "recording_url")) is not None:
        return limited
    value = (
        (await request.post()).get("call_uuid") if request.method == "POST" else None
    )
    call_uuid = (value if isinstance(value, str) else "").strip()
    call_uuid = call_uuid or request.query.get("call_uuid", "").strip()
    if not call_uuid or call_uuid not in pbx.recordings:
        return _text(f"cannot find call with call_uuid {call_uuid}", 400)
    # Each URL has its own uuid, as in the seed's example, so it cannot be guessed.
    link = new_uuid(state.rng)
    pbx.recording_urls[link] = RecordingLink(call_uuid, datetime.now(ISTANBUL))
    path = request.app.router["recording"].url_for(link=link)
    return _text(str(request.url.origin().join(path)))


async def recording(request: web.Request) -> web.Response:
    """GET /recording/R{link}: the recording as MP3, while its URL is less than an hour old."""
    pbx = request.app[STATE_KEY].bulutsantralim
    link = pbx.recording_urls.get(request.match_info["link"])
    found = pbx.recordings.get(link.call_uuid) if link is not None else None
    if link is None or found is None or not link.valid(datetime.now(ISTANBUL)):
        return _text("Not Found", 404)
    return web.Response(
        body=found.audio,
        content_type=audio.MPEG,
        headers={"Content-Disposition": f'inline; filename="{found.call_uuid}.mp3"'},
    )


async def user_statuses(request: web.Request) -> web.Response:
    """GET /user_statuses: every extension's presence, filtered by `user` and `status`."""
    if (error := await _authorize(request)) is not None:
        return error
    pbx = request.app[STATE_KEY].bulutsantralim
    if (limited := _limited(pbx, "user_statuses")) is not None:
        return limited
    user, status = request.query.get("user"), request.query.get("status")
    if user is not None and not user.isdigit():
        return _text(f"invalid user: {user}", 400)
    if status is not None and status not in USER_STATUSES:
        return _text(f"invalid status: {status}", 400)
    items = [
        {"user": int(extension), "status": pbx.user_status(extension)}
        for extension in pbx.extensions
        if user is None or extension == user
    ]
    return web.json_response(
        [item for item in items if status is None or item["status"] == status]
    )


def add_routes(app: web.Application, switchboard: Switchboard) -> None:
    """Mount call control, recordings and presence on the Bulutsantralim sub-application."""
    app[SWITCHBOARD_KEY] = switchboard
    app.router.add_get("/originate", originate, name="originate")
    resource = app.router.add_resource("/recording_url", name="recording_url")
    resource.add_route("POST", recording_url)
    resource.add_route("GET", recording_url)
    app.router.add_get("/recording/R{link}", recording, name="recording")
    app.router.add_get("/user_statuses", user_statuses, name="user_statuses")
