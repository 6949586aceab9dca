"""Verimor's queues: the queue list, who waits, and the agents' statuses (`queues.md`).

`/agent_statuses` is limited to 2 requests a minute per key, as `/user_statuses` is.
"""

from __future__ import annotations

from aiohttp import web

from simulator.http import STATE_KEY, text
from simulator.queues import AGENT_STATUSES
from simulator.state import BulutsantralimState

from .auth import authorize
from .calls import TOO_MANY


def limited(pbx: BulutsantralimState, route: str) -> web.Response | None:
    """Return Verimor's 429 when the key used up the route's requests this minute."""
    retry_after = pbx.limits[route].take(pbx.api_key)
    if retry_after is None:
        return None
    return text(TOO_MANY, 429, {"Retry-After": str(retry_after)})


async def queues(request: web.Request) -> web.Response:
    """GET /queues: each queue's number (an integer) and name."""
    if (error := await authorize(request)) is not None:
        return error
    board = request.app[STATE_KEY].bulutsantralim.queues
    return web.json_response(
        [{"number": int(number), "name": name} for number, name in board.names.items()]
    )


async def pending(request: web.Request) -> web.Response:
    """GET /queues/pending: every caller waiting, `joined_at` as unix seconds in text."""
    if (error := await authorize(request)) is not None:
        return error
    board = request.app[STATE_KEY].bulutsantralim.queues
    return web.json_response(
        [
            {
                "queue_number": caller.queue,
                "uuid": caller.uuid,
                "call_uuid": caller.call_uuid,
                "caller_id": caller.caller_id,
                "joined_at": str(int(caller.joined_at.timestamp())),
            }
            for caller in board.waiting
        ]
    )


async def agent_statuses(request: web.Request) -> web.Response:
    """GET /agent_statuses: each agent's status, filtered by `agent`, `status`, `queue`."""
    if (error := await authorize(request)) is not None:
        return error
    pbx = request.app[STATE_KEY].bulutsantralim
    if (refused := limited(pbx, "agent_statuses")) is not None:
        return refused
    agent, status = request.query.get("agent"), request.query.get("status")
    queue = request.query.get("queue")
    if status is not None and status not in AGENT_STATUSES:
        return text(f"invalid status: {status}", 400)
    return web.json_response(
        [
            {
                "agent": number,
                "status": found.status,
                "queues": list(found.queues),
                "break_description": found.break_description,
            }
            for number, found in pbx.queues.agents.items()
            if (agent is None or number == agent)
            and (status is None or found.status == status)
            and (queue is None or queue in found.queues)
        ]
    )


def add_routes(app: web.Application) -> None:
    """Mount the queue list, the waiting callers and the agents' statuses."""
    app.router.add_get("/queues", queues, name="queues")
    app.router.add_get("/queues/pending", pending, name="queues_pending")
    app.router.add_get("/agent_statuses", agent_statuses, name="agent_statuses")
