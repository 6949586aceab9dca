"""Bulutsantralim (Verimor) client (https://api.bulutsantralim.com).

The `key` travels as a query parameter on GET and as a form field on POST. Most answers are
plain text (a UUID, a URL, `+OK`) and errors are plain-text sentences with a 4xx status; an
invalid key is answered `Gecersiz anahtar: <key>`, usually with 400, sometimes 401.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
import hashlib
from typing import Any

import aiohttp

from .client import DEFAULT_TIMEOUT, ProviderClient, Response
from .errors import (
    SantralAuthenticationError,
    SantralInvalidResponseError,
    SantralProviderError,
)
from .models import (
    Account,
    CallDirection,
    CallRecord,
    CallRecordPage,
    Capability,
    Provider,
)
from .phone import MAX_SHORT_NUMBER_LENGTH, normalize_number
from .timeparse import parse_bool, parse_datetime, parse_duration

BULUTSANTRALIM_BASE_URL = "https://api.bulutsantralim.com"
INVALID_KEY_PREFIXES = ("gecersiz anahtar", "geçersiz anahtar", "invalid key")
CDR_PAGE_SIZE = 100
CDR_MAX_RANGE = timedelta(days=31)
STAMP_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
# `direction` of a CDR is localized: Gelen, Giden, Giden (API), Giden (IVR), Santral içi.
DIRECTION_PREFIXES = (
    ("gelen", CallDirection.INBOUND),
    ("giden", CallDirection.OUTBOUND),
    ("santral", CallDirection.INTERNAL),
    ("inbound", CallDirection.INBOUND),
    ("outbound", CallDirection.OUTBOUND),
)


class BulutsantralimClient(ProviderClient):
    """Talks to Bulutsantralim with an API key."""

    provider = Provider.BULUTSANTRALIM
    capabilities = frozenset({Capability.CALL_EVENTS, Capability.CALL_HISTORY})

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_key: str,
        base_url: str = BULUTSANTRALIM_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Keep the key; it is the only credential Bulutsantralim has."""
        super().__init__(session, base_url, timeout=timeout)
        self._api_key = api_key

    def _secrets(self) -> Iterable[str]:
        return (self._api_key,)

    def _raise_for_status(self, response: Response) -> None:
        if response.ok:
            return
        message = self.scrub(response.text()[:200]) or f"HTTP {response.status}"
        if response.status == 401 or message.lower().startswith(INVALID_KEY_PREFIXES):
            raise SantralAuthenticationError(
                f"Bulutsantralim rejected the API key (HTTP {response.status})"
            )
        raise SantralProviderError(message, response.status)

    async def async_get_caller_ids(self) -> list[str]:
        """Return the PBX's outbound numbers; a cheap call with no rate limit."""
        response = await self._request(
            "GET", "/caller_ids", params={"key": self._api_key}
        )
        self._raise_for_status(response)
        data = response.json()
        if not isinstance(data, list):
            raise SantralInvalidResponseError(
                "Bulutsantralim /caller_ids did not return a list"
            )
        return [normalize_number(item) for item in data if normalize_number(item)]

    async def async_get_account(self) -> Account:
        """Validate the key through `/caller_ids` and name the account by its numbers.

        Bulutsantralim has no account endpoint, so the lowest outbound number identifies the
        PBX; a PBX without numbers falls back to a one-way digest of the key.
        """
        numbers = tuple(sorted(await self.async_get_caller_ids()))
        if numbers:
            identifier = numbers[0]
        else:
            identifier = hashlib.sha256(self._api_key.encode()).hexdigest()[:16]
        return Account(
            identifier=identifier,
            name=numbers[0] if numbers else "Bulutsantralim",
            numbers=numbers,
        )

    async def async_get_call_records(
        self,
        *,
        since: datetime,
        until: datetime | None = None,
        page: int = 1,
        limit: int = CDR_PAGE_SIZE,
    ) -> CallRecordPage:
        """Read one page of the calls that started between `since` and `until`."""
        until = until or datetime.now(UTC)
        since = max(since, until - CDR_MAX_RANGE)
        response = await self._request(
            "GET",
            "/cdrs",
            params={
                "key": self._api_key,
                "start_stamp_from": since.astimezone(UTC).strftime(STAMP_FORMAT),
                "start_stamp_to": until.astimezone(UTC).strftime(STAMP_FORMAT),
                "limit": str(limit),
                "page": str(page),
            },
        )
        self._raise_for_status(response)
        data = response.json_object()
        items = data.get("cdrs")
        pagination = data.get("pagination") or {}
        if not isinstance(items, list) or not isinstance(pagination, dict):
            raise SantralInvalidResponseError(
                "Bulutsantralim /cdrs lacks the cdrs list"
            )
        records = [_call_record(item) for item in items if isinstance(item, dict)]
        total_pages = int(pagination.get("total_pages") or 1)
        return CallRecordPage(records, page < total_pages)

    async def async_get_calls_since(self, since: datetime | None) -> list[CallRecord]:
        """Return the calls that started at or after `since` (the last day without it)."""
        now = datetime.now(UTC)
        start = since if since is not None else now - timedelta(days=1)
        records: list[CallRecord] = []
        page = 1
        while True:
            result = await self.async_get_call_records(
                since=start, until=now, page=page
            )
            records += result.records
            if since is None or not result.has_next:
                break
            page += 1
        return sorted(records, key=lambda record: record.started, reverse=True)

    async def async_get_notification_url(self) -> str | None:
        """Return the URL the PBX posts its events to, if one is set."""
        response = await self._request(
            "GET", "/crm_integrations", params={"key": self._api_key}
        )
        self._raise_for_status(response)
        url = response.json_object().get("notification_url")
        return str(url) if url else None

    async def async_set_notification_url(self, url: str) -> None:
        """Point the PBX's ringing, answered and hangup notifications at `url`.

        The PBX first sends an empty POST to `url` and refuses it unless that answers 2xx.
        """
        response = await self._request(
            "POST",
            "/crm_integrations",
            data={
                "key": self._api_key,
                "ringing": "on",
                "answered": "on",
                "hangup": "on",
                "notification_url": url,
            },
        )
        self._raise_for_status(response)


def _call_record(item: dict[str, Any]) -> CallRecord:
    """Read one Bulutsantralim CDR; its booleans are strings and its durations HH:MM:SS."""
    call_id = item.get("call_uuid")
    started = parse_datetime(item.get("start_stamp"))
    if not call_id or started is None:
        raise SantralInvalidResponseError(
            "Bulutsantralim CDR without call_uuid or start_stamp"
        )
    label = str(item.get("direction", "")).strip().lower()
    direction = next(
        (value for prefix, value in DIRECTION_PREFIXES if label.startswith(prefix)),
        CallDirection.INBOUND,
    )
    caller = normalize_number(item.get("caller_id_number"))
    callee = normalize_number(item.get("destination_number"))
    extension = next(
        (
            number
            for number in (
                callee if direction is not CallDirection.OUTBOUND else caller,
            )
            if number and len(number) <= MAX_SHORT_NUMBER_LENGTH
        ),
        None,
    )
    return CallRecord(
        call_id=str(call_id),
        direction=direction,
        caller=caller,
        callee=callee,
        extension=extension,
        started=started,
        answered=parse_datetime(item.get("answer_stamp")),
        ended=parse_datetime(item.get("end_stamp")),
        duration=parse_duration(item.get("duration")),
        talk_seconds=parse_duration(item.get("talk_duration")),
        missed=parse_bool(item.get("missed")),
        recording_available=parse_bool(item.get("recording_present")),
        hangup_cause=str(item["result"]) if item.get("result") else None,
    )
