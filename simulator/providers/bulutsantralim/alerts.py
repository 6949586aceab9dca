"""Bulutsantralim's announcements and IVR campaigns (`announcements.md`, `ivr_campaigns.md`).

Every answer that is no list is plain text, as documented: the new id, `OK`, or the
refusal in Verimor's words where the documents give them (`name can't be blank`, the
extension list, `cannot find announcement with id: …`, `Cannot find ivr_campaign with ID
…`), this simulator's own otherwise (one constant each, below). A campaign's body is JSON
with the `key` inside it; the other requests carry the key in the query string or the form.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
import functools
import json
import re
from typing import Any
from urllib.parse import unquote_plus

from aiohttp import web

from simulator.audio import looks_like_audio
from simulator.calls import international
from simulator.http import STATE_KEY, text
from simulator.ivr_campaigns import KEY_TARGETS, Campaign, IvrCampaigns, verify_webhook
from simulator.state import BulutsantralimState

from .auth import authorize

EXTENSIONS = (
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
)
OK = "OK"
BAD_KEY = "Gecersiz anahtar: {key}"
# `announcements.md`'s words.
BAD_EXTENSION = (
    f"Sound file should have one of these extensions: {' '.join(EXTENSIONS)}"
)
NAME_BLANK = "name can't be blank"
NO_ANNOUNCEMENT = "cannot find announcement with id: {id}"
# `ivr_campaigns.md`'s words.
NO_CAMPAIGN = "Cannot find ivr_campaign with ID {id}"
NO_TARGET = "0-9, star, square, timeout, invalid'den en az birisi için hedef verilmesi zorunludur"
# This simulator's words, where the documents give none.
BAD_SOUNDDATA = "sounddata bir Data URL olmalıdır (URL safe base64, satır sonu olmadan)"
NOT_AUDIO = "Ses dosyası geçerli bir ses dosyası değil"
BAD_JSON = "JSON body is invalid"
NOT_IVR = "call_type must be ivr (queue campaigns are not simulated)"
BAD_CLI = "cli is not one of your caller ids"
BAD_WELCOME = "welcome_announcement_id is invalid"
BAD_RING_TIMEOUT = "ring_timeout must be between 25 and 60"
BAD_CALL_RETRIES = "call_retries must be 0 or more"
BAD_DIGIT_RETRIES = "digit_retries must be 0 or more"
BAD_DIGIT_TIMEOUT = "digit_timeout must be between 1 and 10"
BAD_COMMERCIAL = "is_commercial must be true or false"
BAD_PHONE_LIST = "phone_list is invalid"
BAD_WEBHOOK = "webhook_url doğrulanamadı"
BAD_STATUS = "status must be on or off"
TARGET_FIELDS = (*KEY_TARGETS.values(), "timeout_target", "invalid_target")
# `data:<type>;name:<URL-encoded file name>;base64,<data>`, as `announcements.md` shows.
DATA_URL = re.compile(
    r"data:(?P<mime>[^;,]+);name:(?P<name>[^;,]*);base64,(?P<data>.*)", re.DOTALL
)
# URL-safe base64 on one line; padding may be left off, as Ruby's `urlsafe_decode64` takes.
URLSAFE_BASE64 = re.compile(r"[A-Za-z0-9_-]*={0,2}")
# `905321234567`, `05321234567`, `5321234567`, or international `00491234567`.
PHONE = re.compile(r"90[1-9][0-9]{9}|0[1-9][0-9]{9}|[1-9][0-9]{9}|00[1-9][0-9]{5,14}")
# Whole numbers a campaign takes, each with its default and its refusal.
NUMBERS: dict[str, tuple[int, int, int | None, str]] = {
    "ring_timeout": (30, 25, 60, BAD_RING_TIMEOUT),
    "call_retries": (0, 0, None, BAD_CALL_RETRIES),
    "digit_retries": (0, 0, None, BAD_DIGIT_RETRIES),
    "digit_timeout": (4, 1, 10, BAD_DIGIT_TIMEOUT),
}
_dumps = functools.partial(json.dumps, ensure_ascii=False)


def _pbx(request: web.Request) -> BulutsantralimState:
    return request.app[STATE_KEY].bulutsantralim


def _calls(request: web.Request) -> IvrCampaigns:
    return _pbx(request).ivr_campaigns


def _id(request: web.Request) -> int | None:
    raw = request.match_info["id"]
    return int(raw) if raw.isascii() and raw.isdigit() else None


# --- announcements --------------------------------------------------------------------


async def listing(request: web.Request) -> web.Response:
    """GET /announcements: every sound file, its id (a JSON integer) and name."""
    if (error := await authorize(request)) is not None:
        return error
    found = _calls(request).announcements.values()
    return web.json_response(
        [{"id": item.id, "name": item.name} for item in found], dumps=_dumps
    )


def _base64(data: str) -> bytes | None:
    """Return URL-safe base64 decoded, or None when it is not that on one line."""
    if not URLSAFE_BASE64.fullmatch(data):
        return None
    data = data.rstrip("=")
    if len(data) % 4 == 1:
        return None
    try:
        return base64.b64decode(
            data + "=" * (-len(data) % 4), altchars=b"-_", validate=True
        )
    except binascii.Error, ValueError:
        return None


def sound(sounddata: object) -> tuple[str, str, bytes] | str:
    """Return a `sounddata` data URL's type, file name and audio, or the refusal."""
    match = DATA_URL.fullmatch(sounddata) if isinstance(sounddata, str) else None
    if match is None:
        return BAD_SOUNDDATA
    mime, file_name = match["mime"].strip(), unquote_plus(match["name"])
    if not mime.startswith("audio/"):
        return NOT_AUDIO
    if file_name.rpartition(".")[2].lower() not in EXTENSIONS:
        return BAD_EXTENSION
    content = _base64(match["data"])
    if content is None:
        return BAD_SOUNDDATA
    if not looks_like_audio(content):
        return NOT_AUDIO
    return mime, file_name, content


