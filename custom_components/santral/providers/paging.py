"""Bounded paging: one read of a provider's list costs a known, limited number of requests.

A list is read page after page until the provider says it has no more, a page comes back
empty, or a page brings nothing new (a server that ignores `page`). A provider that keeps
offering another page is stopped at a cap derived from the window the read covers: the
pages that a busy office's traffic over that window fills, plus the one that reaches past
its start. The cap is logged once per list when it stops a read, not at every poll.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
import math

_LOGGER = logging.getLogger(__name__)

# A busy office: 10,000 calls a day, nearly all within ten working hours, peaks at about
# 1,000 calls an hour (more than twice the day's average of 417 an hour).
BUSY_CALLS_PER_HOUR = 1000
# Faxes are far fewer: 50 an hour is 1,200 a day, every hour of the day.
BUSY_FAXES_PER_HOUR = 50
# A window longer than this (a poll after a long outage) is budgeted as this long.
LONGEST_WINDOW = timedelta(days=2)
# No read costs more requests than this, whatever page size a provider reports.
MOST_PAGES = 500


def pagination_number(value: object) -> int | None:
    """Return a page number, count or size from a pagination object: positive, or None.

    Providers write them as JSON integers, sometimes as text.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None


def page_cap(since: datetime, until: datetime, *, per_hour: int, page_size: int) -> int:
    """Return how many pages one read of the window from `since` to `until` may cost.

    The window is counted in started hours, one more when it ends on the hour: a window of
    exactly 5 hours and one of 5 hours and some milliseconds cost the same. Those hours at
    `per_hour` items, in pages of `page_size`, and one page more for the items past the
    window's start.
    """
    window = min(max(until - since, timedelta(0)), LONGEST_WINDOW)
    hours = window // timedelta(hours=1) + 1
    pages = math.ceil(hours * per_hour / max(page_size, 1)) + 1
    return min(pages, MOST_PAGES)


@dataclass(frozen=True, slots=True)
class Page[T]:
    """One page of a list: what it holds, read, and what the provider said about more.

    `ids` are the ids of every item on the page, also those not kept in `items` (such as
    Bulutfon's fax CDRs among the calls), so that an empty or repeated page is recognized
    as such. `page_size` is the size the provider reports, when it does.
    """

    items: Sequence[T]
    ids: Sequence[Hashable]
    has_next: bool
    page_size: int | None = None


class PagedList:
    """Reads one of a client's lists within its cap, and warns the first time the cap bites."""

    def __init__(self, name: str, *, per_hour: int, page_size: int) -> None:
        """Name the list for the log (`Bulutfon /cdrs`) and give its traffic and page size."""
        self.name = name
        self.per_hour = per_hour
        self.page_size = page_size
        self.capped = False

    def cap(self, since: datetime, until: datetime, page_size: int | None) -> int:
        """Return the cap of a read of this window, at the page size the provider reports."""
        return page_cap(
            since,
            until,
            per_hour=self.per_hour,
            page_size=page_size if page_size and page_size > 0 else self.page_size,
        )

    async def read[T](
        self,
        fetch: Callable[[int], Awaitable[Page[T]]],
        *,
        since: datetime,
        until: datetime,
        key: Callable[[T], Hashable],
        reached_start: Callable[[Sequence[T]], bool] | None = None,
    ) -> list[T]:
        """Return the items of every page read, each once, in the order they came.

        `fetch` reads one page by number (from 1). `reached_start` tells from a page's
        items that the list, read newest first, went past the window's start.
        """
        items: list[T] = []
        kept: set[Hashable] = set()
        seen: set[Hashable] = set()
        number = 1
        cap: int | None = None
        while True:
            page = await fetch(number)
            if cap is None:
                cap = self.cap(since, until, page.page_size)
            fresh = [item_id for item_id in page.ids if item_id not in seen]
            seen.update(fresh)
            for item in page.items:
                if (item_key := key(item)) not in kept:
                    kept.add(item_key)
                    items.append(item)
            if (
                not page.has_next
                or not fresh
                or (reached_start is not None and reached_start(page.items))
            ):
                return items
            if number >= cap:
                self._warn(number, since, until)
                return items
            number += 1

    def _warn(self, pages: int, since: datetime, until: datetime) -> None:
        """Log the first read the cap stopped; later ones only at debug level."""
        hours = (until - since) / timedelta(hours=1)
        if self.capped:
            _LOGGER.debug("%s stopped again after %d pages", self.name, pages)
            return
        self.capped = True
        _LOGGER.warning(
            "%s still offered more after %d pages, the most one poll reads for a "
            "%.1f-hour window; the rest of the window is skipped (logged once)",
            self.name,
            pages,
            hours,
        )
