"""Time and duration formats of the Turkish providers, read into aware datetimes.

Bulutfon sends ISO 8601 with an offset and microsecond epoch timestamps in webhooks;
Bulutsantralim sends `2017-08-03 12:30:32 +0300` in CDRs and local `2016-01-01 00:00:00`
(Turkey time) in webhooks, and durations as `HH:MM:SS`.
"""

from __future__ import annotations

from datetime import UTC, datetime
import math
from zoneinfo import ZoneInfo

TURKEY = ZoneInfo("Europe/Istanbul")
MICROSECOND_DIGITS = (
    15  # epoch microseconds have 16 digits, seconds 10, milliseconds 13
)


def parse_datetime(value: object) -> datetime | None:
    """Read any of the providers' date-time spellings; None when absent or unreadable."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float) or (
        isinstance(value, str) and value.strip().isdigit()
    ):
        return parse_epoch(value)
    text = str(value).strip()
    if text.endswith(" UTC"):
        text = text.removesuffix(" UTC") + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=TURKEY)
    return parsed


def parse_epoch(value: object) -> datetime | None:
    """Read an epoch timestamp in seconds, milliseconds or microseconds."""
    try:
        number = float(str(value))
        if not math.isfinite(number):
            return None
        digits = len(str(int(abs(number))))
        if digits >= MICROSECOND_DIGITS:
            number /= 1_000_000
        elif digits >= 12:
            number /= 1_000
        return datetime.fromtimestamp(number, tz=UTC)
    except OverflowError, OSError, ValueError:
        return None


def parse_bool(value: object) -> bool:
    """Read the providers' booleans: true, "true", "t", "1", "yes", "YES", "Var"."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "t", "1", "yes", "on", "var", "evet"}
