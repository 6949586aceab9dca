"""The dashboard scripts: served from the integration and loaded on every dashboard."""

from __future__ import annotations

import json

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import DOMAIN
from custom_components.santral.frontend import CARD_FILE, STRATEGY_FILE

from .test_metadata import INTEGRATION

CARD = "/santral/santral-calls-card.js"
STRATEGY = "/santral/santral-dashboard-strategy.js"


def _version() -> str:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))
    return str(manifest["version"])


async def test_scripts_are_served_and_loaded_on_dashboards(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """Both scripts answer as JavaScript, uncached, and the frontend loads them by version."""
    assert await async_setup_component(hass, "frontend", {})
    assert await async_setup_component(hass, DOMAIN, {})
    client = await hass_client()

    for path, file, element in (
        (CARD, CARD_FILE, "santral-calls-card"),
        (STRATEGY, STRATEGY_FILE, "ll-strategy-dashboard-santral"),
    ):
        response = await client.get(path)
        assert response.status == 200
        assert response.content_type in ("application/javascript", "text/javascript")
        assert "Cache-Control" not in response.headers
        text = await response.text()
        assert text == file.read_text(encoding="utf-8")
        assert f'customElements.define("{element}"' in text
    assert hass.data[DATA_EXTRA_MODULE_URL].urls == {
        f"{CARD}?v={_version()}",
        f"{STRATEGY}?v={_version()}",
    }


async def test_scripts_are_served_without_the_frontend(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """Without the frontend there is no dashboard to load them on; they are still served."""
    assert await async_setup_component(hass, DOMAIN, {})
    client = await hass_client()

    for path in (CARD, STRATEGY):
        response = await client.get(path)
        assert response.status == 200
    assert "frontend" not in hass.config.components
    assert DATA_EXTRA_MODULE_URL not in hass.data


def test_scripts_speak_english_and_turkish() -> None:
    """Each script's strings have the same keys in English and Turkish."""
    for file in (CARD_FILE, STRATEGY_FILE):
        text = file.read_text(encoding="utf-8")
        table = text[text.index("const STRINGS = {") : text.index("\n};\n")]
        english = table[table.index("  en: {") : table.index("  tr: {")]
        turkish = table[table.index("  tr: {") :]

        def keys(block: str) -> list[str]:
            return [
                line.strip().split(":")[0]
                for line in block.splitlines()[1:]
                if line.startswith("    ") and ":" in line
            ]

        assert keys(english), file
        assert keys(english) == keys(turkish), file
