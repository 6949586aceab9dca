"""A webhook body that arrives in several TCP segments is read whole before it is parsed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.helpers import WEBHOOK_IDS, santralim, setup


async def test_body_in_two_segments_is_read_whole(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    make_entry: Callable[[str], MockConfigEntry],
    call_events: list[dict[str, Any]],
) -> None:
    """Headers and the body's first half in one segment, the rest a moment later."""
    await setup(hass, make_entry("bulutsantralim"))
    client = await hass_client_no_auth()
    body = santralim("ringing", call_uuid="pieces-abcdef").encode()
    head = (
        f"POST /api/webhook/{WEBHOOK_IDS['bulutsantralim']} HTTP/1.1\r\n"
        f"Host: {client.host}:{client.port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection(client.host, client.port)
    cut = body.index(b"abcdef") + 3  # the call id itself is split
    writer.write(head + body[:cut])
    await writer.drain()
    await asyncio.sleep(0.2)
    writer.write(body[cut:])
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    await hass.async_block_till_done()
    assert status_line.split()[1] == b"200"
    assert [event["call_id"] for event in call_events] == ["pieces-abcdef"]
