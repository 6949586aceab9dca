"""Bulutsantralim's client for do-not-disturb and live calls, without Home Assistant.

`/dnd`, `/hangup` and `/transfer` answer plain text; refusals are the PBX's sentences and
reach the caller in its words. Only Bulutsantralim describes these capabilities.
"""

from __future__ import annotations

import aiohttp
from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.santral.providers import (
    DESCRIPTIONS,
    Capability,
    Provider,
    SantralInvalidResponseError,
    SantralProviderError,
    SantralRateLimitedError,
)
from custom_components.santral.providers.ratelimit import SlidingWindowLimiter
from simulator import Fault, FaultKind, Simulator
from tests.helpers import bulutsantralim_client


def test_only_bulutsantralim_describes_them() -> None:
    """The capabilities are in the provider's description, so others show nothing."""
    for provider, description in DESCRIPTIONS.items():
        has = provider is Provider.BULUTSANTRALIM
        assert (Capability.DO_NOT_DISTURB in description.capabilities) is has
        assert (Capability.LIVE_CALL_CONTROL in description.capabilities) is has


async def test_dnd_is_set_and_read_back(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Switched on, the extension's presence reads SS_DND; refusals are the PBX's words."""
    client = bulutsantralim_client(simulator, session)
    assert client.do_not_disturb is client
    await client.async_set_dnd("1004", True)
    assert (await client.async_get_extensions())["1004"].presence == "do_not_disturb"
    await client.async_set_dnd("1004", False)
    assert simulator.state.bulutsantralim.user_status("1004") == "AVAILABLE"

    with pytest.raises(SantralProviderError) as err:
        await client.async_set_dnd("1099", True)
    assert err.value.provider_message == "extension 1099 not found"
    assert err.value.status == 400

    simulator.inject("bulutsantralim", "dnd", Fault(FaultKind.HTML))
    with pytest.raises(SantralInvalidResponseError):
        await client.async_set_dnd("1004", True)


async def test_unknown_calls_are_no_channel(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Hanging up or moving a call that is not going on is `No such channel!`."""
    client = bulutsantralim_client(simulator, session)
    assert client.live_call_control is client
    with pytest.raises(SantralProviderError) as err:
        await client.async_hangup("c-1")
    assert err.value.provider_message == "No such channel!"
    with pytest.raises(SantralProviderError) as err:
        await client.async_transfer("c-1", "1002")
    assert err.value.provider_message == "No such channel!"
    simulator.inject("bulutsantralim", "hangup", Fault(FaultKind.HTML))
    with pytest.raises(SantralInvalidResponseError):
        await client.async_hangup("c-1")


def test_ready_in_tells_when_a_read_fits(freezer: FrozenDateTimeFactory) -> None:
    """Two a minute: the wait for the next call, and for one that leaves room after it."""
    limiter = SlidingWindowLimiter(2, 60, "test")
    assert limiter.ready_in() == 0
    limiter.acquire()
    assert limiter.ready_in() == 0
    # A call now would leave no room for one 39 s later; 21 s from now it would.
    assert limiter.ready_in(39) == pytest.approx(21)
    freezer.tick(10)
    limiter.acquire()
    assert limiter.ready_in() == pytest.approx(50)
    assert limiter.ready_in(39) == pytest.approx(50)
    with pytest.raises(SantralRateLimitedError):
        limiter.acquire()
    freezer.tick(50)
    assert limiter.ready_in() == 0
    assert limiter.ready_in(39) == 0
    limiter.acquire()

    # A 429 that asked for 30 s frees the slots one at a time from then on.
    limiter.block(30)
    assert limiter.ready_in() == pytest.approx(30)
    freezer.tick(30)
    assert limiter.ready_in() == 0
    limiter.acquire()
    assert limiter.ready_in() == pytest.approx(30)
