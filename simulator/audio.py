"""Small but valid call recordings, made in code: silent MP3 and Ogg Vorbis audio.

Verimor's recording URLs hand out MP3 (`audio/mpeg`); Bulutfon's call records are Ogg
Vorbis at 8000 Hz, mono (providers.md §1.6). Players and `ffprobe` open both and report
the call's length, so a client that saves or streams a recording handles real files.
Both are silence: MPEG-2.5 Layer III frames whose side information is all zero, and a
Vorbis stream whose one floor is unused in every packet.
"""

from __future__ import annotations

import math
import struct

MPEG = "audio/mpeg"
OGG = "audio/ogg"
# What audio files start with: MP3 (ID3 tag or frame sync), WAV, Ogg, FLAC. A provider that
# takes a sound file (Bulutfon's `sound_url`, Verimor's announcements) checks these.
AUDIO_MAGIC = (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"RIFF", b"OggS", b"fLaC")

SAMPLE_RATE = 8000
# Long recordings are cut here, so one request never builds more than a few megabytes.
MAX_SECONDS = 3600
TITLE = "Santral kayıt"
VENDOR = "Santral simulator"

# MPEG-2.5 Layer III, no CRC, 8 kbit/s, 8000 Hz, mono: 72-byte frames of 576 samples.
MP3_FRAME_HEADER = bytes((0xFF, 0xE3, 0x18, 0xC0))
MP3_FRAME_BYTES = 72
MP3_FRAME_SAMPLES = 576

# Short Vorbis blocks of 256 samples; each packet after the first adds half a block.
VORBIS_SHORT_BLOCK_EXP = 8
VORBIS_LONG_BLOCK_EXP = 11
VORBIS_PACKET_SAMPLES = (1 << VORBIS_SHORT_BLOCK_EXP) // 2
OGG_SERIAL = 0x5A4E7241
OGG_MAX_SEGMENTS = 255


def looks_like_audio(head: bytes) -> bool:
    """Return whether a file's first bytes are those of an audio file (`AUDIO_MAGIC`)."""
    return head.startswith(AUDIO_MAGIC)


def _seconds(seconds: int) -> int:
    """Return the length to make: at least one second, at most `MAX_SECONDS`."""
    return min(max(seconds, 1), MAX_SECONDS)


# --- MP3 ------------------------------------------------------------------------------


def _syncsafe(value: int) -> bytes:
    """Return an ID3v2.4 size: four bytes of seven bits each."""
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _id3_tag(title: str) -> bytes:
    """Return an ID3v2.4 tag holding one UTF-8 title frame."""
    text = b"\x03" + title.encode()
    frame = b"TIT2" + _syncsafe(len(text)) + b"\x00\x00" + text
    return b"ID3\x04\x00\x00" + _syncsafe(len(frame)) + frame


def mp3(seconds: int) -> bytes:
    """Return `seconds` of silent MP3 (8000 Hz, mono, 8 kbit/s) after an ID3 tag."""
    frames = math.ceil(_seconds(seconds) * SAMPLE_RATE / MP3_FRAME_SAMPLES)
    frame = MP3_FRAME_HEADER.ljust(MP3_FRAME_BYTES, b"\x00")
    return _id3_tag(TITLE) + frame * frames


# --- Ogg Vorbis -----------------------------------------------------------------------


