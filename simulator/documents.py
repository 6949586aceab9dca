"""Small but valid fax documents, made in code: PDFs, TIFFs, and what a sent file is.

Received faxes need a document to download: Telsam and Verimor hand out PDFs, Bulutfon a
TIFF. Sent files are only sniffed, to refuse types a provider would not take and to count
their pages, as the providers report pages per fax.
"""

from __future__ import annotations

import re
import struct

PDF = "application/pdf"
TIFF = "image/tiff"
PNG = "image/png"
JPEG = "image/jpeg"
BMP = "image/bmp"
DOC = "application/msword"
OOXML = "application/vnd.openxmlformats-officedocument"

# A4 in PDF points, and a fax page at standard resolution (204 x 98 dpi, 1728 dots wide).
A4_POINTS = (595, 842)
FAX_WIDTH = 1728
FAX_HEIGHT = 1143
FAX_DPI = (204, 98)

_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_TIFF_ORDERS = {b"II*\x00": "<", b"MM\x00*": ">"}


def _pdf_text(text: str) -> str:
    """Return `text` as a PDF literal string body: ASCII, with its delimiters escaped."""
    plain = text.encode("ascii", "replace").decode("ascii")
    return plain.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(pages: int = 1, *, title: str = "Santral faks") -> bytes:
    """Return a PDF of `pages` A4 pages, each naming `title` and its page number.

    Every object sits where the cross-reference table says, so strict readers open it.
    """
    if pages < 1:
        raise ValueError("a document has at least one page")
    width, height = A4_POINTS
    page_ids = [4 + 2 * index for index in range(pages)]
    kids = " ".join(f"{page_id} 0 R" for page_id in page_ids)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index, page_id in enumerate(page_ids):
        objects.append(
            (
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_id + 1} 0 R >>"
            ).encode()
        )
        stream = (
            f"BT /F1 24 Tf 72 770 Td ({_pdf_text(title)}) Tj "
            f"0 -36 Td (Sayfa {index + 1} / {pages}) Tj ET"
        ).encode()
        objects.append(
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _packbits(row: bytes) -> bytes:
    """Compress one scan line with PackBits (TIFF compression 32773)."""
    out = bytearray()
    index, size = 0, len(row)
    while index < size:
        end = index + 1
        while end < size and end - index < 128 and row[end] == row[index]:
            end += 1
        if end - index > 1:
            out += bytes((257 - (end - index), row[index]))
        else:
            while (
                end < size
                and end - index < 128
                and not (end + 1 < size and row[end] == row[end + 1])
            ):
                end += 1
            out += bytes((end - index - 1,)) + row[index:end]
        index = end
    return bytes(out)


def _fax_page(number: int, width: int, height: int) -> bytes:
    """Return one bilevel page, PackBits compressed: a rule and `number` black blocks.

    Black is 1 (WhiteIsZero), as fax machines store it.
    """
    stride = (width + 7) // 8
    blank = bytes(stride)
    rule = bytes((0xFF,) * (stride - 16)) + bytes(16)
    blocks = bytearray(stride)
    for block in range(min(number, stride // 8)):
        blocks[8 + block * 6 : 12 + block * 6] = b"\xff" * 4
    rows: list[bytes] = []
    for line in range(height):
        if 40 <= line < 44:
            row = rule
        elif 60 <= line < 92:
            row = bytes(blocks)
        else:
            row = blank
        rows.append(_packbits(row))
    return b"".join(rows)


def tiff(pages: int = 1, *, width: int = FAX_WIDTH, height: int = FAX_HEIGHT) -> bytes:
    """Return a little-endian, 1-bit fax TIFF of `pages` pages, one strip a page.

    Each page is an image file directory with the tags a fax reader looks for (size,
    PackBits, WhiteIsZero, resolution, page number), chained in order.
    """
    if pages < 1:
        raise ValueError("a document has at least one page")
    out = bytearray(b"II*\x00\x00\x00\x00\x00")
    link = 4  # where the offset of the next directory goes
    for index in range(pages):
        strip = _fax_page(index + 1, width, height)
        strip_offset = len(out)
        out += strip
        if len(out) % 2:
            out += b"\x00"
        resolution = len(out)
        out += struct.pack("<IIII", FAX_DPI[0], 1, FAX_DPI[1], 1)
        short, long_, rational = 3, 4, 5
        entries = [
            (254, long_, 1, struct.pack("<I", 2)),
            (256, long_, 1, struct.pack("<I", width)),
            (257, long_, 1, struct.pack("<I", height)),
            (258, short, 1, struct.pack("<HH", 1, 0)),
            (259, short, 1, struct.pack("<HH", 32773, 0)),
            (262, short, 1, struct.pack("<HH", 0, 0)),
            (266, short, 1, struct.pack("<HH", 1, 0)),
            (273, long_, 1, struct.pack("<I", strip_offset)),
            (277, short, 1, struct.pack("<HH", 1, 0)),
            (278, long_, 1, struct.pack("<I", height)),
            (279, long_, 1, struct.pack("<I", len(strip))),
            (282, rational, 1, struct.pack("<I", resolution)),
            (283, rational, 1, struct.pack("<I", resolution + 8)),
            (296, short, 1, struct.pack("<HH", 2, 0)),
            (297, short, 2, struct.pack("<HH", index, pages)),
        ]
        directory = len(out)
        struct.pack_into("<I", out, link, directory)
        out += struct.pack("<H", len(entries))
        for tag, kind, count, value in entries:
            out += struct.pack("<HHI", tag, kind, count) + value
        link = len(out)
        out += b"\x00\x00\x00\x00"
    return bytes(out)


def sniff(data: bytes) -> str | None:
    """Return the media type the file's first bytes show, or None when unknown."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data[:4] in _TIFF_ORDERS:
        return TIFF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"BM"):
        return BMP
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DOC
    if data.startswith(b"PK\x03\x04"):
        return OOXML
    return None


def _tiff_pages(data: bytes) -> int:
    """Count the image file directories of a TIFF, stopping at a loop or a bad offset."""
    order = _TIFF_ORDERS[data[:4]]
    (offset,) = struct.unpack_from(f"{order}I", data, 4)
    seen: set[int] = set()
    while offset and offset not in seen and offset + 2 <= len(data):
        seen.add(offset)
        (count,) = struct.unpack_from(f"{order}H", data, offset)
        link = offset + 2 + 12 * count
        if link + 4 > len(data):
            break
        (offset,) = struct.unpack_from(f"{order}I", data, link)
    return len(seen)


def page_count(data: bytes) -> int:
    """Return how many fax pages a file makes: PDF and TIFF pages, else one."""
    kind = sniff(data)
    if kind == PDF:
        return max(1, len(_PDF_PAGE.findall(data)))
    if kind == TIFF:
        return max(1, _tiff_pages(data))
    return 1
