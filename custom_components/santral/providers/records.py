"""Reading a list's records one by one, so one that cannot be read withholds no other.

A provider's list may carry a record that no parser can read (a missing id, a time in the
year 9999, a field of the wrong type). Failing the whole list would withhold every call or
fax in it for as long as that record is listed; instead the record is left out, and said
so once: the first time a record is met it is logged as a warning (naming the list, the
record's id and what is wrong, never its numbers), afterwards only at debug level.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
import hashlib
import json
import logging
from typing import Any

from .bounds import OutOfBoundsError
from .errors import SantralInvalidResponseError

_LOGGER = logging.getLogger(__name__)

# How many bad records each list remembers having reported.
_REMEMBERED = 1000
# The fields providers name a record by.
_ID_FIELDS = ("uuid", "call_uuid", "id", "fax_id")
UNREADABLE_RECORD_ERRORS = (
    SantralInvalidResponseError,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    OverflowError,
)


def _record_key(item: dict[str, Any]) -> str:
    """Name a record for the log: its id if it has a printable one, else a digest."""
    for field in _ID_FIELDS:
        value = item.get(field)
        if isinstance(value, str | int) and not isinstance(value, bool):
            text = str(value)
            if 0 < len(text) <= 64 and text.isprintable():
                return text
    body = json.dumps(item, sort_keys=True, default=repr).encode()
    return "sha1:" + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:12]


class RecordReader[T]:
    """Parses the records of one list; leaves out and reports the ones it cannot read."""

    def __init__(
        self,
        name: str,
        parse: Callable[[dict[str, Any]], T],
        identify: Callable[[dict[str, Any]], dict[str, Any]] = lambda item: item,
    ) -> None:
        """Name the list for the log (`Bulutfon /cdrs`) and give its record parser.

        `identify` returns the part of an item that carries the record's id.
        """
        self.name = name
        self._parse = parse
        self._identify = identify
        self._reported: OrderedDict[str, None] = OrderedDict()
        self.skipped = 0

    def __call__(self, items: Iterable[dict[str, Any]]) -> list[T]:
        """Return the records of `items` that can be read, in order."""
        records: list[T] = []
        for item in items:
            try:
                records.append(self._parse(item))
            except UNREADABLE_RECORD_ERRORS as err:
                self._report(item, err)
        return records

    def _report(self, item: dict[str, Any], err: Exception) -> None:
        self.skipped += 1
        key = _record_key(self._identify(item))
        # These two name the field, never the value; other errors may quote the value.
        problem = type(err).__name__
        if isinstance(err, SantralInvalidResponseError | OutOfBoundsError):
            problem = str(err)[:120]
        if key in self._reported:
            _LOGGER.debug(
                "%s: record %s still cannot be read (%s)", self.name, key, problem
            )
            return
        self._reported[key] = None
        while len(self._reported) > _REMEMBERED:
            self._reported.popitem(last=False)
        _LOGGER.warning(
            "%s: left out record %s, which cannot be read (%s); the others are used",
            self.name,
            key,
            problem,
        )
