"""The simulator's faxes over real HTTP: each provider's lists, documents, sending and settling."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
import io
import json
from pathlib import Path
import re
import sys
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from PIL import Image
import pytest
from yarl import URL

from simulator import Fault, FaultKind, Simulator, documents
from simulator.calls import ISTANBUL

REPO = Path(__file__).resolve().parents[2]
TELSAM_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
BULUTFON_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+03:00$")
VERIMOR_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0300$")
TELSAM_ITEM = {
    "id",
    "phone",
    "subject",
    "call_type",
    "status",
    "again",
    "did",
    "created_at",
    "pages",
}
PAGINATOR = {
    "current_page",
    "data",
    "first_page_url",
    "from",
    "last_page",
    "last_page_url",
    "next_page_url",
    "path",
    "per_page",
    "prev_page_url",
    "to",
    "total",
}
FDR_FIELDS = {
    "call_uuid",
    "direction",
    "caller_id_number",
    "local_station_header",
    "original_destination",
    "pages_count",
    "transfer_rate",
    "start_stamp",
    "answer_stamp",
    "end_stamp",
    "duration",
    "success",
    "result",
}
INVALID = "The given data was invalid."
UNAUTHENTICATED = {"message": "Unauthenticated."}


def assert_valid_pdf(data: bytes, pages: int) -> None:
    """Check the PDF's frame: header, every xref offset on its object, pages, %%EOF."""
    assert data.startswith(b"%PDF-1.")
    assert data.endswith(b"%%EOF")
    tail = re.search(rb"startxref\s+(\d+)\s+%%EOF$", data)
    assert tail is not None
    xref = int(tail[1])
    table = re.match(rb"xref\s+0 (\d+)\s+", data[xref:])
    assert table is not None
    entries = data[xref + table.end() :].split(b"\n")
    size = int(table[1])
    assert entries[0].startswith(b"0000000000 65535 f")
    for number in range(1, size):
        offset = int(entries[number][:10])
        assert data[offset:].startswith(b"%d 0 obj" % number)
    assert re.search(rb"/Size %d\b" % size, data)
    assert len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", data)) == pages
    assert re.search(rb"/Count %d\b" % pages, data)


def tiff_frames(data: bytes) -> int:
    """Open the TIFF with Pillow, decode every page, and return how many there are."""
    assert data.startswith(b"II*\x00")
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "TIFF"
        assert image.mode == "1"
        assert image.size == (1728, 1143)
        frames = getattr(image, "n_frames", 1)
        for frame in range(frames):
            image.seek(frame)
            image.load()
    return frames


def png() -> bytes:
    """Return a small PNG, as a phone camera's scan would be."""
    buffer = io.BytesIO()
    Image.new("1", (64, 32), 1).save(buffer, "PNG")
    return buffer.getvalue()


def b64(data: bytes) -> str:
    """Return standard base64 text."""
    return base64.b64encode(data).decode("ascii")


