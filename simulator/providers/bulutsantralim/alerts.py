"""Bulutsantralim's announcements and IVR campaigns (`announcements.md`, `ivr_campaigns.md`).

Every answer is plain text, as documented: the new id, `OK`, or the refusal in Verimor's
words. A campaign's body is JSON with the `key` inside it; the other requests carry the
key in the query string or the form.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from typing import Any
from urllib.parse import unquote_plus

from aiohttp import web

from simulator.calls import international
from simulator.http import STATE_KEY, text
from simulator.ivr_campaigns import Campaign, IvrCampaigns, dial, post_form

from .auth import authorize

EXTENSIONS = [
    "wav",
    "mp3",
    "wma",
    "m4a",
    "aac",
    "ac3",
    "amr",
    "flac",
    "gsm",
    "mpeg",
    "mp1",
    "mp2",
    "ra",
    "spx",
    "ogg",
    "3gp",
]
BAD_EXTENSION = (
    f"Sound file should have one of these extensions: {' '.join(EXTENSIONS)}"
)
BAD_SOUNDDATA = "sounddata bir Data URL olmalıdır (URL safe base64)"
NOT_AUDIO = "Ses dosyası geçerli bir ses dosyası değil"
NAME_BLANK = "name can't be blank"
NO_ANNOUNCEMENT = "cannot find announcement with id: {id}"
NO_CAMPAIGN = "Cannot find ivr_campaign with ID {id}"
BAD_JSON = "JSON body is invalid"
BAD_CLI = "cli is not one of your caller ids"
BAD_WELCOME = "welcome_announcement_id is invalid"
BAD_RING_TIMEOUT = "ring_timeout must be between 25 and 60"
BAD_DIGIT_TIMEOUT = "digit_timeout must be between 1 and 10"
NO_TARGET = "0-9, star, square, timeout, invalid'den en az birisi için hedef verilmesi zorunludur"
BAD_PHONE_LIST = "phone_list is invalid"
BAD_WEBHOOK = "webhook_url doğrulanamadı"
TARGET_FIELDS = (
    *(f"digit_target_{digit}" for digit in range(10)),
    "digit_target_star",
    "digit_target_square",
    "timeout_target",
    "invalid_target",
)
DATA_URL = re.compile(
    r"data:(?P<mime>[^;,]+);name:(?P<name>[^;,]*);base64,(?P<data>.*)"
)
PHONE = re.compile(r"(90|0)?5?[0-9]{9,10}|00[0-9]{8,15}")


def _campaigns(request: web.Request) -> IvrCampaigns:
    return request.app[STATE_KEY].bulutsantralim.ivr_campaigns


async def listing(request: web.Request) -> web.Response:
    """GET /announcements: every sound file, id and name."""
    if (error := await authorize(request)) is not None:
        return error
    found = _campaigns(request).announcements.values()
    return web.json_response(
        [{"id": item.id, "name": item.name} for item in found],
        dumps=lambda data: json.dumps(data, ensure_ascii=False),
    )


def _sound(form: Any) -> tuple[str, str, bytes] | str:
    """Return the upload's type, file name and bytes, or the refusal."""
    match = DATA_URL.fullmatch(str(form.get("sounddata", "")))
    if match is None:
        return BAD_SOUNDDATA
    file_name = unquote_plus(match["name"])
    if file_name.rpartition(".")[2].lower() not in EXTENSIONS:
        return BAD_EXTENSION
    data = match["data"]
    if any(char in data for char in "+/\r\n"):
        return BAD_SOUNDDATA
    try:
        content = base64.urlsafe_b64decode(data)
    except binascii.Error, ValueError:
        return BAD_SOUNDDATA
    return match["mime"], file_name, content


async def upload(request: web.Request) -> web.Response:
    """POST /announcements: keep a new sound file; answer its id."""
    if (error := await authorize(request)) is not None:
        return error
    form = await request.post()
    if not str(form.get("name", "")).strip():
        return text(NAME_BLANK, 400)
    sound = _sound(form)
    if isinstance(sound, str):
        return text(sound, 400)
    mime, file_name, content = sound
    announcement = _campaigns(request).upload(
        str(form["name"]), mime, file_name, content
    )
    if not announcement.is_audio:
        del _campaigns(request).announcements[announcement.id]
        return text(NOT_AUDIO, 400)
    return text(str(announcement.id))


def _id(request: web.Request) -> int | None:
    raw = request.match_info["id"]
    return int(raw) if raw.isdigit() else None


async def delete_announcement(request: web.Request) -> web.Response:
    """DELETE /announcements/{id}: forget a sound file."""
    if (error := await authorize(request)) is not None:
        return error
    announcements = _campaigns(request).announcements
    if (number := _id(request)) not in announcements:
        return text(NO_ANNOUNCEMENT.format(id=request.match_info["id"]), 400)
    del announcements[number]
    return text("OK")


