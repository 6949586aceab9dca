"""Receives the providers' call notifications on a Home Assistant webhook.

Every request gets an answer the provider can live with: 2xx for what was taken (and for
Bulutsantralim's empty validation POST), 4xx for anything else, with one concise log line
that names neither the webhook id nor a credential. Nothing a caller sends can raise.
Rejections are logged a few times a minute per entry; the rest of a burst is counted and
told in one line when the minute is over.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from hmac import compare_digest
from http import HTTPStatus
import json
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.hdrs import METH_GET, METH_POST, METH_PUT
from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError
import homeassistant.util.dt as dt_util

from .calls import CallTracker
from .const import CONF_WEBHOOK_PASSWORD, CONF_WEBHOOK_USERNAME, DOMAIN, LOGGER
from .providers import (
    Provider,
    SantralWebhookError,
    is_bulutfon_fax_notice,
    parse_bulutfon_webhook,
    parse_bulutsantralim_webhook,
)

MAX_BODY_BYTES = 64 * 1024
# Rejected requests are logged at most this many times per window and entry.
REJECTIONS_LOGGED = 3
REJECTION_WINDOW = timedelta(minutes=1)


def webhook_url(
    hass: HomeAssistant, webhook_id: str, *, external_only: bool = False
) -> str | None:
    """Return the URL a provider should post to: Home Assistant's external URL if any.

    With `external_only`, None when only a local address is known (the provider cannot
    reach it from the internet).
    """
    try:
        return webhook.async_generate_url(
            hass, webhook_id, allow_internal=not external_only, prefer_external=True
        )
    except NoURLAvailableError:
        return None


class RejectionLog:
    """Logs rejected requests a few times a window; counts the rest and tells the count.

    The first `REJECTIONS_LOGGED` rejections of a window are logged as they come; the
    others are counted, and one line at the window's end says how many there were.
    """

    def __init__(self, provider: Provider) -> None:
        """Log the rejections of `provider`'s webhook of one entry."""
        self.provider = provider
        self._window_start: datetime | None = None
        self._logged = 0
        self._suppressed = 0
        self._last_reason = ""
        self._cancel_summary: CALLBACK_TYPE | None = None

    @callback
    def async_log(self, hass: HomeAssistant, status: HTTPStatus, reason: str) -> None:
        """Log one rejection, or count it when this window has had its lines."""
        now = dt_util.utcnow()
        if self._window_start is None or now - self._window_start >= REJECTION_WINDOW:
            self.async_flush()
            self._window_start = now
            self._logged = 0
        if self._logged < REJECTIONS_LOGGED:
            self._logged += 1
            LOGGER.warning(
                "Rejected a %s webhook request (HTTP %d): %s",
                self.provider.value,
                status,
                reason,
            )
            return
        self._suppressed += 1
        self._last_reason = f"HTTP {status:d}: {reason}"
        if self._cancel_summary is None:
            remaining = self._window_start + REJECTION_WINDOW - now
            self._cancel_summary = async_call_later(
                hass, remaining.total_seconds(), self._summarize
            )

    @callback
    def _summarize(self, _now: datetime) -> None:
        self._cancel_summary = None
        self.async_flush()

    @callback
    def async_flush(self) -> None:
        """Tell how many rejections went unlogged, if any; stop the pending summary."""
        if self._cancel_summary is not None:
            self._cancel_summary()
            self._cancel_summary = None
        if self._suppressed:
            LOGGER.warning(
                "… and %d more %s webhook requests rejected in the last minute"
                " (the last: %s)",
                self._suppressed,
                self.provider.value,
                self._last_reason,
            )
            self._suppressed = 0


