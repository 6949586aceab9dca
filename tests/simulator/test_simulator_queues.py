"""The simulated Bulutsantralim queues answer in the documented shapes (providers.md §2.2)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest

from simulator import Simulator
from simulator.__main__ import _parser, _request
from simulator.calls import ISTANBUL


def verimor(simulator: Simulator, path: str) -> str:
    """Return the URL of a Bulutsantralim path."""
    return f"{simulator.url('bulutsantralim')}/{path}"


async def get(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    path: str,
    **params: str,
) -> tuple[int, Any]:
    """GET a Bulutsantralim path with the key; return the status and the JSON or text."""
    async with session.get(
        verimor(simulator, path),
        params={"key": simulator.state.bulutsantralim.api_key, **params},
    ) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def control(
    simulator: Simulator, session: aiohttp.ClientSession, path: str, body: Any
) -> tuple[int, Any]:
    """POST to the control API; return the status and the JSON answer."""
    async with session.post(
        f"{simulator.base_url}/_control/{path}", json=body
    ) as response:
        return response.status, await response.json()


async def test_queues_and_pending_callers(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """`/queues` numbers are integers; pending ones strings, `joined_at` unix seconds text."""
    assert await get(simulator, session, "queues") == (
        200,
        [{"number": 200, "name": "Kuyruk 1"}],
    )
    assert await get(simulator, session, "queues/pending") == (200, [])

    joined = datetime.now(ISTANBUL).replace(microsecond=0) - timedelta(minutes=3)
    uuid = simulator.queue_caller(200, "905320000000", joined)
    status, answer = await control(
        simulator, session, "queues", {"queue": "200", "caller": "905321111111"}
    )
    assert status == 200
    assert answer["caller"] == "905321111111"
    status, pending = await get(simulator, session, "queues/pending")
    assert status == 200
    assert [item["caller_id"] for item in pending] == ["905320000000", "905321111111"]
    first = pending[0]
    assert first["queue_number"] == "200"
    assert first["uuid"] == uuid
    assert first["call_uuid"] != uuid
    assert first["joined_at"] == str(int(joined.timestamp()))

    simulator.unqueue(uuid)
    status, answer = await control(
        simulator, session, "queues/release", {"caller": "905321111111"}
    )
    assert (status, answer["caller"]) == (200, "905321111111")
    assert await get(simulator, session, "queues/pending") == (200, [])
    assert simulator.count("bulutsantralim", "queues_pending") == 3


async def test_queue_refusals(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """An unknown queue or caller is refused by Python and by the control API."""
    with pytest.raises(ValueError, match="queue 999 not found"):
        simulator.queue_caller(999, "905320000000")
    with pytest.raises(ValueError, match="no caller 905320000000 waits"):
        simulator.unqueue("905320000000")
    status, answer = await control(
        simulator, session, "queues", {"queue": "999", "caller": "1"}
    )
    assert (status, "error" in answer) == (400, True)
    status, answer = await control(
        simulator, session, "queues/release", {"caller": "1"}
    )
    assert (status, "error" in answer) == (400, True)
    async with session.get(verimor(simulator, "queues"), params={"key": "K"}) as found:
        assert (found.status, await found.text()) == (400, "Gecersiz anahtar: K")


async def test_agent_statuses_filter_and_are_limited(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Agents are strings with their queues; filters narrow them; the third read is a 429."""
    simulator.set_agent_status(1002, "ON_BREAK", "Kahve")
    status, agents = await get(simulator, session, "agent_statuses")
    assert status == 200
    assert agents == [
        {
            "agent": "1001",
            "status": "AVAILABLE",
            "queues": ["200"],
            "break_description": "",
        },
        {
            "agent": "1002",
            "status": "ON_BREAK",
            "queues": ["200"],
            "break_description": "Kahve",
        },
    ]
    status, agents = await get(simulator, session, "agent_statuses", status="ON_BREAK")
    assert [agent["agent"] for agent in agents] == ["1002"]
    assert await get(simulator, session, "agent_statuses") == (
        429,
        "Too Many Requests",
    )

    simulator.state.bulutsantralim.limits["agent_statuses"].clear()
    status, agents = await get(simulator, session, "agent_statuses", queue="201")
    assert (status, agents) == (200, [])
    status, agents = await get(simulator, session, "agent_statuses", agent="1001")
    assert [agent["agent"] for agent in agents] == ["1001"]
    simulator.state.bulutsantralim.limits["agent_statuses"].clear()
    assert await get(simulator, session, "agent_statuses", status="BUSY") == (
        400,
        "invalid status: BUSY",
    )
    status, answer = await control(
        simulator,
        session,
        "agent_statuses",
        {"agent": "1001", "status": "LOGGED_OUT"},
    )
    assert (status, answer) == (200, {"agent": "1001", "status": "LOGGED_OUT"})
    assert simulator.state.bulutsantralim.queues.agents["1001"].status == "LOGGED_OUT"
    with pytest.raises(ValueError, match="agent 1099 not found"):
        simulator.set_agent_status(1099, "TALKING")
    with pytest.raises(ValueError, match="status must be one of"):
        simulator.set_agent_status(1001, "BUSY")


def test_commands_queue_and_release_callers() -> None:
    """`python -m simulator queue`, `unqueue` and `agent` post to the control API."""
    parser = _parser()
    assert _request(parser.parse_args(["queue", "--caller", "905551112233"])) == (
        "queues",
        {"queue": "200", "caller": "905551112233"},
    )
    assert _request(parser.parse_args(["unqueue"])) == (
        "queues/release",
        {"caller": "905320000000"},
    )
    assert _request(
        parser.parse_args(["agent", "--status", "ON_BREAK", "--reason", "Kahve"])
    ) == (
        "agent_statuses",
        {"agent": "1001", "status": "ON_BREAK", "break_description": "Kahve"},
    )


async def test_a_caller_waits_from_now_by_default(simulator: Simulator) -> None:
    """A caller queued without a time joined as it was queued."""
    before = datetime.now(ISTANBUL)
    simulator.queue_caller(200, "905320000000")
    joined = simulator.state.bulutsantralim.queues.waiting[0].joined_at
    assert before <= joined <= before + timedelta(seconds=5)
