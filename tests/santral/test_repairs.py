"""The repair issue for a webhook no provider can reach, and Home Assistant Cloud cloudhooks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from datetime import timedelta
from enum import Enum
import sys
from types import ModuleType
from typing import Any
from unittest.mock import AsyncMock, Mock, patch

from hass_nabucasa import CloudError as CloudApiError
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import CONF_SET_NOTIFICATION_URL, DOMAIN
from simulator import Simulator
from tests.helpers import WEBHOOK_IDS, setup

KINDS = {"bulutfon": "bulutfon_token", "bulutsantralim": "bulutsantralim"}
CLOUDHOOK = "https://hooks.nabu.casa/santral-test-hook"


class CloudNotAvailable(Exception):
    """Stands for Home Assistant Cloud's own error when it is not connected."""


class CloudConnectionState(Enum):
    """Stands for Home Assistant Cloud's connection states."""

    CLOUD_CONNECTED = "cloud_connected"
    CLOUD_DISCONNECTED = "cloud_disconnected"


@pytest.fixture
async def reachable_base(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> str:
    """Return the address of the test server with webhooks on: the simulator reaches it."""
    await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    return str(client.make_url("/")).rstrip("/")


@pytest.fixture
def cloud(hass: HomeAssistant) -> Generator[ModuleType]:
    """Stand in for a signed-in Home Assistant Cloud that makes cloudhooks.

    Home Assistant Cloud needs voice and camera libraries the test environment lacks, so
    its public functions are provided here with the behaviour the integration relies on.
    """
    module = ModuleType("homeassistant.components.cloud")
    module.CloudNotAvailable = CloudNotAvailable  # type: ignore[attr-defined]
    module.async_active_subscription = Mock(return_value=True)  # type: ignore[attr-defined]
    module.async_is_logged_in = Mock(return_value=True)  # type: ignore[attr-defined]
    module.async_is_connected = Mock(return_value=True)  # type: ignore[attr-defined]
    module.listeners = []  # type: ignore[attr-defined]

    def _listen(
        hass: HomeAssistant, target: Callable[[CloudConnectionState], None]
    ) -> Callable[[], None]:
        module.listeners.append(target)  # type: ignore[attr-defined]
        return lambda: module.listeners.remove(target)  # type: ignore[attr-defined]

    module.async_listen_connection_change = _listen  # type: ignore[attr-defined]
    module.hook_listeners = {}  # type: ignore[attr-defined]

    def _listen_hook(
        hass: HomeAssistant,
        webhook_id: str,
        on_change: Callable[[dict[str, Any] | None], None],
    ) -> Callable[[], None]:
        module.hook_listeners[webhook_id] = on_change  # type: ignore[attr-defined]

        def _stop() -> None:
            del module.hook_listeners[webhook_id]  # type: ignore[attr-defined]

        return _stop

    module.async_listen_cloudhook_change = _listen_hook  # type: ignore[attr-defined]
    module.async_get_or_create_cloudhook = AsyncMock(return_value=CLOUDHOOK)  # type: ignore[attr-defined]
    module.async_delete_cloudhook = AsyncMock()  # type: ignore[attr-defined]
    hass.config.components.add("cloud")
    with patch.dict(sys.modules, {"homeassistant.components.cloud": module}):
        yield module


def issues(hass: HomeAssistant) -> list[ir.IssueEntry]:
    """Return Santral's repair issues."""
    registry = ir.async_get(hass)
    return [issue for (domain, _), issue in registry.issues.items() if domain == DOMAIN]


@pytest.mark.parametrize("provider", ["bulutfon", "bulutsantralim"])
async def test_issue_raised_then_cleared(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    reachable_base: str,
    provider: str,
) -> None:
    """No public URL raises the issue; setting an external URL withdraws it, no reload."""
    entry = await setup(
        hass, make_entry(KINDS[provider]), {CONF_SET_NOTIFICATION_URL: True}
    )

    (issue,) = issues(hass)
    assert issue.translation_key == "unreachable_webhook"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["name"] == entry.title
    assert simulator.count("bulutsantralim", "crm_integrations") == 0

    base = reachable_base
    await hass.config.async_update(external_url=base)  # as Settings > Network does
    await hass.async_block_till_done(wait_background_tasks=True)
    assert issues(hass) == []
    if provider == "bulutsantralim":
        assert simulator.state.bulutsantralim.crm.notification_url == (
            f"{base}/api/webhook/{WEBHOOK_IDS[provider]}"
        )


async def test_only_the_external_url_is_watched(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    reachable_base: str,
) -> None:
    """Other core settings changing ask nothing of the provider; a new external URL does."""
    first = reachable_base
    await async_process_ha_core_config(hass, {"external_url": first})
    await setup(hass, make_entry("bulutsantralim"), {CONF_SET_NOTIFICATION_URL: True})
    hook = f"/api/webhook/{WEBHOOK_IDS['bulutsantralim']}"
    assert simulator.state.bulutsantralim.crm.notification_url == first + hook
    before = simulator.count("bulutsantralim", "crm_integrations")

    await hass.config.async_update(location_name="Ofis")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert simulator.count("bulutsantralim", "crm_integrations") == before

    second = first.replace("127.0.0.1", "localhost")
    await hass.config.async_update(external_url=second)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert simulator.state.bulutsantralim.crm.notification_url == second + hook


async def test_issue_leaves_with_the_entry(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """An unloaded entry leaves no issue behind."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    assert len(issues(hass)) == 1
    await hass.config_entries.async_unload(entry.entry_id)
    assert issues(hass) == []


async def test_fax_only_provider_needs_no_url(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """Telsam is polled; it has no webhook and so no issue."""
    await setup(hass, make_entry("telsam"))
    assert issues(hass) == []


async def test_cloudhook_is_used(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    reachable_base: str,
    cloud: ModuleType,
) -> None:
    """With Home Assistant Cloud, the PBX posts to a cloudhook and no issue is raised.

    The stand-in cloudhook relays to the test server, as Home Assistant Cloud relays to
    the webhook; the PBX checks the URL with a real POST before it keeps it.
    """
    relay = f"{reachable_base}/api/webhook/{WEBHOOK_IDS['bulutsantralim']}"
    cloud.async_get_or_create_cloudhook.return_value = relay
    entry = await setup(
        hass, make_entry("bulutsantralim"), {CONF_SET_NOTIFICATION_URL: True}
    )
    cloud.async_get_or_create_cloudhook.assert_awaited_with(
        hass, WEBHOOK_IDS["bulutsantralim"]
    )
    assert issues(hass) == []
    assert simulator.state.bulutsantralim.crm.notification_url == relay

    await hass.config_entries.async_remove(entry.entry_id)
    cloud.async_delete_cloudhook.assert_awaited_once_with(
        hass, WEBHOOK_IDS["bulutsantralim"]
    )


async def test_changed_cloudhook_is_followed(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    reachable_base: str,
    cloud: ModuleType,
) -> None:
    """A cloudhook made anew (its address changed) is given to the PBX without a reload."""
    webhook_id = WEBHOOK_IDS["bulutsantralim"]
    first = f"{reachable_base}/api/webhook/{webhook_id}"
    second = f"{reachable_base}/api/webhook/{webhook_id}?hook=2"
    cloud.async_get_or_create_cloudhook.return_value = first
    entry = await setup(
        hass, make_entry("bulutsantralim"), {CONF_SET_NOTIFICATION_URL: True}
    )
    assert simulator.state.bulutsantralim.crm.notification_url == first

    cloud.async_get_or_create_cloudhook.return_value = second
    cloud.hook_listeners[webhook_id]({"cloudhook_url": second})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert simulator.state.bulutsantralim.crm.notification_url == second
    assert issues(hass) == []

    await hass.config_entries.async_unload(entry.entry_id)
    assert cloud.hook_listeners == {}


async def test_cloud_not_connected(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    cloud: ModuleType,
) -> None:
    """A subscription whose cloud is not connected falls back to the external URL."""
    cloud.async_get_or_create_cloudhook.side_effect = CloudNotAvailable
    cloud.async_delete_cloudhook.side_effect = CloudNotAvailable
    await async_process_ha_core_config(hass, {"external_url": "https://ev.example.com"})
    entry = await setup(hass, make_entry("bulutfon_token"))
    assert issues(hass) == []
    await hass.config_entries.async_remove(entry.entry_id)
    cloud.async_delete_cloudhook.assert_awaited_once()


async def test_signed_out_cloud_is_not_asked(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    cloud: ModuleType,
) -> None:
    """Without a subscription there is no cloudhook to make or to delete."""
    cloud.async_active_subscription.return_value = False
    cloud.async_is_logged_in.return_value = False
    cloud.async_is_connected.return_value = False
    entry = await setup(hass, make_entry("bulutfon_token"))
    assert len(issues(hass)) == 1
    await hass.config_entries.async_remove(entry.entry_id)
    cloud.async_get_or_create_cloudhook.assert_not_awaited()
    cloud.async_delete_cloudhook.assert_not_awaited()


async def test_cloud_still_connecting(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    reachable_base: str,
    cloud: ModuleType,
) -> None:
    """At start-up the cloud connects late: nothing is decided until it does.

    No issue is raised and the PBX is not pointed at the external URL meanwhile; once
    connected, the cloudhook is used.
    """
    relay = f"{reachable_base}/api/webhook/{WEBHOOK_IDS['bulutsantralim']}"
    await async_process_ha_core_config(hass, {"external_url": "http://127.0.0.1:9"})
    cloud.async_is_connected.return_value = False
    cloud.async_get_or_create_cloudhook.return_value = relay
    entry = await setup(
        hass, make_entry("bulutsantralim"), {CONF_SET_NOTIFICATION_URL: True}
    )
    assert issues(hass) == []
    assert simulator.count("bulutsantralim", "crm_integrations") == 0

    cloud.async_is_connected.return_value = True
    for listener in list(cloud.listeners):
        listener(CloudConnectionState.CLOUD_CONNECTED)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert simulator.state.bulutsantralim.crm.notification_url == relay
    assert issues(hass) == []

    await hass.config_entries.async_unload(entry.entry_id)
    assert cloud.listeners == []


@pytest.mark.parametrize(
    "error",
    [
        TimeoutError,
        ValueError("Cloud is not connected"),
        CloudApiError("webhook_generate failed"),
    ],
)
async def test_cloud_errors_fall_back(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    cloud: ModuleType,
    error: Exception,
) -> None:
    """Whatever the cloud raises, the external URL serves; the options still open."""
    cloud.async_get_or_create_cloudhook.side_effect = error
    await async_process_ha_core_config(hass, {"external_url": "https://ev.example.com"})
    entry = await setup(hass, make_entry("bulutfon_token"))
    assert issues(hass) == []
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["description_placeholders"]["webhook_url"].startswith(
        "https://ev.example.com/api/webhook/"
    )


async def test_unload_during_check_leaves_no_issue(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    cloud: ModuleType,
) -> None:
    """A check still waiting for the cloud when the entry goes raises nothing after it."""
    release = asyncio.Event()

    async def _slow_cloudhook(hass: HomeAssistant, webhook_id: str) -> str:
        await release.wait()
        raise CloudNotAvailable

    cloud.async_get_or_create_cloudhook.side_effect = _slow_cloudhook
    entry = make_entry("bulutfon_token")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(entry.entry_id)
    release.set()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert issues(hass) == []


async def test_cloud_that_never_connects(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    cloud: ModuleType,
) -> None:
    """A subscribed cloud that does not connect within five minutes is not waited for."""
    cloud.async_is_connected.return_value = False
    cloud.async_get_or_create_cloudhook.side_effect = CloudNotAvailable
    await setup(hass, make_entry("bulutfon_token"))
    assert issues(hass) == []
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=6))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(issues(hass)) == 1


async def test_removal_withdraws_an_earlier_issue(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """An issue left from an earlier run goes with its entry, even one never loaded."""
    entry = make_entry("bulutsantralim")
    entry.add_to_hass(hass)
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"unreachable_webhook_{entry.entry_id}",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="unreachable_webhook",
        translation_placeholders={"name": entry.title, "network_settings": "/"},
    )
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issues(hass) == []
