"""Names and number formats: how Santral shows a phone number to a person.

Events keep numbers in E.164 for automations and add the phonebook's name; sensors and the
logbook show numbers in the format the person chose in the options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .const import CONF_NUMBER_FORMAT, CONF_PHONEBOOK
from .providers import NumberFormat, format_number, normalize_number

MAX_NAME_LENGTH = 64
SEPARATORS = ("=", ":", "\t")


class PhonebookLineError(ValueError):
    """A phonebook line that is not `number = name`; carries the line as written."""

    def __init__(self, line: str) -> None:
        """Keep the line, to show it back to the person."""
        super().__init__(line)
        self.line = line


def parse_phonebook(text: str) -> dict[str, str]:
    """Read `number = name` lines (`:` or a tab also separate) into {E.164 number: name}.

    Blank lines and lines starting with `#` are skipped. Raise PhonebookLineError for the
    first line without a number or without a name.
    """
    entries: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        cut = min(
            (index for sep in SEPARATORS if (index := line.find(sep)) > 0),
            default=-1,
        )
        number = normalize_number(line[:cut]) if cut > 0 else ""
        name = line[cut + 1 :].strip()[:MAX_NAME_LENGTH] if cut > 0 else ""
        if not number or not name:
            raise PhonebookLineError(line)
        entries[number] = name
    return entries


def phonebook_text(entries: Mapping[str, str]) -> str:
    """Write the phonebook back as the lines the options form shows."""
    return "\n".join(f"{number} = {name}" for number, name in entries.items())


@dataclass(frozen=True, slots=True)
class PhoneBook:
    """The entry's phonebook and number format."""

    names: Mapping[str, str] = field(default_factory=dict)
    style: NumberFormat = NumberFormat.INTERNATIONAL

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> PhoneBook:
        """Build the phonebook an entry's options describe."""
        return cls(
            names=dict(options.get(CONF_PHONEBOOK, {})),
            style=NumberFormat(
                options.get(CONF_NUMBER_FORMAT, NumberFormat.INTERNATIONAL)
            ),
        )

    def name(self, number: str | None) -> str | None:
        """Return the name the phonebook gives `number`, if any."""
        return self.names.get(number) if number else None

    def display(self, number: str | None) -> str | None:
        """Return `number` in the chosen format."""
        return format_number(number, self.style) if number else number

    def describe(self, number: str | None, name: str | None = None) -> str:
        """Return `Name (number)` when the number has a name, else the number alone.

        `name` is the one an event carried; without it the phonebook is asked.
        """
        shown = self.display(number) or "?"
        if (name := name or self.name(number)) is not None:
            return f"{name} ({shown})"
        return shown
