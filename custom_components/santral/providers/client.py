"""The transport every provider client shares: timeouts, status mapping and secret scrubbing."""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
import base64
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
import json
import logging
import time
from typing import Any, ClassVar, Protocol, runtime_checkable
from urllib.parse import quote, quote_plus, urlsplit

import aiohttp
from aiohttp.abc import AbstractStreamWriter

from .errors import (
    SantralConnectionError,
    SantralInvalidResponseError,
    SantralRateLimitedError,
)
from .models import (
    Account,
    Agent,
    AlertSound,
    CallAlert,
    CallFlow,
    CallRecord,
    Capability,
    Document,
    Extension,
    FaxFile,
    FaxRecord,
    Provider,
    Queue,
    RecordingLink,
    Voicemail,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 20.0
# Uploads of large fax documents (tens of megabytes once encoded) get longer.
UPLOAD_TIMEOUT = 180.0
REDACTED = "**REDACTED**"


@dataclass(frozen=True, slots=True)
class Response:
    """A provider's answer, read whole, with helpers that turn bad bodies into our errors."""

    provider: Provider
    status: int
    content_type: str
    body: bytes

    @property
    def ok(self) -> bool:
        """Whether the provider answered with a 2xx status."""
        return 200 <= self.status < 300

    def text(self) -> str:
        """Return the body as text, tolerating bad bytes."""
        return self.body.decode("utf-8", errors="replace").strip()

    def json(self) -> Any:
        """Return the body as JSON, or raise when it is HTML, truncated or empty."""
        try:
            return json.loads(self.body)
        except ValueError as err:
            raise SantralInvalidResponseError(
                f"{self.provider.value} returned a body that is not JSON "
                f"(HTTP {self.status}, {self.content_type or 'no content type'})"
            ) from err

    def json_object(self) -> dict[str, Any]:
        """Return the body as a JSON object, or raise when it has another shape."""
        data = self.json()
        if not isinstance(data, dict):
            raise SantralInvalidResponseError(
                f"{self.provider.value} returned {type(data).__name__} where an object was expected"
            )
        return data


def parse_retry_after(value: str | None) -> float | None:
    """Read a Retry-After header given in seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError:
        return None
    return max(0.0, when.timestamp() - time.time())


BASE64_CHUNK = 3 * 256 * 1024  # a multiple of 3, so chunks encode without padding


def base64_slices(data: bytes) -> Iterator[bytes]:
    """Base64-encode `data` slice by slice, for bodies that send the slices in turn.

    Joining them would copy the whole encoding once more, and a caller that transforms
    each slice (a form escapes it) holds one raw slice at a time. The encoding runs in an
    executor thread; between slices the event loop's thread gets the interpreter back,
    which keeps its stalls short while a 10 MB fax is prepared.
    """
    view = memoryview(data)
    for start in range(0, len(data), BASE64_CHUNK):
        yield base64.b64encode(view[start : start + BASE64_CHUNK])


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A request body built off the event loop: whole, or as the parts it is sent in.

    The parts of a large document's encoding are shared by every request that carries it
    (one per recipient for some providers), so the document is encoded once and its body
    never exists as one copy per request.
    """

    path: str
    body: bytes | tuple[bytes, ...]
    content_type: str

    @property
    def parts(self) -> tuple[bytes, ...]:
        """The body's parts, in the order they are sent."""
        return (self.body,) if isinstance(self.body, bytes) else self.body

    def payload(self) -> aiohttp.Payload:
        """Return a payload of the parts, with their total length.

        A new one for every attempt: a request refused for its token is sent again.
        """
        return _PartsPayload(self.parts, content_type=self.content_type)


class _PartsPayload(aiohttp.Payload):
    """A body written part by part, so no part is copied into a joined whole."""

    _value: tuple[bytes, ...]
    _autoclose = True

    def __init__(self, parts: tuple[bytes, ...], *, content_type: str) -> None:
        super().__init__(parts, content_type=content_type)
        self._size = sum(len(part) for part in parts)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return b"".join(self._value).decode(encoding, errors)

    async def write(self, writer: AbstractStreamWriter) -> None:
        for part in self._value:
            await writer.write(part)

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        if content_length is None:
            await self.write(writer)
            return
        remaining = content_length
        for part in self._value:
            if remaining <= 0:
                break
            await writer.write(memoryview(part)[:remaining])
            remaining -= len(part)


class ProviderClient(ABC):
    """Base of the provider clients: one injected session, one timeout, no secret in errors."""

    provider: ClassVar[Provider]
    capabilities: ClassVar[frozenset[Capability]]

    @property
    def call_history(self) -> CallHistorySource | None:
        """Return the client as a source of call records, if it has them."""
        if Capability.CALL_HISTORY in self.capabilities and isinstance(
            self, CallHistorySource
        ):
            return self
        return None

    @property
    def fax_service(self) -> FaxSource | None:
        """Return the client as a fax service, if it lists and sends faxes."""
        if Capability.FAX_HISTORY in self.capabilities and isinstance(self, FaxSource):
            return self
        return None

    @property
    def extension_list(self) -> ExtensionSource | None:
        """Return the client as a source of the PBX's extensions, if it lists them."""
        if Capability.EXTENSIONS in self.capabilities and isinstance(
            self, ExtensionSource
        ):
            return self
        return None

    @property
    def call_control(self) -> CallControlSource | None:
        """Return the client as a call controller, if it places calls or keeps recordings."""
        if (
            Capability.ORIGINATE in self.capabilities
            or Capability.RECORDINGS in self.capabilities
        ) and isinstance(self, CallControlSource):
            return self
        return None

    @property
    def queue_board(self) -> QueueSource | None:
        """Return the client as a source of call queues and agents, if it has them."""
        if Capability.QUEUES in self.capabilities and isinstance(self, QueueSource):
            return self
        return None

    @property
    def do_not_disturb(self) -> DoNotDisturbControl | None:
        """Return the client as a switch of its extensions' do-not-disturb, if it has one."""
        if Capability.DO_NOT_DISTURB in self.capabilities and isinstance(
            self, DoNotDisturbControl
        ):
            return self
        return None

    @property
    def live_call_control(self) -> LiveCallControl | None:
        """Return the client as a controller of calls in progress, if it is one."""
        if Capability.LIVE_CALL_CONTROL in self.capabilities and isinstance(
            self, LiveCallControl
        ):
            return self
        return None

    @property
    def call_flow(self) -> CallFlowSource | None:
        """Return the client as a reader of each call's steps, if it tells them."""
        if Capability.CALL_FLOW in self.capabilities and isinstance(
            self, CallFlowSource
        ):
            return self
        return None

    @property
    def voicemail_box(self) -> VoicemailSource | None:
        """Return the client as a source of voicemail messages, if it has them."""
        if Capability.VOICEMAIL in self.capabilities and isinstance(
            self, VoicemailSource
        ):
            return self
        return None

    @property
    def call_alerts(self) -> CallAlertService | None:
        """Return the client as a service that phones people with a message, if it is one."""
        if Capability.CALL_ALERT in self.capabilities and isinstance(
            self, CallAlertService
        ):
            return self
        return None

    @property
    def notification_target(self) -> NotificationTarget | None:
        """Return the client as a PBX that can be told where to post, if it can."""
        if Capability.NOTIFICATION_URL in self.capabilities and isinstance(
            self, NotificationTarget
        ):
            return self
        return None

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Keep the session (owned by the caller) and the API root."""
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout

    @abstractmethod
    def _secrets(self) -> Iterable[str]:
        """Values that must never appear in a message: keys, tokens, passwords."""

    @abstractmethod
    async def async_get_account(self) -> Account:
        """Check the credentials and return what the provider says about the account."""

    def scrub(self, text: str) -> str:
        """Replace every secret this client holds with a placeholder."""
        for secret in filter(None, self._secrets()):
            # As sent, URL-encoded (query strings echoed back) and JSON-escaped.
            for form in {
                secret,
                quote(secret, safe=""),
                quote_plus(secret),
                json.dumps(secret)[1:-1],
            }:
                text = text.replace(form, REDACTED)
        return text

    async def _upload(
        self, request: PreparedRequest, params: Mapping[str, str] | None = None
    ) -> Response:
        """POST a prepared body (a fax document, tens of megabytes) with the upload timeout."""
        return await self._request(
            "POST",
            request.path,
            params=params,
            body=request.payload(),
            timeout=UPLOAD_TIMEOUT,
        )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json_body: Any = None,
        body: aiohttp.Payload | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Response:
        """Send one request and read the whole answer.

        Network failures, timeouts, 5xx and 429 become our errors here; any other status is
        returned for the provider client to interpret, since each provider speaks differently.
        Only the method and path are ever logged: the query string can hold a token.
        """
        if path.startswith(("http://", "https://")):
            url, path = (
                path,
                urlsplit(path).path,
            )  # a signed URL the provider handed out
        else:
            url = f"{self._base_url}{path}"
        try:
            async with asyncio.timeout(timeout or self._timeout):
                async with self._session.request(
                    method,
                    url,
                    params=params,
                    data=body if body is not None else data,
                    json=json_body,
                    headers=headers,
                    allow_redirects=False,
                ) as resp:
                    response = Response(
                        self.provider, resp.status, resp.content_type, await resp.read()
                    )
                    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        except TimeoutError as err:
            raise SantralConnectionError(
                f"Timed out after {timeout or self._timeout:g} s waiting for {self.provider.value} ({method} {path})"
            ) from err
        except aiohttp.ClientError as err:
            raise SantralConnectionError(
                f"Could not reach {self.provider.value} ({method} {path}): {type(err).__name__}"
            ) from err

        _LOGGER.debug(
            "%s %s %s -> HTTP %s (%d bytes)",
            self.provider.value,
            method,
            path,
            response.status,
            len(response.body),
        )
        if response.status == 429:
            raise SantralRateLimitedError(
                f"{self.provider.value} is rate limiting requests ({method} {path})",
                retry_after,
            )
        if response.status >= 500:
            raise SantralConnectionError(
                f"{self.provider.value} is unavailable (HTTP {response.status} on {method} {path})"
            )
        return response


@runtime_checkable
class CallHistorySource(Protocol):
    """What a client with `Capability.CALL_HISTORY` offers."""

    provider: ClassVar[Provider]

    async def async_get_calls_since(self, since: datetime) -> list[CallRecord]:
        """Return the calls that started at or after `since`."""


@runtime_checkable
class FaxSource(Protocol):
    """What a client with `Capability.FAX_HISTORY` and `Capability.SEND_FAX` offers."""

    provider: ClassVar[Provider]

    async def async_get_faxes_since(self, since: datetime) -> list[FaxRecord]:
        """Return the faxes created at or after `since`, and those still going out."""

    async def async_download_fax(self, fax_id: str) -> Document:
        """Return a fax's document."""

    def prepare_fax(
        self,
        recipients: Sequence[str],
        files: Sequence[FaxFile],
        *,
        sender: str | None,
        subject: str | None,
    ) -> list[PreparedRequest]:
        """Build the send requests (CPU-bound: run it in an executor)."""

    async def async_send_fax(
        self, requests: Sequence[PreparedRequest]
    ) -> list[FaxRecord]:
        """Send prepared requests; return the faxes the provider queued."""


@runtime_checkable
class CallFlowSource(Protocol):
    """What a client with `Capability.CALL_FLOW` offers."""

    provider: ClassVar[Provider]

    async def async_get_call_flow(self, call_id: str) -> CallFlow:
        """Return who answered the call with this id, and who rang for it."""


@runtime_checkable
class ExtensionSource(Protocol):
    """What a client with `Capability.EXTENSIONS` offers."""

    provider: ClassVar[Provider]

    async def async_get_extensions(self) -> dict[str, Extension]:
        """Return the PBX's extensions, keyed by number as text."""


@runtime_checkable
class CallControlSource(Protocol):
    """What a client with `Capability.ORIGINATE` and `Capability.RECORDINGS` offers."""

    provider: ClassVar[Provider]

    async def async_originate(
        self,
        extension: str,
        destination: str,
        *,
        caller_id: str | None = None,
        manual_answer: bool = False,
        timeout: int | None = None,
    ) -> str | None:
        """Start a call from `extension` to `destination`; return its id when known."""

    async def async_get_recording_url(self, call_id: str) -> RecordingLink:
        """Return a URL of the call's recording that carries no credential."""

    async def async_download_recording(self, call_id: str) -> Document:
        """Return the call's recording."""


@runtime_checkable
class DoNotDisturbControl(Protocol):
    """What a client with `Capability.DO_NOT_DISTURB` offers.

    Its extensions' presence (`async_get_extensions`) tells whether each is in
    do-not-disturb; that list may be read only so often, which `presence_ready_in` tells.
    """

    provider: ClassVar[Provider]

    async def async_set_dnd(self, extension: str, on: bool) -> None:
        """Switch the extension's do-not-disturb on or off."""

    def presence_ready_in(self, then: float | None = None) -> float:
        """Return the seconds until the presence list may be read, and again `then` after."""


@runtime_checkable
class LiveCallControl(Protocol):
    """What a client with `Capability.LIVE_CALL_CONTROL` offers."""

    provider: ClassVar[Provider]

    async def async_hangup(self, call_id: str) -> None:
        """End the call in progress with this id."""

    async def async_transfer(self, call_id: str, extension: str) -> None:
        """Move the call in progress with this id to `extension`."""


@runtime_checkable
class NotificationTarget(Protocol):
    """What a client with `Capability.NOTIFICATION_URL` offers."""

    async def async_get_notification_url(self) -> str | None:
        """Return the URL the PBX posts its events to, if one is set."""

    async def async_set_notification_url(self, url: str) -> None:
        """Point the PBX's call notifications at `url`."""


@runtime_checkable
class QueueSource(Protocol):
    """What a client with `Capability.QUEUES` offers."""

    provider: ClassVar[Provider]

    async def async_get_queue_list(self) -> dict[str, Queue]:
        """Return the PBX's queues by number, without reading who waits in them."""

    async def async_get_queues(self) -> dict[str, Queue]:
        """Return the PBX's queues by number, with when each waiting caller joined."""

    async def async_get_agent_statuses(self) -> dict[str, Agent]:
        """Return the queue agents by extension number, with their status."""


@runtime_checkable
class VoicemailSource(Protocol):
    """What a client with `Capability.VOICEMAIL` offers."""

    provider: ClassVar[Provider]

    async def async_get_voicemails_since(self, since: datetime) -> list[Voicemail]:
        """Return the messages left since `since`, and every unread one it can list."""

    async def async_get_voicemail_url(self, voicemail_id: str) -> RecordingLink:
        """Return a URL of the message's audio that carries no credential."""

    async def async_download_voicemail(self, voicemail_id: str) -> Document:
        """Fetch the message's audio."""


@runtime_checkable
class CallAlertService(Protocol):
    """What a client with `Capability.CALL_ALERT` offers."""

    provider: ClassVar[Provider]
    # Whether outcomes arrive only as posts to the alert's `report_url`.
    reports_by_webhook: ClassVar[bool]

    async def async_create_call_alert(
        self,
        numbers: Sequence[str],
        sound: AlertSound,
        *,
        title: str,
        sender: str | None = None,
        report_url: str | None = None,
    ) -> str:
        """Phone `numbers` and play `sound`; return the alert's id.

        `sender` is the PBX number the calls come from; None lets the client pick the
        account's first. `report_url` is where a provider that reports outcomes by
        webhook (`reports_by_webhook`) posts them; it is required there.
        """

    async def async_get_call_alert(self, alert_id: str) -> CallAlert | None:
        """Return how each recipient fared so far; None where only reports tell."""

    def read_call_alert_report(self, fields: Mapping[str, Any]) -> CallAlert | None:
        """Read one report posted to `report_url`: the recipients it settles.

        None for a post that reports nothing (the provider's check that the URL answers).
        Raises `SantralWebhookError` for a body that is not a report.
        """

    async def async_end_call_alert(self, alert_id: str) -> None:
        """Let the provider forget a settled alert (a campaign that would stay listed)."""
