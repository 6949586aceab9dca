"""Bulutsantralim (Verimor) client (https://api.bulutsantralim.com).

The `key` travels as a query parameter on GET and as a form field on POST. Most answers are
plain text (a UUID, a URL, `+OK`) and errors are plain-text sentences with a 4xx status; an
invalid key is answered `Gecersiz anahtar: <key>`, usually with 400, sometimes 401.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
import hashlib
import json
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

import aiohttp

from . import bounds, bulutsantralim_alerts as alerts
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
    SantralRateLimitedError,
)
from .models import (
    PBX_CAPABILITIES,
    Account,
    Agent,
    AgentStatus,
    AlertSound,
    CallAlert,
    CallDirection,
    CallRecord,
    CallRecordPage,
    Capability,
    Document,
    Extension,
    FaxDirection,
    FaxFile,
    FaxRecord,
    FaxStatus,
    Presence,
    Provider,
    Queue,
    RecordingLink,
    Voicemail,
)
from .paging import (
    BUSY_CALLS_PER_HOUR,
    BUSY_FAXES_PER_HOUR,
    Page,
    PagedList,
    pagination_number,
)
from .phone import MAX_SHORT_NUMBER_LENGTH, normalize_number, to_provider_number
from .ratelimit import RateLimits
from .records import RecordReader
from .timeparse import parse_bool, parse_datetime

BULUTSANTRALIM_BASE_URL = "https://api.bulutsantralim.com"
INVALID_KEY_PREFIXES = ("gecersiz anahtar", "geçersiz anahtar", "invalid key")
CDR_PAGE_SIZE = 100
RECORDING_URL_LIFETIME = timedelta(hours=1)
# A cached recording URL is handed out only while it stays valid at least this long.
RECORDING_URL_MARGIN = timedelta(minutes=5)
PRESENCE = {
    "AVAILABLE": Presence.AVAILABLE,
    "TALKING": Presence.TALKING,
    "UNREGISTERED": Presence.UNREGISTERED,
    "SS_DND": Presence.DO_NOT_DISTURB,
}
# `/dnd` answers `Changed DND of 1010 to on.`; `/hangup` and `/transfer` answer `+OK`.
DND_CHANGED = "changed dnd"
CONTROL_OK = frozenset({"+ok", "ok"})
AGENT_STATUSES = {status.name: status for status in AgentStatus}
# Queue names change seldom: the list is read again at most this often.
QUEUE_LIST_INTERVAL = timedelta(minutes=10)
CDR_MAX_RANGE = timedelta(days=31)
# Pages of `/voicemail_messages` one poll reads at most: a box left unread for months is
# counted from its newest messages (the total the first page reports stays exact).
VOICEMAIL_MAX_PAGES = 5
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
    capabilities = PBX_CAPABILITIES | {
        Capability.NOTIFICATION_URL,
        Capability.QUEUES,
        Capability.DO_NOT_DISTURB,
        Capability.LIVE_CALL_CONTROL,
        Capability.VOICEMAIL,
        Capability.CALL_ALERT,
    }
    reports_by_webhook = True

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_key: str,
        base_url: str = BULUTSANTRALIM_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        limits: RateLimits | None = None,
    ) -> None:
        """Keep the key; it is the only credential Bulutsantralim has.

        `limits` are the key's earlier clients' limiters, when there were any: the PBX
        counts requests per key, so a new client must not start its windows afresh.
        """
        super().__init__(session, base_url, timeout=timeout)
        self._api_key = api_key
        limits = RateLimits() if limits is None else limits
        self._recording_limiter = limits.limiter(5, 60, "Bulutsantralim /recording_url")
        self._presence_limiter = limits.limiter(2, 60, "Bulutsantralim /user_statuses")
        self._agent_limiter = limits.limiter(2, 60, "Bulutsantralim /agent_statuses")
        # The queue list last read and when, so the waiting callers cost one request.
        self._queue_list: dict[str, Queue] | None = None
        self._queue_list_read: datetime | None = None
        self._recording_links: dict[str, RecordingLink] = {}
        self._cdrs = PagedList(
            "Bulutsantralim /cdrs",
            per_hour=BUSY_CALLS_PER_HOUR,
            page_size=CDR_PAGE_SIZE,
        )
        self._fdrs = PagedList(
            "Bulutsantralim /fdrs",
            per_hour=BUSY_FAXES_PER_HOUR,
            page_size=CDR_PAGE_SIZE,
        )
        self._read_cdrs = RecordReader("Bulutsantralim /cdrs", _call_record)
        self._read_fdrs = RecordReader("Bulutsantralim /fdrs", _fax_record)
        self._read_orders = RecordReader("Bulutsantralim /fax_orders", _fax_order)
        self._read_voicemails = RecordReader(
            "Bulutsantralim /voicemail_messages", _voicemail
        )
        self._voicemail_links: dict[str, RecordingLink] = {}
        # Whether an order may be waiting: true at first (orders may be left from before
        # the client), after each order placed, and while `/fax_orders` lists any.
        self._orders_pending = True

    def _secrets(self) -> Iterable[str]:
        return (self._api_key,)

    def _raise_for_status(self, response: Response) -> None:
        if response.ok:
            return
        message = self.scrub(response.text())[:200] or f"HTTP {response.status}"
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

    async def _list_page(
        self,
        path: str,
        list_key: str,
        since: datetime,
        until: datetime,
        page: int,
        filters: Mapping[str, str] | None = None,
    ) -> tuple[list[dict[str, Any]], bool, int | None]:
        """Read one page of a dated list (`/cdrs`, `/fdrs`, `/voicemail_messages`).

        The lists take `start_stamp_from`/`start_stamp_to` in UTC, at most 31 days apart,
        and `filters` of their own. Returns the page's items, whether more follow (up to
        `total_pages`) and the page size the PBX reports.
        """
        since = max(since, until - CDR_MAX_RANGE)
        response = await self._request(
            "GET",
            path,
            params={
                "key": self._api_key,
                "start_stamp_from": since.astimezone(UTC).strftime(STAMP_FORMAT),
                "start_stamp_to": until.astimezone(UTC).strftime(STAMP_FORMAT),
                "limit": str(CDR_PAGE_SIZE),
                "page": str(page),
                **(filters or {}),
            },
        )
        self._raise_for_status(response)
        data = response.json_object()
        items = data.get(list_key)
        pagination = data.get("pagination") or {}
        if not isinstance(items, list) or not isinstance(pagination, dict):
            raise SantralInvalidResponseError(
                f"Bulutsantralim {path} lacks the {list_key} list"
            )
        total_pages = pagination_number(pagination.get("total_pages")) or 1
        return (
            [item for item in items if isinstance(item, dict)],
            page < total_pages,
            pagination_number(pagination.get("limit")),
        )

    async def async_get_call_records(
        self, *, since: datetime, until: datetime | None = None, page: int = 1
    ) -> CallRecordPage:
        """Read one page of the calls that started between `since` and `until`."""
        result = await self._cdr_page(since, until or datetime.now(UTC), page)
        return CallRecordPage(list(result.items), result.has_next)

    async def _cdr_page(
        self, since: datetime, until: datetime, page: int
    ) -> Page[CallRecord]:
        items, has_next, page_size = await self._list_page(
            "/cdrs", "cdrs", since, until, page
        )
        return Page(
            self._read_cdrs(items),
            [str(item.get("call_uuid")) for item in items],
            has_next,
            page_size,
        )

    async def _fdr_page(
        self, since: datetime, until: datetime, page: int
    ) -> Page[FaxRecord]:
        items, has_next, page_size = await self._list_page(
            "/fdrs", "fdrs", since, until, page
        )
        return Page(
            self._read_fdrs(items),
            [str(item.get("call_uuid")) for item in items],
            has_next,
            page_size,
        )

    async def async_get_calls_since(self, since: datetime) -> list[CallRecord]:
        """Return the calls that started at or after `since`, newest first.

        Pages are read until the last, within the cap the window allows.
        """
        now = datetime.now(UTC)
        records = await self._cdrs.read(
            lambda page: self._cdr_page(since, now, page),
            since=since,
            until=now,
            key=lambda record: record.call_id,
        )
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

    async def async_get_faxes_since(self, since: datetime) -> list[FaxRecord]:
        """Return fax records (in and out) from `since`, and the orders still waiting.

        `/fdrs` carries every finished fax; `/fax_orders` is read only while an order may
        be waiting, so a quiet PBX costs one list a poll.
        """
        now = datetime.now(UTC)
        records = await self._fdrs.read(
            lambda page: self._fdr_page(since, now, page),
            since=since,
            until=now,
            key=lambda record: record.fax_id,
        )
        if self._orders_pending:
            records += await self._waiting_orders()
        return records

    async def _waiting_orders(self) -> list[FaxRecord]:
        """Read the orders still waiting; none waiting stops the reads until the next order.

        The mark is cleared before the request, so an order placed while it is under way
        keeps the reads going.
        """
        self._orders_pending = False
        try:
            orders = await self._order_list()
        except BaseException:
            self._orders_pending = True
            raise
        if orders:
            self._orders_pending = True
        return self._read_orders(orders)

    async def _order_list(self) -> list[dict[str, Any]]:
        response = await self._request(
            "GET", "/fax_orders", params={"key": self._api_key, "limit": "100"}
        )
        self._raise_for_status(response)
        orders = response.json_object().get("fax_orders")
        if not isinstance(orders, list):
            raise SantralInvalidResponseError(
                "Bulutsantralim /fax_orders lacks its list"
            )
        return [item for item in orders if isinstance(item, dict)]

    async def async_download_fax(self, fax_id: str) -> Document:
        """Ask for the document's one-hour URL, then fetch the document from it."""
        response = await self._request(
            "POST",
            "/fax_document_url",
            data={"key": self._api_key, "call_uuid": fax_id},
        )
        self._raise_for_status(response)
        url = response.text()
        if not url.startswith(("http://", "https://")):
            raise SantralInvalidResponseError("Bulutsantralim gave no fax document URL")
        document = await self._request("GET", url)
        self._raise_for_status(document)
        if not document.body:
            raise SantralInvalidResponseError(
                "Bulutsantralim sent an empty fax document"
            )
        return Document(document.body, document.content_type or "application/pdf")

    def prepare_fax(
        self,
        recipients: Sequence[str],
        files: Sequence[FaxFile],
        *,
        sender: str | None,
        subject: str | None,
    ) -> list[PreparedRequest]:
        """Build one fax order per recipient and file, as form bodies. CPU-bound.

        `filedata` is a standard data URL (`data:<mime>;base64,<data>`).
        """
        own: dict[str, str] = {}
        if sender:
            own["local_station_id"] = to_provider_number(sender)
        if subject:
            own["local_station_header"] = subject
        tail = f"&{urlencode(own)}".encode("ascii") if own else b""
        requests = []
        for file in files:
            # Encoded once per file; every recipient's order shares these parts.
            filedata = (
                quote_plus(f"data:{file.content_type};base64,").encode("ascii"),
                *(_form_escaped(part) for part in base64_slices(file.content)),
            )
            for number in recipients:
                head = urlencode(
                    {
                        "key": self._api_key,
                        "remote_station_id": to_provider_number(number),
                    }
                )
                requests.append(
                    PreparedRequest(
                        "/fax_orders",
                        (f"{head}&filedata=".encode("ascii"), *filedata, tail),
                        "application/x-www-form-urlencoded",
                    )
                )
        return requests

    async def async_send_fax(
        self, requests: Sequence[PreparedRequest]
    ) -> list[FaxRecord]:
        """Place prepared fax orders; return them, queued, with their order ids."""
        records: list[FaxRecord] = []
        for request in requests:
            response = await self._upload(request)
            self._raise_for_status(response)
            order_id = response.text()
            if not order_id.isdigit():
                raise SantralInvalidResponseError(
                    "Bulutsantralim returned no fax order id"
                )
            self._orders_pending = True
            records.append(
                FaxRecord(
                    fax_id=f"order-{order_id}",
                    direction=FaxDirection.OUTBOUND,
                    status=FaxStatus.QUEUED,
                    remote="",
                    local="",
                )
            )
        return records

    async def async_originate(
        self,
        extension: str,
        destination: str,
        *,
        caller_id: str | None = None,
        manual_answer: bool = False,
        timeout: int | None = None,
    ) -> str:
        """Ring `extension`, then dial `destination`; return the new call's id."""
        params = {
            "key": self._api_key,
            "extension": extension,
            "destination": to_provider_number(destination),
        }
        if caller_id:
            params["caller_id"] = to_provider_number(caller_id)
        if manual_answer:
            params["manual_answer"] = "true"
        if timeout is not None:
            params["timeout"] = str(timeout)
        response = await self._request("GET", "/originate", params=params)
        self._raise_for_status(response)
        call_id = response.text()
        if not call_id or any(char.isspace() for char in call_id):
            raise SantralInvalidResponseError(
                "Bulutsantralim /originate returned no call id"
            )
        return call_id

    async def async_create_call_alert(
        self,
        numbers: Sequence[str],
        sound: AlertSound,
        *,
        title: str,
        sender: str | None = None,
        report_url: str | None = None,
    ) -> str:
        """Start an IVR campaign that plays `sound` to `numbers`; return its id.

        The audio is uploaded as an announcement unless one of the same message is kept.
        Without `sender` the calls come from the PBX's first outbound number. Outcomes
        are posted to `report_url` only; Bulutsantralim checks it answers first.
        """
        if not report_url:
            raise ValueError("Bulutsantralim reports call alerts only by webhook")
        announcement_id = await self._announcement(sound)
        if sender:
            cli = to_provider_number(sender)
        elif caller_ids := await self.async_get_caller_ids():
            cli = to_provider_number(min(caller_ids))
        else:
            raise ValueError("Bulutsantralim lists no outbound number to call from")
        body = alerts.campaign_body(
            self._api_key,
            [to_provider_number(number) for number in numbers],
            name=title,
            cli=cli,
            announcement_id=announcement_id,
            webhook_url=report_url,
        )
        response = await self._request(
            "POST", f"{alerts.CAMPAIGNS_PATH}.json", json_body=body
        )
        self._raise_for_status(response)
        return str(alerts.created_id(response.text(), "campaign"))

    async def _announcement(self, sound: AlertSound) -> int:
        """Return the id of the announcement that speaks `sound`, uploading it once."""
        response = await self._request(
            "GET", alerts.ANNOUNCEMENTS_PATH, params={"key": self._api_key}
        )
        self._raise_for_status(response)
        kept = alerts.announcements(response.json())
        if (known := kept.get(alerts.announcement_name(sound))) is not None:
            return known
        extension = Document(sound.content, sound.content_type).extension
        response = await self._request(
            "POST",
            alerts.ANNOUNCEMENTS_PATH,
            data=alerts.upload_form(self._api_key, sound, extension),
            timeout=UPLOAD_TIMEOUT,
        )
        self._raise_for_status(response)
        uploaded = alerts.created_id(response.text(), "announcement")
        for stale in alerts.stale_announcements(kept, uploaded):
            await self._delete(f"{alerts.ANNOUNCEMENTS_PATH}/{stale}")
        return uploaded

    async def async_get_call_alert(self, alert_id: str) -> CallAlert | None:
        """Bulutsantralim cannot be asked: a campaign's outcomes are only posted."""
        return None

    def read_call_alert_report(self, fields: Mapping[str, Any]) -> CallAlert | None:
        """Read one report a campaign posted: the number called and the key pressed."""
        return alerts.read_report(fields)

    async def async_end_call_alert(self, alert_id: str) -> None:
        """Delete the settled campaign, so the panel does not fill with them."""
        await self._delete(f"{alerts.CAMPAIGNS_PATH}/{quote(alert_id, safe='')}")

    async def _delete(self, path: str) -> None:
        """Delete what `path` names; what is gone already is as good as deleted."""
        response = await self._request("DELETE", path, params={"key": self._api_key})
        if not response.ok and response.text().lower().startswith(alerts.ALREADY_GONE):
            return
        self._raise_for_status(response)

    async def async_get_recording_url(self, call_id: str) -> RecordingLink:
        """Return a one-hour URL of the call's recording.

        URLs are reused while they stay valid, and new ones asked for at most 5 times a
        minute (the documented limit); a 429 holds further requests back as long as it says.
        """
        now = datetime.now(UTC)
        cached = self._recording_links.get(call_id)
        if (
            cached
            and cached.expires_at
            and cached.expires_at - RECORDING_URL_MARGIN > now
        ):
            return cached
        self._recording_limiter.acquire()
        try:
            response = await self._request(
                "POST",
                "/recording_url",
                data={"key": self._api_key, "call_uuid": call_id},
            )
        except SantralRateLimitedError as err:
            self._recording_limiter.block(err.retry_after)
            raise
        self._raise_for_status(response)
        link = _recording_link(response.text(), now)
        self._recording_links = {
            key: value
            for key, value in self._recording_links.items()
            if value.expires_at and value.expires_at > now
        }
        self._recording_links[call_id] = link
        return link

    async def async_download_recording(self, call_id: str) -> Document:
        """Fetch the call's recording through its one-hour URL."""
        link = await self.async_get_recording_url(call_id)
        response = await self._request("GET", link.url)
        self._raise_for_status(response)
        if not response.body:
            raise SantralInvalidResponseError("Bulutsantralim sent an empty recording")
        return Document(response.body, response.content_type or "audio/mpeg")

    async def async_get_voicemails_since(self, since: datetime) -> list[Voicemail]:
        """Return the messages left since `since`, and every unread one of the last 31 days.

        Two lists, so a message listened to before the next poll is still seen once, and
        the unread count covers what was left before `since`; each is read to its end or
        to `VOICEMAIL_MAX_PAGES`. A message in both is returned once.
        """
        now = datetime.now(UTC)
        found: dict[str, Voicemail] = {}
        for start, filters in (
            (since, None),
            (now - CDR_MAX_RANGE, {"read": "false"}),
        ):
            for page in range(1, VOICEMAIL_MAX_PAGES + 1):
                items, has_next, _ = await self._list_page(
                    "/voicemail_messages", "messages", start, now, page, filters
                )
                for message in self._read_voicemails(items):
                    found.setdefault(message.voicemail_id, message)
                if not has_next:
                    break
        return sorted(found.values(), key=lambda message: message.received)

    async def async_get_voicemail_url(self, voicemail_id: str) -> RecordingLink:
        """Return a one-hour URL of a message's audio; it needs no key.

        URLs are reused while they stay valid for a while more.
        """
        now = datetime.now(UTC)
        cached = self._voicemail_links.get(voicemail_id)
        if (
            cached
            and cached.expires_at
            and cached.expires_at - RECORDING_URL_MARGIN > now
        ):
            return cached
        response = await self._request(
            "POST",
            "/voicemail_recording_url",
            data={"key": self._api_key, "uuid": voicemail_id},
        )
        self._raise_for_status(response)
        link = _recording_link(response.text(), now)
        self._voicemail_links = {
            key: value
            for key, value in self._voicemail_links.items()
            if value.expires_at and value.expires_at > now
        }
        self._voicemail_links[voicemail_id] = link
        return link

    async def async_download_voicemail(self, voicemail_id: str) -> Document:
        """Fetch a message's audio through its one-hour URL."""
        link = await self.async_get_voicemail_url(voicemail_id)
        response = await self._request("GET", link.url)
        self._raise_for_status(response)
        if not response.body:
            raise SantralInvalidResponseError("Bulutsantralim sent an empty voicemail")
        return Document(response.body, response.content_type or "audio/mpeg")

    async def async_get_extensions(self) -> dict[str, Extension]:
        """Return each extension with its presence, from the one `/user_statuses` list.

        Bulutsantralim has no other extension list. It allows the request twice a minute;
        a 429 holds further requests back as long as it says.
        """
        self._presence_limiter.acquire()
        try:
            response = await self._request(
                "GET", "/user_statuses", params={"key": self._api_key}
            )
        except SantralRateLimitedError as err:
            self._presence_limiter.block(err.retry_after)
            raise
        self._raise_for_status(response)
        items = response.json()
        if not isinstance(items, list):
            raise SantralInvalidResponseError(
                "Bulutsantralim /user_statuses is not a list"
            )
        return {
            str(item["user"]): Extension(
                str(item["user"]),
                presence=PRESENCE.get(
                    str(item.get("status", "")).upper(), Presence.UNKNOWN
                ),
            )
            for item in items
            if isinstance(item, dict) and item.get("user") is not None
        }

    def presence_ready_in(self, then: float | None = None) -> float:
        """Return the seconds until `/user_statuses` may be read, and again `then` after.

        The key's reads are counted by the limiter its clients share (two a minute).
        """
        return self._presence_limiter.ready_in(then)

    async def async_set_dnd(self, extension: str, on: bool) -> None:
        """Switch an extension's do-not-disturb through `/dnd/{extension}`.

        The PBX answers `Changed DND of 1010 to on.`; a refusal is its own sentence
        (`extension 1005 not found`). The setting has no read of its own: the extension's
        `SS_DND` presence in `/user_statuses` shows it.
        """
        response = await self._request(
            "GET",
            f"/dnd/{quote(extension, safe='')}",
            params={"key": self._api_key, "state": "on" if on else "off"},
        )
        self._raise_for_status(response)
        if not response.text().lower().startswith(DND_CHANGED):
            raise SantralInvalidResponseError(
                "Bulutsantralim /dnd did not confirm the change"
            )

    async def async_hangup(self, call_id: str) -> None:
        """End a call in progress through `/hangup/{call_uuid}`.

        A call that is over or unknown is refused as `No such channel!`.
        """
        await self._control_call("/hangup", call_id, {})

    async def async_transfer(self, call_id: str, extension: str) -> None:
        """Move a call in progress to `extension` through `/transfer/{call_uuid}`."""
        await self._control_call("/transfer", call_id, {"user_number": extension})

    async def _control_call(
        self, endpoint: str, call_id: str, params: Mapping[str, str]
    ) -> None:
        """Send one request about a live call to `endpoint`, which answers `+OK`."""
        response = await self._request(
            "GET",
            f"{endpoint}/{quote(call_id, safe='')}",
            params={**params, "key": self._api_key},
        )
        self._raise_for_status(response)
        if response.text().lower() not in CONTROL_OK:
            raise SantralInvalidResponseError(
                f"Bulutsantralim {endpoint} did not answer +OK"
            )

    async def async_get_queue_list(self) -> dict[str, Queue]:
        """Return the PBX's queues by number, from `/queues`, without their callers."""
        response = await self._request("GET", "/queues", params={"key": self._api_key})
        self._raise_for_status(response)
        items = response.json()
        if not isinstance(items, list):
            raise SantralInvalidResponseError("Bulutsantralim /queues is not a list")
        queues = {
            str(item["number"]): Queue(
                str(item["number"]), str(item["name"]) if item.get("name") else None
            )
            for item in items
            if isinstance(item, dict) and item.get("number") is not None
        }
        self._queue_list, self._queue_list_read = queues, datetime.now(UTC)
        return queues

    async def async_get_queues(self) -> dict[str, Queue]:
        """Return each queue with when its waiting callers joined, from `/queues/pending`.

        The queue list itself is read again only every ten minutes; a caller waiting in a
        queue the list does not (yet) name still counts, under its number.
        """
        now = datetime.now(UTC)
        if (
            self._queue_list is None
            or self._queue_list_read is None
            or now - self._queue_list_read >= QUEUE_LIST_INTERVAL
        ):
            await self.async_get_queue_list()
        queues = dict(self._queue_list or {})
        response = await self._request(
            "GET", "/queues/pending", params={"key": self._api_key}
        )
        self._raise_for_status(response)
        items = response.json()
        if not isinstance(items, list):
            raise SantralInvalidResponseError(
                "Bulutsantralim /queues/pending is not a list"
            )
        joined: dict[str, list[datetime]] = {number: [] for number in queues}
        for item in items:
            if not isinstance(item, dict) or item.get("queue_number") is None:
                continue
            moment = _unix_moment(item.get("joined_at"), now)
            joined.setdefault(str(item["queue_number"]), []).append(moment)
        return {
            number: Queue(
                number,
                queues[number].name if number in queues else None,
                tuple(sorted(moments)),
            )
            for number, moments in joined.items()
        }

    async def async_get_agent_statuses(self) -> dict[str, Agent]:
        """Return each queue agent's status, from the one `/agent_statuses` list.

        The PBX allows the request twice a minute; a 429 holds further requests back as
        long as it says.
        """
        self._agent_limiter.acquire()
        try:
            response = await self._request(
                "GET", "/agent_statuses", params={"key": self._api_key}
            )
        except SantralRateLimitedError as err:
            self._agent_limiter.block(err.retry_after)
            raise
        self._raise_for_status(response)
        items = response.json()
        if not isinstance(items, list):
            raise SantralInvalidResponseError(
                "Bulutsantralim /agent_statuses is not a list"
            )
        return {
            str(item["agent"]): Agent(
                str(item["agent"]),
                AGENT_STATUSES.get(str(item.get("status", "")).upper()),
                tuple(str(queue) for queue in _listed(item.get("queues"))),
                str(item["break_description"])
                if item.get("break_description")
                else None,
            )
            for item in items
            if isinstance(item, dict) and item.get("agent") is not None
        }


