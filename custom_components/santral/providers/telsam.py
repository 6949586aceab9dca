"""Telsam Yenifaks client (http://yenifaks.telsam.com.tr/api/v1).

OAuth2 password grant (Laravel Passport): `POST /oauth/token` with a JSON body returns an
access token (a year long) and a refresh token. API calls carry `Authorization: Bearer`; a 401
(`{"message": "Unauthenticated."}`) is answered by a refresh, then a new password grant, and
only when both fail is it an authentication error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import json
from typing import Any
from urllib.parse import quote

import aiohttp

from .client import (
    DEFAULT_TIMEOUT,
    UPLOAD_TIMEOUT,
    PreparedRequest,
    ProviderClient,
    Response,
    base64_slices,
)
from .description import ProviderDescription
from .errors import (
    SantralAuthenticationError,
    SantralInvalidResponseError,
    SantralProviderError,
)
from .models import (
    Account,
    Capability,
    Document,
    FaxDirection,
    FaxFile,
    FaxRecord,
    FaxStatus,
    Provider,
)
from .paging import BUSY_FAXES_PER_HOUR, Page, PagedList, pagination_number
from .phone import normalize_number, to_provider_number
from .ratelimit import RateLimits
from .records import RecordReader
from .timeparse import TURKEY, parse_datetime

TELSAM_BASE_URL = "http://yenifaks.telsam.com.tr/api/v1"
TOKEN_PATH = "/oauth/token"
FAX_LIST_PATH = "/fax"
FAX_DETAIL_PATH = "/fax/{fax_id}"
# Telsam's page describes the download and send calls without naming their paths; these are
# the most plausible forms, kept here so that a correction is one line.
FAX_DOWNLOAD_PATH = "/fax/{fax_id}/download"
FAX_SEND_PATH = "/fax/send"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# Laravel's default page size, assumed until a list says its own.
DEFAULT_PAGE_SIZE = 15
STATUSES = {
    "success": FaxStatus.SENT,
    "pending": FaxStatus.QUEUED,
    "failed": FaxStatus.FAILED,
}
AUTH_ERRORS = frozenset(
    {"invalid_grant", "invalid_client", "invalid_request", "access_denied"}
)


@dataclass(frozen=True, slots=True)
class TelsamToken:
    """An access token and the refresh token that renews it."""

    access_token: str
    refresh_token: str | None


class TelsamClient(ProviderClient):
    """Talks to Telsam Yenifaks as an API user."""

    provider = Provider.TELSAM
    capabilities = frozenset({Capability.FAX_HISTORY, Capability.SEND_FAX})

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        username: str,
        password: str,
        client_id: str,
        client_secret: str,
        base_url: str = TELSAM_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Keep the API user's four credentials; tokens are obtained on first use."""
        super().__init__(session, base_url, timeout=timeout)
        self._username = username
        self._password = password
        self._client_id = client_id
        self._client_secret = client_secret
        self._token: TelsamToken | None = None
        self._token_lock = asyncio.Lock()
        self._faxes = PagedList(
            "Telsam /fax", per_hour=BUSY_FAXES_PER_HOUR, page_size=DEFAULT_PAGE_SIZE
        )
        self._read_faxes = RecordReader("Telsam /fax", _fax_record)

    def _secrets(self) -> Iterable[str]:
        secrets = [self._password, self._client_secret]
        if self._token is not None:
            secrets.append(self._token.access_token)
            if self._token.refresh_token:
                secrets.append(self._token.refresh_token)
        return secrets

    @property
    def token(self) -> TelsamToken | None:
        """The token in use, if one was obtained."""
        return self._token

    def _error_message(self, response: Response) -> tuple[str | None, str]:
        """Return the OAuth error code (if any) and a message fit for a person."""
        try:
            body = response.json()
        except SantralInvalidResponseError:
            body = None
        if isinstance(body, dict):
            code = body.get("error")
            message = body.get("message") or body.get("error_description") or code
            errors = body.get("errors")
            if isinstance(errors, dict):
                details = [
                    str(item)
                    for value in errors.values()
                    for item in (value if isinstance(value, list) else [value])
                ]
                if details:
                    message = " ".join(details)
            if message:
                return (str(code) if code else None, self.scrub(str(message)))
        return None, self.scrub(response.text())[:200] or f"HTTP {response.status}"

    async def _grant(self, body: dict[str, str]) -> TelsamToken:
        response = await self._request("POST", TOKEN_PATH, json_body=body)
        if not response.ok:
            code, message = self._error_message(response)
            if response.status == 401 or code in AUTH_ERRORS:
                raise SantralAuthenticationError(
                    f"Telsam rejected the credentials (HTTP {response.status}: {message})"
                )
            raise SantralProviderError(message, response.status)
        data = response.json_object()
        access_token = data.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise SantralInvalidResponseError("Telsam token answer has no access_token")
        refresh_token = data.get("refresh_token")
        return TelsamToken(
            access_token, refresh_token if isinstance(refresh_token, str) else None
        )

    async def async_authenticate(self) -> TelsamToken:
        """Run the password grant and keep the new tokens."""
        self._token = await self._grant(
            {
                "grant_type": "password",
                "username": self._username,
                "password": self._password,
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            }
        )
        return self._token

    async def _renew(self, rejected: TelsamToken | None) -> None:
        """Replace a rejected token: refresh first, then a fresh password grant."""
        async with self._token_lock:
            if self._token is not rejected:
                return  # another request renewed it meanwhile
            if rejected is not None and rejected.refresh_token:
                try:
                    self._token = await self._grant(
                        {
                            "grant_type": "refresh_token",
                            "refresh_token": rejected.refresh_token,
                            "client_id": self._client_id,
                            "client_secret": self._client_secret,
                        }
                    )
                except SantralAuthenticationError, SantralProviderError:
                    pass
                else:
                    return
            await self.async_authenticate()

    async def _authorized(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, str] | None = None,
        prepared: PreparedRequest | None = None,
    ) -> Response:
        """Send an authorized request, renewing the token once when it is rejected."""
        if self._token is None:
            await self._renew(None)
        for attempt in range(2):
            token = self._token
            assert token is not None
            headers = {
                "Authorization": f"Bearer {token.access_token}",
                "Accept": "application/json",
            }
            if prepared is not None:
                headers["Content-Type"] = prepared.content_type
            response = await self._request(
                method,
                path,
                params=params,
                json_body=body,
                body=prepared.payload() if prepared is not None else None,
                headers=headers,
                timeout=UPLOAD_TIMEOUT if prepared is not None else None,
            )
            if response.status != 401:
                break
            if attempt == 0:
                await self._renew(token)
        if response.status == 401:
            raise SantralAuthenticationError(
                "Telsam keeps rejecting a freshly issued token"
            )
        if not response.ok:
            _, message = self._error_message(response)
            raise SantralProviderError(message, response.status)
        return response

    async def async_get_account(self) -> Account:
        """Obtain a token and prove it works with one fax list call for today."""
        response = await self._authorized("POST", FAX_LIST_PATH, {"type": "incoming"})
        _fax_page(response.json(), 1, self._read_faxes)
        return Account(identifier=self._username.lower(), name=self._username)

    async def async_get_faxes_since(self, since: datetime) -> list[FaxRecord]:
        """Return the faxes, in and out, created from `since`.

        Pages are read until the last, within the cap the window allows.
        """
        now = datetime.now(TURKEY)
        body = {
            "start_date": since.astimezone(TURKEY).strftime(DATE_FORMAT),
            "end_date": now.strftime(DATE_FORMAT),
        }

        async def fetch(page: int) -> Page[FaxRecord]:
            response = await self._authorized(
                "POST", FAX_LIST_PATH, body, params={"page": str(page)}
            )
            return _fax_page(response.json(), page, self._read_faxes)

        return await self._faxes.read(
            fetch, since=since, until=now, key=lambda record: record.fax_id
        )

    async def async_download_fax(self, fax_id: str) -> Document:
        """Return the fax's PDF."""
        response = await self._authorized(
            "POST", FAX_DOWNLOAD_PATH.format(fax_id=quote(fax_id, safe=""))
        )
        if not response.body:
            raise SantralInvalidResponseError("Telsam sent an empty fax document")
        return Document(response.body, response.content_type or "application/pdf")

    def prepare_fax(
        self,
        recipients: Sequence[str],
        files: Sequence[FaxFile],
        *,
        sender: str | None,
        subject: str | None,
    ) -> list[PreparedRequest]:
        """Build the send request: one JSON body, every file in base64. CPU-bound."""
        if not sender:
            raise ValueError("Telsam needs the sending number (did)")
        head: dict[str, Any] = {
            "did": to_provider_number(sender),
            "phones": [to_provider_number(number) for number in recipients],
        }
        if subject:
            head["subject"] = subject
        # The JSON is assembled as parts: the encoded files are sent as they are, never
        # copied into a str or a joined body. Base64 needs no escaping inside a string.
        parts = [json.dumps(head)[:-1].encode(), b', "files": [']
        for index, file in enumerate(files):
            parts += [b', "' if index else b'"', *base64_slices(file.content), b'"']
        parts.append(b"]}")
        return [PreparedRequest(FAX_SEND_PATH, tuple(parts), "application/json")]

    async def async_send_fax(
        self, requests: Sequence[PreparedRequest]
    ) -> list[FaxRecord]:
        """Send prepared requests; return the faxes Telsam queued."""
        records: list[FaxRecord] = []
        for request in requests:
            response = await self._authorized("POST", request.path, prepared=request)
            faxes = response.json_object().get("faxes")
            if not isinstance(faxes, list):
                raise SantralInvalidResponseError(
                    "Telsam send answer has no faxes list"
                )
            records += [_fax_record(item) for item in faxes if isinstance(item, dict)]
        return records