class _BitWriter:
    """Pack values least significant bit first, as Vorbis headers are packed."""

    def __init__(self) -> None:
        self._bits: list[int] = []

    def write(self, value: int, width: int) -> None:
        """Append the low `width` bits of `value`."""
        self._bits.extend((value >> index) & 1 for index in range(width))

    def write_bytes(self, data: bytes) -> None:
        """Append whole bytes."""
        for byte in data:
            self.write(byte, 8)

    def to_bytes(self) -> bytes:
        """Return the bits written, the last byte padded with zeros."""
        out = bytearray(math.ceil(len(self._bits) / 8))
        for index, bit in enumerate(self._bits):
            out[index // 8] |= bit << (index % 8)
        return bytes(out)


def _vorbis_identification() -> bytes:
    """Return the identification header: Vorbis 0, mono, 8000 Hz, 256/2048 blocks."""
    return (
        b"\x01vorbis"
        + struct.pack("<IBIiii", 0, 1, SAMPLE_RATE, 0, 12000, 0)
        + bytes(((VORBIS_LONG_BLOCK_EXP << 4) | VORBIS_SHORT_BLOCK_EXP, 1))
    )


def _vorbis_comment() -> bytes:
    """Return the comment header: the vendor and a title."""
    vendor = VENDOR.encode()
    comment = f"TITLE={TITLE}".encode()
    return (
        b"\x03vorbis"
        + struct.pack("<I", len(vendor))
        + vendor
        + struct.pack("<II", 1, len(comment))
        + comment
        + b"\x01"
    )


def _vorbis_setup() -> bytes:
    """Return the smallest complete setup header: one of each part, all unused in audio.

    One two-entry codebook, a floor of type 1 without partitions, an empty residue of type
    0, one mapping and one short-block mode.
    """
    bits = _BitWriter()
    bits.write_bytes(b"\x05vorbis")
    bits.write(0, 8)  # one codebook
    bits.write(0x564342, 24)  # codebook sync pattern
    bits.write(1, 16)  # dimensions
    bits.write(2, 24)  # entries
    bits.write(0, 1)  # not ordered
    bits.write(0, 1)  # not sparse
    bits.write(0, 5)  # entry 0: codeword length 1
    bits.write(0, 5)  # entry 1: codeword length 1
    bits.write(0, 4)  # no lookup table
    bits.write(0, 6)  # one time-domain transform
    bits.write(0, 16)  # which is the placeholder 0
    bits.write(0, 6)  # one floor
    bits.write(1, 16)  # of type 1
    bits.write(0, 5)  # without partitions
    bits.write(1, 2)  # multiplier 2
    bits.write(8, 4)  # range bits
    bits.write(0, 6)  # one residue
    bits.write(0, 16)  # of type 0
    bits.write(0, 24)  # begin
    bits.write(0, 24)  # end
    bits.write(0, 24)  # partition size 1
    bits.write(0, 6)  # one classification
    bits.write(0, 8)  # classbook 0
    bits.write(0, 3)  # cascade low bits
    bits.write(0, 1)  # no cascade high bits
    bits.write(0, 6)  # one mapping
    bits.write(0, 16)  # of type 0
    bits.write(0, 1)  # one submap
    bits.write(0, 1)  # no channel coupling
    bits.write(0, 2)  # reserved
    bits.write(0, 8)  # submap 0: unused time configuration
    bits.write(0, 8)  # submap 0: floor 0
    bits.write(0, 8)  # submap 0: residue 0
    bits.write(0, 6)  # one mode
    bits.write(0, 1)  # short blocks
    bits.write(0, 16)  # window type
    bits.write(0, 16)  # transform type
    bits.write(0, 8)  # mapping 0
    bits.write(1, 1)  # framing bit
    return bits.to_bytes()


def _ogg_crc_table() -> tuple[int, ...]:
    """Return the lookup table of Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected)."""
    table: list[int] = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return tuple(table)


_OGG_CRC_TABLE = _ogg_crc_table()


def ogg_crc(data: bytes) -> int:
    """Return the Ogg page checksum of `data`."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC_TABLE[(crc >> 24) ^ byte]
    return crc


def _ogg_page(
    packets: list[bytes], *, sequence: int, granule: int, flags: int
) -> bytes:
    """Return one Ogg page holding whole `packets`, each shorter than 255 bytes or not."""
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes((len(packet) % 255,))
    header = struct.pack(
        "<4sBBqIIIB",
        b"OggS",
        0,
        flags,
        granule,
        OGG_SERIAL,
        sequence,
        0,
        len(lacing),
    )
    page = bytearray(header + lacing + b"".join(packets))
    struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
    return bytes(page)


def ogg_vorbis(seconds: int) -> bytes:
    """Return `seconds` of silent Ogg Vorbis (8000 Hz, mono) in a single logical stream.

    Each audio packet is one zero byte: audio, mode 0, floor unused, so nothing decoded.
    """
    samples = _seconds(seconds) * SAMPLE_RATE
    # The first packet only primes the decoder; each one after it adds half a block.
    audio_packets = 1 + math.ceil(samples / VORBIS_PACKET_SAMPLES)
    pages = [
        _ogg_page([_vorbis_identification()], sequence=0, granule=0, flags=0x02),
        _ogg_page([_vorbis_comment(), _vorbis_setup()], sequence=1, granule=0, flags=0),
    ]
    done = 0
    while done < audio_packets:
        count = min(OGG_MAX_SEGMENTS, audio_packets - done)
        done += count
        last = done == audio_packets
        granule = samples if last else (done - 1) * VORBIS_PACKET_SAMPLES
        pages.append(
            _ogg_page(
                [b"\x00"] * count,
                sequence=len(pages),
                granule=granule,
                flags=0x04 if last else 0,
            )
        )
    return b"".join(pages)
