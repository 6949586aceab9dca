"""Verimor's `key`: in the query string, or in the form of a POST."""

from __future__ import annotations

from aiohttp import web

from simulator.http import STATE_KEY, text


async def authorize(request: web.Request) -> web.Response | None:
    """Return the documented `Gecersiz anahtar` answer when the key is wrong."""
    key = request.query.get("key")
    if key is None and request.method != "GET":
        key = (await request.post()).get("key")  # type: ignore[assignment]
    if key != request.app[STATE_KEY].bulutsantralim.api_key:
        return text(f"Gecersiz anahtar: {key or ''}", 400)
    return None
