"""Verimor's PBX: CDRs, the CRM event webhook, call control, recordings and presence.

`originate` (providers.md §2.1 to §2.3) answers the new call's uuid at once and the call
goes on in the background, leaving webhooks and a recorded CDR. `hangup` and `transfer`
act on a live call (one placed in real time), answering `+OK` or `No such channel!`; the
hang-up and the transfer's answer then arrive as webhooks. `dnd` switches an extension's
do-not-disturb, which `user_statuses` shows as `SS_DND`. A recording is fetched in
two steps: `recording_url` hands out a one-hour URL that needs no key, and that URL answers
the MP3. Both `recording_url` and `user_statuses` are limited per key, as documented.
Saving a notification URL first POSTs an empty body to it and needs a 2xx answer, as
Verimor does since July 2021.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
import re
from typing import Any

from aiohttp import web
from yarl import URL

from simulator import audio
from simulator.calls import (
    ISTANBUL,
    CallSpec,
    SimulatedCall,
    WebhookDelivery,
    WebhookEvent,
    made_up_calls,
)
from simulator.faxes import new_uuid
from simulator.http import STATE_KEY, SWITCHBOARD_KEY, text
from simulator.recordings import RecordingLink
from simulator.state import USER_STATUSES, BulutsantralimState, SimulatorState
from simulator.switchboard import Line
from simulator.webhooks import WebhookSender, form_fields

from .auth import authorize
from .lists import answer_list, start_range
from .render import call_webhooks, cdr_item, transfer_webhook

CRM_SWITCHES = ("ringing", "answered", "hangup")
URL_NOT_VALIDATED = "Bildirim adresi doğrulanamadı"
# Domestic numbers as `90XXXXXXXXXX`, international ones as `00` and the country code.
DESTINATION = re.compile(r"^(?:90\d{10}|00[1-9]\d{5,14})$")
ORIGINATE_TIMEOUT = (10, 60)
TOO_MANY = "Too Many Requests"
NO_SUCH_CHANNEL = "No such channel!"
DND_STATES = ("on", "off")


async def caller_ids(request: web.Request) -> web.Response:
    """GET /caller_ids: the PBX's outbound numbers as a JSON array of strings."""
    if (error := await authorize(request)) is not None:
        return error
    return web.json_response(request.app[STATE_KEY].bulutsantralim.caller_ids)


def _filter_cdrs(
    calls: list[SimulatedCall], query: Mapping[str, str]
) -> list[dict[str, Any]] | str:
    """Return the records the filters keep, or the plain-text reason one is refused."""
    within = start_range(query)
    if isinstance(within, str):
        return within
    kept = [call for call in calls if within.holds(call.started)]
    if (direction := query.get("direction")) is not None:
        kept = [call for call in kept if call.direction == direction]
    if (missed := query.get("missed")) is not None:
        kept = [call for call in kept if str(call.missed).lower() == missed]
    if (recording := query.get("recording_present")) is not None:
        kept = [call for call in kept if str(call.recording).lower() == recording]
    items = {call.uuid: cdr_item(call) for call in kept}
    for name in ("caller_id_number", "destination_number", "queue"):
        if (value := query.get(name)) is not None:
            kept = [call for call in kept if items[call.uuid][name] == value]
    return [items[call.uuid] for call in kept]


async def cdrs(request: web.Request) -> web.Response:
    """GET /cdrs: call records, newest first, 10 to 100 a page (default 10)."""
    if (error := await authorize(request)) is not None:
        return error
    pbx = request.app[STATE_KEY].bulutsantralim

    def made_up(number: int, count: int) -> list[dict[str, Any]]:
        calls = made_up_calls("bulutsantralim", pbx.did, number, count)
        return [cdr_item(call) for call in calls]

    return answer_list(
        "cdrs", request.query, lambda query: _filter_cdrs(pbx.cdrs, query), made_up
    )


def _valid_notification_url(value: str) -> bool:
    url = URL(value)
    return url.scheme in ("http", "https") and bool(url.host)