def _phones(phone_list: Any) -> list[str] | None:
    """Return the campaign's numbers as `90…` digits, or None when the list is bad."""
    if not isinstance(phone_list, list) or not phone_list:
        return None
    phones = []
    for item in phone_list:
        phone = item.get("phone") if isinstance(item, dict) else None
        if isinstance(phone, bool) or not isinstance(phone, str | int):
            return None
        if not PHONE.fullmatch(str(phone)):
            return None
        phones.append(international(str(phone)))
    return phones


def _refusal(
    body: dict[str, Any], calls: IvrCampaigns, caller_ids: list[str]
) -> str | None:
    """Return why a campaign is refused, in Verimor's words, or None."""
    if not str(body.get("name") or "").strip():
        return NAME_BLANK
    if str(body.get("cli")) not in caller_ids:
        return BAD_CLI
    if body.get("welcome_announcement_id") not in calls.announcements:
        return BAD_WELCOME
    ring = body.get("ring_timeout", 30)
    if isinstance(ring, bool) or not isinstance(ring, int) or not 25 <= ring <= 60:
        return BAD_RING_TIMEOUT
    wait = body.get("digit_timeout", 4)
    if isinstance(wait, bool) or not isinstance(wait, int) or not 1 <= wait <= 10:
        return BAD_DIGIT_TIMEOUT
    if not any(body.get(name) for name in TARGET_FIELDS):
        return NO_TARGET
    if _phones(body.get("phone_list")) is None:
        return BAD_PHONE_LIST
    return None


async def create(request: web.Request) -> web.Response:
    """POST /ivr_campaigns.json: check the webhook, keep the campaign, start calling."""
    try:
        body = json.loads(await request.text())
    except ValueError:
        return text(BAD_JSON, 400)
    pbx = request.app[STATE_KEY].bulutsantralim
    if not isinstance(body, dict):
        return text(BAD_JSON, 400)
    if body.get("key") != pbx.api_key:
        return text(f"Gecersiz anahtar: {body.get('key') or ''}", 400)
    calls: IvrCampaigns = pbx.ivr_campaigns
    if (refusal := _refusal(body, calls, pbx.caller_ids)) is not None:
        return text(refusal, 400)
    verification = None
    if url := str(body.get("webhook_url") or ""):
        verification = await post_form(url, None)
        if verification != 200:
            return text(BAD_WEBHOOK, 400)
    phones = _phones(body["phone_list"]) or []
    campaign = calls.create(body, phones)
    campaign.verification = verification
    campaign.task = asyncio.get_running_loop().create_task(
        dial(calls, campaign, request.app[STATE_KEY].callee, pbx.domain_id)
    )
    return text(str(campaign.id))


def _campaign(request: web.Request) -> Campaign | None:
    return _campaigns(request).campaigns.get(_id(request) or -1)


async def delete_campaign(request: web.Request) -> web.Response:
    """DELETE /ivr_campaigns/{id}: cancel a campaign; no more calls are placed."""
    if (error := await authorize(request)) is not None:
        return error
    campaign = _campaign(request)
    if campaign is None or campaign.deleted:
        return text(NO_CAMPAIGN.format(id=request.match_info["id"]), 400)
    campaign.deleted = True
    return text("OK")


async def set_status(request: web.Request) -> web.Response:
    """PATCH /ivr_campaigns/{id}: `status=off` pauses the calls, `on` goes on."""
    if (error := await authorize(request)) is not None:
        return error
    campaign = _campaign(request)
    if campaign is None or campaign.deleted:
        return text(NO_CAMPAIGN.format(id=request.match_info["id"]), 400)
    status = str((await request.post()).get("status", ""))
    if status not in ("on", "off"):
        return text("status must be on or off", 400)
    campaign.paused = status == "off"
    return text("OK")


async def _stop_dialing(app: web.Application) -> None:
    app[STATE_KEY].bulutsantralim.ivr_campaigns.stop_all()


def add_routes(app: web.Application) -> None:
    """Mount the announcements and the IVR campaigns."""
    app.router.add_get("/announcements", listing, name="announcements")
    app.router.add_post("/announcements", upload, name="announcements_create")
    app.router.add_delete(
        "/announcements/{id}", delete_announcement, name="announcement_delete"
    )
    app.router.add_post("/ivr_campaigns.json", create, name="ivr_campaigns_create")
    app.router.add_delete(
        "/ivr_campaigns/{id}", delete_campaign, name="ivr_campaign_delete"
    )
    app.router.add_patch("/ivr_campaigns/{id}", set_status, name="ivr_campaign_status")
    app.on_cleanup.append(_stop_dialing)
