"""Phone number normalization.

Turkish providers send numbers as JSON integers or strings, with or without the country code
or the trunk prefix (`905321234567`, `05321234567`, `5321234567`). Everything is normalized to
E.164 (`+905321234567`); short numbers (extensions, groups, menus) stay as they are.
"""

from __future__ import annotations

from enum import StrEnum

TURKEY_COUNTRY_CODE = "90"
NATIONAL_NUMBER_LENGTH = 10
MAX_SHORT_NUMBER_LENGTH = 6
# A full number has at least this many digits after the `+`: Turkey's 90 and 10 more
# would be 12, but numbers abroad can be shorter.
MIN_FULL_NUMBER_DIGITS = 10


def normalize_number(value: object) -> str:
    """Return `value` as E.164 when it is a full number, as digits when it is short."""
    if value is None or isinstance(value, bool):
        return ""
    text = str(value).strip()
    has_plus = text.startswith("+")
    digits = "".join(char for char in text if char.isdigit())
    if not digits:
        return ""
    if has_plus:
        return f"+{digits}"
    if len(digits) <= MAX_SHORT_NUMBER_LENGTH:
        return digits
    if digits.startswith("00"):
        return f"+{digits[2:]}"
    if (
        digits.startswith(TURKEY_COUNTRY_CODE)
        and len(digits) == NATIONAL_NUMBER_LENGTH + 2
    ):
        return f"+{digits}"
    if digits.startswith("0") and len(digits) == NATIONAL_NUMBER_LENGTH + 1:
        return f"+{TURKEY_COUNTRY_CODE}{digits[1:]}"
    if len(digits) == NATIONAL_NUMBER_LENGTH:
        return f"+{TURKEY_COUNTRY_CODE}{digits}"
    return digits


def full_number(value: object) -> str | None:
    """Return `value` in E.164 when it is a full phone number (one a PBX can dial out to)."""
    number = normalize_number(value)
    if not number.startswith("+") or len(number) - 1 < MIN_FULL_NUMBER_DIGITS:
        return None
    return number


def to_provider_number(value: str) -> str:
    """Return the form the Turkish providers dial: `90XXXXXXXXXX`, abroad `00<digits>`."""
    normalized = normalize_number(value)
    if normalized.startswith(f"+{TURKEY_COUNTRY_CODE}"):
        return normalized[1:]
    if normalized.startswith("+"):
        return f"00{normalized[1:]}"
    return normalized


class NumberFormat(StrEnum):
    """How a normalized number is shown to a person."""

    E164 = "e164"  # +905321234567
    INTERNATIONAL = "international"  # +90 532 123 45 67
    NATIONAL = "national"  # 0532 123 45 67


def format_number(number: str, style: NumberFormat) -> str:
    """Return a normalized number in `style`; numbers abroad and short numbers stay as they are.

    Turkish numbers are grouped the way they are written in Turkey: 3-3-2-2.
    """
    national = number.removeprefix(f"+{TURKEY_COUNTRY_CODE}")
    if (
        style is NumberFormat.E164
        or national == number
        or len(national) != NATIONAL_NUMBER_LENGTH
        or not national.isdigit()
    ):
        return number
    grouped = f"{national[:3]} {national[3:6]} {national[6:8]} {national[8:]}"
    if style is NumberFormat.NATIONAL:
        return f"0{grouped}"
    return f"+{TURKEY_COUNTRY_CODE} {grouped}"
