"""Every form gets every placeholder its strings use, in both languages."""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import string
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.selector import NumberSelector
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.santral.const import CONF_BASE_URL, SECTION_ADVANCED
from custom_components.santral.providers import DEFAULT_BASE_URLS, Provider
from simulator import Simulator
from tests.helpers import form_input, open_form

TRANSLATIONS = Path(__file__).parents[2] / "custom_components/santral/translations"
KINDS = ["bulutfon_token", "bulutfon_login", "bulutsantralim", "telsam"]
PROVIDERS = {
    "bulutfon_token": Provider.BULUTFON,
    "bulutfon_login": Provider.BULUTFON,
    "bulutsantralim": Provider.BULUTSANTRALIM,
    "telsam": Provider.TELSAM,
}


def leaves(tree: Any) -> list[str]:
    """Every string under a part of a translation file."""
    if isinstance(tree, str):
        return [tree]
    return [text for value in tree.values() for text in leaves(value)]


def rendered(flow: str, result: Any) -> dict[str, list[str]]:
    """Return the form's strings filled in as the frontend fills them, by language.

    Fails when a string uses a placeholder the form does not give.
    """
    assert result["type"] is FlowResultType.FORM
    given = result["description_placeholders"] or {}
    shown: dict[str, list[str]] = {}
    for language in ("en", "tr"):
        strings = json.loads((TRANSLATIONS / f"{language}.json").read_text())[flow]
        texts = leaves(strings["step"][result["step_id"]])
        texts += [
            strings["error"][error] for error in (result["errors"] or {}).values()
        ]
        for text in texts:
            used = {field for _, field, _, _ in string.Formatter().parse(text) if field}
            assert used <= set(given), (result["step_id"], used - set(given))
        shown[language] = [text.format(**given) for text in texts]
    return shown


@pytest.fixture(autouse=True)
def no_setup() -> Any:
    """Test the forms alone, without setting the entry up."""
    with patch("custom_components.santral.async_setup_entry", return_value=True):
        yield


@pytest.mark.parametrize("kind", KINDS)
async def test_credential_forms(
    hass: HomeAssistant, simulator: Simulator, kind: str
) -> None:
    """The setup form names the default address and the panel page through placeholders."""
    flow_id = await open_form(hass, kind)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        form_input(simulator, kind, **{CONF_BASE_URL: "ftp://nowhere"}),
    )
    assert result["errors"] == {SECTION_ADVANCED: "invalid_url"}
    shown = rendered("config", result)
    default = DEFAULT_BASE_URLS[PROVIDERS[kind]]
    for language in ("en", "tr"):
        assert any(text.endswith(default) for text in shown[language]), language
    if kind in ("bulutfon_token", "bulutsantralim"):
        assert any("https://oim." in text for text in shown["tr"])


@pytest.mark.parametrize("kind", KINDS)
async def test_reauth_and_reconfigure_forms(
    hass: HomeAssistant, make_entry: Callable[[str], MockConfigEntry], kind: str
) -> None:
    """Reauthentication and reconfiguration give what their strings use."""
    entry = make_entry(kind)
    entry.add_to_hass(hass)
    for result in (
        await entry.start_reauth_flow(hass),
        await entry.start_reconfigure_flow(hass),
    ):
        shown = rendered("config", result)
        assert any(entry.title in text for text in shown["en"])


@pytest.mark.parametrize("kind", ["bulutfon_token", "bulutsantralim", "telsam"])
async def test_options_forms(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    kind: str,
) -> None:
    """Each provider's options form has what its strings use."""
    entry = make_entry(kind)
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    shown = rendered("options", result)
    assert shown["tr"]


@pytest.mark.parametrize("kind", ["bulutfon_token", "telsam"])
async def test_interval_unit_is_translated(
    hass: HomeAssistant, make_entry: Callable[[str], MockConfigEntry], kind: str
) -> None:
    """The poll intervals' unit reads "dk" in Turkish, "min" in English."""
    entry = make_entry(kind)
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    numbers = [
        validator.config
        for validator in result["data_schema"].schema.values()
        if isinstance(validator, NumberSelector)
    ]
    assert numbers
    units = {}
    for language in ("en", "tr"):
        selectors = json.loads((TRANSLATIONS / f"{language}.json").read_text())[
            "selector"
        ]
        units[language] = {
            selectors[config["translation_key"]]["unit_of_measurement"][
                config["unit_of_measurement"]
            ]
            for config in numbers
        }
    assert units == {"en": {"min"}, "tr": {"dk"}}
