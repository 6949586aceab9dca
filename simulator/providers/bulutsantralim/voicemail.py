"""Verimor's voicemail: the message list and the one-hour audio URLs (`voicemails.md`).

`/voicemail_messages` is a record list like `/cdrs` (pages of 10 to 100, a start range of
at most 31 days) with the filters `read`, `user_number` and `uuid`; times are Verimor's
record stamps and the duration is an integer of seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from simulator import audio
from simulator.calls import ISTANBUL
from simulator.faxes import new_uuid
from simulator.http import STATE_KEY, text
from simulator.recordings import RecordingLink
from simulator.voicemail import Voicemail

from .auth import authorize
from .lists import answer_list, start_range
from .render import record_stamp


def _item(message: Voicemail) -> dict[str, Any]:
    return {
        "start_stamp": record_stamp(message.start_stamp),
        "read_stamp": record_stamp(message.read_stamp),
        "user_number": message.user_number,
        "uuid": message.uuid,
        "caller_id_number": message.caller_id_number,
        "caller_id_name": message.caller_id_name,
        "duration": message.duration,
    }


def _filtered(
    messages: list[Voicemail], query: Mapping[str, str]
) -> list[dict[str, Any]] | str:
    """Return the messages the filters keep, newest first, or the refusal."""
    within = start_range(query)
    if isinstance(within, str):
        return within
    kept = [message for message in messages if within.holds(message.start_stamp)]
    if (read := query.get("read")) is not None:
        if read not in ("true", "false"):
            return f"invalid read: {read}"
        kept = [
            message
            for message in kept
            if (message.read_stamp is not None) == (read == "true")
        ]
    for name in ("user_number", "uuid"):
        if (value := query.get(name)) is not None:
            kept = [message for message in kept if getattr(message, name) == value]
    return [_item(message) for message in reversed(kept)]


async def voicemail_messages(request: web.Request) -> web.Response:
    """GET /voicemail_messages: the messages of every box, filtered and paged."""
    if (error := await authorize(request)) is not None:
        return error
    boxes = request.app[STATE_KEY].bulutsantralim.voicemail
    return answer_list(
        "messages", request.query, lambda query: _filtered(boxes.messages, query)
    )


async def voicemail_recording_url(request: web.Request) -> web.Response:
    """POST /voicemail_recording_url: a one-hour URL of a message's audio, in plain text."""
    if (error := await authorize(request)) is not None:
        return error
    state = request.app[STATE_KEY]
    boxes = state.bulutsantralim.voicemail
    value = (await request.post()).get("uuid")
    which = (value if isinstance(value, str) else "").strip()
    if not which or boxes.find(which) is None:
        return text(f"cannot find voicemail with uuid {which}", 400)
    link = new_uuid(state.rng)
    boxes.urls[link] = RecordingLink(which, datetime.now(ISTANBUL))
    path = request.app.router["voicemail_audio"].url_for(link=link)
    return text(str(request.url.origin().join(path)))


async def voicemail_audio(request: web.Request) -> web.Response:
    """GET /voicemail/V{link}: the message as MP3, while its URL is less than an hour old."""
    boxes = request.app[STATE_KEY].bulutsantralim.voicemail
    link = boxes.urls.get(request.match_info["link"])
    found = boxes.find(link.call_uuid) if link is not None else None
    if link is None or found is None or not link.valid(datetime.now(ISTANBUL)):
        return text("Not Found", 404)
    return web.Response(
        body=audio.mp3(found.duration),
        content_type=audio.MPEG,
        headers={"Content-Disposition": f'inline; filename="{found.uuid}.mp3"'},
    )


def add_routes(app: web.Application) -> None:
    """Mount the message list, the audio URLs and the audio they lead to."""
    app.router.add_get(
        "/voicemail_messages", voicemail_messages, name="voicemail_messages"
    )
    app.router.add_post(
        "/voicemail_recording_url",
        voicemail_recording_url,
        name="voicemail_recording_url",
    )
    app.router.add_get("/voicemail/V{link}", voicemail_audio, name="voicemail_audio")