async def crm_integrations(request: web.Request) -> web.Response:
    """GET or POST /crm_integrations: the event webhook's switches and URL.

    An empty URL switches delivery off without a check.
    """
    if (error := await authorize(request)) is not None:
        return error
    crm = request.app[STATE_KEY].bulutsantralim.crm
    if request.method == "GET":
        return web.json_response(crm.as_dict())
    form = await request.post()
    switches = {name: form.get(name, getattr(crm, name)) for name in CRM_SWITCHES}
    for name, value in switches.items():
        if value not in ("on", "off"):
            return text(f"{name} must be on or off", 400)
    url = form.get("notification_url", crm.notification_url)
    if not isinstance(url, str):
        return text("invalid notification_url", 400)
    url = url.strip()
    if url:
        if not _valid_notification_url(url):
            return text(f"invalid notification_url: {url}", 400)
        check = await request.app[SWITCHBOARD_KEY].sender.post("validation", url)
        if check.status is None or not 200 <= check.status < 300:
            return text(URL_NOT_VALIDATED, 400)
    crm.ringing, crm.answered, crm.hangup = (
        str(switches[name]) for name in CRM_SWITCHES
    )
    crm.notification_url = url
    return text("Ok")


def _too_many(retry_after: int) -> web.Response:
    """Return Verimor's 429, saying when the next request would be taken."""
    return text(TOO_MANY, 429, {"Retry-After": str(retry_after)})


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
    if (error := await authorize(request)) is not None:
        return error
    state = request.app[STATE_KEY]
    pbx = state.bulutsantralim
    query = dict(request.query)
    if (refusal := _originate_refusal(pbx, query)) is not None:
        return text(refusal, 400)
    spec = CallSpec(
        direction="outbound",
        caller=query.get("caller_id"),
        callee=query["destination"].strip(),
        extension=query["extension"].strip(),
        recording=True,
        uuid=new_uuid(state.rng),
    )
    request.app[SWITCHBOARD_KEY].dial("bulutsantralim", spec)
    return text(str(spec.uuid))


async def recording_url(request: web.Request) -> web.Response:
    """POST or GET /recording_url: a one-hour URL of a call's recording, in plain text.

    The API repository posts `key` and `call_uuid` as form fields; the unofficial SDK puts
    `call_uuid` in the query string; seed 002 shows the request as a URL with both in the
    query, which is what a GET sends. All three are served, under the same limit.
    """
    if (error := await authorize(request)) is not None:
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
        return text(f"cannot find call with call_uuid {call_uuid}", 400)
    # Each URL has its own uuid, as in the seed's example, so it cannot be guessed.
    link = new_uuid(state.rng)
    pbx.recording_urls[link] = RecordingLink(call_uuid, datetime.now(ISTANBUL))
    path = request.app.router["recording"].url_for(link=link)
    return text(str(request.url.origin().join(path)))


async def recording(request: web.Request) -> web.Response:
    """GET /recording/R{link}: the recording as MP3, while its URL is less than an hour old."""
    pbx = request.app[STATE_KEY].bulutsantralim
    link = pbx.recording_urls.get(request.match_info["link"])
    found = pbx.recordings.get(link.call_uuid) if link is not None else None
    if link is None or found is None or not link.valid(datetime.now(ISTANBUL)):
        return text("Not Found", 404)
    return web.Response(
        body=found.audio,
        content_type=audio.MPEG,
        headers={"Content-Disposition": f'inline; filename="{found.call_uuid}.mp3"'},
    )


async def user_statuses(request: web.Request) -> web.Response:
    """GET /user_statuses: every extension's presence, filtered by `user` and `status`."""
    if (error := await authorize(request)) is not None:
        return error
    pbx = request.app[STATE_KEY].bulutsantralim
    if (limited := _limited(pbx, "user_statuses")) is not None:
        return limited
    user, status = request.query.get("user"), request.query.get("status")
    if user is not None and not user.isdigit():
        return text(f"invalid user: {user}", 400)
    if status is not None and status not in USER_STATUSES:
        return text(f"invalid status: {status}", 400)
    items = [
        {"user": int(extension), "status": pbx.user_status(extension)}
        for extension in pbx.extensions
        if user is None or extension == user
    ]
    return web.json_response(
        [item for item in items if status is None or item["status"] == status]
    )


