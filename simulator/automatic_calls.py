"""Bulutfon's automatic calls: campaigns that phone numbers one after another and play audio.

Shapes follow `automatic-calls.md` (providers.md §1.8): numbers as JSON integers, each
recipient with `has_called`, `answer` and `gather` (the key pressed, an integer; this
simulator gives `*` and `#` as text, which the document does not show). The
campaign's audio is fetched from its `sound_url` when it is created, as a provider on the
internet would, and what came back is kept, so a test can prove the audio was reachable and
was audio. How each number behaves (answers and presses a key, or does not answer) is set
by a test or the control API, in the callee table Bulutsantralim's IVR campaigns share
(`callees.py`); a number nobody set answers and presses nothing. Recipients are called in
turn: each read of a campaign's detail places the next call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .audio import AUDIO_MAGIC, looks_like_audio
from .callees import Callee, Callees, Key
from .calls import ISTANBUL

# Kept importable from here, where they were first defined.
__all__ = [
    "AUDIO_MAGIC",
    "AutomaticCall",
    "AutomaticCalls",
    "Callee",
    "Recipient",
    "SoundFetch",
]


@dataclass(frozen=True, slots=True)
class SoundFetch:
    """What the campaign's `sound_url` gave when the simulator fetched it."""

    url: str
    status: int | None
    content_type: str
    size: int
    error: str | None = None
    head: bytes = b""

    @property
    def is_audio(self) -> bool:
        """Return whether a 200 answer carried an audio file."""
        return (
            self.status == 200
            and self.content_type.startswith("audio/")
            and looks_like_audio(self.head)
        )


@dataclass(slots=True)
class Recipient:
    """One number of a campaign, and what its call gave once placed."""

    number: int
    has_called: bool = False
    answer: bool = False
    # The key pressed: a digit as a JSON integer, `*` and `#` as text.
    gather: Key | None = None

    def as_dict(self, gather: bool) -> dict[str, Any]:
        """Return the recipient as the campaign's detail lists it."""
        return {
            "number": self.number,
            "has_called": self.has_called,
            "answer": self.answer,
            "gather": self.gather if gather else None,
        }


@dataclass(slots=True)
class AutomaticCall:
    """One campaign, as `POST /automatic-calls` created it."""

    id: int
    title: str
    did: int
    gather: bool
    sound: SoundFetch
    recipients: list[Recipient]
    created_at: datetime = field(default_factory=lambda: datetime.now(ISTANBUL))

    def summary(self) -> dict[str, Any]:
        """Return the campaign as `GET /automatic-calls` lists it."""
        return {
            "id": self.id,
            "title": self.title,
            "did": self.did,
            "announcement": None,
            "sound_url": self.sound.url,
            "gather": self.gather,
            "created_at": self.created_at.isoformat(timespec="milliseconds"),
        }

    def detail(self) -> dict[str, Any]:
        """Return the campaign as `GET /automatic-calls/{id}` shows it."""
        day = {"active": True, "start": "09:00", "finish": "18:00"}
        days = (
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        )
        return self.summary() | {
            "call_range": {name: dict(day) for name in days},
            "recipients": [r.as_dict(self.gather) for r in self.recipients],
        }


@dataclass(slots=True)
class AutomaticCalls:
    """Every campaign of the PBX, how each number answers, and every audio fetched.

    `callees` is the simulator's one callee table (`SimulatorState.callees`), shared
    with Bulutsantralim's IVR campaigns; a lone `AutomaticCalls` has a table of its own.
    """

    campaigns: dict[int, AutomaticCall] = field(default_factory=dict)
    callees: Callees = field(default_factory=Callees)
    fetches: list[SoundFetch] = field(default_factory=list)
    next_id: int = 1

    def set_callee(self, number: str, callee: Callee) -> None:
        """Make `number` (digits, `90…`) answer or not, and press `digit`, for both providers."""
        self.callees.set(number, callee)

    def create(
        self, title: str, did: int, numbers: list[int], gather: bool, sound: SoundFetch
    ) -> AutomaticCall:
        """Keep a new campaign; its recipients are called from the next read on."""
        campaign = AutomaticCall(
            self.next_id,
            title,
            did,
            gather,
            sound,
            [Recipient(number) for number in numbers],
        )
        self.campaigns[campaign.id] = campaign
        self.next_id += 1
        return campaign

    def dial_next(self, campaign: AutomaticCall) -> None:
        """Place the campaign's next call, as the number set for it takes it."""
        waiting = next((r for r in campaign.recipients if not r.has_called), None)
        if waiting is None:
            return
        callee = self.callees.of(str(waiting.number))
        waiting.has_called = True
        waiting.answer = callee.answers
        waiting.gather = callee.digit if callee.answers and campaign.gather else None
