"""Client-side sliding-window limiters, so documented provider limits are never exceeded.

A provider counts requests per credential, not per client: an application that builds a
new client for the same account (a reload of its settings) hands it the `RateLimits` of the
one before, so the windows go on where they were.
"""

from __future__ import annotations

from collections import deque
import time

from .errors import SantralRateLimitedError


class SlidingWindowLimiter:
    """Allow `limit` calls in any `period` seconds; refuse the next with how long to wait.

    A provider's own 429 pushes the window further with `block`.
    """

    def __init__(self, limit: int, period: float, what: str) -> None:
        """Limit `what` (named in the error) to `limit` calls per `period` seconds."""
        self._limit = limit
        self._period = period
        self._what = what
        self._calls: deque[float] = deque()

    def acquire(self) -> None:
        """Take a slot now, or raise SantralRateLimitedError without taking one."""
        now = time.monotonic()
        while self._calls and now - self._calls[0] >= self._period:
            self._calls.popleft()
        if len(self._calls) >= self._limit:
            raise SantralRateLimitedError(
                f"{self._what} is limited to {self._limit} per {self._period:g} s",
                self._calls[0] + self._period - now,
            )
        self._calls.append(now)

    def ready_in(self, then: float | None = None) -> float:
        """Return the seconds until a call would be let in, without taking a slot.

        With `then`, the call must also leave room for another one `then` seconds after
        it: a poll brought forward keeps the poll scheduled after it within the limit.
        """
        now = time.monotonic()
        calls = [moment for moment in self._calls if now - moment < self._period]
        # The count in a window only falls as time goes on, so the first moment at
        # which both calls fit is one where some slot frees (or now).
        candidates = {now}
        for moment in calls:
            candidates.add(moment + self._period)
            if then is not None:
                candidates.add(moment + self._period - then)
        for moment in sorted(candidates):
            if moment < now or not self._fits(calls, moment):
                continue
            if then is None or self._fits([*calls, moment], moment + then):
                return moment - now
        # Only a limit of one call leaves no room for a second within the period.
        return max(candidates) - now

    def _fits(self, calls: list[float], moment: float) -> bool:
        """Return whether a call at `moment` would be let in after `calls`."""
        return sum(moment - call < self._period for call in calls) < self._limit

    def block(self, seconds: float | None) -> None:
        """Take no slot for `seconds` (the provider's Retry-After; a full period if unknown).

        The window is refilled so that slots free one at a time from then on, as the
        provider's own window does, instead of all at once.
        """
        deadline = time.monotonic() + (self._period if seconds is None else seconds)
        spacing = self._period / self._limit
        self._calls = deque(
            deadline - self._period + spacing * index for index in range(self._limit)
        )


class RateLimits:
    """The limiters of one account, by what they limit; shared by its clients in turn."""

    def __init__(self) -> None:
        """Start with no limiter; each is made the first time a client asks for it."""
        self._limiters: dict[str, SlidingWindowLimiter] = {}

    def limiter(self, limit: int, period: float, what: str) -> SlidingWindowLimiter:
        """Return the limiter of `what`, made with `limit` per `period` s if it is new."""
        if (limiter := self._limiters.get(what)) is None:
            limiter = self._limiters[what] = SlidingWindowLimiter(limit, period, what)
        return limiter
