"""Faults that can be injected into any simulated endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    """What goes wrong."""

    RATE_LIMIT = "rate_limit"  # 429 with Retry-After
    SERVER_ERROR = "server_error"  # 5xx with an HTML body
    SLOW = "slow"  # answer after a delay (drives client timeouts)
    HTML = "html"  # 200 with an HTML error page instead of JSON
    TRUNCATED = "truncated"  # the real answer cut in half
    REJECT = "reject"  # a 4xx refusal in the provider's own error style, with `message`


@dataclass(slots=True)
class Fault:
    """One fault, applied to the next `times` requests of an endpoint (None: until cleared)."""

    kind: FaultKind
    times: int | None = 1
    retry_after: int = 30
    delay: float = 5.0
    status: int = 503
    message: str = "request refused"


HTML_ERROR_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body>"
    "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