def _listed(value: Any) -> list[Any]:
    """Return `value` if it is a list, else nothing (a missing or malformed field)."""
    return value if isinstance(value, list) else []


def _unix_moment(value: Any, fallback: datetime) -> datetime:
    """Read unix seconds given as text (`"1624947819"`) or a number; `fallback` if neither."""
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except TypeError, ValueError, OverflowError, OSError:
        return fallback


def _form_escaped(encoded: bytes) -> bytes:
    """Percent-encode base64 for a form as `quote_plus` would, at the speed of `replace`.

    Of base64's alphabet only `+`, `/` and `=` are not safe in a form value.
    """
    return encoded.replace(b"+", b"%2B").replace(b"/", b"%2F").replace(b"=", b"%3D")


def _fax_record(item: dict[str, Any]) -> FaxRecord:
    """Read one FDR; `success` is a real boolean here and `pages_count` reads "2 / 2"."""
    if not item.get("call_uuid"):
        raise SantralInvalidResponseError("Bulutsantralim FDR without call_uuid")
    inbound = str(item.get("direction", "")).strip().lower().startswith("gelen")
    success = parse_bool(item.get("success"))
    if inbound:
        status = FaxStatus.RECEIVED if success else FaxStatus.FAILED
    else:
        status = FaxStatus.SENT if success else FaxStatus.FAILED
    caller = normalize_number(item.get("caller_id_number"))
    destination = normalize_number(item.get("original_destination"))
    pages = str(item.get("pages_count", "")).split("/")[0].strip()
    return FaxRecord(
        fax_id=str(item["call_uuid"]),
        direction=FaxDirection.INBOUND if inbound else FaxDirection.OUTBOUND,
        status=status,
        remote=caller if inbound else destination,
        local=destination if inbound else caller,
        pages=int(pages) if pages.isdigit() else None,
        created=parse_datetime(item.get("start_stamp")),
        subject=str(item["local_station_header"])
        if item.get("local_station_header")
        else None,
    )