def _fax_page(data: Any, page: int, read: RecordReader[FaxRecord]) -> Page[FaxRecord]:
    """Read one page of the fax list, in any of the shapes a Laravel API answers with.

    Laravel's paginator (`data` with `next_page_url`, `current_page`, `last_page`,
    `per_page`), the same without the URLs, an API resource (`data` with `meta` and
    `links`), or a bare list. Without any word on paging, pages are read until one is
    empty or repeats the one before.
    """
    top: dict[str, Any] = data if isinstance(data, dict) else {}
    items = data if isinstance(data, list) else top.get("data")
    if not isinstance(items, list):
        raise SantralInvalidResponseError("Telsam fax list has no data list")
    entries = [item for item in items if isinstance(item, dict)]
    meta = top.get("meta")
    paging: dict[str, Any] = meta if isinstance(meta, dict) else top
    links = top.get("links")
    current = pagination_number(paging.get("current_page")) or page
    last = pagination_number(paging.get("last_page"))
    if "next_page_url" in top:
        has_next = bool(top["next_page_url"]) and (last is None or current < last)
    elif last is not None:
        has_next = current < last
    elif isinstance(links, dict) and "next" in links:
        has_next = bool(links["next"])
    else:
        has_next = bool(entries)
    page_size = pagination_number(paging.get("per_page"))
    if page_size is None and isinstance(data, list):
        page_size = len(entries) or None
    return Page(
        read(entries),
        [str(item.get("id")) for item in entries],
        has_next,
        page_size,
    )


