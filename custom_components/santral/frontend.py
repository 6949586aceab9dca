"""The dashboard scripts: served from the integration's folder, loaded on dashboards.

The call log card and the telephony dashboard strategy are registered as extra modules of the
frontend, so a dashboard can hold `custom:santral-calls-card` or use the `custom:santral`
strategy without the user adding a resource by hand. The integration's version in the URL
makes browsers fetch the scripts again after an update.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, add_extra_js_url

# Re-exported by the http component (defined in its server module since 2026.4).
from homeassistant.components.http import StaticPathConfig  # type: ignore[attr-defined]
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

from .const import DOMAIN

FOLDER = Path(__file__).parent / "frontend"
CARD_FILE = FOLDER / "santral-calls-card.js"
STRATEGY_FILE = FOLDER / "santral-dashboard-strategy.js"
SCRIPTS = (CARD_FILE, STRATEGY_FILE)


def script_path(file: Path) -> str:
    """Return the URL path a script of the integration is served at."""
    return f"/{DOMAIN}/{file.name}"


async def async_register_scripts(hass: HomeAssistant) -> None:
    """Serve the scripts, and load them on dashboards when the frontend is set up."""
    integration = await async_get_integration(hass, DOMAIN)
    await hass.http.async_register_static_paths(
        [
            StaticPathConfig(script_path(file), str(file), cache_headers=False)
            for file in SCRIPTS
        ]
    )
    # The manifest's after_dependencies set the frontend up first whenever it is set up
    # at all, and with it the list of modules its pages load; without it there is no
    # dashboard to load the scripts on.
    if DATA_EXTRA_MODULE_URL in hass.data:
        for file in SCRIPTS:
            add_extra_js_url(hass, f"{script_path(file)}?v={integration.version}")
