"""A real Home Assistant process running Santral, for tests that kill, flood or restart it.

The in-process `hass` fixture cannot be killed halfway through a write, so these tests start
`python -m homeassistant` from the same virtual environment, with this checkout's
`custom_components/`, talk to it only through its public HTTP and websocket APIs (as a user's
automations and dashboards do), and count the events it fires.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncGenerator
import contextlib
from dataclasses import dataclass, field
import importlib.util
import os
from pathlib import Path
import signal
import socket
import sys
import time
from typing import Any

import aiohttp

from scripts.develop_seed import Seeder
from simulator import Simulator

REPOSITORY = Path(__file__).resolve().parents[2]
END_TYPES = ("hangup", "missed")
BULUTSANTRALIM = "bulutsantralim"

# Home Assistant before 2026.10 reads its web server's address here; later versions keep it
# in .storage/http, where `scripts/develop_http.py` stores it as a confirmed setting.
HTTP_YAML = """\
http:
  server_host: 127.0.0.1
  server_port: {port}
"""
HTTP_IN_STORAGE = (
    importlib.util.find_spec("homeassistant.components.http.config") is not None
)

CONFIGURATION = """\
homeassistant:
  name: Santral live test
  time_zone: Europe/Istanbul
  country: TR
  language: en
  internal_url: http://127.0.0.1:{port}
  external_url: http://127.0.0.1:{port}
{http}api:
config:
onboarding:
websocket_api:
logger:
  default: warning
  logs:
    custom_components.santral: info
"""


def free_port() -> int:
    """Return a port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Announcement:
    """One `santral_call` or `santral_fax` event, and when the listener heard it."""

    event_type: str
    data: dict[str, Any]
    heard: float


@dataclass
class EventLog:
    """Every Santral event heard over the websocket API, across restarts."""

    heard: list[Announcement] = field(default_factory=list)

    def ends(self) -> Counter[str]:
        """How often each call id ended (hangup or missed)."""
        return Counter(
            item.data["call_id"]
            for item in self.heard
            if item.event_type == "santral_call" and item.data.get("type") in END_TYPES
        )

    def faxes(self) -> Counter[str]:
        """How often each fax id was announced."""
        return Counter(
            item.data["fax_id"]
            for item in self.heard
            if item.event_type == "santral_fax" and "fax_id" in item.data
        )


