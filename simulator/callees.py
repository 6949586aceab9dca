"""How each phone number takes the calls a PBX places on its own: alert calls of both providers.

Bulutfon's automatic calls and Bulutsantralim's IVR campaigns phone people who are not
part of the simulation. A test or the control API says how a number takes such a call:
whether it picks up, and which key it presses after the message (0-9, `*` or `#`). One
table, kept on the simulator's state, serves both providers; a number nobody set answers
and presses nothing. Numbers are digits in `90…` form, as `calls.international` gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

type Key = int | Literal["*", "#"]

# The keys a phone sends besides the digits.
SIGN_KEYS: tuple[Literal["*", "#"], ...] = ("*", "#")


def key_of(value: object) -> Key | None:
    """Return a key from control input: 0-9 (number or text), `*`, `#`; None for null.

    Anything else raises ValueError.
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9:
        return value
    if isinstance(value, str):
        if len(value) == 1 and value.isdigit():
            return int(value)
        for sign in SIGN_KEYS:
            if value == sign:
                return sign
    raise ValueError("digit must be a key from 0 to 9, * or #, or null")


@dataclass(frozen=True, slots=True)
class Callee:
    """How one number takes an alert call: picks up or not, and the key pressed."""

    answers: bool = True
    digit: Key | None = None


@dataclass(slots=True)
class Callees:
    """How every number set so far takes an alert call, by `90…` number."""

    numbers: dict[str, Callee] = field(default_factory=dict)

    def set(self, number: str, callee: Callee) -> None:
        """Make `number` (digits, `90…`) answer or not, and press `callee.digit`."""
        self.numbers[number] = callee

    def of(self, number: str) -> Callee:
        """Return how `number` takes a call; a number nobody set answers, pressing nothing."""
        return self.numbers.get(number, Callee())

    def __getitem__(self, number: str) -> Callee:
        """Return how a number that was set takes a call; KeyError for others."""
        return self.numbers[number]

    def __contains__(self, number: object) -> bool:
        """Return whether `number` was set."""
        return number in self.numbers

    def __len__(self) -> int:
        """Return how many numbers were set."""
        return len(self.numbers)

    def clear(self) -> None:
        """Forget every number set: all answer and press nothing again."""
        self.numbers.clear()
