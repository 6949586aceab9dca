"""Verimor's call queues: who waits in which queue, and what each agent is doing.

Shapes follow `queues.md` and `agent_status.md` (providers.md §2.2): queue numbers are
integers in `/queues` and strings in `/queues/pending`, `joined_at` is unix seconds as a
string, agents are strings. A test or the control API queues a caller and lets it go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
import uuid

from .calls import ISTANBUL, choose

AGENT_STATUSES: tuple[str, ...] = ("AVAILABLE", "TALKING", "LOGGED_OUT", "ON_BREAK")


@dataclass(slots=True)
class QueuedCaller:
    """A caller waiting in a queue since `joined_at`."""

    queue: str
    caller_id: str
    joined_at: datetime
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    call_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(slots=True)
class SimulatedAgent:
    """An extension that answers the calls of its queues."""

    queues: list[str]
    status: str = AGENT_STATUSES[0]
    break_description: str = ""


def _agents() -> dict[str, SimulatedAgent]:
    return {"1001": SimulatedAgent(["200"]), "1002": SimulatedAgent(["200"])}


@dataclass(slots=True)
class QueueBoard:
    """The PBX's queues by number with their names, the callers waiting, the agents."""

    names: dict[str, str] = field(default_factory=lambda: {"200": "Kuyruk 1"})
    waiting: list[QueuedCaller] = field(default_factory=list)
    agents: dict[str, SimulatedAgent] = field(default_factory=_agents)

    def queue_caller(
        self, queue: str, caller_id: str, joined_at: datetime | None = None
    ) -> QueuedCaller:
        """Put a caller in a queue (now, unless `joined_at`); raise ValueError if no queue."""
        if queue not in self.names:
            raise ValueError(f"queue {queue} not found")
        caller = QueuedCaller(queue, caller_id, joined_at or datetime.now(ISTANBUL))
        self.waiting.append(caller)
        return caller

    def unqueue(self, which: str) -> QueuedCaller:
        """Let the caller go (answered or hung up), by its uuid or caller id, oldest first.

        Raises ValueError when no such caller waits.
        """
        for caller in self.waiting:
            if which in (caller.uuid, caller.call_uuid, caller.caller_id):
                self.waiting.remove(caller)
                return caller
        raise ValueError(f"no caller {which} waits")

    def set_agent_status(
        self, agent: str, status: str, break_description: str = ""
    ) -> None:
        """Set what an agent is doing; a break may say why. Unknown ones raise ValueError."""
        if agent not in self.agents:
            raise ValueError(f"agent {agent} not found")
        found = self.agents[agent]
        found.status = choose(status, AGENT_STATUSES, "status")
        found.break_description = break_description if status == "ON_BREAK" else ""
