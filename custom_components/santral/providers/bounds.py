"""What a call can be: the bounds every value a provider sends must keep.

A value outside them is not a call's: a duration of 10^22 seconds, an end in the year 9999,
an answer in 1970, a "number" of 19 digits, an extension `07`. Such values are refused with
`OutOfBoundsError` (naming the field, never the value: it may be a phone number), so nothing
that reaches an event, a state or a store can fail to serialize or count wrong.

- Durations: whole seconds, 0 to `MAX_CALL_SECONDS` (a day), as a number, digits or
  `HH:MM:SS`.
- Times: aware, no further than `MAX_FUTURE` ahead of now and `MAX_AGE` behind it (the
  longest range a provider lists calls for: Verimor's 31 days); a call's answer and end
  come after its start, and it lasts at most `MAX_CALL_SECONDS`.
- Numbers: E.164 (`+` and at most 15 digits, the first not 0) or a short number of at most
  15 digits; empty when the provider withholds it (no digit at all, e.g. `anonymous`).
- Extensions: 2 to 6 digits, the first not 0 (`0` starts a trunk call in Turkey).
- Identifiers and texts: printable, of bounded length.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import math
import re
from typing import Final

from .phone import normalize_number
from .timeparse import parse_datetime

MAX_CALL_SECONDS: Final = 24 * 60 * 60
MAX_CALL: Final = timedelta(seconds=MAX_CALL_SECONDS)
MAX_FUTURE: Final = timedelta(days=1)
MAX_AGE: Final = timedelta(days=31)
# Stamps of one call may disagree this much (providers round to the second, legs differ).
CLOCK_SLACK: Final = timedelta(minutes=1)
MAX_NUMBER_DIGITS: Final = 15
MAX_NUMBER_TEXT: Final = 32
MAX_IDENTIFIER_LENGTH: Final = 128
MAX_TEXT_LENGTH: Final = 64

_E164 = re.compile(r"\+[1-9][0-9]{0,14}")
_SHORT = re.compile(r"[0-9]{1,15}")
_EXTENSION = re.compile(r"[1-9][0-9]{1,5}")
_NUMBER_TEXT = re.compile(r"\+?\(?[0-9][0-9\-(). ]*")
_SECONDS = re.compile(r"(-?)([0-9]+)(?:\.[0-9]+)?")
_CLOCK = re.compile(r"[0-9]{1,2}(?::[0-9]{1,2}){1,2}")
_TRUE: Final = frozenset({"true", "t", "1", "yes", "on", "var", "evet"})
_FALSE: Final = frozenset({"false", "f", "0", "no", "off", "yok", "hayir", "hayır"})


class OutOfBoundsError(ValueError):
    """A value no call can have; the message names the field only."""

    def __init__(self, field: str, problem: str = "out of range") -> None:
        """Say which field is wrong and how, without its value."""
        super().__init__(f"{field} {problem}")
        self.field = field


def _absent(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def call_seconds(value: object, field: str) -> int:
    """Return a duration in whole seconds; 0 when absent.

    Numbers, digit strings and `HH:MM:SS` (or `MM:SS`) are read; anything else, a
    negative duration or one longer than a day is refused.
    """
    if _absent(value):
        return 0
    if isinstance(value, bool):
        raise OutOfBoundsError(field, "is not a duration")
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise OutOfBoundsError(field, "is not a duration")
        seconds = math.floor(value) if abs(value) <= MAX_CALL_SECONDS else -1
    elif isinstance(value, str):
        text = value.strip()
        if match := _SECONDS.fullmatch(text):
            sign, whole = match.groups()
            seconds = -1 if sign or len(whole) > 9 else math.floor(float(text))
        elif _CLOCK.fullmatch(text):
            seconds = 0
            for part in text.split(":"):
                seconds = seconds * 60 + int(part)
        else:
            raise OutOfBoundsError(field, "is not a duration")
    else:
        raise OutOfBoundsError(field, "is not a duration")
    if not 0 <= seconds <= MAX_CALL_SECONDS:
        raise OutOfBoundsError(field)
    return seconds


def call_seconds_or_zero(value: object) -> int:
    """Return a duration as `call_seconds` reads it, or 0 when no call lasts that long.

    For call lists, where one unreadable figure must not cost the rest of the record.
    """
    try:
        return call_seconds(value, "duration")
    except OutOfBoundsError:
        return 0


def call_time(
    value: datetime | None, field: str, *, now: datetime | None = None
) -> datetime | None:
    """Return `value` when it lies within `MAX_AGE` before and `MAX_FUTURE` after now."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise OutOfBoundsError(field, "has no time zone")
    now = now or datetime.now(UTC)
    if not now - MAX_AGE <= value <= now + MAX_FUTURE:
        raise OutOfBoundsError(field)
    return value


