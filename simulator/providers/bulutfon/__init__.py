"""Bulutfon API v1 as documented: credentials in the query string, JSON everywhere."""

from __future__ import annotations

from simulator.http import json_error
from simulator.providers import SimulatedProvider

from . import alerts, calls, faxes

PROVIDER = SimulatedProvider(
    prefix="/bulutfon",
    routes=(calls.add_routes, faxes.add_routes, alerts.add_routes),
    error=json_error,
    line=calls.LINE,
)
