"""Simulated faxes and the book each provider keeps of them.

One `SimulatedFax` is the single truth about a fax; each provider's routes render it in
their own words. Sent faxes wait until they settle: when a test or a person says so, or on
their own `settle_after` seconds after they were sent. Settling is worked out when the book
is read, so a fax settles at exactly `created + settle_after` without any timer running.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import random
from typing import Any, Literal, cast
import uuid as uuid_lib

from . import documents
from .calls import ISTANBUL, WebhookDelivery, choose

type FaxDirection = Literal["incoming", "outgoing"]
type FaxStatus = Literal["pending", "success", "failed"]

FAX_PROVIDERS: tuple[str, ...] = ("bulutfon", "bulutsantralim", "telsam")
FAX_OUTCOMES: tuple[str, ...] = ("success", "failed")
# A page takes about half a minute at 14400 bit/s, after some seconds of handshake.
HANDSHAKE_SECONDS = 12
PAGE_SECONDS = 28
# A failed fax rang out once and was retried once.
FAILED_SECONDS = 30
FAILED_ATTEMPTS = 2


@dataclass(slots=True)
class Attachment:
    """One file a client sent, decoded; `mime` is what it declared or what it looks like."""

    mime: str
    content: bytes
    name: str | None = None


def new_uuid(rng: random.Random) -> str:
    """Return a version 4 UUID drawn from `rng`, so seeded runs repeat."""
    return str(uuid_lib.UUID(int=rng.getrandbits(128), version=4))


@dataclass(slots=True)
class SimulatedFax:
    """One fax: received from one number, or sent to one or more (`remotes`).

    `id` is what the provider calls the fax by: a number, except for faxes Bulutfon and
    Bulutsantralim received, which go by their call uuid. `local` is the account's own
    number; every remote number has its own call uuid. `document` is what a download
    returns, of media type `document_type`.
    """

    id: int | str
    direction: FaxDirection
    local: str
    remotes: list[str]
    call_uuids: list[str]
    pages: int
    created: datetime
    document: bytes
    document_type: str
    subject: str | None = None
    header: str = ""
    status: FaxStatus = "pending"
    settled: datetime | None = None
    attachments: list[Attachment] = field(default_factory=list)
    deliveries: list[WebhookDelivery] = field(default_factory=list)
    sequence: int = 0

    @property
    def uuid(self) -> str:
        """Return the call uuid of the first remote number, the fax's own for one-to-one faxes."""
        return self.call_uuids[0]

    @property
    def remote(self) -> str:
        """Return the sender of a received fax, or the first recipient of a sent one."""
        return self.remotes[0]

    @property
    def pending(self) -> bool:
        """Return whether the fax still waits to be sent."""
        return self.status == "pending"

    @property
    def attempts(self) -> int:
        """Return how many calls the fax took: none yet, one, or a retry after a failure."""
        if self.pending:
            return 0
        return FAILED_ATTEMPTS if self.status == "failed" else 1

    @property
    def duration_seconds(self) -> int:
        """Return how long the last call of the fax lasted."""
        if self.status == "failed":
            return FAILED_SECONDS
        return HANDSHAKE_SECONDS + PAGE_SECONDS * self.pages

    @property
    def ended(self) -> datetime:
        """Return when the last call ended: on arrival, or when a sent fax settled."""
        return self.settled or self.created

    @property
    def started(self) -> datetime:
        """Return when the last call of the fax began."""
        return self.ended - timedelta(seconds=self.duration_seconds)

    def as_dict(self) -> dict[str, Any]:
        """Return the fax for the control API's answer."""
        return {
            "id": self.id,
            "uuid": self.uuid,
            "direction": self.direction,
            "local": self.local,
            "remotes": self.remotes,
            "pages": self.pages,
            "subject": self.subject,
            "status": self.status,
            "created": self.created.isoformat(),
            "settled": self.settled.isoformat() if self.settled else None,
            "webhooks": [delivery.as_dict() for delivery in self.deliveries],
        }


MADE_UP_ID_BASE = 900_000_000


def made_up_faxes(local: str, page: int, count: int) -> list[SimulatedFax]:
    """Return `count` faxes that just arrived, for a page of a list without end.

    Their ids (numbers far above the real ones) and uuids follow from `page` and their
    place on it, so each page has faxes of its own and reading it again gives the same.
    """
    now = datetime.now(ISTANBUL)
    faxes = []
    for index in range(count):
        name = f"fax/page-{page}/fax-{index}"
        call_uuid = str(uuid_lib.uuid5(uuid_lib.NAMESPACE_URL, name))
        created = now - timedelta(seconds=index)
        faxes.append(
            SimulatedFax(
                id=MADE_UP_ID_BASE + page * 1000 + index,
                direction="incoming",
                local=local,
                remotes=[f"90532{page % 1000:03d}{index:04d}"],
                call_uuids=[call_uuid],
                pages=1,
                created=created,
                document=b"",
                document_type=documents.PDF,
                status="success",
                settled=created,
            )
        )
    return faxes


