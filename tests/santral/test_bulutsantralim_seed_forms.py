"""Bulutsantralim as seed 002 writes it: `t`/`f` booleans and `recording_url` as a GET URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.providers import BulutsantralimClient
from simulator import Simulator
from simulator.providers.bulutsantralim.render import (
    call_webhooks as bulutsantralim_webhooks,
)
from tests.helpers import WEBHOOK_IDS, setup


@pytest.mark.parametrize(
    ("booleans", "yes", "no"), [("t/f", "t", "f"), ("true/false", "true", "false")]
)
async def test_webhook_booleans_from_the_simulator(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    call_events: list[dict[str, Any]],
    booleans: str,
    yes: str,
    no: str,
) -> None:
    """Both spellings of `answered` and `recording_present` reach the same events."""
    await setup(hass, make_entry("bulutsantralim"))
    client = await hass_client_no_auth()
    url = str(client.make_url(f"/api/webhook/{WEBHOOK_IDS['bulutsantralim']}"))
    simulator.set_crm_integration(url, booleans=booleans)

    answered = await simulator.place_call(
        "bulutsantralim", outcome="answered", recording=True
    )
    missed = await simulator.place_call("bulutsantralim", outcome="missed")
    await hass.async_block_till_done()

    hangup = bulutsantralim_webhooks(answered, domain_id="101", booleans=booleans)[-1]
    assert (hangup.fields["answered"], hangup.fields["recording_present"]) == (yes, yes)
    unanswered = bulutsantralim_webhooks(missed, domain_id="101", booleans=booleans)
    assert unanswered[-1].fields["answered"] == no
    assert {
        delivery.status for delivery in answered.deliveries + missed.deliveries
    } == {200}
    ends = [
        (event["call_id"], event["type"], event["recording_available"])
        for event in call_events
        if event["type"] in ("hangup", "missed")
    ]
    assert ends == [(answered.uuid, "hangup", True), (missed.uuid, "missed", False)]


def test_unknown_boolean_spelling_refused(simulator: Simulator) -> None:
    """The simulator takes only the two spellings Verimor documents."""
    with pytest.raises(ValueError, match="booleans must be one of"):
        simulator.set_crm_integration("http://127.0.0.1:1/", booleans="yes/no")


async def test_recording_url_as_the_seed_shows_it(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """GET with `key` and `call_uuid` in the query, as seed 002's example URL, is served.

    The form POST of the API repository and the SDK's POST with the uuid in the query are
    served too, all under the one documented limit of 5 a minute.
    """
    call = await simulator.place_call("bulutsantralim", recording=True)
    key = simulator.state.bulutsantralim.api_key
    endpoint = f"{simulator.url('bulutsantralim')}/recording_url"

    async with session.get(
        endpoint, params={"key": key, "call_uuid": call.uuid}
    ) as got:
        assert got.status == 200
        assert got.content_type == "text/plain"
        link = await got.text()
    assert link.startswith(f"{simulator.url('bulutsantralim')}/recording/R")
    async with session.get(link) as audio:
        assert audio.status == 200
        assert audio.content_type == "audio/mpeg"
        assert (await audio.read()).startswith(b"ID3")

    async with session.post(
        endpoint, data={"key": key, "call_uuid": call.uuid}
    ) as posted:
        assert posted.status == 200
    async with session.post(
        endpoint, params={"call_uuid": call.uuid}, data={"key": key}
    ) as sdk:
        assert sdk.status == 200
    async with session.get(
        endpoint, params={"key": key, "call_uuid": "nope"}
    ) as unknown:
        assert unknown.status == 400
        assert await unknown.text() == "cannot find call with call_uuid nope"
    async with session.get(
        endpoint, params={"key": "wrong", "call_uuid": call.uuid}
    ) as bad:
        assert bad.status == 400
        assert (await bad.text()).startswith("Gecersiz anahtar")
    # Four taken so far (a wrong key is refused before the limit): one more, then 429.
    statuses = []
    for _ in range(2):
        async with session.get(
            endpoint, params={"key": key, "call_uuid": call.uuid}
        ) as again:
            statuses.append(again.status)
    assert statuses == [200, 429]
    assert simulator.count("bulutsantralim", "recording_url") == 7


async def test_client_posts_the_recording_request(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The client asks with a POST and form fields: the key never stands in a URL."""
    call = await simulator.place_call("bulutsantralim", recording=True)
    client = BulutsantralimClient(
        session,
        api_key=simulator.state.bulutsantralim.api_key,
        base_url=simulator.url("bulutsantralim"),
    )
    link = await client.async_get_recording_url(call.uuid)
    assert link.url.startswith(f"{simulator.url('bulutsantralim')}/recording/R")
    (request,) = [
        record
        for record in simulator.state.requests
        if record.endpoint == "recording_url"
    ]
    assert request.method == "POST"
    assert "key" not in request.path