def _name(form: Mapping[str, Any]) -> str | None:
    value = form.get("name")
    return value.strip() if isinstance(value, str) and value.strip() else None


async def upload(request: web.Request) -> web.Response:
    """POST /announcements: keep a new sound file; answer its id."""
    if (error := await authorize(request)) is not None:
        return error
    form = await request.post()
    if (name := _name(form)) is None:
        return text(NAME_BLANK, 400)
    found = sound(form.get("sounddata"))
    if isinstance(found, str):
        return text(found, 400)
    announcement = _calls(request).upload(name, *found)
    return text(str(announcement.id))


async def update(request: web.Request) -> web.Response:
    """PUT /announcements/{id}: rename a sound file, and replace its audio if sent."""
    if (error := await authorize(request)) is not None:
        return error
    announcement = _calls(request).announcements.get(_id(request) or -1)
    if announcement is None:
        return text(NO_ANNOUNCEMENT.format(id=request.match_info["id"]), 400)
    form = await request.post()
    if (name := _name(form)) is None:
        return text(NAME_BLANK, 400)
    if "sounddata" in form:
        found = sound(form.get("sounddata"))
        if isinstance(found, str):
            return text(found, 400)
        announcement.content_type, announcement.file_name, announcement.content = found
    announcement.name = name
    return text(OK)


async def delete_announcement(request: web.Request) -> web.Response:
    """DELETE /announcements/{id}: forget a sound file (a campaign playing it goes on)."""
    if (error := await authorize(request)) is not None:
        return error
    announcements = _calls(request).announcements
    if (number := _id(request)) is None or number not in announcements:
        return text(NO_ANNOUNCEMENT.format(id=request.match_info["id"]), 400)
    del announcements[number]
    return text(OK)


# --- IVR campaigns --------------------------------------------------------------------


def phone_number(value: object) -> str | None:
    """Return a `phone_list` number (text or a JSON integer) as report digits, or None.

    Turkish numbers come back as `90…`; international ones (`00…`) without the `00`.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    digits = str(value).strip()
    if not digits.isascii() or not PHONE.fullmatch(digits):
        return None
    if digits.startswith("00"):
        return international(digits) if digits.startswith("0090") else digits[2:]
    return international(digits)


def _phones(phone_list: object) -> list[str] | None:
    """Return the campaign's numbers, or None when the list is empty or bad."""
    if not isinstance(phone_list, list) or not phone_list:
        return None
    phones = []
    for item in phone_list:
        phone = phone_number(item.get("phone")) if isinstance(item, dict) else None
        if phone is None:
            return None
        phones.append(phone)
    return phones


def _whole_numbers(body: Mapping[str, Any]) -> str | None:
    """Return the refusal of the first whole-number field out of its range, or None."""
    for name, (default, low, high, refusal) in NUMBERS.items():
        value = body.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            return refusal
        if value < low or (high is not None and value > high):
            return refusal
    return None


