"""Bulutsantralim (Verimor) API as documented: `key` parameter, plain-text answers and errors."""

from __future__ import annotations

from simulator.http import text
from simulator.providers import SimulatedProvider

from . import alerts, calls, faxes, queues, voicemail

PROVIDER = SimulatedProvider(
    prefix="/bulutsantralim",
    routes=(
        alerts.add_routes,
        calls.add_routes,
        faxes.add_routes,
        queues.add_routes,
        voicemail.add_routes,
    ),
    error=text,
    too_many=calls.TOO_MANY,
    line=calls.LINE,
)
