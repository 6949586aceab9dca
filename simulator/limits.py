"""Per-key request limits over a rolling window, as Verimor enforces on some endpoints.

Verimor allows `POST /recording_url` 5 times a minute and `GET /user_statuses` twice
(providers.md §2.1), then answers 429. A refused request takes no slot, so a client that
waits the `Retry-After` it was told gets through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
import math

from .calls import ISTANBUL


@dataclass(slots=True)
class RollingLimit:
    """At most `limit` requests per key within any `window`; `hits` are their times."""

    limit: int
    window: timedelta = timedelta(minutes=1)
    hits: dict[str, list[datetime]] = field(default_factory=dict)

    def take(self, key: str, now: datetime | None = None) -> int | None:
        """Take a slot for `key`: None when there was one, else seconds until one frees."""
        now = now or datetime.now(ISTANBUL)
        recent = self.hits.setdefault(key, [])
        recent[:] = [hit for hit in recent if now - hit < self.window]
        if len(recent) < self.limit:
            recent.append(now)
            return None
        frees = recent[-self.limit] + self.window - now
        return max(1, math.ceil(frees.total_seconds()))

    def clear(self) -> None:
        """Forget every request, as if a window had passed for every key."""
        self.hits.clear()