def stamp(value: object, field: str, *, now: datetime | None = None) -> datetime | None:
    """Read a provider's date-time (any spelling `parse_datetime` knows), bounded; None if absent."""
    if _absent(value):
        return None
    if isinstance(value, str) and len(value) > MAX_TEXT_LENGTH:
        raise OutOfBoundsError(field, "is not a time")
    parsed = parse_datetime(value)
    if parsed is None:
        raise OutOfBoundsError(field, "is not a time")
    return call_time(parsed, field, now=now)


def list_moments(
    started: object, answered: object, ended: object, fields: tuple[str, str, str]
) -> tuple[datetime, datetime | None, datetime | None]:
    """Read a listed call's start, answer and end, for call lists.

    The start places the call: without one in bounds the record cannot be used
    (`OutOfBoundsError`). An answer or end out of bounds, or running backwards, is left
    out instead, so one unreadable figure does not cost the rest of the record.
    """
    start = stamp(started, fields[0])
    if start is None:
        raise OutOfBoundsError(fields[0], "is missing")
    moments: list[datetime | None] = []
    for value, field in ((answered, fields[1]), (ended, fields[2])):
        try:
            moments.append(stamp(value, field))
        except OutOfBoundsError:
            moments.append(None)
    answer, end = moments
    try:
        call_span(start, answer, end)
    except OutOfBoundsError:
        return start, None, None
    return start, answer, end


def call_span(
    started: datetime | None, answered: datetime | None, ended: datetime | None
) -> None:
    """Refuse stamps of one call that run backwards or span more than a day."""
    points = [
        (name, moment)
        for name, moment in (
            ("started", started),
            ("answered", answered),
            ("ended", ended),
        )
        if moment is not None
    ]
    for (_, earlier), (name, later) in zip(points, points[1:], strict=False):
        if later < earlier - CLOCK_SLACK:
            raise OutOfBoundsError(name, "is before an earlier moment of the call")
    if len(points) > 1 and points[-1][1] - points[0][1] > MAX_CALL + CLOCK_SLACK:
        raise OutOfBoundsError(points[-1][0], "is more than a day after the call began")


def party(value: object, field: str) -> str:
    """Return a caller's or callee's number normalized; "" when withheld or absent.

    JSON integers and strings of digits (after an optional `+`) with spaces, dashes, dots
    or brackets are numbers; a text without any digit (`anonymous`) is a withheld number. Anything else,
    or more than 15 digits, is refused.
    """
    if _absent(value):
        return ""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise OutOfBoundsError(field, "is not a phone number")
    if isinstance(value, int):
        if value < 0 or value >= 10**MAX_NUMBER_DIGITS:
            raise OutOfBoundsError(field, "is not a phone number")
        text = str(value)
    else:
        text = value.strip()
    if len(text) > MAX_NUMBER_TEXT:
        raise OutOfBoundsError(field, "is not a phone number")
    if not _NUMBER_TEXT.fullmatch(text):
        if any(char.isdigit() for char in text) or not text.isprintable():
            raise OutOfBoundsError(field, "is not a phone number")
        return ""
    number = normalize_number(text)
    if number and not (_E164.fullmatch(number) or _SHORT.fullmatch(number)):
        raise OutOfBoundsError(field, "is not a phone number")
    return number


def as_extension(number: str) -> str | None:
    """Return a normalized number when it is an extension (2 to 6 digits, not 0…), else None."""
    return number if _EXTENSION.fullmatch(number) else None


def extension(value: object, field: str) -> str | None:
    """Return an extension number; None when absent; refuse anything that is not one."""
    number = party(value, field)
    if not number:
        return None
    if as_extension(number) is None:
        raise OutOfBoundsError(field, "is not an extension")
    return number


def identifier(value: object, field: str) -> str:
    """Return a required id (a call uuid): printable text or a number, of bounded length."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise OutOfBoundsError(field, "is missing")
    text = str(value).strip() if isinstance(value, str) else _int_text(value, field)
    if not text:
        raise OutOfBoundsError(field, "is missing")
    if len(text) > MAX_IDENTIFIER_LENGTH or not text.isprintable():
        raise OutOfBoundsError(field, "is not an identifier")
    return text


def _int_text(value: int, field: str) -> str:
    if not 0 <= value < 10**MAX_IDENTIFIER_LENGTH:
        raise OutOfBoundsError(field, "is not an identifier")
    return str(value)


def text(value: object, field: str) -> str | None:
    """Return a short printable text (a hangup cause); None when absent."""
    if _absent(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise OutOfBoundsError(field, "is not a text")
    result = str(value).strip() if isinstance(value, str) else str(value)
    if len(result) > MAX_TEXT_LENGTH or not result.isprintable():
        raise OutOfBoundsError(field, "is not a text")
    return result


def flag(value: object, field: str) -> bool:
    """Return a provider's boolean: `true`/`false`, `t`/`f` (Verimor's), 1/0, yes/no…; absent is False."""
    if _absent(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise OutOfBoundsError(field, "is not true or false")
