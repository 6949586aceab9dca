"""What a fax poll costs: a sent fax's detail and the waiting orders only while they can change.

Counted from the simulator's request log: Bulutfon's detail of a settled fax is not read
again, and Bulutsantralim's order list is read only while an order may be waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import aiohttp

from custom_components.santral.const import FAX_HISTORY_OVERLAP
from custom_components.santral.providers import (
    BulutfonClient,
    BulutsantralimClient,
    FaxDirection,
    FaxRecord,
    FaxStatus,
)
from custom_components.santral.providers.models import FaxFile
from simulator import Simulator, documents
from simulator.calls import ISTANBUL
from simulator.faxes import Attachment
from tests.providers.test_paging import client_of

SENT_FAXES = 20
POLLS_AN_HOUR = 12
DETAIL = "outgoing_fax"
ORDERS = "fax_orders"
PDF = FaxFile("a.pdf", "application/pdf", documents.pdf(1))


def bulutfon(simulator: Simulator, session: aiohttp.ClientSession) -> BulutfonClient:
    """Return a Bulutfon client of the simulator's account."""
    client = client_of(simulator, session, "bulutfon")
    assert isinstance(client, BulutfonClient)
    return client


def bulutsantralim(
    simulator: Simulator, session: aiohttp.ClientSession
) -> BulutsantralimClient:
    """Return a Bulutsantralim client of the simulator's account."""
    client = client_of(simulator, session, "bulutsantralim")
    assert isinstance(client, BulutsantralimClient)
    return client


def send_bulutfon_faxes(simulator: Simulator, count: int) -> list[int]:
    """File `count` faxes the account sent just now, pending; return their ids."""
    account = simulator.state.bulutfon
    attachment = Attachment(documents.PDF, documents.pdf(1), "a.pdf")
    return [
        int(
            account.faxes.send(
                local=account.did,
                remotes=[f"90212555{index:04d}"],
                attachments=[attachment],
                rng=simulator.state.rng,
            ).id
        )
        for index in range(count)
    ]


def window() -> datetime:
    """Return where a fax poll's window starts: a day back, as the integration reads."""
    return datetime.now(ISTANBUL) - FAX_HISTORY_OVERLAP


def sent(records: list[FaxRecord]) -> dict[str, FaxStatus]:
    """Return the status of each sent fax of a poll, by id."""
    return {
        record.fax_id: record.status
        for record in records
        if record.direction is FaxDirection.OUTBOUND
    }


async def test_bulutfon_settled_faxes_are_read_once(
    simulator: Simulator, session: aiohttp.ClientSession, figures: list[str]
) -> None:
    """Twenty settled faxes cost twenty detail reads, then none however often polled."""
    ids = send_bulutfon_faxes(simulator, SENT_FAXES)
    simulator.settle_faxes("bulutfon", "failed", ids[0])
    simulator.settle_faxes("bulutfon", "success")
    client = bulutfon(simulator, session)
    first = await client.async_get_faxes_since(window())
    assert simulator.count("bulutfon", DETAIL) == SENT_FAXES
    assert sent(first)[str(ids[0])] is FaxStatus.FAILED
    assert set(sent(first).values()) == {FaxStatus.SENT, FaxStatus.FAILED}
    assert len(sent(first)) == SENT_FAXES

    for _ in range(POLLS_AN_HOUR - 1):
        assert await client.async_get_faxes_since(window()) == first
    assert simulator.count("bulutfon", DETAIL) == SENT_FAXES
    figures.append(
        f"Bulutfon, {SENT_FAXES} settled sent faxes, {POLLS_AN_HOUR} polls: "
        f"{simulator.count('bulutfon', DETAIL)} detail requests"
    )


async def test_bulutfon_pending_fax_is_read_until_it_settles(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A fax a recipient still waits for is read at every poll, and no more once settled."""
    [waiting] = send_bulutfon_faxes(simulator, 1)
    client = bulutfon(simulator, session)
    for polls in range(1, 4):
        assert sent(await client.async_get_faxes_since(window())) == {
            str(waiting): FaxStatus.QUEUED
        }
        assert simulator.count("bulutfon", DETAIL) == polls

    simulator.settle_faxes("bulutfon", "success")
    for _ in range(3):
        assert sent(await client.async_get_faxes_since(window())) == {
            str(waiting): FaxStatus.SENT
        }
    assert simulator.count("bulutfon", DETAIL) == 4


async def test_bulutfon_forgets_faxes_outside_the_window(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Settled faxes are kept only while a poll's window holds them: the keeping is bounded."""
    send_bulutfon_faxes(simulator, 3)
    simulator.settle_faxes("bulutfon", "success")
    client = bulutfon(simulator, session)
    await client.async_get_faxes_since(window())
    assert simulator.count("bulutfon", DETAIL) == 3
    later = datetime.now(ISTANBUL) + timedelta(minutes=1)
    assert sent(await client.async_get_faxes_since(later)) == {}
    assert simulator.count("bulutfon", DETAIL) == 3
    assert len(sent(await client.async_get_faxes_since(window()))) == 3
    assert simulator.count("bulutfon", DETAIL) == 6


async def test_bulutsantralim_reads_orders_only_while_one_waits(
    simulator: Simulator, session: aiohttp.ClientSession, figures: list[str]
) -> None:
    """Orders are read at a client's first poll, then only from a send until none waits."""
    client = bulutsantralim(simulator, session)
    await client.async_get_faxes_since(window())
    assert simulator.count("bulutsantralim", ORDERS) == 1
    for _ in range(POLLS_AN_HOUR):
        await client.async_get_faxes_since(window())
    assert simulator.count("bulutsantralim", ORDERS) == 1
    assert simulator.count("bulutsantralim", "fdrs") == POLLS_AN_HOUR + 1
    figures.append(
        f"Bulutsantralim, {POLLS_AN_HOUR} quiet polls after the first: "
        f"{simulator.count('bulutsantralim', ORDERS) - 1} /fax_orders requests"
    )

    [order] = await client.async_send_fax(
        client.prepare_fax(["02125550000"], [PDF], sender=None, subject=None)
    )
    for polls in range(2, 5):
        records = await client.async_get_faxes_since(window())
        assert order.fax_id in {record.fax_id for record in records}
        assert simulator.count("bulutsantralim", ORDERS) == polls

    simulator.settle_faxes("bulutsantralim", "success")
    records = await client.async_get_faxes_since(window())
    assert simulator.count("bulutsantralim", ORDERS) == 5
    assert order.fax_id not in {record.fax_id for record in records}
    assert sent(records) and set(sent(records).values()) == {FaxStatus.SENT}
    for _ in range(3):
        await client.async_get_faxes_since(window())
    assert simulator.count("bulutsantralim", ORDERS) == 5


async def test_bulutsantralim_first_poll_sees_orders_left_waiting(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A new client (after a restart) reads the orders its predecessor left waiting."""
    earlier = bulutsantralim(simulator, session)
    [order] = await earlier.async_send_fax(
        earlier.prepare_fax(["02125550000"], [PDF], sender=None, subject=None)
    )
    client = bulutsantralim(simulator, session)
    records = await client.async_get_faxes_since(window())
    assert [r.status for r in records if r.fax_id == order.fax_id] == [FaxStatus.QUEUED]
    await client.async_get_faxes_since(window())
    assert simulator.count("bulutsantralim", ORDERS) == 2