def _fax_order(item: dict[str, Any]) -> FaxRecord:
    """Read one waiting fax order."""
    return FaxRecord(
        fax_id=f"order-{item.get('id')}",
        direction=FaxDirection.OUTBOUND,
        status=FaxStatus.QUEUED,
        remote=normalize_number(item.get("remote_station_id")),
        local=normalize_number(item.get("local_station_id")),
        created=parse_datetime(item.get("created_at")),
    )


def _recording_link(body: str, now: datetime) -> RecordingLink:
    """Read the recording URL, given as plain text (official) or JSON (newer docs)."""
    if body.startswith("{"):
        try:
            data = json.loads(body)
        except ValueError as err:
            raise SantralInvalidResponseError(
                "Bulutsantralim recording answer is malformed"
            ) from err
        url = str(data.get("url") or "")
        expires = parse_datetime(data.get("expires_at")) or now + RECORDING_URL_LIFETIME
    else:
        url, expires = body, now + RECORDING_URL_LIFETIME
    if not url.startswith(("http://", "https://")):
        raise SantralInvalidResponseError("Bulutsantralim gave no recording URL")
    return RecordingLink(url, expires)


def _voicemail(item: dict[str, Any]) -> Voicemail:
    """Read one message of `/voicemail_messages`; `read_stamp` is set once it was heard."""
    received = bounds.stamp(item.get("start_stamp"), "start_stamp")
    if received is None:
        raise SantralInvalidResponseError(
            "Bulutsantralim voicemail without start_stamp"
        )
    read = item.get("read_stamp") not in (None, "")
    return Voicemail(
        voicemail_id=bounds.identifier(item.get("uuid"), "uuid"),
        extension=bounds.extension(item.get("user_number"), "user_number"),
        caller=bounds.party(item.get("caller_id_number"), "caller_id_number"),
        caller_name=bounds.text(item.get("caller_id_name"), "caller_id_name"),
        received=received,
        duration=bounds.call_seconds_or_zero(item.get("duration")),
        read=read,
    )