def outgoing_document(attachments: list[Attachment], pages: int) -> bytes:
    """Return the PDF a sent fax downloads as: the PDF sent, or one of as many pages."""
    if len(attachments) == 1 and attachments[0].mime == documents.PDF:
        return attachments[0].content
    return documents.pdf(pages)


@dataclass(slots=True)
class FaxBook:
    """The faxes of one account, newest first, and the files its clients sent.

    `sent_documents` holds every file a send request carried, decoded, in order of arrival.
    With `settle_after` set, a pending fax settles as `settle_outcome` that many seconds
    after it was sent. With `incoming_by_uuid`, received faxes go by their call uuid.
    """

    next_id: int = 1
    incoming_by_uuid: bool = False
    faxes: list[SimulatedFax] = field(default_factory=list)
    sent_documents: list[bytes] = field(default_factory=list)
    settle_after: float | None = None
    settle_outcome: FaxStatus = "success"

    def _take_id(self) -> int:
        fax_id = self.next_id
        self.next_id += 1
        return fax_id

    def _add(self, fax: SimulatedFax) -> SimulatedFax:
        fax.sequence = len(self.faxes)
        self.faxes.append(fax)
        self.faxes.sort(key=lambda item: (item.created, item.sequence), reverse=True)
        return fax

    def receive(
        self,
        *,
        local: str,
        sender: str,
        pages: int,
        document: bytes,
        document_type: str,
        rng: random.Random,
        at: datetime | None = None,
    ) -> SimulatedFax:
        """File a fax that arrived at `at` (default now), complete and successful."""
        if pages < 1:
            raise ValueError("pages must be at least 1")
        created = (at or datetime.now(ISTANBUL)).astimezone(ISTANBUL)
        call_uuid = new_uuid(rng)
        return self._add(
            SimulatedFax(
                id=call_uuid if self.incoming_by_uuid else self._take_id(),
                direction="incoming",
                local=local,
                remotes=[sender],
                call_uuids=[call_uuid],
                pages=pages,
                created=created,
                document=document,
                document_type=document_type,
                status="success",
                settled=created,
            )
        )

    def send(
        self,
        *,
        local: str,
        remotes: list[str],
        attachments: list[Attachment],
        rng: random.Random,
        subject: str | None = None,
        header: str = "",
    ) -> SimulatedFax:
        """File a fax a client just sent to `remotes`; it waits until it settles."""
        pages = sum(documents.page_count(item.content) for item in attachments)
        return self._add(
            SimulatedFax(
                id=self._take_id(),
                direction="outgoing",
                local=local,
                remotes=list(remotes),
                call_uuids=[new_uuid(rng) for _ in remotes],
                pages=max(1, pages),
                created=datetime.now(ISTANBUL),
                document=outgoing_document(attachments, pages),
                document_type=documents.PDF,
                subject=subject,
                header=header,
                attachments=list(attachments),
            )
        )

    def keep_sent(self, attachments: list[Attachment]) -> None:
        """Remember the decoded files of one send request."""
        self.sent_documents.extend(item.content for item in attachments)

    def incoming(self) -> list[SimulatedFax]:
        """Return the received faxes, newest first."""
        return [fax for fax in self.faxes if fax.direction == "incoming"]

    def outgoing(self) -> list[SimulatedFax]:
        """Return the sent faxes, newest first."""
        return [fax for fax in self.faxes if fax.direction == "outgoing"]

    def pending(self) -> list[SimulatedFax]:
        """Return the sent faxes still waiting, newest first."""
        return [fax for fax in self.faxes if fax.pending]

    def find(self, fax_id: int | str) -> SimulatedFax | None:
        """Return the fax with this id, or None."""
        return next((fax for fax in self.faxes if str(fax.id) == str(fax_id)), None)

    def find_uuid(self, call_uuid: str) -> SimulatedFax | None:
        """Return the fax one of whose calls has this uuid, or None."""
        return next((fax for fax in self.faxes if call_uuid in fax.call_uuids), None)

    def settle(
        self,
        outcome: str = "success",
        fax_id: int | str | None = None,
        *,
        at: datetime | None = None,
    ) -> int:
        """Settle one pending fax (by id) or all of them; return how many settled."""
        status = cast("FaxStatus", choose(outcome, FAX_OUTCOMES, "outcome"))
        moment = at or datetime.now(ISTANBUL)
        settled = 0
        for fax in self.pending():
            if fax_id is not None and str(fax.id) != str(fax_id):
                continue
            fax.status = status
            fax.settled = max(moment, fax.created)
            settled += 1
        return settled

    def settle_due(self, now: datetime | None = None) -> int:
        """Settle the faxes whose `settle_after` has passed, at the moment it passed."""
        if self.settle_after is None:
            return 0
        now = now or datetime.now(ISTANBUL)
        wait = timedelta(seconds=self.settle_after)
        due = [fax for fax in self.pending() if fax.created + wait <= now]
        for fax in due:
            self.settle(self.settle_outcome, fax.id, at=fax.created + wait)
        return len(due)


def decode_base64(text: str) -> bytes:
    """Return the bytes of strict base64 text; line breaks are let through, nothing else.

    Raises ValueError on any other character, bad padding or an empty result.
    """
    content = base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)
    if not content:
        raise ValueError("empty file")
    return content
