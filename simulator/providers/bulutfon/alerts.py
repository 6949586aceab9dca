"""Bulutfon's PBX numbers and automatic calls (`dids.md`, `automatic-calls.md`).

`POST /automatic-calls` takes `title`, `receivers` (comma-separated), `did` and one of
`announcement_id`, `sound_url` or `bulutfon_xm_id`; it answers with a `message` only, as
the .NET SDK's model shows. A `sound_url` is fetched before the campaign is accepted: a
URL that does not give audio is refused. The PBX refuses a number it does not own, and any
campaign while the account's balance is spent.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import aiohttp
from aiohttp import web

from simulator.automatic_calls import SoundFetch
from simulator.calls import international
from simulator.http import STATE_KEY, json_error

from .auth import NOT_FOUND, authorize, authorized_body, field

CREATED = "Otomatik arama başarıyla oluşturuldu."
MISSING = "title, receivers, did ve ses dosyası zorunludur"
INVALID_DID = "Geçersiz santral numarası"
INVALID_RECEIVER = "Geçersiz alıcı numarası"
NO_BALANCE = "Yetersiz bakiye"
NO_SOUND = "Ses dosyası indirilemedi"
NOT_AUDIO = "Ses dosyası geçerli bir ses dosyası değil"
SOUND_FIELDS = ("announcement_id", "sound_url", "bulutfon_xm_id")
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=15)
# How much of a fetched file is kept, to tell its kind.
HEAD_BYTES = 16


async def dids(request: web.Request) -> web.Response:
    """GET /dids: the PBX's numbers, as text (the document shows them so)."""
    if (error := authorize(request)) is not None:
        return error
    account = request.app[STATE_KEY].bulutfon
    return web.json_response(
        {
            "dids": [
                {
                    "id": index,
                    "number": number,
                    "state": "CONFIRMED",
                    "destination_type": "Auto attendant",
                    "destination_id": 13,
                    "destination_number": 10,
                    "working_hour": True,
                }
                for index, number in enumerate(account.numbers, start=1)
            ]
        }
    )


async def fetch_sound(url: str) -> SoundFetch:
    """Fetch the campaign's audio as Bulutfon would, from the internet."""
    try:
        async with (
            aiohttp.ClientSession(timeout=FETCH_TIMEOUT) as session,
            session.get(url, allow_redirects=False) as response,
        ):
            body = await response.read()
            return SoundFetch(
                url,
                response.status,
                response.content_type,
                len(body),
                head=body[:HEAD_BYTES],
            )
    except (aiohttp.ClientError, TimeoutError, ValueError) as err:
        return SoundFetch(url, None, "", 0, error=type(err).__name__)


def _balance_spent(me: dict[str, object]) -> bool:
    credit = me.get("credit")
    balance = credit.get("balance") if isinstance(credit, dict) else None
    try:
        return Decimal(str(balance)) <= 0
    except InvalidOperation:
        return False


async def create(request: web.Request) -> web.Response:
    """POST /automatic-calls: phone the receivers in turn and play the sound."""
    body = await authorized_body(request)
    if isinstance(body, web.Response):
        return body
    state = request.app[STATE_KEY]
    account = state.bulutfon
    title, did, receivers = (
        field(body, name) for name in ("title", "did", "receivers")
    )
    sounds = [name for name in SOUND_FIELDS if field(body, name)]
    if not (title and did and receivers) or len(sounds) != 1:
        return json_error(MISSING, 400)
    if international(did) not in account.numbers:
        return json_error(INVALID_DID, 400)
    numbers = [number.strip() for number in receivers.split(",") if number.strip()]
    if not numbers or not all(n.isdigit() and 10 <= len(n) <= 14 for n in numbers):
        return json_error(INVALID_RECEIVER, 400)
    if _balance_spent(account.me):
        return json_error(NO_BALANCE, 402)
    if sounds != ["sound_url"]:
        return json_error(MISSING, 400)
    sound = await fetch_sound(str(field(body, "sound_url")))
    account.automatic_calls.fetches.append(sound)
    if sound.status != 200:
        return json_error(NO_SOUND, 400)
    if not sound.is_audio:
        return json_error(NOT_AUDIO, 400)
    gather = str(body.get("gather", "true")).lower() not in ("false", "0")
    account.automatic_calls.create(
        title,
        int(international(did)),
        [int(international(number)) for number in numbers],
        gather,
        sound,
    )
    return web.json_response({"message": CREATED})


async def listing(request: web.Request) -> web.Response:
    """GET /automatic-calls: every campaign, oldest first."""
    if (error := authorize(request)) is not None:
        return error
    campaigns = request.app[STATE_KEY].bulutfon.automatic_calls.campaigns
    return web.json_response(
        {"automatic_calls": [campaign.summary() for campaign in campaigns.values()]}
    )


async def detail(request: web.Request) -> web.Response:
    """GET /automatic-calls/{id}: the campaign and its recipients; the next call is placed."""
    if (error := authorize(request)) is not None:
        return error
    calls = request.app[STATE_KEY].bulutfon.automatic_calls
    raw = request.match_info["id"]
    campaign = calls.campaigns.get(int(raw)) if raw.isdigit() else None
    if campaign is None:
        return json_error(NOT_FOUND, 404)
    answer = {"automatic_call": campaign.detail()}
    calls.dial_next(campaign)
    return web.json_response(answer)


def add_routes(app: web.Application) -> None:
    """Mount the PBX numbers and the automatic calls."""
    app.router.add_get(r"/dids{ext:(\.json)?}", dids, name="dids")
    app.router.add_post(
        r"/automatic-calls{ext:(\.json)?}", create, name="automatic_calls_create"
    )
    app.router.add_get(
        r"/automatic-calls{ext:(\.json)?}", listing, name="automatic_calls"
    )
    app.router.add_get(
        r"/automatic-calls/{id:[^/.]+}{ext:(\.json)?}",
        detail,
        name="automatic_call",
    )
