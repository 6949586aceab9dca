"""Bulutfon API v1 client (https://api.bulutfon.com).

Credentials travel in the query string (`access_token`, or `email` and `password`), errors come
as JSON objects with an `error` key, and numbers come as JSON integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
import hashlib
import json
from typing import Any
from urllib.parse import quote

import aiohttp

from . import bounds, bulutfon_alerts
from .client import (
    DEFAULT_TIMEOUT,
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
    SantralWebhookError,
)
from .models import (
    PBX_CAPABILITIES,
    Account,
    AlertSound,
    CallAlert,
    CallDirection,
    CallFlow,
    CallRecord,
    CallRecordPage,
    Capability,
    Document,
    Extension,
    FaxDirection,
    FaxFile,
    FaxRecord,
    FaxStatus,
    PbxState,
    Provider,
    RecordingLink,
)
from .paging import BUSY_CALLS_PER_HOUR, Page, PagedList, pagination_number
from .phone import MAX_SHORT_NUMBER_LENGTH, normalize_number, to_provider_number
from .ratelimit import RateLimits
from .records import RecordReader
from .timeparse import parse_bool, parse_datetime

BULUTFON_BASE_URL = "https://api.bulutfon.com"
TOKEN_EXPIRED = "Token expired"
CDR_PAGE_SIZE = 100
DIRECTIONS = {"IN": CallDirection.INBOUND, "OUT": CallDirection.OUTBOUND}
RECIPIENT_STATES = {"SENT": FaxStatus.SENT, "FAILED": FaxStatus.FAILED}
# `call_record` of a call whose recording exists; older answers said it in Turkish.
RECORDED = frozenset({"YES", "VAR"})
# `call_flow` steps that reach an extension: the connecting one names it as its `callee`,
# the redirecting one as its `redirection_target`.
TO_EXTENSION = {
    "CONNECTING_TO_EXTENSION": "callee",
    "REDIRECTED_TO_EXTENSION": "redirection_target",
}


class BulutfonClient(ProviderClient):
    """Talks to Bulutfon with a master token or an e-mail and password."""

    provider = Provider.BULUTFON
    capabilities = PBX_CAPABILITIES | {
        Capability.WEBHOOK_AUTH,
        Capability.CALL_FLOW,
        Capability.CALL_ALERT,
    }
    reports_by_webhook = False

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        token: str | None = None,
        email: str | None = None,
        password: str | None = None,
        base_url: str = BULUTFON_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Use the master token when given, else the e-mail and password."""
        if not token and not (email and password):
            raise ValueError("Bulutfon needs a token or an e-mail and password")
        super().__init__(session, base_url, timeout=timeout)
        self._token = token
        self._email = email
        self._password = password
        self._cdrs = PagedList(
            "Bulutfon /cdrs", per_hour=BUSY_CALLS_PER_HOUR, page_size=CDR_PAGE_SIZE
        )
        self._read_cdrs = RecordReader("Bulutfon /cdrs", _call_record)
        self._read_incoming = RecordReader("Bulutfon /incoming-faxes", _incoming_fax)
        self._read_outgoing = RecordReader(
            "Bulutfon /outgoing-faxes",
            lambda pair: _outgoing_fax(pair["item"], pair["detail"]),
            lambda pair: pair["item"],
        )
        # Sent faxes whose every recipient has a final state, by id: their detail cannot
        # change, so it is not read again. Only those of the last listed window are kept.
        self._settled: dict[str, FaxRecord] = {}
        # The PBX number alerts are placed from when the caller names none (`/dids`).
        self._did: str | None = None

    def _secrets(self) -> Iterable[str]:
        return (value for value in (self._token, self._password) if value)

    def _auth_params(self) -> dict[str, str]:
        if self._token:
            return {"access_token": self._token}
        assert self._email is not None and self._password is not None
        return {"email": self._email, "password": self._password}

    async def _get(
        self, path: str, params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        response = await self._request(
            "GET", path, params={**(params or {}), **self._auth_params()}
        )
        self._raise_for_status(response)
        return response.json_object()

    def _raise_for_status(self, response: Response) -> None:
        if response.ok:
            return
        message = self._error_message(response)
        if response.status in (401, 403) or message == TOKEN_EXPIRED:
            raise SantralAuthenticationError(
                f"Bulutfon rejected the credentials (HTTP {response.status}: {message})"
            )
        raise SantralProviderError(message, response.status)

    def _error_message(self, response: Response) -> str:
        try:
            body = response.json()
        except SantralInvalidResponseError:
            body = None
        if isinstance(body, dict) and body.get("error"):
            return self.scrub(str(body["error"]))
        return self.scrub(response.text())[:200] or f"HTTP {response.status}"

    async def async_get_account(self) -> Account:
        """Read `/me`: the PBX and its credit."""
        data = await self._get("/me")
        pbx = data.get("pbx")
        credit = data.get("credit")
        if not isinstance(pbx, dict) or not isinstance(credit, dict):
            raise SantralInvalidResponseError(
                "Bulutfon /me lacks the pbx or credit object"
            )
        identifier = pbx.get("url") or pbx.get("name")
        if not identifier:
            raise SantralInvalidResponseError("Bulutfon /me names no PBX")
        return Account(
            identifier=str(identifier),
            name=str(identifier),
            balance=_decimal(credit.get("balance")),
            currency="TRY",
            pbx_state=_pbx_state(pbx.get("state")),
            package=str(pbx["package"]) if pbx.get("package") else None,
        )

    async def async_get_extensions(self) -> dict[str, Extension]:
        """Read `/extensions`, keyed by number; Bulutfon reports no presence there.

        Items without a usable number are skipped, so one odd entry does not hide the rest.
        """
        items = (await self._get("/extensions")).get("extensions")
        if not isinstance(items, list):
            raise SantralInvalidResponseError(
                "Bulutfon /extensions lacks the extensions list"
            )
        extensions = (_extension(item) for item in items if isinstance(item, dict))
        return {
            extension.number: extension
            for extension in extensions
            if extension is not None
        }

    async def async_get_call_records(
        self, *, page: int = 1, limit: int = CDR_PAGE_SIZE
    ) -> CallRecordPage:
        """Read one page of the last month's calls, newest first (faxes left out)."""
        result = await self._cdr_page(page, limit)
        return CallRecordPage(list(result.items), result.has_next)

    async def _cdr_page(
        self, page: int, limit: int = CDR_PAGE_SIZE
    ) -> Page[CallRecord]:
        """Read one page of `/cdrs`; another follows while `next_page` names one.

        `total_pages`, when given, has the last word: a page at or past it is the last.
        """
        data = await self._get(
            "/cdrs",
            {
                "page": str(page),
                "limit": str(limit),
                "order": "call_time,desc",
                "time_limit": "month",
            },
        )
        items = data.get("cdrs")
        pagination = data.get("pagination") or {}
        if not isinstance(items, list) or not isinstance(pagination, dict):
            raise SantralInvalidResponseError("Bulutfon /cdrs lacks the cdrs list")
        entries = [item for item in items if isinstance(item, dict)]
        records = self._read_cdrs(
            item for item in entries if item.get("bf_calltype", "voice") == "voice"
        )
        total_pages = pagination_number(pagination.get("total_pages"))
        has_next = bool(pagination.get("next_page")) and (
            total_pages is None or page < total_pages
        )
        return Page(
            records,
            [str(item.get("uuid")) for item in entries],
            has_next,
            pagination_number(pagination.get("limit")),
        )

    async def async_get_call_flow(self, call_id: str) -> CallFlow:
        """Read one call's record, `GET /cdrs/{uuid}`, for the steps it went through.

        The list leaves them out: only the detail's `call_flow` says which extension of a
        menu or group answered, and which extensions a group rang.
        """
        cdr = (await self._get(f"/cdrs/{quote(call_id, safe='')}")).get("cdr")
        if not isinstance(cdr, dict):
            raise SantralInvalidResponseError(
                "Bulutfon /cdrs/{uuid} lacks the cdr object"
            )
        return _call_flow(cdr.get("call_flow"))

    async def async_get_calls_since(self, since: datetime) -> list[CallRecord]:
        """Return the calls that started at or after `since`, newest first.

        Bulutfon v1 has no date filter, so pages are read newest first until one reaches
        back past `since`, within the cap the window allows.
        """
        records = await self._cdrs.read(
            self._cdr_page,
            since=since,
            until=datetime.now(UTC),
            key=lambda record: record.call_id,
            reached_start=lambda page: any(r.started < since for r in page),
        )
        return [record for record in records if record.started >= since]

    async def async_get_faxes_since(self, since: datetime) -> list[FaxRecord]:
        """Return received faxes and sent faxes created from `since`.

        The lists have no date filter or paging in v1. A sent fax's recipients' states are
        only in its detail, so each sent fax of the window is read in detail until every
        recipient has a final state; after that its record is kept and the detail is not
        asked for again.
        """
        incoming = (await self._get("/incoming-faxes")).get("incoming_faxes")
        outgoing = (await self._get("/outgoing-faxes")).get("faxes")
        if not isinstance(incoming, list) or not isinstance(outgoing, list):
            raise SantralInvalidResponseError("Bulutfon fax lists are malformed")
        records = self._read_incoming(
            item for item in incoming if isinstance(item, dict)
        )
        settled: dict[str, FaxRecord] = {}
        for item in outgoing:
            if not isinstance(item, dict) or item.get("id") is None:
                continue
            created = parse_datetime(item.get("created_at"))
            if created is not None and created < since:
                continue
            fax_id = str(item["id"])
            if (known := self._settled.get(fax_id)) is not None:
                settled[fax_id] = known
                records.append(known)
                continue
            for record in await self._read_sent_fax(item):
                if record.status is not FaxStatus.QUEUED:
                    settled[fax_id] = record
                records.append(record)
        self._settled = settled
        return [
            record
            for record in records
            if record.created is None or record.created >= since
        ]

    async def _read_sent_fax(self, item: dict[str, Any]) -> list[FaxRecord]:
        """Read a sent fax's detail; return its record, or none if it cannot be read."""
        detail = (
            await self._get(f"/outgoing-faxes/{quote(str(item['id']), safe='')}")
        ).get("fax")
        return self._read_outgoing(
            [{"item": item, "detail": detail if isinstance(detail, dict) else None}]
        )

    async def async_download_fax(self, fax_id: str) -> Document:
        """Return a received fax's TIFF."""
        response = await self._request(
            "GET",
            f"/incoming-faxes/{quote(fax_id, safe='')}",
            params=self._auth_params(),
        )
        self._raise_for_status(response)
        if not response.body:
            raise SantralInvalidResponseError("Bulutfon sent an empty fax document")
        return Document(response.body, response.content_type or "image/tiff")

    def prepare_fax(
        self,
        recipients: Sequence[str],
        files: Sequence[FaxFile],
        *,
        sender: str | None,
        subject: str | None,
    ) -> list[PreparedRequest]:
        """Build one JSON body per file (Bulutfon takes one attachment a fax). CPU-bound.

        The attachment is Bulutfon's own `data:<mime>;name:<file>;base64:<data>` form.
        """
        if not sender:
            raise ValueError("Bulutfon needs the sending number (did)")
        receivers = ",".join(to_provider_number(number) for number in recipients)
        requests = []
        for file in files:
            # Only the small fields go through json.dumps. Its closing `"}` is cut off, so
            # the attachment's string stays open after its prefix for the base64 (which
            # needs no escaping) and the closing part that follows it.
            head = json.dumps(
                {
                    "title": subject or file.name,
                    "receivers": receivers,
                    "did": to_provider_number(sender),
                    "attachment": f"data:{file.content_type};name:{file.name};base64:",
                }
            )[:-2]
            parts = (head.encode(), *base64_slices(file.content), b'"}')
            requests.append(
                PreparedRequest("/outgoing-faxes", parts, "application/json")
            )
        return requests

    async def async_send_fax(
        self, requests: Sequence[PreparedRequest]
    ) -> list[FaxRecord]:
        """Send prepared requests; return the faxes Bulutfon created."""
        records: list[FaxRecord] = []
        for request in requests:
            response = await self._upload(request, self._auth_params())
            self._raise_for_status(response)
            fax = response.json_object().get("fax")
            if isinstance(fax, dict) and fax.get("id") is not None:
                records.append(_outgoing_fax(fax, None))
        return records

    async def async_originate(
        self,
        extension: str,
        destination: str,
        *,
        caller_id: str | None = None,
        manual_answer: bool = False,
        timeout: int | None = None,
    ) -> str | None:
        """Call `destination` from the PBX number `caller_id`, then bridge it to `extension`.

        `extension` may be a menu (2 digits), a group (3) or an extension (4). Bulutfon
        names no call id in its answer, so None is returned.
        """
        if not caller_id:
            raise ValueError("Bulutfon needs the PBX number to call from (caller)")
        params = {
            **self._auth_params(),
            "caller": to_provider_number(caller_id),
            "callee": to_provider_number(destination),
            "destination": extension,
        }
        if timeout is not None:
            params["timeout"] = str(timeout)
        response = await self._request("POST", "/call_and_bridge", params=params)
        self._raise_for_status(response)
        data = response.json_object()
        if data.get("success") is False:
            raise SantralProviderError(
                self.scrub(str(data.get("message") or "call refused")), response.status
            )
        return None

    async def async_create_call_alert(
        self,
        numbers: Sequence[str],
        sound: AlertSound,
        *,
        title: str,
        sender: str | None = None,
        report_url: str | None = None,
    ) -> str:
        """Start an automatic call to `numbers` playing the audio at `sound.url`.

        Without `sender` the calls come from the PBX's first number in `/dids`. `title`
        must be unique: when Bulutfon's answer names no id, the campaign is found by it.
        Outcomes are read from the campaign, so `report_url` is not used.
        """
        did = sender or await self._default_did()
        body = bulutfon_alerts.alert_body(
            [to_provider_number(number) for number in numbers],
            sound.url,
            title=title,
            did=to_provider_number(did),
            gather=True,
        )
        response = await self._request(
            "POST",
            bulutfon_alerts.AUTOMATIC_CALLS_PATH,
            params=self._auth_params(),
            json_body=body,
        )
        self._raise_for_status(response)
        if (alert_id := bulutfon_alerts.created_id(response.json_object())) is None:
            listing = await self._get(bulutfon_alerts.AUTOMATIC_CALLS_PATH)
            alert_id = bulutfon_alerts.find_by_title(listing, title)
        if alert_id is None:
            raise SantralInvalidResponseError(
                "Bulutfon did not list the automatic call it accepted"
            )
        return alert_id

    async def async_get_call_alert(self, alert_id: str) -> CallAlert:
        """Read an automatic call's recipients: called, answered, the key pressed."""
        detail = await self._get(
            f"{bulutfon_alerts.AUTOMATIC_CALLS_PATH}/{quote(alert_id, safe='')}"
        )
        return bulutfon_alerts.call_alert(alert_id, detail)

    def read_call_alert_report(self, fields: Mapping[str, Any]) -> CallAlert | None:
        """Bulutfon posts no reports: outcomes are read from the campaign."""
        raise SantralWebhookError("Bulutfon posts no call alert reports")

    async def async_end_call_alert(self, alert_id: str) -> None:
        """Keep the campaign: Bulutfon's panel lists it with its outcomes."""

    async def _default_did(self) -> str:
        """Return the PBX number alerts come from when none is named (read once)."""
        if self._did is None:
            self._did = bulutfon_alerts.first_did(await self._get("/dids"))
        if self._did is None:
            raise ValueError("Bulutfon lists no PBX number to call from")
        return self._did

    async def async_get_recording_url(self, call_id: str) -> RecordingLink:
        """Return the recording's URL with the hashed token sha1(token + uuid), never the token.

        Only the master token can be hashed: with e-mail and password there is no safe URL.
        The call's record is read first, so an unknown call or one without a recording is
        Bulutfon's refusal rather than a link that leads nowhere.
        """
        if not self._token:
            raise ValueError("Bulutfon recording URLs need the master token")
        cdr = (await self._get(f"/cdrs/{quote(call_id, safe='')}")).get("cdr")
        recorded = str(cdr.get("call_record", "") if isinstance(cdr, dict) else "")
        recorded = recorded.upper()
        if recorded not in RECORDED:
            raise SantralProviderError(
                f"the call has no recording (call_record {recorded or 'missing'})"
            )
        digest = hashlib.sha1(
            (self._token + call_id).encode(), usedforsecurity=False
        ).hexdigest()
        return RecordingLink(
            f"{self._base_url}/call-records/{quote(call_id, safe='')}?access_token={digest}",
            None,
        )

    async def async_download_recording(self, call_id: str) -> Document:
        """Fetch the call's recording (Ogg Vorbis, as Bulutfon serves it)."""
        response = await self._request(
            "GET",
            f"/call-records/{quote(call_id, safe='')}",
            params=self._auth_params(),
        )
        self._raise_for_status(response)
        if not response.body:
            raise SantralInvalidResponseError("Bulutfon sent an empty recording")
        return Document(response.body, response.content_type or "audio/ogg")


def _incoming_fax(item: dict[str, Any]) -> FaxRecord:
    if not item.get("uuid"):
        raise SantralInvalidResponseError("Bulutfon incoming fax without uuid")
    return FaxRecord(
        fax_id=str(item["uuid"]),
        direction=FaxDirection.INBOUND,
        status=FaxStatus.RECEIVED,
        remote=normalize_number(item.get("sender")),
        local=normalize_number(item.get("receiver")),
        created=parse_datetime(item.get("created_at")),
    )


def _outgoing_fax(item: dict[str, Any], detail: dict[str, Any] | None) -> FaxRecord:
    """Read a sent fax; its status is that of its recipients (queued while any waits)."""
    recipients = (detail or {}).get("recipients")
    states = [
        RECIPIENT_STATES.get(str(recipient.get("state", "")).upper(), FaxStatus.QUEUED)
        for recipient in recipients or []
        if isinstance(recipient, dict)
    ]
    if not states or FaxStatus.QUEUED in states:
        status = FaxStatus.QUEUED
    elif all(state is FaxStatus.SENT for state in states):
        status = FaxStatus.SENT
    else:
        status = FaxStatus.FAILED
    first = (recipients or [{}])[0] if isinstance(recipients, list) else {}
    return FaxRecord(
        fax_id=str(item["id"]),
        direction=FaxDirection.OUTBOUND,
        status=status,
        remote=normalize_number(
            first.get("number") if isinstance(first, dict) else None
        ),
        local=normalize_number(item.get("did")),
        created=parse_datetime(item.get("created_at")),
        subject=str(item["title"]) if item.get("title") else None,
    )


def _call_record(item: dict[str, Any]) -> CallRecord:
    """Read one Bulutfon CDR, in either documented shape.

    The 2015 document sends `extension` and `call_price` as JSON numbers and `call_record`
    as `Var`/`Yok`; the later one sends them as strings, `YES`/`NO`/`REMOVED`, and adds
    `missing_call`. Both name the calling extension of an outbound call by its full
    number (`908508850249`): that number is kept, as E.164, since neither list says which
    short extension it belongs to.
    """
    call_id = item.get("uuid")
    if not call_id:
        raise SantralInvalidResponseError("Bulutfon CDR without uuid")
    started, answered, ended = bounds.list_moments(
        item.get("call_time"),
        item.get("answer_time"),
        item.get("hangup_time"),
        ("call_time", "answer_time", "hangup_time"),
    )
    direction = DIRECTIONS.get(
        str(item.get("direction", "")).upper(), CallDirection.INTERNAL
    )
    extension = _call_extension(item.get("extension"))
    missed = parse_bool(item.get("missing_call")) or (
        answered is None and direction is CallDirection.INBOUND
    )
    return CallRecord(
        call_id=bounds.identifier(call_id, "uuid"),
        direction=direction,
        caller=normalize_number(item.get("caller")),
        callee=normalize_number(item.get("callee")),
        extension=extension,
        started=started,
        answered=answered,
        ended=ended,
        duration=int((ended - started).total_seconds()) if ended else 0,
        talk_seconds=int((ended - answered).total_seconds())
        if ended and answered
        else 0,
        missed=missed,
        recording_available=str(item.get("call_record", "")).upper() in {"YES", "VAR"},
        hangup_cause=str(item["hangup_cause"]) if item.get("hangup_cause") else None,
        price=_price(item.get("call_price")),
    )


def _call_flow(steps: Any) -> CallFlow:
    """Read who answered a call, and who rang for it, from its `call_flow` steps.

    The last step that reached someone has the word: a group's origination whose result
    is ANSWERED, or an answered step connecting or redirected to an extension (unless the
    extension's own step then went unanswered). A group
    that rang names its extensions in its originations. Steps and fields of other shapes
    are passed over, so one odd step does not hide the rest.
    """
    if steps is None:
        return CallFlow(None)
    if not isinstance(steps, list):
        raise SantralInvalidResponseError("Bulutfon call_flow is not a list of steps")
    answered_by: str | None = None
    rang: list[str] = []
    for step in steps:
        if not isinstance(step, dict):
            continue
        legs = step.get("origination")
        for leg in legs if isinstance(legs, list) else []:
            if not isinstance(leg, dict):
                continue
            destination = _call_extension(leg.get("destination"))
            if destination is None:
                continue
            if destination not in rang:
                rang.append(destination)
            if str(leg.get("result", "")).upper() == "ANSWERED":
                answered_by = destination
        field = TO_EXTENSION.get(str(step.get("redirection", "")).upper())
        reached = _call_extension(step.get(field)) if field else None
        if reached is not None and step.get("answer_time"):
            answered_by = reached
        elif reached is not None and reached == answered_by:
            # The extension a step sent the call to did not pick up when it rang.
            answered_by = None
    return CallFlow(answered_by, tuple(rang))


def _call_extension(value: Any) -> str | None:
    """Return a CDR's extension: a short number as it is, a full number as E.164."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    number = normalize_number(value)
    if len(number) <= MAX_SHORT_NUMBER_LENGTH or number.startswith("+"):
        return number or None
    return None


def _price(value: Any) -> Decimal | None:
    """Return a call's price, given as a JSON number or as text; None when unreadable."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return price if price.is_finite() else None


def _extension(item: dict[str, Any]) -> Extension | None:
    """Read one extension; its number comes as a JSON integer or as text."""
    raw = item.get("number")
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        return None
    number = str(raw).strip()
    if not number.isascii() or not number.isdigit():
        return None
    name = item.get("caller_name")
    name = name.strip() if isinstance(name, str) else None
    return Extension(number, name or None)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as err:
        raise SantralInvalidResponseError(
            f"Bulutfon balance {value!r} is not a number"
        ) from err


def _pbx_state(value: Any) -> PbxState | None:
    if value is None:
        return None
    try:
        return PbxState(str(value).lower())
    except ValueError:
        return PbxState.UNKNOWN


def _create(
    session: aiohttp.ClientSession,
    credentials: Mapping[str, Any],
    base_url: str,
    limits: RateLimits,
) -> BulutfonClient:
    """Build the client; Bulutfon documents no request limits, so `limits` goes unused."""
    return BulutfonClient(
        session,
        token=credentials.get("access_token"),
        email=credentials.get("email"),
        password=credentials.get("password"),
        base_url=base_url,
    )


DESCRIPTION = ProviderDescription(
    provider=Provider.BULUTFON,
    name="Bulutfon",
    manufacturer="Bulutfon",
    panel_url="https://oim.bulutfon.com",
    credentials_url="https://oim.bulutfon.com/account/pbx-settings/general-settings",
    default_base_url=BULUTFON_BASE_URL,
    account_interval=timedelta(minutes=5),
    fax_types=frozenset({"pdf", "jpeg", "jpg", "png", "tiff", "tif"}),
    credential_forms={
        "bulutfon_token": ("access_token",),
        "bulutfon_login": ("email", "password"),
    },
    client=BulutfonClient,
    create=_create,
)