def _call_record(item: dict[str, Any]) -> CallRecord:
    """Read one Bulutsantralim CDR; its booleans are strings and its durations HH:MM:SS."""
    call_id = item.get("call_uuid")
    if not call_id:
        raise SantralInvalidResponseError("Bulutsantralim CDR without call_uuid")
    started, answered, ended = bounds.list_moments(
        item.get("start_stamp"),
        item.get("answer_stamp"),
        item.get("end_stamp"),
        ("start_stamp", "answer_stamp", "end_stamp"),
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
        call_id=bounds.identifier(call_id, "call_uuid"),
        direction=direction,
        caller=caller,
        callee=callee,
        extension=extension,
        started=started,
        answered=answered,
        ended=ended,
        duration=bounds.call_seconds_or_zero(item.get("duration")),
        talk_seconds=bounds.call_seconds_or_zero(item.get("talk_duration")),
        missed=parse_bool(item.get("missed")),
        recording_available=parse_bool(item.get("recording_present")),
        hangup_cause=str(item["result"]) if item.get("result") else None,
    )


def _create(
    session: aiohttp.ClientSession,
    credentials: Mapping[str, Any],
    base_url: str,
    limits: RateLimits,
) -> BulutsantralimClient:
    return BulutsantralimClient(
        session, api_key=credentials["api_key"], base_url=base_url, limits=limits
    )


DESCRIPTION = ProviderDescription(
    provider=Provider.BULUTSANTRALIM,
    name="Bulutsantralim",
    manufacturer="Verimor",
    panel_url="https://oim.verimor.com.tr",
    credentials_url="https://oim.verimor.com.tr/switch/domain/edit",
    default_base_url=BULUTSANTRALIM_BASE_URL,
    account_interval=timedelta(minutes=30),
    fax_types=frozenset({"pdf", "jpeg", "jpg", "png", "tiff", "tif"}),
    credential_forms={"bulutsantralim": ("api_key",)},
    client=BulutsantralimClient,
    create=_create,
)