def refusal(body: Mapping[str, Any], pbx: BulutsantralimState) -> str | None:
    """Return why a campaign (its key checked) is refused, in Verimor's words, or None."""
    if body.get("call_type", "ivr") != "ivr":
        return NOT_IVR
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        return NAME_BLANK
    cli = body.get("cli")
    own = {international(number) for number in pbx.caller_ids}
    if not isinstance(cli, str | int) or international(str(cli)) not in own:
        return BAD_CLI
    welcome = body.get("welcome_announcement_id")
    if (
        isinstance(welcome, bool)
        or not isinstance(welcome, int)
        or welcome not in pbx.ivr_campaigns.announcements
    ):
        return BAD_WELCOME
    if (wrong := _whole_numbers(body)) is not None:
        return wrong
    if not isinstance(body.get("is_commercial", False), bool):
        return BAD_COMMERCIAL
    webhook = body.get("webhook_url")
    if webhook is not None and not isinstance(webhook, str):
        return BAD_WEBHOOK
    if not any(body.get(name) for name in TARGET_FIELDS):
        return NO_TARGET
    if _phones(body.get("phone_list")) is None:
        return BAD_PHONE_LIST
    return None


async def create(request: web.Request) -> web.Response:
    """POST /ivr_campaigns.json: check the webhook, keep the campaign, start calling.

    The webhook is sent an empty POST first, as Verimor checks it; anything but a 200
    refuses the campaign.
    """
    try:
        body = json.loads(await request.text())
    except ValueError:
        return text(BAD_JSON, 400)
    if not isinstance(body, dict):
        return text(BAD_JSON, 400)
    state = request.app[STATE_KEY]
    pbx = state.bulutsantralim
    key = body.get("key")
    if key != pbx.api_key:
        return text(BAD_KEY.format(key=key if isinstance(key, str) else ""), 400)
    if (refused := refusal(body, pbx)) is not None:
        return text(refused, 400)
    verification = None
    if url := str(body.get("webhook_url") or ""):
        verification = await verify_webhook(url)
        if verification != 200:
            return text(BAD_WEBHOOK, 400)
    calls = pbx.ivr_campaigns
    campaign = calls.create(body, _phones(body["phone_list"]) or [])
    campaign.verification = verification
    calls.start(campaign, state.callee, pbx.domain_id, state.rng)
    return text(str(campaign.id))


def _campaign(request: web.Request) -> Campaign | None:
    """Return the campaign the path names, unless it is unknown or deleted."""
    campaign = _calls(request).campaigns.get(_id(request) or -1)
    return None if campaign is None or campaign.deleted else campaign


async def delete_campaign(request: web.Request) -> web.Response:
    """DELETE /ivr_campaigns/{id}: cancel a campaign; no more calls are placed."""
    if (error := await authorize(request)) is not None:
        return error
    if (campaign := _campaign(request)) is None:
        return text(NO_CAMPAIGN.format(id=request.match_info["id"]), 400)
    campaign.stop()
    return text(OK)


async def set_status(request: web.Request) -> web.Response:
    """PATCH /ivr_campaigns/{id}: `status=off` pauses the calls, `on` lets them go on."""
    if (error := await authorize(request)) is not None:
        return error
    if (campaign := _campaign(request)) is None:
        return text(NO_CAMPAIGN.format(id=request.match_info["id"]), 400)
    status = (await request.post()).get("status", request.query.get("status"))
    if status not in ("on", "off"):
        return text(BAD_STATUS, 400)
    campaign.set_running(status == "on")
    return text(OK)


async def _stop_dialing(app: web.Application) -> None:
    await app[STATE_KEY].bulutsantralim.ivr_campaigns.async_stop()


def add_routes(app: web.Application) -> None:
    """Mount the announcements and the IVR campaigns; their dialers stop with the app."""
    app.router.add_get("/announcements", listing, name="announcements")
    app.router.add_post("/announcements", upload, name="announcements_create")
    app.router.add_put("/announcements/{id}", update, name="announcement_update")
    app.router.add_delete(
        "/announcements/{id}", delete_announcement, name="announcement_delete"
    )
    app.router.add_post("/ivr_campaigns.json", create, name="ivr_campaigns_create")
    app.router.add_delete(
        "/ivr_campaigns/{id}", delete_campaign, name="ivr_campaign_delete"
    )
    app.router.add_patch("/ivr_campaigns/{id}", set_status, name="ivr_campaign_status")
    app.on_cleanup.append(_stop_dialing)
