"""Faxes arriving and settling: what the fax machines on the far side make happen.

A received fax is filed with a document in the provider's format (a TIFF for Bulutfon, a
PDF for the others), then announced as the provider's line says: on Bulutfon a `fax_init`
post to the webhook, if one is set, with the fax's uuid, so a client can fetch the fax the
event announced.
"""

from __future__ import annotations

from datetime import datetime

from . import documents
from .calls import ISTANBUL, choose, international, random_external_number
from .faxes import FAX_OUTCOMES, FAX_PROVIDERS, SimulatedFax
from .switchboard import Switchboard


class FaxOffice:
    """Receive and settle faxes for the providers of one simulator state."""

    def __init__(self, switchboard: Switchboard) -> None:
        """Work on the switchboard's state and post through it."""
        self.switchboard = switchboard
        self.state = switchboard.state

    async def receive(
        self,
        provider: str,
        *,
        sender: str | None = None,
        pages: int = 1,
        at: datetime | None = None,
    ) -> SimulatedFax:
        """File a fax that arrived at `at` (default now) from `sender` (default random).

        It is filed at once with its document; on Bulutfon it also posts `fax_init` to the
        webhook, if one is set (see the fax's `deliveries`). Raises ValueError on an
        unknown provider or fewer than one page.
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
            local=self.state.provider_state(provider).did,
            sender=number or random_external_number(self.state.rng),
            pages=pages,
            document=document,
            document_type=document_type,
            rng=self.state.rng,
            at=at,
        )
        for event in self.switchboard.fax_events(provider, fax):
            fax.deliveries.append(await self.switchboard.deliver(provider, event))
        return fax

    def settle(
        self,
        provider: str,
        outcome: str = "success",
        fax_id: int | str | None = None,
    ) -> int:
        """Settle one pending sent fax (by id) or all of them, as "success" or "failed".

        Returns how many settled; each provider's lists show the outcome from then on.
        """
        choose(provider, FAX_PROVIDERS, "provider")
        choose(outcome, FAX_OUTCOMES, "outcome")
        book = self.state.fax_book(provider)
        book.settle_due(datetime.now(ISTANBUL))
        return book.settle(outcome, fax_id)
