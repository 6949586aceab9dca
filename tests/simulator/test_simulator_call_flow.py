"""Bulutfon's `GET /cdrs/{uuid}` in the simulator: seed 003's `call_flow`, and its control."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulator import Simulator
from simulator.__main__ import _parser, _request
from simulator.calls import build_call

DID = 908508850000
SEED_STEPS = json.loads(
    (
        Path(__file__).parents[1] / "fixtures" / "bulutfon_cdr_detail_seed_003.json"
    ).read_text(encoding="utf-8")
)["cdr"]["call_flow"]


async def detail(
    session: aiohttp.ClientSession, simulator: Simulator, uuid: str
) -> tuple[int, Any]:
    """Return the status and JSON of a call's detail, as Bulutfon answers it."""
    async with session.get(
        f"{simulator.url('bulutfon')}/cdrs/{uuid}",
        params={"access_token": simulator.state.bulutfon.token},
    ) as response:
        return response.status, await response.json()


async def test_group_call_has_the_seed_shape(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Menu, group and extension are integers; the group has a leg per ringing extension."""
    call = await simulator.place_call(
        "bulutfon", menu="10", group="101", rings=("1004", "1008"), extension="1004"
    )
    status, body = await detail(session, simulator, call.uuid)
    assert status == 200
    steps = body["cdr"]["call_flow"]
    assert [step["redirection"] for step in steps] == [
        "REDIRECTED_TO_MENU",
        "REDIRECTED_TO_GROUP",
        "CONNECTING_TO_GROUP",
    ]
    assert [step["callee"] for step in steps] == [DID, 10, 101]
    assert [step.get("redirection_target") for step in steps] == [10, 101, None]
    # The PBX number's step is not answered; the menu answers before sending it on.
    assert steps[0]["answer_time"] is None
    assert steps[1]["answer_time"] == steps[1]["start_time"]
    # Each step has seed 003's keys, in its order, and its value types.
    seeds = [SEED_STEPS[0], SEED_STEPS[2], SEED_STEPS[3]]  # PBX → menu → group
    for step, seed in zip(steps, seeds, strict=True):
        assert list(step) == list(seed)
        assert {
            key: type(value) for key, value in step.items() if value is not None
        } == {key: type(value) for key, value in seed.items() if value is not None}
    legs = steps[-1]["origination"]
    assert [(leg["destination"], leg["result"]) for leg in legs] == [
        (1004, "ANSWERED"),
        (1008, "LOSE_RACE"),
    ]
    assert legs[1]["answer_time"] == legs[0]["answer_time"] == steps[-1]["answer_time"]
    for leg, seed in zip(legs, SEED_STEPS[3]["origination"], strict=False):
        assert {key: type(value) for key, value in leg.items()} == {
            key: type(value) for key, value in seed.items()
        }
    assert set(legs[0]) == {
        "destination",
        "start_time",
        "answer_time",
        "hangup_time",
        "result",
    }


async def test_missed_group_and_direct_calls(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A missed group rings its default three; a direct call connects to its extension."""
    missed = await simulator.place_call(
        "bulutfon", outcome="missed", group="101", extension="1001"
    )
    _, body = await detail(session, simulator, missed.uuid)
    (redirect, group) = body["cdr"]["call_flow"]
    assert redirect["redirection_target"] == 101
    assert group["answer_time"] is None
    assert [(leg["destination"], leg["result"]) for leg in group["origination"]] == [
        (1001, "NO_ANSWER"),
        (1002, "NO_ANSWER"),
        (1003, "NO_ANSWER"),
    ]
    direct = await simulator.place_call("bulutfon", extension="1002")
    _, body = await detail(session, simulator, direct.uuid)
    assert [
        (step["redirection"], step["callee"]) for step in body["cdr"]["call_flow"]
    ] == [("REDIRECTED_TO_EXTENSION", DID), ("CONNECTING_TO_EXTENSION", 1002)]
    outbound = await simulator.place_call("bulutfon", direction="outbound")
    _, body = await detail(session, simulator, outbound.uuid)
    assert [step["redirection"] for step in body["cdr"]["call_flow"]] == ["OTHER"]


async def test_unknown_uuid_is_404(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A uuid the PBX never filed is Bulutfon's not-found error."""
    status, body = await detail(session, simulator, "no-such-call")
    assert status == 404
    assert "error" in body
    assert simulator.count("bulutfon", "cdr") == 1


async def test_control_api_places_group_calls(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """`POST /_control/calls` takes the menu, group and rings, and refuses bad ones."""
    url = f"{simulator.base_url}/_control/calls"
    body = {
        "provider": "bulutfon",
        "menu": 10,
        "group": "101",
        "rings": [1004, "1008"],
        "extension": "1008",
    }
    async with session.post(url, json=body) as response:
        assert response.status == 200
        call = await response.json()
    assert (call["menu"], call["group"], call["rings"]) == (
        "10",
        "101",
        ["1004", "1008"],
    )
    for bad in (
        {"rings": "1004"},
        {"rings": [True]},
        {"provider": "bulutsantralim"},
        {"direction": "outbound"},
        {"menu": "100"},
        {"group": "10"},
        {"group": None, "menu": None},
        {"rings": ["1x"]},
        {"extension": "1001"},
    ):
        async with session.post(url, json=body | bad) as response:
            assert response.status == 400, bad
            assert (await response.json())["error"]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"group": "101", "extension": "1009", "rings": ("1001",)}, "answers"),
        ({"rings": ("1001",)}, "rings needs a group"),
    ],
)
def test_build_call_refuses_routes(fields: dict[str, Any], error: str) -> None:
    """The extension answering a group call is one it rang; rings need a group."""
    with pytest.raises(ValueError, match=error):
        build_call("bulutfon", pbx_number=str(DID), **fields)


def test_command_line_places_group_calls() -> None:
    """`python -m simulator call` sends the menu, group and rings it is given."""
    args = _parser().parse_args(
        ["call", "--provider", "bulutfon", "--group", "101", "--rings", "1004", "1008"]
    )
    path, body = _request(args)
    assert path == "calls"
    assert (body["group"], body["rings"]) == ("101", ["1004", "1008"])
    assert "menu" not in body
