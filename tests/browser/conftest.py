"""A real Home Assistant process with its frontend, and Debian's Chromium to look at it.

The browser tests drive the dashboard as a user does: Chromium loads Home Assistant's own
frontend from the process, signed in with tokens from a real login, and the cards on the
page talk to Santral over the frontend's websocket connection.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import json
import logging
import os
from pathlib import Path
from typing import Any, Literal

import aiohttp
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    ViewportSize,
    async_playwright,
)
import pytest

from scripts.develop_seed import Seeder
from simulator import Simulator
from tests.santral.live_hass import LiveHass, running_bulutsantralim

_LOGGER = logging.getLogger(__name__)

ONBOARDING_VERSION = 4
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"

# A phone's width, where the cards must still be readable.
PHONE: ViewportSize = {"width": 360, "height": 780}
DASHBOARD = "santral-test"
# The suite's clock runs move Home Assistant's clock with libfaketime; Chromium stays on the
# real one: the page checks the tokens' expiry against its own clock only.
CLOCK_VARIABLES = ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC")
TURKISH = {"language": "tr", "number_format": "language", "time_format": "language"}

_SCREENSHOTS = pytest.StashKey[list[Path]]()


class TokenSeeder(Seeder):
    """Signs in as the development user and keeps the whole token answer.

    The frontend needs the refresh token and the client id too, not only the access token.
    """

    tokens: dict[str, Any]

    async def _exchange(self, code: str) -> None:
        self.tokens = await self._json(
            "POST",
            "/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        )
        self.token = self.tokens["access_token"]


class DashboardHass(LiveHass):
    """A live Home Assistant that serves its frontend and dashboards."""

    def __init__(self, config_dir: Path, session: aiohttp.ClientSession) -> None:
        """Write LiveHass's configuration with the frontend added, onboarding's location done.

        Onboarding's location step would add its default integrations (a weather service,
        a radio directory, a speech service), which reach services on the internet; the
        instance starts with that step done, as one whose owner skipped them.
        """
        super().__init__(config_dir, session)
        configuration = config_dir / "configuration.yaml"
        configuration.write_text(
            configuration.read_text(encoding="utf-8") + "frontend:\n", encoding="utf-8"
        )
        storage = config_dir / ".storage"
        storage.mkdir(exist_ok=True)
        (storage / "onboarding").write_text(
            json.dumps(
                {
                    "version": ONBOARDING_VERSION,
                    "minor_version": 1,
                    "key": "onboarding",
                    "data": {"done": ["core_config"]},
                }
            ),
            encoding="utf-8",
        )

    async def frontend_tokens(self) -> dict[str, Any]:
        """Log in again and return the tokens as the frontend keeps them (`hassTokens`)."""
        seeder = TokenSeeder(self.session, self.url)
        await seeder.sign_in([])
        return {**seeder.tokens, "hassUrl": self.url, "clientId": seeder.client_id}

    async def command(self, message: dict[str, Any]) -> Any:
        """Send one websocket command as the signed-in user; return its result."""
        async with self.session.ws_connect(f"{self.url}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (await ws.receive_json())["type"] != "auth_ok":
                raise RuntimeError("the websocket API refused the token")
            await ws.send_json({"id": 1, **message})
            while (answer := await ws.receive_json())["type"] != "result":
                pass
            if not answer["success"]:
                raise RuntimeError(f"{message['type']}: {answer['error']}")
            return answer["result"]

    async def dashboard(self, config: dict[str, Any]) -> str:
        """Make a dashboard of its own with `config`; return its path.

        The default dashboard is the overview the frontend generates on recent versions, so
        the tests use a dashboard of their own, as a user adds one.
        """
        dashboards = await self.command({"type": "lovelace/dashboards/list"})
        if not any(item["url_path"] == DASHBOARD for item in dashboards):
            await self.command(
                {
                    "type": "lovelace/dashboards/create",
                    "url_path": DASHBOARD,
                    "title": "Santral",
                    "mode": "storage",
                }
            )
        await self.command(
            {"type": "lovelace/config/save", "url_path": DASHBOARD, "config": config}
        )
        return f"/{DASHBOARD}"


class Dashboard:
    """Chromium signed in to Home Assistant at a phone's width; saves screenshots."""

    def __init__(
        self, live: DashboardHass, browser: Browser, shots: list[Path]
    ) -> None:
        """Drive `browser` against `live`; list each screenshot in `shots`."""
        self.live = live
        self.browser = browser
        self.shots = shots

    async def open(
        self,
        path: str,
        *,
        color_scheme: Literal["light", "dark"] = "light",
    ) -> tuple[BrowserContext, Page]:
        """Open `path` in a new context signed in as the user, as after a login."""
        tokens = await self.live.frontend_tokens()
        context = await self.browser.new_context(
            viewport=PHONE, locale="en-US", color_scheme=color_scheme
        )
        # The frontend reads its tokens from localStorage, where it keeps them after a
        # login; the expiry is the page's own clock's.
        await context.add_init_script(
            "localStorage.setItem('hassTokens', JSON.stringify("
            f"{{...{json.dumps(tokens)}, expires: Date.now() + {tokens['expires_in']} * 1000}}"
            "));"
        )
        page = await context.new_page()
        # What the page logs goes to the test's log, which a failure shows.
        page.on("console", _log_console)
        page.on(
            "pageerror",
            lambda error: _LOGGER.warning("page error: %s %s", error, error.stack),
        )
        await page.goto(f"{self.live.url}{path}")
        return context, page

    async def shot(self, locator: Locator, name: str) -> Path:
        """Save a screenshot of `locator` as artifacts/<name>.png."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        await locator.screenshot(path=path, animations="disabled")
        self.shots.append(path)
        return path


def _log_console(message: ConsoleMessage) -> None:
    _LOGGER.info("console %s: %s", message.type, message.text)


async def set_language(page: Page, user_data: dict[str, str]) -> None:
    """Change the signed-in user's language as the profile page does."""
    await page.evaluate(
        """(value) => document.querySelector("home-assistant").hass.callWS({
            type: "frontend/set_user_data", key: "language", value,
        })""",
        user_data,
    )


@pytest.fixture
async def live(
    socket_enabled: None, simulator: Simulator, tmp_path: Path
) -> AsyncGenerator[DashboardHass]:
    """Run Home Assistant with its frontend and one Bulutsantralim entry on the simulator."""
    async with running_bulutsantralim(
        DashboardHass, tmp_path / "config", simulator
    ) as hass:
        yield hass


@pytest.fixture
async def browser() -> AsyncGenerator[Browser]:
    """Start Debian's Chromium headless; fail, naming the fix, when it is not installed."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/setup, which installs Debian's chromium"
        )
    env: dict[str, str | float | bool] = {
        name: value for name, value in os.environ.items() if name not in CLOCK_VARIABLES
    }
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox"],
            env=env,
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
def dashboard(
    live: DashboardHass, browser: Browser, pytestconfig: pytest.Config
) -> Dashboard:
    """Chromium on the live Home Assistant, its screenshots listed at the end of the run."""
    return Dashboard(live, browser, pytestconfig.stash.setdefault(_SCREENSHOTS, []))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """List the screenshots the browser tests saved (tests/browser/artifacts/)."""
    if shots := config.stash.get(_SCREENSHOTS, []):
        terminalreporter.section("screenshots")
        for path in shots:
            terminalreporter.write_line(os.path.relpath(path))
