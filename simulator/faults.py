"""Faults that can be injected into any simulated endpoint."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
import math


class FaultKind(StrEnum):
    """What goes wrong."""

    RATE_LIMIT = "rate_limit"  # 429 with Retry-After
    SERVER_ERROR = "server_error"  # 5xx with an HTML body
    SLOW = "slow"  # answer after a delay (drives client timeouts)
    HTML = "html"  # 200 with an HTML error page instead of JSON
    TRUNCATED = "truncated"  # the real answer cut in half
    REJECT = "reject"  # a 4xx refusal in the provider's own error style, with `message`
    # The error body the provider's document shows for `status` (Telsam: seed 004's).
    DOCUMENTED_ERROR = "documented_error"
    # Paged lists (CDRs, fax records, Telsam's fax list) that never reach their last page:
    # every page full, made-up items after the real ones; past the real ones, empty pages
    # that offer another; or the first page, whatever page is asked for.
    ENDLESS_PAGES = "endless_pages"
    EMPTY_PAGES = "empty_pages"
    REPEATED_PAGE = "repeated_page"
    # A list answer with one record no parser can read first: a copy of its first record
    # without the record's id (an empty record when the list is empty).
    BAD_RECORD = "bad_record"


@dataclass(slots=True)
class Fault:
    """One fault, applied to the next `times` requests of an endpoint (None: until cleared)."""

    kind: FaultKind
    times: int | None = 1
    retry_after: int = 30
    delay: float = 5.0
    status: int = 503
    message: str = "request refused"

    @property
    def retry_headers(self) -> dict[str, str]:
        """Return the headers of a 429 answer, saying when to come back."""
        return {"Retry-After": str(self.retry_after)}

    @property
    def refusal_status(self) -> int:
        """Return the status of a refusal: the fault's when it is a 4xx, else 400."""
        return self.status if 400 <= self.status < 500 else 400

    @property
    def error_status(self) -> int:
        """Return the status of a documented error: the fault's 4xx or 5xx, else 500."""
        return self.status if 400 <= self.status < 600 else 500


HTML_ERROR_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body>"
    "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


PAGING_FAULTS = frozenset(
    {FaultKind.ENDLESS_PAGES, FaultKind.EMPTY_PAGES, FaultKind.REPEATED_PAGE}
)
# The paging fault of the request being answered: set around the handler by the fault
# middleware, read by the list handlers.
_PAGING: ContextVar[FaultKind | None] = ContextVar("paging_fault", default=None)


@contextmanager
def paging_fault(kind: FaultKind) -> Iterator[None]:
    """Answer the requests made inside the block with the paging fault `kind`."""
    token = _PAGING.set(kind)
    try:
        yield
    finally:
        _PAGING.reset(token)


@dataclass(frozen=True, slots=True)
class Paged[T]:
    """One page of a list as the provider reports it: items, number, page and item counts."""

    items: list[T]
    page: int
    total_pages: int
    total_count: int


def paginate[T](
    items: list[T], page: int, limit: int, made_up: Callable[[int, int], list[T]]
) -> Paged[T]:
    """Return page `page` of `items` in pages of `limit`, as the paging fault has it.

    Without a fault the last page is the last. `made_up(page, count)` makes `count` items
    for a page of a list that never ends; every page then offers one more.
    """
    kind = _PAGING.get()
    if kind is FaultKind.REPEATED_PAGE:
        page = 1
    chunk = items[(page - 1) * limit : page * limit]
    total_pages = math.ceil(len(items) / limit)
    if kind is None:
        return Paged(chunk, page, total_pages, len(items))
    if kind is FaultKind.ENDLESS_PAGES and len(chunk) < limit:
        chunk = chunk + made_up(page, limit - len(chunk))
    total_pages = max(total_pages, page + 1)
    return Paged(chunk, page, total_pages, max(len(items), total_pages * limit))


# The fields the providers name a record by.
RECORD_ID_FIELDS = ("uuid", "call_uuid", "id")


def with_bad_record(body: object) -> object:
    """Return a list answer with a record that has no id put first in its list.

    The list is the answer itself, or the first value of it that is a list of objects
    (`cdrs`, `fdrs`, `incoming_faxes`, Telsam's `data`). Other answers are kept.
    """
    if isinstance(body, list):
        return [_bad_copy(body), *body]
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, list) and all(
                isinstance(item, dict) for item in value
            ):
                return {**body, key: [_bad_copy(value), *value]}
    return body


def _bad_copy(items: list[object]) -> dict[str, object]:
    first = items[0] if items and isinstance(items[0], dict) else {}
    return {key: value for key, value in first.items() if key not in RECORD_ID_FIELDS}