class LiveHass:
    """One Home Assistant process on 127.0.0.1, its config folder kept across restarts."""

    def __init__(self, config_dir: Path, session: aiohttp.ClientSession) -> None:
        """Prepare `config_dir` with a minimal configuration and this checkout's Santral."""
        self.config_dir = config_dir
        self.session = session
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = ""
        self.process: asyncio.subprocess.Process | None = None
        self.log_path = config_dir / "live.log"
        config_dir.mkdir(parents=True, exist_ok=True)
        http = "" if HTTP_IN_STORAGE else HTTP_YAML.format(port=self.port)
        (config_dir / "configuration.yaml").write_text(
            CONFIGURATION.format(port=self.port, http=http), encoding="utf-8"
        )
        link = config_dir / "custom_components"
        if not link.exists():
            link.symlink_to(REPOSITORY / "custom_components")

    async def start(self, timeout: float = 120) -> None:
        """Start Home Assistant and sign in (onboarding the user on the first start)."""
        with self.log_path.open("ab") as log:
            if HTTP_IN_STORAGE:
                pin = await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(REPOSITORY / "scripts" / "develop_http.py"),
                    "--config",
                    str(self.config_dir),
                    "--port",
                    str(self.port),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                )
                if await pin.wait():
                    raise RuntimeError("could not store the web server's address")
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "homeassistant",
                "--config",
                str(self.config_dir),
                "--skip-pip",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
            )
        onboarding = await self._wait_until_up(timeout)
        # Signed in as the development instance is: onboarding the user, or logging in.
        seeder = Seeder(self.session, self.url)
        await seeder.sign_in(onboarding)
        self.token = seeder.token
        await self._wait_until_running(timeout)

    async def _wait_until_up(self, timeout: float) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while True:
                self._check_alive()
                with contextlib.suppress(aiohttp.ClientError):
                    async with self.session.get(f"{self.url}/api/onboarding") as resp:
                        if resp.status == 200:
                            steps: list[dict[str, Any]] = await resp.json()
                            return steps
                        if resp.status == 404:
                            return []
                await asyncio.sleep(0.5)

    async def _wait_until_running(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while (await self.request("GET", "/api/config"))["state"] != "RUNNING":
                await asyncio.sleep(0.5)

    def _check_alive(self) -> None:
        if self.process is not None and self.process.returncode is not None:
            tail = self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(
                f"Home Assistant exited ({self.process.returncode}):\n{tail}"
            )

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the REST API as the signed-in user; return the JSON answer."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(
            method, f"{self.url}{path}", headers=headers, **kwargs
        ) as resp:
            if resp.status >= 400:
                raise RuntimeError(
                    f"{method} {path}: HTTP {resp.status} {await resp.text()}"
                )
            return await resp.json()

    async def add_entry(self, menu: list[str], user_input: dict[str, Any]) -> str:
        """Run Santral's config flow through the menu and form; return the entry id."""
        flow = await self.request(
            "POST", "/api/config/config_entries/flow", json={"handler": "santral"}
        )
        for step in menu:
            flow = await self.request(
                "POST",
                f"/api/config/config_entries/flow/{flow['flow_id']}",
                json={"next_step_id": step},
            )
        result = await self.request(
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            json=user_input,
        )
        if result.get("type") != "create_entry":
            raise RuntimeError(f"the config flow did not create an entry: {result}")
        return str(result["result"]["entry_id"])

    async def reload_entries(self) -> None:
        """Reload every Santral entry, as its menu's "Reload" does."""
        for entry in await self.request(
            "GET", "/api/config/config_entries/entry?domain=santral"
        ):
            await self.request(
                "POST", f"/api/config/config_entries/entry/{entry['entry_id']}/reload"
            )

    async def kill(self) -> None:
        """End the process at once (SIGKILL): nothing gets to be written on the way out."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.process = None

    async def stop(self, timeout: float = 60) -> None:
        """Stop the process as a service manager does (SIGTERM), killing it if it hangs."""
        if self.process is None:
            return
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(timeout):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self.process = None

    @contextlib.asynccontextmanager
    async def listening(self, log: EventLog) -> AsyncGenerator[None]:
        """Record every `santral_call` and `santral_fax` event while the block runs.

        The websocket closes with the process; events heard until then stay in `log`.
        """
        ws = await self.session.ws_connect(f"{self.url}/api/websocket")
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": self.token})
        if (await ws.receive_json())["type"] != "auth_ok":
            raise RuntimeError("the websocket API refused the token")
        for number, event_type in enumerate(("santral_call", "santral_fax"), start=1):
            await ws.send_json(
                {"id": number, "type": "subscribe_events", "event_type": event_type}
            )
            if not (await ws.receive_json())["success"]:
                raise RuntimeError(f"could not subscribe to {event_type}")

        async def _read() -> None:
            async for message in ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                body = message.json()
                if body.get("type") == "event":
                    event = body["event"]
                    log.heard.append(
                        Announcement(
                            event["event_type"], event["data"], time.monotonic()
                        )
                    )

        reader = asyncio.create_task(_read())
        try:
            yield
        finally:
            await ws.close()
            await reader


@contextlib.asynccontextmanager
async def running_bulutsantralim[H: LiveHass](
    kind: type[H], config_dir: Path, simulator: Simulator
) -> AsyncGenerator[H]:
    """Run a `kind` process with one Bulutsantralim entry, its webhook set at the simulator."""
    async with aiohttp.ClientSession() as session:
        hass = kind(config_dir, session)
        try:
            await hass.start()
            await hass.add_entry(
                [BULUTSANTRALIM],
                {
                    "api_key": simulator.state.bulutsantralim.api_key,
                    "set_notification_url": True,
                    "advanced": {"base_url": simulator.url(BULUTSANTRALIM)},
                },
            )
            async with asyncio.timeout(60):
                while not simulator.state.bulutsantralim.crm.notification_url:
                    await asyncio.sleep(0.2)
            yield hass
        finally:
            await hass.stop()
