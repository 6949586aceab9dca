"""Config flow: every step, error and abort, for each provider, against the simulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.santral.const import (
    CONF_BASE_URL,
    CONF_SET_NOTIFICATION_URL,
    DOMAIN,
    SECTION_ADVANCED,
    SECTION_WEBHOOK,
)
from simulator import Fault, FaultKind, Simulator
from tests.helpers import (
    MENU_PATHS,
    TITLES,
    UNIQUE_IDS,
    entry_data,
    form_input,
    open_form,
)

ACCOUNT_ENDPOINTS = {
    "bulutfon": "me",
    "bulutsantralim": "caller_ids",
    "telsam": "fax_list",
}
KINDS = list(MENU_PATHS)


@pytest.fixture(autouse=True)
def no_setup() -> Any:
    """Test the flow alone; setting the entry up is tested in test_init."""
    with patch(
        "custom_components.santral.async_setup_entry", return_value=True
    ) as mock:
        yield mock


@pytest.mark.parametrize("kind", KINDS)
async def test_create_entry(
    hass: HomeAssistant, simulator: Simulator, kind: str
) -> None:
    """Valid credentials create an entry with a meaningful title and a unique id."""
    flow_id = await open_form(hass, kind)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(simulator, kind)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    expected = entry_data(simulator, kind)
    provider = expected["provider"]
    assert result["title"] == TITLES[provider]
    webhook_id = result["data"].pop(CONF_WEBHOOK_ID, None)
    assert result["data"] == expected
    if provider == "telsam":
        assert webhook_id is None
    else:
        assert len(webhook_id) >= 32
        assert result["description"] == provider
        assert result["description_placeholders"]["webhook_url"].endswith(
            f"/api/webhook/{webhook_id}"
        )
    assert result["result"].unique_id == UNIQUE_IDS[provider]


async def test_bulutfon_menu(hass: HomeAssistant) -> None:
    """Bulutfon offers both ways of signing in."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "bulutfon"}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["bulutfon_token", "bulutfon_login"]


async def test_input_is_trimmed(hass: HomeAssistant, simulator: Simulator) -> None:
    """Pasted keys with blanks around them and a trailing slash on the URL still work."""
    flow_id = await open_form(hass, "bulutsantralim")
    key = simulator.state.bulutsantralim.api_key
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        form_input(
            simulator,
            "bulutsantralim",
            **{
                CONF_API_KEY: f"  {key} ",
                CONF_BASE_URL: simulator.url("bulutsantralim") + "/",
            },
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_API_KEY] == key
    assert result["data"][CONF_BASE_URL] == simulator.url("bulutsantralim")


@pytest.mark.parametrize(
    ("kind", "overrides"),
    [
        ("bulutfon_token", {CONF_ACCESS_TOKEN: "wrong"}),
        ("bulutfon_login", {CONF_PASSWORD: "wrong"}),
        ("bulutsantralim", {CONF_API_KEY: "K-wrong"}),
        ("telsam", {CONF_PASSWORD: "wrong"}),
    ],
)
async def test_invalid_auth_then_recover(
    hass: HomeAssistant, simulator: Simulator, kind: str, overrides: dict[str, str]
) -> None:
    """Rejected credentials show invalid_auth and keep what was typed; correct ones succeed."""
    flow_id = await open_form(hass, kind)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(simulator, kind, **overrides)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(simulator, kind)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(FaultKind.SERVER_ERROR), "cannot_connect"),
        (Fault(FaultKind.HTML), "cannot_connect"),
        (Fault(FaultKind.RATE_LIMIT), "rate_limited"),
        (Fault(FaultKind.REJECT, status=404, message="hesap askıda"), "provider_error"),
    ],
)
async def test_provider_faults(
    hass: HomeAssistant, simulator: Simulator, kind: str, fault: Fault, error: str
) -> None:
    """Each provider failure maps to its translated error; the provider's words are shown."""
    provider = entry_data(simulator, kind)["provider"]
    simulator.inject(provider, ACCOUNT_ENDPOINTS[provider], fault)
    flow_id = await open_form(hass, kind)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(simulator, kind)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    if error == "provider_error":
        placeholders = result["description_placeholders"]
        assert placeholders["provider_message"] == "hesap askıda"
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(simulator, kind)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_unreachable(hass: HomeAssistant, simulator: Simulator) -> None:
    """A base URL where nothing listens is cannot_connect."""
    flow_id = await open_form(hass, "telsam")
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        form_input(simulator, "telsam", **{CONF_BASE_URL: "http://127.0.0.1:9/api"}),
    )
    assert result["errors"] == {"base": "cannot_connect"}


@pytest.mark.parametrize("url", ["ftp://example.com", "not a url", "http://"])
async def test_invalid_base_url(
    hass: HomeAssistant, simulator: Simulator, url: str
) -> None:
    """A base URL that is not http(s) is refused before anything is sent."""
    flow_id = await open_form(hass, "bulutsantralim")
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(simulator, "bulutsantralim", **{CONF_BASE_URL: url})
    )
    assert result["errors"] == {SECTION_ADVANCED: "invalid_url"}
    assert simulator.count() == 0


async def test_unknown_error(hass: HomeAssistant, simulator: Simulator) -> None:
    """An unexpected failure below the client shows `unknown` and is logged."""
    flow_id = await open_form(hass, "bulutfon_token")
    with patch("aiohttp.ClientSession._request", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(
            flow_id, form_input(simulator, "bulutfon_token")
        )
    assert result["errors"] == {"base": "unknown"}


@pytest.mark.parametrize("kind", KINDS)
async def test_already_configured(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    kind: str,
) -> None:
    """The same account cannot be added twice."""
    make_entry(kind).add_to_hass(hass)
    flow_id = await open_form(hass, kind)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(simulator, kind)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("kind", "field", "fields"),
    [
        ("bulutfon_token", CONF_ACCESS_TOKEN, {CONF_ACCESS_TOKEN}),
        ("bulutfon_login", CONF_PASSWORD, {"email", CONF_PASSWORD}),
        ("bulutsantralim", CONF_API_KEY, {CONF_API_KEY}),
        (
            "telsam",
            CONF_PASSWORD,
            {"username", CONF_PASSWORD, "client_id", "client_secret"},
        ),
    ],
)
async def test_reauth(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    kind: str,
    field: str,
    fields: set[str],
) -> None:
    """Reauth asks for the same kind of credentials, rejects wrong ones, then updates the entry."""
    entry = make_entry(kind)
    entry.add_to_hass(hass)
    good = {
        key: value
        for key, value in entry_data(simulator, kind).items()
        if key in fields
    }
    hass.config_entries.async_update_entry(entry, data={**entry.data, field: "old"})

    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert set(result["data_schema"].schema) == fields

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**good, field: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], good)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[field] == good[field]


async def test_bulutfon_webhook_credentials(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Web hook Basic credentials entered in the flow are stored for the webhook to enforce."""
    flow_id = await open_form(hass, "bulutfon_token")
    user_input = form_input(simulator, "bulutfon_token")
    user_input[SECTION_WEBHOOK] = {
        "webhook_username": " hook ",
        "webhook_password": "kanca",
    }
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["webhook_username"] == "hook"
    assert result["data"]["webhook_password"] == "kanca"


async def test_bulutsantralim_pbx_option(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """The PBX option chosen in the flow becomes the entry's option."""
    flow_id = await open_form(hass, "bulutsantralim")
    user_input = form_input(simulator, "bulutsantralim")
    user_input[CONF_SET_NOTIFICATION_URL] = True
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == {CONF_SET_NOTIFICATION_URL: True}
