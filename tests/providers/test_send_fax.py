"""Sending faxes with the HA-free clients: the simulator reads back the very documents sent.

Bodies are sent as parts (the document's base64 in slices, shared between recipients), so
these tests check that the parts still add up to the documented shapes: valid JSON with
escaped names and subjects, and valid forms with an escaped data URL.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
import json
import random
from urllib.parse import urlencode

import aiohttp
import pytest

from custom_components.santral.providers import (
    FaxSource,
    PreparedRequest,
    bulutfon,
    bulutsantralim,
    client as client_module,
    telsam,
)
from custom_components.santral.providers.client import BASE64_CHUNK
from custom_components.santral.providers.models import FaxFile
from simulator import Simulator
from tests.providers.test_paging import client_of

# Two slices and a bit, of a length that leaves base64 padding; random bytes, so the
# encoding holds `+` and `/`, which a form must escape.
DOCUMENT = b"%PDF-1.4\n" + random.Random(7).randbytes(2 * BASE64_CHUNK + 1000)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
NAME = 'Teklif "özel" ığüşöç\\Şubat.pdf'
SUBJECT = 'Fiyat "teklifi" — Çarşamba\\ & = + % ğ'
RECIPIENTS = ["02125550000", "+90 216 555 00 01", "03125550002"]
INTERNATIONAL = ["902125550000", "902165550001", "903125550002"]
SENDERS = {
    "bulutfon": "+908508850000",
    "bulutsantralim": "+908505320000",
    "telsam": "+908502590260",
}
PDF_FILE = FaxFile(NAME, "application/pdf", DOCUMENT)
PNG_FILE = FaxFile("b.png", "image/png", PNG)
MODULES = {"bulutfon": bulutfon, "bulutsantralim": bulutsantralim, "telsam": telsam}


def prepare(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    provider: str,
    files: list[FaxFile],
    subject: str | None,
) -> tuple[FaxSource, list[PreparedRequest]]:
    """Build a client of `provider` and its requests for `files` to the three recipients."""
    client = client_of(simulator, session, provider)
    requests = client.prepare_fax(
        RECIPIENTS, files, sender=SENDERS[provider], subject=subject
    )
    return client, requests


def joined(request: PreparedRequest) -> bytes:
    """Return the body as it goes over the wire."""
    return b"".join(request.parts)


@pytest.mark.parametrize(
    ("subject", "title"), [(SUBJECT, SUBJECT), (None, NAME)], ids=["subject", "name"]
)
async def test_bulutfon_document_and_escaped_title(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    subject: str | None,
    title: str,
) -> None:
    """The JSON body is valid, names the file and title as given, and carries the document."""
    client, requests = prepare(simulator, session, "bulutfon", [PDF_FILE], subject)
    assert json.loads(joined(requests[0])) == {
        "title": title,
        "receivers": ",".join(INTERNATIONAL),
        "did": "908508850000",
        "attachment": f"data:application/pdf;name:{NAME};base64:"
        + base64.b64encode(DOCUMENT).decode(),
    }

    records = await client.async_send_fax(requests)

    state = simulator.state.bulutfon
    assert state.sent_documents == [DOCUMENT]
    (fax,) = state.faxes.outgoing()
    assert [record.fax_id for record in records] == [str(fax.id)]
    assert fax.subject == title
    assert fax.remotes == INTERNATIONAL
    assert [(item.name, item.mime) for item in fax.attachments] == [
        (NAME, "application/pdf")
    ]


async def test_bulutsantralim_three_orders_of_one_document(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Each recipient's order is a valid form carrying the same document and header."""
    client, requests = prepare(
        simulator, session, "bulutsantralim", [PDF_FILE], SUBJECT
    )
    data_url = "data:application/pdf;base64," + base64.b64encode(DOCUMENT).decode()
    # As the standard encoder writes them: base64's `+`, `/` and `=` escaped too.
    assert [joined(request) for request in requests] == [
        urlencode(
            {
                "key": simulator.state.bulutsantralim.api_key,
                "remote_station_id": number,
                "filedata": data_url,
                "local_station_id": "908505320000",
                "local_station_header": SUBJECT,
            }
        ).encode("ascii")
        for number in INTERNATIONAL
    ]

    records = await client.async_send_fax(requests)

    state = simulator.state.bulutsantralim
    assert state.sent_documents == [DOCUMENT] * 3
    faxes = state.faxes.outgoing()
    assert sorted(record.fax_id for record in records) == sorted(
        f"order-{fax.id}" for fax in faxes
    )
    assert sorted(fax.remotes[0] for fax in faxes) == INTERNATIONAL
    assert {(fax.header, fax.local) for fax in faxes} == {(SUBJECT, "908505320000")}


async def test_telsam_every_file_and_escaped_subject(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """One valid JSON body carries every file, in order, to every phone."""
    client, requests = prepare(
        simulator, session, "telsam", [PDF_FILE, PNG_FILE], SUBJECT
    )
    assert json.loads(joined(requests[0])) == {
        "did": "908502590260",
        "phones": INTERNATIONAL,
        "subject": SUBJECT,
        "files": [base64.b64encode(DOCUMENT).decode(), base64.b64encode(PNG).decode()],
    }

    records = await client.async_send_fax(requests)

    state = simulator.state.telsam
    assert state.sent_documents == [DOCUMENT, PNG]
    faxes = state.faxes.outgoing()
    assert len(records) == len(faxes) == 3
    assert {fax.subject for fax in faxes} == {SUBJECT}
    assert all(
        [item.content for item in fax.attachments] == [DOCUMENT, PNG] for fax in faxes
    )


def counting(
    calls: list[int], encode: Callable[[bytes], Iterator[bytes]]
) -> Callable[[bytes], Iterator[bytes]]:
    """Wrap the base64 encoder so that each call is counted."""

    def wrapper(data: bytes) -> Iterator[bytes]:
        calls.append(len(data))
        return encode(data)

    return wrapper


@pytest.mark.parametrize("provider", list(MODULES))
def test_document_encoded_once_for_every_recipient(
    provider: str,
    simulator: Simulator,
    session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three recipients and two files cost two encodings, whatever the provider's requests."""
    calls: list[int] = []
    monkeypatch.setattr(
        MODULES[provider],
        "base64_slices",
        counting(calls, client_module.base64_slices),
    )
    prepare(simulator, session, provider, [PDF_FILE, PNG_FILE], SUBJECT)
    assert calls == [len(DOCUMENT), len(PNG)]


def test_bulutsantralim_orders_share_one_encoding(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The orders differ in their heads only; the encoded document is one set of buffers."""
    _, requests = prepare(simulator, session, "bulutsantralim", [PDF_FILE], None)
    first, *others = (request.parts for request in requests)
    encoded = first[1:]
    assert sum(len(part) for part in encoded) > len(DOCUMENT)
    for parts in others:
        assert len(parts) == len(first)
        assert all(a is b for a, b in zip(parts[1:], encoded, strict=True))