class SantralWebhookHandler:
    """Turns one provider's webhook requests into call events for the tracker."""

    def __init__(
        self,
        provider: Provider,
        tracker: CallTracker,
        *,
        username: str | None = None,
        password: str | None = None,
        on_fax: Callable[[], None] | None = None,
    ) -> None:
        """Handle `provider`'s payloads; enforce HTTP Basic auth when a user is set.

        `on_fax` is called when the provider says a fax arrived, so it is fetched at once.
        """
        self.provider = provider
        self.tracker = tracker
        self.rejections = RejectionLog(provider)
        self._on_fax = on_fax
        self._credentials = (
            base64.b64encode(f"{username}:{password or ''}".encode()).decode()
            if username
            else None
        )

    def _reject(
        self, hass: HomeAssistant, status: HTTPStatus, reason: str
    ) -> web.Response:
        self.rejections.async_log(hass, status, reason)
        return web.Response(status=status, text=reason)

    def _authorized(self, request: web.Request) -> bool:
        if self._credentials is None:
            return True
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "basic" and compare_digest(
            value.strip().encode("utf-8", "surrogateescape"), self._credentials.encode()
        )

    async def handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Answer one request."""
        if request.method != METH_POST:
            return self._reject(
                hass, HTTPStatus.METHOD_NOT_ALLOWED, f"method {request.method}"
            )
        if not self._authorized(request):
            response = self._reject(
                hass, HTTPStatus.UNAUTHORIZED, "missing or wrong credentials"
            )
            response.headers["WWW-Authenticate"] = 'Basic realm="santral"'
            return response
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return self._reject(
                hass, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large"
            )
        body = await read_body(request)
        if len(body) > MAX_BODY_BYTES:
            return self._reject(
                hass, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large"
            )
        try:
            payload = decode_body(body, request.content_type)
            now = dt_util.utcnow()
            if self.provider is Provider.BULUTSANTRALIM:
                event = parse_bulutsantralim_webhook(payload, now=now)
            else:
                event = parse_bulutfon_webhook(payload, now=now)
                if event is None and self._on_fax and is_bulutfon_fax_notice(payload):
                    self._on_fax()
        except SantralWebhookError as err:
            return self._reject(hass, HTTPStatus.BAD_REQUEST, str(err))
        except Exception as err:  # noqa: BLE001 - a body no parser foresaw is still bad input
            return self._reject(
                hass, HTTPStatus.BAD_REQUEST, f"unreadable body ({type(err).__name__})"
            )
        if event is not None:
            self.tracker.async_handle_event(event, "webhook")
        return web.Response(status=HTTPStatus.OK, text="OK")


async def read_body(request: web.Request) -> bytes:
    """Read the body, but no more than one byte past `MAX_BODY_BYTES`.

    A read returns what has arrived so far, so a body that comes in pieces (chunked, or
    in several segments) is read until its end or until it is known to be too large.
    """
    body = bytearray()
    while len(body) <= MAX_BODY_BYTES and not request.content.at_eof():
        chunk = await request.content.read(MAX_BODY_BYTES + 1 - len(body))
        if not chunk:
            break
        body += chunk
    return bytes(body)


def decode_body(body: bytes, content_type: str) -> Mapping[str, Any]:
    """Read a JSON object or form fields, whichever the body is."""
    if not body.strip():
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SantralWebhookError("body is not UTF-8") from err
    if content_type == "application/json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as err:
            raise SantralWebhookError("malformed JSON") from err
        if not isinstance(data, dict):
            raise SantralWebhookError("JSON body is not an object")
        return data
    try:
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
    except ValueError as err:
        raise SantralWebhookError("malformed form body") from err


def async_register_webhook(
    hass: HomeAssistant,
    entry_title: str,
    data: Mapping[str, Any],
    handler: SantralWebhookHandler,
) -> Callable[[], None]:
    """Register the entry's webhook and return what unregisters it.

    GET and PUT are accepted too, so that a wrong method is answered (and logged) here,
    without the webhook id.
    """
    webhook_id = data[CONF_WEBHOOK_ID]
    webhook.async_register(
        hass,
        DOMAIN,
        entry_title,
        webhook_id,
        handler.handle,
        allowed_methods=[METH_POST, METH_GET, METH_PUT],
    )

    @callback
    def _unregister() -> None:
        webhook.async_unregister(hass, webhook_id)
        handler.rejections.async_flush()

    return _unregister


def handler_for(
    provider: Provider,
    tracker: CallTracker,
    data: Mapping[str, Any],
    on_fax: Callable[[], None] | None = None,
) -> SantralWebhookHandler:
    """Build the handler for an entry's provider and webhook credentials."""
    return SantralWebhookHandler(
        provider,
        tracker,
        username=data.get(CONF_WEBHOOK_USERNAME) or None,
        password=data.get(CONF_WEBHOOK_PASSWORD) or None,
        on_fax=on_fax,
    )