class Receiver:
    """A webhook receiver on 127.0.0.1 that records every post."""

    def __init__(self) -> None:
        """Start with no posts."""
        self.posts: list[tuple[str, str | None, bytes]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Record the post's content type, Authorization header and body."""
        self.posts.append(
            (
                request.content_type,
                request.headers.get("Authorization"),
                await request.read(),
            )
        )
        return web.Response(text="ok")


@pytest.fixture
async def receiver(socket_enabled: None) -> AsyncGenerator[Receiver]:
    """Run a receiver for the simulator's webhooks."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", receiver.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    receiver.url = str(server.make_url("/santral/hook"))
    yield receiver
    await server.close()


class Telsam:
    """A Bearer-authenticated Yenifaks client for the tests."""

    def __init__(self, simulator: Simulator, session: aiohttp.ClientSession) -> None:
        """Take a fresh token from the simulated account."""
        token = simulator.state.telsam.issue("password")["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.url = simulator.url("telsam")
        self.session = session

    async def post(self, path: str, body: Any = None, **params: str) -> tuple[int, Any]:
        """POST JSON and return the status and the JSON answer."""
        async with self.session.post(
            f"{self.url}{path}", json=body, params=params, headers=self.headers
        ) as response:
            return response.status, await response.json()

    async def download(self, fax_id: int) -> tuple[int, str, bytes]:
        """POST the download call and return status, content type and bytes."""
        async with self.session.post(
            f"{self.url}/fax/{fax_id}/download", headers=self.headers
        ) as response:
            return response.status, response.content_type, await response.read()


async def get(
    session: aiohttp.ClientSession, url: str | URL, **params: str
) -> tuple[int, Any]:
    """GET and return the status with the JSON answer, or the text of anything else."""
    async with session.get(url, params=params) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def post_form(
    session: aiohttp.ClientSession, url: str, form: dict[str, str]
) -> tuple[int, str]:
    """POST a form and return the status and text."""
    async with session.post(url, data=form) as response:
        return response.status, await response.text()


# --- Documents ----------------------------------------------------------------------------


def test_generated_documents_are_valid() -> None:
    """The PDF's cross-references hold, the TIFF decodes page by page, sniffing works."""
    for pages in (1, 3):
        assert_valid_pdf(documents.pdf(pages), pages)
        assert documents.page_count(documents.pdf(pages)) == pages
    fax = documents.tiff(2)
    assert tiff_frames(fax) == 2
    assert documents.page_count(fax) == 2
    with Image.open(io.BytesIO(fax)) as image:
        assert image.info["dpi"] == (204, 98)
        assert image.info["compression"] == "packbits"
        assert image.getbbox() is not None  # the page is not blank
    assert documents.sniff(png()) == documents.PNG
    assert documents.sniff(b"\xff\xd8\xff\xe0JFIF") == documents.JPEG
    assert documents.sniff(b"hello") is None
    assert documents.page_count(png()) == 1
    with pytest.raises(ValueError):
        documents.pdf(0)
    with pytest.raises(ValueError):
        documents.tiff(0)


# --- Telsam -------------------------------------------------------------------------------


async def test_telsam_fax_calls_need_a_bearer_token(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Every fax call answers 401 Unauthenticated without a valid Bearer token."""
    fax = await simulator.receive_fax("telsam")
    url = simulator.url("telsam")
    for path in ("/fax", "/fax/send", f"/fax/{fax.id}", f"/fax/{fax.id}/download"):
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            async with session.post(f"{url}{path}", json={}, headers=headers) as resp:
                assert resp.status == 401
                assert await resp.json() == UNAUTHENTICATED
    for name in ("fax_list", "fax_send", "fax_detail", "fax_download"):
        assert simulator.count("telsam", name) == 2
    assert simulator.state.telsam.sent_documents == []


async def test_telsam_list_pages_newest_first(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Today's faxes in pages of 15, newest first, as Laravel's paginator shapes them."""
    faxes = [await simulator.receive_fax("telsam", pages=2) for _ in range(20)]
    telsam = Telsam(simulator, session)

    status, first = await telsam.post("/fax", {})
    assert status == 200
    assert set(first) == PAGINATOR
    path = f"{simulator.url('telsam')}/fax"
    assert first["path"] == path
    assert (first["current_page"], first["per_page"], first["total"]) == (1, 15, 20)
    assert (first["from"], first["to"], first["last_page"]) == (1, 15, 2)
    assert first["first_page_url"] == f"{path}?page=1"
    assert first["last_page_url"] == f"{path}?page=2"
    assert first["next_page_url"] == f"{path}?page=2"
    assert first["prev_page_url"] is None
    newest = sorted(faxes, key=lambda fax: fax.id, reverse=True)
    assert [item["id"] for item in first["data"]] == [fax.id for fax in newest[:15]]
    item = first["data"][0]
    assert set(item) == TELSAM_ITEM
    assert item["did"] == "908502590260"
    assert (item["call_type"], item["status"], item["pages"]) == (
        "incoming",
        "success",
        2,
    )
    assert TELSAM_STAMP.match(item["created_at"])

    status, second = await telsam.post("/fax", {}, page="2")
    assert status == 200
    assert [item["id"] for item in second["data"]] == [fax.id for fax in newest[15:]]
    assert (second["from"], second["to"], second["next_page_url"]) == (16, 20, None)
    assert second["prev_page_url"] == f"{path}?page=1"

    _, beyond = await telsam.post("/fax", {}, page="3")
    assert (beyond["data"], beyond["from"], beyond["to"]) == ([], None, None)
    _, odd = await telsam.post("/fax", {}, page="abc")
    assert odd["current_page"] == 1


async def test_telsam_list_filters_and_date_errors(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """start/end dates (today by default), status, type and search narrow the list."""
    old = await simulator.receive_fax(
        "telsam",
        sender="05321234567",
        at=datetime(2021, 12, 3, 11, 13, 46, tzinfo=ISTANBUL),
    )
    older = await simulator.receive_fax(
        "telsam", at=datetime(2021, 11, 2, 9, 0, tzinfo=ISTANBUL)
    )
    today = await simulator.receive_fax("telsam", sender="02123205062")
    telsam = Telsam(simulator, session)

    _, answer = await telsam.post("/fax", {"type": "incoming"})
    assert [item["id"] for item in answer["data"]] == [today.id]
    _, answer = await telsam.post(
        "/fax",
        {"start_date": "2021-11-01 00:00:00", "end_date": "2021-12-22 11:11:11"},
    )
    assert [item["id"] for item in answer["data"]] == [old.id, older.id]
    assert answer["data"][0]["created_at"] == "2021-12-03 11:13:46"
    _, answer = await telsam.post(
        "/fax",
        {
            "start_date": "2021-11-01 00:00:00",
            "end_date": "2021-12-03 11:13:46",
            "status": " success",
            "search": "532123",
        },
    )
    assert [item["id"] for item in answer["data"]] == [old.id]
    _, answer = await telsam.post(
        "/fax", {"start_date": "2021-01-01 00:00:00", "type": "outgoing"}
    )
    assert answer["total"] == 0
    _, answer = await telsam.post(
        "/fax", {"start_date": "2021-01-01 00:00:00", "status": "pending"}
    )
    assert answer["total"] == 0

    status, refusal = await telsam.post(
        "/fax", {"start_date": "03.12.2021", "end_date": "2021-12-22"}
    )
    assert status == 422
    assert refusal == {
        "message": INVALID,
        "errors": {
            "start_date": ["start_date Y-m-d H:i:s biçimiyle eşleşmiyor."],
            "end_date": ["end_date Y-m-d H:i:s biçimiyle eşleşmiyor."],
        },
    }
    status, refusal = await telsam.post("/fax", {"status": "done", "type": "both"})
    assert status == 422
    assert refusal["errors"] == {
        "status": ["Seçili status geçersiz."],
        "type": ["Seçili type geçersiz."],
    }


async def test_telsam_detail_and_download(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A fax's detail lists its calls; its download is a PDF of its pages; 404 otherwise."""
    fax = await simulator.receive_fax("telsam", sender="905321234567", pages=3)
    telsam = Telsam(simulator, session)

    status, answer = await telsam.post(f"/fax/{fax.id}")
    assert status == 200
    assert answer["fax"]["id"] == fax.id
    assert answer["fax"]["phone"] == "905321234567"
    assert answer["fax"]["again"] == 1
    (row,) = answer["detail"]
    assert row["src"] == "905321234567"
    assert row["dstnum"] == "908502590260"
    assert (row["disposition"], row["calltype"], row["status"]) == (
        "ANSWERED",
        "incoming",
        "SUCCESS",
    )
    assert TELSAM_STAMP.match(row["calldate"])

    status, content_type, body = await telsam.download(fax.id)
    assert (status, content_type) == (200, "application/pdf")
    assert_valid_pdf(body, 3)

    for missing in ("1", "nope"):
        status, answer = await telsam.post(f"/fax/{missing}")
        assert (status, answer) == (404, {"message": "Not Found!"})
    async with session.post(
        f"{telsam.url}/fax/1/download", headers=telsam.headers
    ) as response:
        assert response.status == 404
        assert await response.json() == {"message": "Not Found!"}


async def test_telsam_send_then_settle(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """One pending fax per phone; settling makes it success or failed, with its calls."""
    telsam = Telsam(simulator, session)
    sent_pdf, image = documents.pdf(2), png()
    status, answer = await telsam.post(
        "/fax/send",
        {
            "did": "908502590260",
            "phones": ["905321112233", 902123205062],
            "files": [b64(sent_pdf), b64(image)],
            "subject": "Teklif",
        },
    )
    assert status == 200
    assert answer["process"] is True
    first, second = answer["faxes"]
    assert [first["phone"], second["phone"]] == ["905321112233", "902123205062"]
    for item in (first, second):
        assert set(item) == TELSAM_ITEM
        assert (item["call_type"], item["status"], item["again"]) == (
            "outgoing",
            "pending",
            None,
        )
        assert (item["subject"], item["did"], item["pages"]) == (
            "Teklif",
            "908502590260",
            3,
        )
    assert simulator.state.telsam.sent_documents == [sent_pdf, image]
    assert simulator.state_of("telsam").sent_documents == [sent_pdf, image]

    _, listed = await telsam.post("/fax", {"type": "outgoing", "status": "pending"})
    assert {item["id"] for item in listed["data"]} == {first["id"], second["id"]}
    _, detail = await telsam.post(f"/fax/{first['id']}")
    assert detail["detail"] == []
    _, _, document = await telsam.download(first["id"])
    assert_valid_pdf(document, 3)

    assert simulator.settle_faxes("telsam", "failed", first["id"]) == 1
    assert simulator.settle_faxes("telsam", "failed", first["id"]) == 0
    _, detail = await telsam.post(f"/fax/{first['id']}")
    assert (detail["fax"]["status"], detail["fax"]["again"]) == ("failed", 2)
    assert [row["status"] for row in detail["detail"]] == ["FAILED", "FAILED"]
    assert detail["detail"][0]["calldate"] < detail["detail"][1]["calldate"]
    assert {row["src"] for row in detail["detail"]} == {"908502590260"}

    assert simulator.settle_faxes("telsam") == 1
    _, listed = await telsam.post("/fax", {"type": "outgoing"})
    statuses = {item["id"]: item["status"] for item in listed["data"]}
    assert statuses == {first["id"]: "failed", second["id"]: "success"}
    _, listed = await telsam.post("/fax", {"status": "pending"})
    assert listed["total"] == 0


async def test_telsam_send_refusals(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Bad did, phones or files are refused with Laravel's 422 and nothing is queued."""
    telsam = Telsam(simulator, session)
    good = {"did": "908502590260", "phones": ["905321112233"], "files": [b64(png())]}

    status, answer = await telsam.post("/fax/send", good | {"did": "908500000000"})
    assert (status, answer) == (
        422,
        {"message": INVALID, "errors": {"did": ["did değeri geçersiz."]}},
    )
    status, answer = await telsam.post("/fax/send", {})
    assert status == 422
    assert answer["errors"] == {
        "did": ["did alanı gereklidir."],
        "phones": ["phones alanı gereklidir."],
        "files": ["files alanı gereklidir."],
    }
    status, answer = await telsam.post(
        "/fax/send",
        good | {"phones": ["905321112233", "abc"], "files": ["bm90 YmFzZTY0"]},
    )
    assert status == 422
    assert answer["errors"] == {
        "phones.1": ["phones.1 biçimi geçersiz."],
        "files.0": ["files.0 geçerli bir base64 değeri değil."],
    }
    status, answer = await telsam.post(
        "/fax/send", good | {"phones": "905321112233", "files": [b64(b"just text")]}
    )
    assert status == 422
    assert answer["errors"]["phones"] == ["phones mutlaka bir dizi olmalıdır."]
    assert answer["errors"]["files.0"][0].startswith("files.0 dosya biçimi jpeg")

    assert simulator.state.telsam.faxes.faxes == []
    assert simulator.state.telsam.sent_documents == []
    status, answer = await telsam.post("/fax/send", good)
    assert status == 200
    assert len(answer["faxes"]) == 1


async def test_sent_faxes_settle_on_their_own_after_settle_after(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """With settle_after set, a sent fax turns to settle_outcome once that time passed."""
    book = simulator.state.telsam.faxes
    book.settle_after = 0.3
    book.settle_outcome = "failed"
    telsam = Telsam(simulator, session)
    _, answer = await telsam.post(
        "/fax/send",
        {"did": "908502590260", "phones": ["905321112233"], "files": [b64(png())]},
    )
    fax_id = answer["faxes"][0]["id"]
    _, detail = await telsam.post(f"/fax/{fax_id}")
    assert detail["fax"]["status"] == "pending"

    await asyncio.sleep(0.4)
    _, detail = await telsam.post(f"/fax/{fax_id}")
    assert detail["fax"]["status"] == "failed"
    fax = book.find(fax_id)
    assert fax is not None and fax.settled is not None
    assert fax.settled - fax.created == timedelta(seconds=0.3)
    assert simulator.settle_faxes("telsam") == 0


# --- Bulutfon -----------------------------------------------------------------------------


async def test_bulutfon_incoming_fax_posts_fax_init_and_downloads_as_tiff(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """fax_init carries the common fields and the fax uuid; the fax is a TIFF of its pages."""
    simulator.set_bulutfon_webhook(receiver.url, "json", "santral", "kanca-parola")
    earlier = await simulator.receive_fax("bulutfon")
    fax = await simulator.receive_fax("bulutfon", sender="05321234567", pages=2)

    assert fax.id == fax.uuid  # Bulutfon knows received faxes by uuid only
    assert [delivery.status for delivery in fax.deliveries] == [200]
    content_type, authorization, body = receiver.posts[-1]
    assert content_type == "application/json"
    assert authorization == "Basic " + b64(b"santral:kanca-parola")
    event = json.loads(body)
    assert event == {
        "event_type": "fax_init",
        "domain_id": 1234,
        "account_id": 5678,
        "caller": 905321234567,
        "callee": 908508850000,
        "uuid": fax.uuid,
        "direction": "IN",
        "timestamp": event["timestamp"],
    }
    assert isinstance(event["timestamp"], int) and len(str(event["timestamp"])) == 16
    assert datetime.fromtimestamp(event["timestamp"] / 1e6, UTC) <= fax.created

    token = simulator.state.bulutfon.token
    url = simulator.url("bulutfon")
    for path in ("/incoming-faxes", "/incoming-faxes.json"):
        status, answer = await get(session, f"{url}{path}", access_token=token)
        assert status == 200
        assert [item["uuid"] for item in answer["incoming_faxes"]] == [
            fax.uuid,
            earlier.uuid,
        ]
    item = answer["incoming_faxes"][0]
    assert (item["sender"], item["receiver"]) == (905321234567, 8508850000)
    assert BULUTFON_STAMP.match(item["created_at"])

    for path in (f"/incoming-faxes/{fax.uuid}", f"/incoming-faxes/{fax.uuid}/stream"):
        async with session.get(f"{url}{path}", params={"access_token": token}) as resp:
            assert resp.status == 200
            assert resp.content_type == "image/tiff"
            assert tiff_frames(await resp.read()) == 2
    status, answer = await get(
        session, f"{url}/incoming-faxes/0000-unknown", access_token=token
    )
    assert (status, answer) == (404, {"error": "Not found"})
    status, answer = await get(session, f"{url}/incoming-faxes", access_token="wrong")
    assert (status, answer) == (401, {"error": "Unauthorized"})


async def test_bulutfon_form_webhook_and_no_webhook(
    simulator: Simulator, receiver: Receiver
) -> None:
    """fax_init follows the webhook's form setting; without a webhook nothing is posted."""
    silent = await simulator.receive_fax("bulutfon")
    assert silent.deliveries == []
    assert receiver.posts == []

    simulator.set_bulutfon_webhook(receiver.url, "form")
    fax = await simulator.receive_fax("bulutfon", sender="02123205062")
    content_type, authorization, body = receiver.posts[0]
    assert (content_type, authorization) == ("application/x-www-form-urlencoded", None)
    form = dict(URL(f"/?{body.decode()}").query)
    assert form["event_type"] == "fax_init"
    assert form["uuid"] == fax.uuid
    assert form["caller"] == "902123205062"
    assert re.fullmatch(r"\d{16}", form["timestamp"])
    assert simulator.state.deliveries == fax.deliveries


async def test_bulutfon_send_fax_json_and_form_then_settle(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Both body styles queue a WAITING fax; settling makes recipients SENT or FAILED."""
    account = simulator.state.bulutfon
    url = f"{simulator.url('bulutfon')}/outgoing-faxes"
    sent_pdf, image = documents.pdf(2), png()
    async with session.post(
        url,
        params={"access_token": account.token},
        json={
            "title": "Teklif",
            "receivers": "905321112233, 02123205062",
            "did": 908508850000,
            "attachment": f"data:application/pdf;name:teklif.pdf;base64:{b64(sent_pdf)}",
        },
    ) as response:
        assert response.status == 200
        answer = await response.json()
    assert answer["message"] == "Faks gönderildi."
    pdf_fax = answer["fax"]
    assert (pdf_fax["title"], pdf_fax["did"], pdf_fax["recipient_count"]) == (
        "Teklif",
        908508850000,
        2,
    )
    assert [(item["number"], item["state"]) for item in pdf_fax["recipients"]] == [
        (905321112233, "WAITING"),
        (902123205062, "WAITING"),
    ]
    async with session.post(
        f"{url}.json",
        data={
            "email": account.email,
            "password": account.password,
            "title": "Kroki",
            "receivers": "905051112233",
            "did": "908508850000",
            "attachment": f"data:image/png;name:kroki.png;base64:{b64(image)}",
        },
    ) as response:
        assert response.status == 200
        png_fax = (await response.json())["fax"]
    assert account.sent_documents == [sent_pdf, image]

    token = account.token
    status, listed = await get(session, url, access_token=token)
    assert status == 200
    assert [item["id"] for item in listed["faxes"]] == [png_fax["id"], pdf_fax["id"]]
    assert set(listed["faxes"][0]) == {
        "id",
        "title",
        "did",
        "recipient_count",
        "created_at",
    }
    assert BULUTFON_STAMP.match(listed["faxes"][0]["created_at"])

    assert simulator.settle_faxes("bulutfon", "success", pdf_fax["id"]) == 1
    assert simulator.settle_faxes("bulutfon", "failed") == 1
    _, detail = await get(session, f"{url}/{pdf_fax['id']}", access_token=token)
    recipients = detail["fax"]["recipients"]
    assert {item["state"] for item in recipients} == {"SENT"}
    assert {item["hangup_cause"] for item in recipients} == {"NORMAL_CLEARING"}
    assert all(item["uuid"] for item in recipients)
    assert recipients[0]["uuid"] != recipients[1]["uuid"]
    _, detail = await get(session, f"{url}/{png_fax['id']}.json", access_token=token)
    (recipient,) = detail["fax"]["recipients"]
    assert (recipient["number"], recipient["state"]) == (905051112233, "FAILED")
    status, answer = await get(session, f"{url}/999", access_token=token)
    assert (status, answer) == (404, {"error": "Not found"})


async def test_bulutfon_send_fax_refusals(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Missing fields, a standard data URL, other types or bad base64: 400 with an error."""
    account = simulator.state.bulutfon
    url = f"{simulator.url('bulutfon')}/outgoing-faxes"
    good = {
        "title": "Teklif",
        "receivers": "905321112233",
        "did": "908508850000",
        "attachment": f"data:application/pdf;name:a.pdf;base64:{b64(documents.pdf())}",
    }
    refusals = [
        ({"attachment": ""}, "attachment is missing"),
        (
            {"attachment": f"data:application/pdf;base64,{b64(documents.pdf())}"},
            "invalid attachment: expected data:<mime>;name:<file>;base64:<data>",
        ),
        (
            {"attachment": f"data:text/plain;name:a.txt;base64:{b64(b'hello')}"},
            "unsupported attachment type: text/plain",
        ),
        (
            {"attachment": "data:application/pdf;name:a.pdf;base64:JVBER i0x"},
            "invalid attachment: bad base64",
        ),
        ({"receivers": ""}, "receivers is missing"),
        ({"receivers": "905321112233,12ab"}, "invalid receiver: 12ab"),
        ({"did": "908500000000"}, "did not found: 908500000000"),
    ]
    for change, error in refusals:
        async with session.post(
            url, params={"access_token": account.token}, json=good | change
        ) as response:
            assert response.status == 400
            assert await response.json() == {"error": error}
    async with session.post(
        url,
        params={"access_token": account.token},
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    ) as response:
        assert (response.status, await response.json()) == (
            400,
            {"error": "invalid JSON body"},
        )
    async with session.post(url, data=good) as response:
        assert (response.status, await response.json()) == (
            401,
            {"error": "Unauthorized"},
        )
    assert account.faxes.faxes == []
    assert account.sent_documents == []
    assert simulator.count("bulutfon", "send_fax") == len(refusals) + 2


# --- Bulutsantralim -----------------------------------------------------------------------


async def test_bulutsantralim_fax_order_waits_then_becomes_a_record(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """An order waits in /fax_orders ("Bekliyor") until it settles into /fdrs as Giden."""
    pbx = simulator.state.bulutsantralim
    url = simulator.url("bulutsantralim")
    image = png()
    status, text = await post_form(
        session,
        f"{url}/fax_orders",
        {
            "key": pbx.api_key,
            "local_station_id": "908505320000",
            "local_station_header": "Santral AS",
            "remote_station_id": "902123205072",
            "filedata": f"data:image/png;base64,{b64(image)}",
        },
    )
    assert (status, text) == (200, "20212")
    status, text = await post_form(
        session,
        f"{url}/fax_orders",
        {
            "key": pbx.api_key,
            "remote_station_id": "05321112233",
            "filedata": f"data:application/pdf;base64,{b64(documents.pdf(2))}",
        },
    )
    assert (status, text) == (200, "20213")
    assert pbx.sent_documents == [image, documents.pdf(2)]

    status, orders = await get(session, f"{url}/fax_orders", key=pbx.api_key)
    assert status == 200
    assert orders["pagination"] == {
        "page": 1,
        "total_count": 2,
        "total_pages": 1,
        "limit": 10,
    }
    first = orders["fax_orders"][1]
    assert first == {
        "id": 20212,
        "created_at": first["created_at"],
        "local_station_id": "908505320000",
        "remote_station_id": "902123205072",
        "status": "Bekliyor",
    }
    assert TELSAM_STAMP.match(first["created_at"])
    assert orders["fax_orders"][0]["local_station_id"] == "908501234567"
    _, records = await get(session, f"{url}/fdrs", key=pbx.api_key)
    assert records["fdrs"] == []

    assert simulator.settle_faxes("bulutsantralim", "success", 20212) == 1
    assert simulator.settle_faxes("bulutsantralim", "failed", "20213") == 1
    _, orders = await get(session, f"{url}/fax_orders", key=pbx.api_key)
    assert orders["fax_orders"] == []
    _, records = await get(session, f"{url}/fdrs", key=pbx.api_key)
    by_destination = {item["original_destination"]: item for item in records["fdrs"]}
    sent = by_destination["902123205072"]
    assert set(sent) == FDR_FIELDS
    assert (sent["direction"], sent["success"], sent["result"]) == (
        "Giden",
        True,
        "Başarılı",
    )
    assert (sent["caller_id_number"], sent["local_station_header"]) == (
        "908505320000",
        "Santral AS",
    )
    assert (sent["pages_count"], sent["transfer_rate"]) == ("1 / 1", 14400)
    assert isinstance(sent["duration"], int)
    for stamp in ("start_stamp", "answer_stamp", "end_stamp"):
        assert VERIMOR_STAMP.match(sent[stamp])
    failed = by_destination["905321112233"]
    assert (failed["success"], failed["result"], failed["pages_count"]) == (
        False,
        "Başarısız",
        "0 / 2",
    )
    assert failed["answer_stamp"] is None


async def test_bulutsantralim_fax_order_refusals(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Refusals are plain text: the key, the recipient, the data URL, the base64."""
    pbx = simulator.state.bulutsantralim
    url = f"{simulator.url('bulutsantralim')}/fax_orders"
    good = {
        "key": pbx.api_key,
        "remote_station_id": "902123205072",
        "filedata": f"data:application/pdf;base64,{b64(documents.pdf())}",
    }
    refusals = [
        ({"key": "K-wrong"}, "Gecersiz anahtar: K-wrong"),
        ({"remote_station_id": ""}, "remote_station_id is missing"),
        ({"remote_station_id": "santral"}, "invalid remote_station_id: santral"),
        (
            {"local_station_id": "902120000000"},
            "invalid local_station_id: 902120000000",
        ),
        ({"filedata": ""}, "filedata is missing"),
        ({"filedata": b64(documents.pdf())}, "invalid filedata"),
        ({"filedata": "data:application/pdf;base64,JVBER%%%"}, "invalid base64"),
        (
            {"filedata": "data:text/plain;base64,aGVsbG8="},
            "unsupported file type: text/plain",
        ),
    ]
    for change, text in refusals:
        assert await post_form(session, url, good | change) == (400, text)
    assert pbx.faxes.faxes == []
    assert simulator.count("bulutsantralim", "fax_orders_create") == len(refusals)
    assert await post_form(session, url, good) == (200, "20212")


async def test_bulutsantralim_fdrs_pages_and_filters(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Received faxes as Gelen records: pages of 10..100, direction and date filters."""
    now = datetime.now(ISTANBUL)
    faxes = [
        await simulator.receive_fax(
            "bulutsantralim", pages=2, at=now - timedelta(minutes=10 * index)
        )
        for index in range(25)
    ]
    pbx = simulator.state.bulutsantralim
    url = f"{simulator.url('bulutsantralim')}/fdrs"

    status, first = await get(session, url, key=pbx.api_key)
    assert status == 200
    assert first["pagination"] == {
        "page": 1,
        "total_count": 25,
        "total_pages": 3,
        "limit": 10,
    }
    assert [item["call_uuid"] for item in first["fdrs"]] == [
        fax.uuid for fax in faxes[:10]
    ]
    item = first["fdrs"][0]
    assert set(item) == FDR_FIELDS
    assert (item["direction"], item["success"], item["pages_count"]) == (
        "Gelen",
        True,
        "2 / 2",
    )
    assert item["caller_id_number"].startswith("0")
    assert item["original_destination"] == pbx.did
    _, last = await get(session, url, key=pbx.api_key, page="3")
    assert len(last["fdrs"]) == 5

    _, inbound = await get(
        session, url, key=pbx.api_key, direction="inbound", limit="100"
    )
    assert len(inbound["fdrs"]) == 25
    _, outbound = await get(session, url, key=pbx.api_key, direction="outbound")
    assert outbound["fdrs"] == []
    _, failures = await get(session, url, key=pbx.api_key, success="false")
    assert failures["fdrs"] == []

    def utc(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    since, until = faxes[14].started, faxes[5].started
    _, window = await get(
        session,
        url,
        key=pbx.api_key,
        limit="100",
        start_stamp_from=utc(since - timedelta(seconds=1)),
        start_stamp_to=utc(until + timedelta(seconds=1)),
    )
    assert [item["call_uuid"] for item in window["fdrs"]] == [
        fax.uuid for fax in faxes[5:15]
    ]
    for params, text in (
        ({"limit": "9"}, "limit must be between 10 and 100"),
        ({"start_stamp_from": utc(now - timedelta(days=32))}, "31 days"),
        ({"start_stamp_from": "dün"}, "invalid start_stamp_from: dün"),
    ):
        status, answer = await get(session, url, key=pbx.api_key, **params)
        assert status == 400
        assert text in answer
    status, answer = await get(session, url, key="K-wrong")
    assert (status, answer) == (400, "Gecersiz anahtar: K-wrong")


async def test_bulutsantralim_fax_document_url(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The document URL is plain text, needs no key, serves a PDF, and lives one hour."""
    pbx = simulator.state.bulutsantralim
    fax = await simulator.receive_fax("bulutsantralim", pages=2)
    url = simulator.url("bulutsantralim")
    document_url = f"{url}/fax_document/F{fax.uuid}"
    assert fax.id == fax.uuid  # records are known by call_uuid

    status, _ = await get(session, document_url)
    assert status == 404  # no URL handed out yet
    status, text = await post_form(
        session, f"{url}/fax_document_url", {"key": pbx.api_key, "call_uuid": fax.uuid}
    )
    assert (status, text) == (200, document_url)
    async with session.get(text) as response:
        assert response.status == 200
        assert response.content_type == "application/pdf"
        assert_valid_pdf(await response.read(), 2)

    pbx.fax_document_urls[fax.uuid] -= timedelta(hours=2)
    status, _ = await get(session, document_url)
    assert status == 404

    await post_form(
        session,
        f"{url}/fax_orders",
        {
            "key": pbx.api_key,
            "remote_station_id": "902123205072",
            "filedata": f"data:application/pdf;base64,{b64(documents.pdf())}",
        },
    )
    (pending,) = pbx.faxes.pending()
    for call_uuid in ("no-such-fax", pending.uuid):
        status, text = await post_form(
            session,
            f"{url}/fax_document_url",
            {"key": pbx.api_key, "call_uuid": call_uuid},
        )
        assert (status, text) == (400, f"cannot find fax with call_uuid {call_uuid}")
    assert simulator.count("bulutsantralim", "fax_document") == 3
    assert simulator.count("bulutsantralim", "fax_document_url") == 3


# --- Control API, CLI and faults ----------------------------------------------------------


async def test_control_api_receives_and_settles_faxes(
    simulator: Simulator, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """POST /_control/faxes receives (with fax_init on Bulutfon); /settle settles."""
    simulator.set_bulutfon_webhook(receiver.url)
    control = f"{simulator.base_url}/_control"
    async with session.post(
        f"{control}/faxes",
        json={"provider": "bulutfon", "sender": "05321234567", "pages": 3},
    ) as response:
        assert response.status == 200
        fax = await response.json()
    assert (fax["direction"], fax["pages"], fax["status"]) == ("incoming", 3, "success")
    assert fax["remotes"] == ["905321234567"]
    assert [(hook["event_type"], hook["status"]) for hook in fax["webhooks"]] == [
        ("fax_init", 200)
    ]
    assert json.loads(receiver.posts[0][2])["uuid"] == fax["uuid"]

    for bad in (
        {"provider": "netgsm"},
        {"provider": "telsam", "pages": 0},
        {"provider": "telsam", "pages": "two"},
        {"provider": "telsam", "sender": "faks"},
    ):
        async with session.post(f"{control}/faxes", json=bad) as response:
            assert response.status == 400
            assert "error" in await response.json()

    telsam = Telsam(simulator, session)
    await telsam.post(
        "/fax/send",
        {
            "did": "908502590260",
            "phones": ["905321112233", "905321112234"],
            "files": [b64(png())],
        },
    )
    async with session.post(
        f"{control}/faxes/settle", json={"provider": "telsam", "id": 1}
    ) as response:
        assert response.status == 404
    async with session.post(
        f"{control}/faxes/settle", json={"provider": "telsam", "outcome": "lost"}
    ) as response:
        assert response.status == 400
    async with session.post(
        f"{control}/faxes/settle", json={"provider": "telsam", "outcome": "failed"}
    ) as response:
        assert (response.status, await response.json()) == (200, {"settled": 2})
    _, listed = await telsam.post("/fax", {"type": "outgoing"})
    assert {item["status"] for item in listed["data"]} == {"failed"}


async def run_cli(*args: str) -> tuple[int, str]:
    """Run `python -m simulator` with `args` and return its exit code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_cli_receives_and_settles_faxes(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """`fax` and `settle-faxes` drive a running simulator through the control API."""
    code, output = await run_cli(
        "fax",
        "--provider",
        "telsam",
        "--pages",
        "2",
        "--sender",
        "05321234567",
        "--simulator",
        simulator.base_url,
    )
    assert code == 0, output
    fax = json.loads(output)
    assert (fax["pages"], fax["remotes"]) == (2, ["905321234567"])
    assert [item.id for item in simulator.state.telsam.faxes.faxes] == [fax["id"]]

    await Telsam(simulator, session).post(
        "/fax/send",
        {"did": "908502590260", "phones": ["905321112233"], "files": [b64(png())]},
    )
    code, output = await run_cli(
        "settle-faxes",
        "--provider",
        "telsam",
        "--outcome",
        "failed",
        "--simulator",
        simulator.base_url,
    )
    assert code == 0, output
    assert json.loads(output) == {"settled": 1}
    assert [fax.status for fax in simulator.state.telsam.faxes.outgoing()] == ["failed"]

    code, output = await run_cli(
        "fax", "--provider", "telsam", "--pages", "0", "--simulator", simulator.base_url
    )
    assert code == 1
    assert "pages" in output


async def test_faults_apply_to_fax_routes(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Fax routes misbehave by name: a rate-limited send, a truncated TIFF."""
    fax = await simulator.receive_fax("bulutfon", pages=2)
    simulator.inject("telsam", "fax_send", Fault(FaultKind.RATE_LIMIT, retry_after=9))
    simulator.inject("bulutfon", "incoming_fax", Fault(FaultKind.TRUNCATED))
    telsam = Telsam(simulator, session)

    async with session.post(
        f"{telsam.url}/fax/send", json={}, headers=telsam.headers
    ) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "9"
    status, _ = await telsam.post("/fax/send", {})
    assert status == 422

    url = f"{simulator.url('bulutfon')}/incoming-faxes/{fax.uuid}"
    params = {"access_token": simulator.state.bulutfon.token}
    async with session.get(url, params=params) as response:
        cut = await response.read()
    async with session.get(url, params=params) as response:
        whole = await response.read()
    assert whole == fax.document
    assert cut == whole[: len(whole) // 2]
    assert simulator.count("bulutfon", "incoming_fax") == 2
    assert simulator.count("telsam", "fax_send") == 2
