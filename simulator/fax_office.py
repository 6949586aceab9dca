"""Faxes arriving and settling: what the fax machines on the far side make happen.

A received fax is filed with a document in the provider's format (a TIFF for Bulutfon, a
PDF for the others); on Bulutfon it also posts `fax_init` to the webhook, if one is set,
with the fax's uuid, so a client can fetch the fax the event announced.
"""

from __future__ import annotations

from datetime import datetime

from . import documents
from .calls import (
    ISTANBUL,
    WebhookEvent,
    choose,
    international,
    microseconds,
    random_external_number,
)
from .faxes import FAX_OUTCOMES, FAX_PROVIDERS, SimulatedFax
from .switchboard import Switchboard


def fax_init_event(
    fax: SimulatedFax, *, domain_id: int, account_id: int
) -> WebhookEvent:
    """Return Bulutfon's `fax_init` post: only the fields every event carries (§1.10)."""
    fields: dict[str, str | int] = {
        "event_type": "fax_init",
        "domain_id": domain_id,
        "account_id": account_id,
        "caller": int(fax.remote),
        "callee": int(fax.local),
        "uuid": fax.uuid,
        "direction": "IN",
        "timestamp": microseconds(fax.started),
    }
    return WebhookEvent("fax_init", fax.started, fields)


class FaxOffice:
    """Receive and settle faxes for the providers of one simulator state."""

    def __init__(self, switchboard: Switchboard) -> None:
        """Work on the switchboard's state and post through it."""
        self.switchboard = switchboard
        self.state = switchboard.state

    def _local_number(self, provider: str) -> str:
        if provider == "bulutfon":
            return self.state.bulutfon.did
        if provider == "bulutsantralim":
            return self.state.bulutsantralim.did
        return self.state.telsam.did

    async def receive(
        self,
        provider: str,
        *,
        sender: str | None = None,
        pages: int = 1,
        at: datetime | None = None,
    ) -> SimulatedFax:
        """File a fax that arrived at `at` (default now) from `sender` (default random).

        Raises ValueError on an unknown provider or fewer than one page.
        """
        book = self.state.fax_book(provider)
        if isinstance(pages, bool) or not isinstance(pages, int) or pages < 1:
            raise ValueError("pages must be a whole number of at least 1")
        if provider == "bulutfon":
            document, document_type = documents.tiff(pages), documents.TIFF
        else:
            document, document_type = documents.pdf(pages), documents.PDF
        number = international(sender) if sender else None
        if number is not None and not number.isdigit():
            raise ValueError(f"sender must be a phone number, not {sender!r}")
        fax = book.receive(
            local=self._local_number(provider),
            sender=number or random_external_number(self.state.rng),
            pages=pages,
            document=document,
            document_type=document_type,
            rng=self.state.rng,
            at=at,
        )
        account = self.state.bulutfon
        if provider == "bulutfon" and account.webhook.url:
            event = fax_init_event(
                fax, domain_id=account.domain_id, account_id=account.account_id
            )
            fax.deliveries.append(await self.switchboard.deliver(provider, event))
        return fax

    def settle(
        self,
        provider: str,
        outcome: str = "success",
        fax_id: int | str | None = None,
    ) -> int:
        """Settle one pending sent fax (by id) or all of them; return how many settled."""
        choose(provider, FAX_PROVIDERS, "provider")
        choose(outcome, FAX_OUTCOMES, "outcome")
        book = self.state.fax_book(provider)
        book.settle_due(datetime.now(ISTANBUL))
        return book.settle(outcome, fax_id)
