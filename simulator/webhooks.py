"""Outgoing HTTP from the simulator: webhook posts and Verimor's URL validation post.

A receiver that is down or slow must not break the simulated PBX, as it would not break the
real one: every failure becomes a recorded `WebhookDelivery`, never an exception.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
import logging
from typing import Any

import aiohttp

from .calls import WebhookDelivery

_LOGGER = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = aiohttp.ClientTimeout(total=10)
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def form_fields(fields: Mapping[str, str | int]) -> dict[str, str]:
    """Return webhook fields as form values: every value becomes text."""
    return {name: str(value) for name, value in fields.items()}


def _basic_auth(username: str, password: str) -> str:
    """Return an HTTP Basic Authorization header (RFC 7617), with any aiohttp version."""
    pair = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class WebhookSender:
    """One shared client session for every post the simulator makes."""

    def __init__(self) -> None:
        """Prepare; the session opens with `start` or at the first post."""
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the client session."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=WEBHOOK_TIMEOUT)

    async def close(self) -> None:
        """Close the client session; safe to call more than once."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(
        self,
        event_type: str,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        basic_auth: tuple[str, str] | None = None,
    ) -> WebhookDelivery:
        """POST a form, a JSON body or (with neither) an empty form body to `url`."""
        await self.start()
        assert self._session is not None
        headers: dict[str, str] = {}
        if basic_auth is not None:
            headers["Authorization"] = _basic_auth(*basic_auth)
        kwargs: dict[str, Any] = {"headers": headers}
        if json is not None:
            kwargs["json"] = dict(json)
        elif form is not None:
            kwargs["data"] = dict(form)
        else:
            kwargs["data"] = b""
            headers["Content-Type"] = FORM_CONTENT_TYPE
        try:
            async with self._session.post(url, **kwargs) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            reason = str(err) or type(err).__name__
            _LOGGER.debug("Posting %s to %s failed: %s", event_type, url, reason)
            return WebhookDelivery(event_type, url, None, reason)
        _LOGGER.debug("Posted %s to %s: HTTP %s", event_type, url, status)
        return WebhookDelivery(event_type, url, status)
