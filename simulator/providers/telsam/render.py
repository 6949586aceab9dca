"""Yenifaks's words: its fax object and the rows of a fax's calls (seed 004)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from simulator.calls import ISTANBUL
from simulator.faxes import SimulatedFax

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# Detail rows have ids of their own; these are far from the faxes' ids.
DETAIL_ID_BASE = 584000
RETRY_GAP = timedelta(seconds=34)


def _stamp(moment: datetime) -> str:
    """Return Yenifaks's time, Istanbul local `2021-12-23 15:39:26`."""
    return moment.astimezone(ISTANBUL).strftime(DATE_FORMAT)


def fax_item(fax: SimulatedFax, dialect: str = "default") -> dict[str, Any]:
    """Return the fax as the page's fax object, with its page count added.

    In the `pages` and `bare` dialects it is exactly the page's object: no `pages`, and
    `created_at` null on a failed fax, as the page's detail example shows.
    """
    exact = dialect != "default"
    item: dict[str, Any] = {
        "id": fax.id,
        "phone": fax.remote,
        "subject": fax.subject,
        "call_type": fax.direction,
        "status": fax.status,
        "again": fax.attempts or None,
        "did": fax.local,
        "created_at": None if exact and fax.status == "failed" else _stamp(fax.created),
    }
    if not exact:
        item["pages"] = fax.pages
    return item


def fax_detail(fax: SimulatedFax) -> list[dict[str, Any]]:
    """Return one row per call the fax took, the last one ending the fax."""
    incoming = fax.direction == "incoming"
    success = fax.status == "success"
    rows: list[dict[str, Any]] = []
    for attempt in range(fax.attempts):
        earlier = fax.attempts - 1 - attempt
        rows.append(
            {
                "id": DETAIL_ID_BASE + int(fax.id) * 2 + attempt,
                "calldate": _stamp(fax.started - RETRY_GAP * earlier),
                "subject": fax.subject,
                "src": fax.remote if incoming else fax.local,
                "dstnum": fax.local if incoming else fax.remote,
                "disposition": "ANSWERED" if success else "NO ANSWER",
                "calltype": fax.direction,
                "status": "SUCCESS" if success else "FAILED",
            }
        )
    return rows