def _fax_record(item: dict[str, Any]) -> FaxRecord:
    """Read one Telsam fax item."""
    if item.get("id") is None:
        raise SantralInvalidResponseError("Telsam fax without id")
    direction = (
        FaxDirection.INBOUND
        if item.get("call_type") == "incoming"
        else FaxDirection.OUTBOUND
    )
    status = STATUSES.get(str(item.get("status", "")).strip().lower(), FaxStatus.QUEUED)
    if direction is FaxDirection.INBOUND and status is FaxStatus.SENT:
        status = FaxStatus.RECEIVED
    pages = item.get("pages")
    return FaxRecord(
        fax_id=str(item["id"]),
        direction=direction,
        status=status,
        remote=normalize_number(item.get("phone")),
        local=normalize_number(item.get("did")),
        pages=int(pages)
        if isinstance(pages, int | str) and str(pages).isdigit()
        else None,
        created=parse_datetime(item.get("created_at")),
        subject=str(item["subject"]) if item.get("subject") else None,
    )


def _create(
    session: aiohttp.ClientSession,
    credentials: Mapping[str, Any],
    base_url: str,
    limits: RateLimits,
) -> TelsamClient:
    """Build the client; Telsam documents no request limits, so `limits` goes unused."""
    return TelsamClient(
        session,
        username=credentials["username"],
        password=credentials["password"],
        client_id=credentials["client_id"],
        client_secret=credentials["client_secret"],
        base_url=base_url,
    )


DESCRIPTION = ProviderDescription(
    provider=Provider.TELSAM,
    name="Telsam Yenifaks",
    manufacturer="Telsam",
    panel_url="https://yenifaks.telsam.com.tr",
    credentials_url="https://yenifaks.telsam.com.tr",
    default_base_url=TELSAM_BASE_URL,
    account_interval=timedelta(minutes=30),
    fax_types=frozenset(
        {
            "jpeg",
            "jpg",
            "png",
            "bmp",
            "docx",
            "doc",
            "xls",
            "xlsx",
            "pdf",
            "tiff",
            "tif",
        }
    ),
    credential_forms={
        "telsam": ("username", "password", "client_id", "client_secret"),
    },
    client=TelsamClient,
    create=_create,
)