async def dnd(request: web.Request) -> web.Response:
    """GET /dnd/{extension}?state=on|off: switch an extension's do-not-disturb."""
    if (error := await authorize(request)) is not None:
        return error
    pbx = request.app[STATE_KEY].bulutsantralim
    extension = request.match_info["extension"]
    state = request.query.get("state", "").strip()
    if state not in DND_STATES:
        return text(f"invalid state: {state}", 400)
    if extension not in pbx.extensions:
        return text(f"extension {extension} not found", 400)
    pbx.set_dnd(extension, state == "on")
    return text(f"Changed DND of {extension} to {state}.")


async def hangup(request: web.Request) -> web.Response:
    """GET /hangup/{call_uuid}: end a live call; its hang-up and CDR follow."""
    if (error := await authorize(request)) is not None:
        return error
    switchboard = request.app[SWITCHBOARD_KEY]
    if not switchboard.hang_up("bulutsantralim", request.match_info["call_uuid"]):
        return text(NO_SUCH_CHANNEL, 400)
    return text("+OK")


async def transfer(request: web.Request) -> web.Response:
    """GET /transfer/{call_uuid}?user_number=: move a live call to another extension."""
    if (error := await authorize(request)) is not None:
        return error
    pbx = request.app[STATE_KEY].bulutsantralim
    switchboard = request.app[SWITCHBOARD_KEY]
    user_number = request.query.get("user_number", "").strip()
    if not user_number:
        return text("user_number is missing", 400)
    if user_number not in pbx.extensions:
        return text(f"extension {user_number} not found", 400)
    call_uuid = request.match_info["call_uuid"]
    if not switchboard.transfer("bulutsantralim", call_uuid, user_number):
        return text(NO_SUCH_CHANNEL, 400)
    return text("+OK")


def _call_events(state: SimulatorState, call: SimulatedCall) -> list[WebhookEvent]:
    pbx = state.bulutsantralim
    if not pbx.crm.notification_url:
        return []
    events = call_webhooks(call, domain_id=pbx.domain_id, booleans=pbx.crm.booleans)
    return [event for event in events if pbx.crm.sends(event.event_type)]


async def _post(
    sender: WebhookSender, state: SimulatorState, event: WebhookEvent
) -> WebhookDelivery:
    """Post one event as Verimor does: always a form."""
    url = state.bulutsantralim.crm.notification_url
    return await sender.post(event.event_type, url, form=form_fields(event.fields))


def _transfer_events(
    state: SimulatorState, call: SimulatedCall, at: datetime
) -> list[WebhookEvent]:
    """Announce a moved call's new extension answering, if the account hears answers."""
    pbx = state.bulutsantralim
    if not pbx.crm.notification_url or not pbx.crm.sends("answer"):
        return []
    return [transfer_webhook(call, at, domain_id=pbx.domain_id)]


LINE = Line(events=_call_events, post=_post, transferred=_transfer_events)


def add_routes(app: web.Application) -> None:
    """Mount CDRs, the event webhook, call control, recordings, presence and DND."""
    app.router.add_get("/caller_ids", caller_ids, name="caller_ids")
    app.router.add_get("/cdrs", cdrs, name="cdrs")
    crm = app.router.add_resource("/crm_integrations", name="crm_integrations")
    crm.add_route("GET", crm_integrations)
    crm.add_route("POST", crm_integrations)
    app.router.add_get("/originate", originate, name="originate")
    resource = app.router.add_resource("/recording_url", name="recording_url")
    resource.add_route("POST", recording_url)
    resource.add_route("GET", recording_url)
    app.router.add_get("/recording/R{link}", recording, name="recording")
    app.router.add_get("/user_statuses", user_statuses, name="user_statuses")
    app.router.add_get("/dnd/{extension}", dnd, name="dnd")
    app.router.add_get("/hangup/{call_uuid}", hangup, name="hangup")
    app.router.add_get("/transfer/{call_uuid}", transfer, name="transfer")
