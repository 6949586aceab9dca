"""Reading who answered a Bulutfon call from its record's `call_flow`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.santral.providers import (
    DESCRIPTIONS,
    BulutfonClient,
    CallFlow,
    Capability,
    Provider,
    SantralInvalidResponseError,
    SantralProviderError,
)
from custom_components.santral.providers.bulutfon import _call_flow
from simulator import Simulator

SEED = json.loads(
    (
        Path(__file__).parents[1] / "fixtures" / "bulutfon_cdr_detail_seed_003.json"
    ).read_text(encoding="utf-8")
)


def step(redirection: str, **fields: Any) -> dict[str, Any]:
    """Return one step of a call's flow."""
    return {"redirection": redirection, "answer_time": None, **fields}


def test_seed_group_call() -> None:
    """Seed 003: 1004 answers group 101, which rang four extensions."""
    assert _call_flow(SEED["cdr"]["call_flow"]) == CallFlow(
        "1004", ("1004", "1008", "1009", "1015")
    )


@pytest.mark.parametrize(
    ("steps", "flow"),
    [
        (None, CallFlow(None)),
        ([], CallFlow(None)),
        (
            [
                step(
                    "REDIRECTED_TO_EXTENSION",
                    callee=908508850000,
                    redirection_target=1002,
                ),
                step("CONNECTING_TO_EXTENSION", callee=1002, answer_time="t"),
            ],
            CallFlow("1002"),
        ),
        (
            # A menu (answered) sends the call to 1002, which does not pick up.
            [
                step(
                    "REDIRECTED_TO_EXTENSION",
                    callee=10,
                    redirection_target=1002,
                    answer_time="t",
                ),
                step("CONNECTING_TO_EXTENSION", callee=1002),
            ],
            CallFlow(None),
        ),
        (
            [
                step(
                    "redirected_to_extension",
                    callee=10,
                    redirection_target="1003",
                    answer_time="t",
                )
            ],
            CallFlow("1003"),
        ),
        (
            [
                "not a step",
                step("CONNECTING_TO_GROUP", callee=101, origination="legs"),
                step(
                    "CONNECTING_TO_GROUP",
                    callee=101,
                    origination=[
                        "not a leg",
                        {"destination": True, "result": "ANSWERED"},
                        {"destination": 1001, "result": "NO_ANSWER"},
                        {"destination": "1002"},
                        {"destination": 1001, "result": "NO_ANSWER"},
                    ],
                ),
            ],
            CallFlow(None, ("1001", "1002")),
        ),
        (
            [step("OTHER", callee=908508850000, answer_time="t")],
            CallFlow(None),
        ),
    ],
    ids=["none", "empty", "extension", "unanswered", "lower-case", "odd", "other"],
)
def test_flows(steps: Any, flow: CallFlow) -> None:
    """Answered steps to an extension name it; odd steps and legs are passed over."""
    assert _call_flow(steps) == flow


def test_flow_that_is_no_list() -> None:
    """A `call_flow` of another shape is the provider's error, said as such."""
    with pytest.raises(SantralInvalidResponseError, match="call_flow is not a list"):
        _call_flow({"callee": 1004})


def test_capability_is_bulutfon_only(session: aiohttp.ClientSession) -> None:
    """Only Bulutfon's client reads call flows."""
    client = BulutfonClient(session, token="t")
    assert client.call_flow is client
    assert {
        provider
        for provider, description in DESCRIPTIONS.items()
        if Capability.CALL_FLOW in description.capabilities
    } == {Provider.BULUTFON}


async def test_reads_the_simulated_detail(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The client reads `GET /cdrs/{uuid}`; an unknown uuid is Bulutfon's 404."""
    call = await simulator.place_call(
        "bulutfon", group="101", rings=("1004", "1008"), extension="1008"
    )
    client = BulutfonClient(
        session,
        token=simulator.state.bulutfon.token,
        base_url=simulator.url("bulutfon"),
    )
    assert await client.async_get_call_flow(call.uuid) == CallFlow(
        "1008", ("1004", "1008")
    )
    with pytest.raises(SantralProviderError) as err:
        await client.async_get_call_flow("no-such-call")
    assert err.value.status == 404


async def test_detail_without_cdr(session: aiohttp.ClientSession) -> None:
    """An answer without the `cdr` object is the provider's error, said as such."""

    async def handle(_request: web.Request) -> web.Response:
        return web.json_response({"cdrs": []})

    app = web.Application()
    app.router.add_get("/cdrs/{uuid}", handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    client = BulutfonClient(
        session, token="t", base_url=str(server.make_url("")).rstrip("/")
    )
    try:
        with pytest.raises(SantralInvalidResponseError, match="lacks the cdr object"):
            await client.async_get_call_flow("u-1")
    finally:
        await server.close()
