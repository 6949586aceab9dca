"""Prepare the development Home Assistant through its public HTTP API.

Finishes onboarding with the user `dev` / `dev` (or signs in as that user), then adds one
Santral entry per provider through the real config flow, pointing at the simulator. Entries
that exist already are left alone, so it can run at every start.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import aiohttp

USERNAME = "dev"
PASSWORD = "dev"  # noqa: S105 - the documented login of the local development instance

# Per provider: the menu path to its credential step, and what is typed there.
ENTRIES: dict[str, tuple[list[str], dict[str, Any]]] = {
    "bulutfon": (
        ["bulutfon", "bulutfon_token"],
        {"access_token": "bulutfon-master-token-1f0c9d", "webhook": {}},
    ),
    "bulutsantralim": (
        ["bulutsantralim"],
        {
            "api_key": "K12345678-1234-5678-4321-123456789012",
            "set_notification_url": True,
        },
    ),
    "telsam": (
        ["telsam"],
        {
            "username": "api-kullanici",
            "password": "yenifaks-parola",
            "client_id": "1",
            "client_secret": "z3Kewxm2K6H4stFslvJHqx7kvzasiDKvsvIBQnaX",
        },
    ),
}
# Onboarding adds these; offline they only fill the log with DNS errors.
ONBOARDING_DEFAULTS = ("met", "radio_browser", "google_translate")
SIMULATOR_PREFIXES = {
    "bulutfon": "/bulutfon",
    "bulutsantralim": "/bulutsantralim",
    "telsam": "/telsam/api/v1",
}


class Seeder:
    """Talks to one Home Assistant instance."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        """Remember the instance's URL; the token comes with onboarding or login."""
        self.session = session
        self.url = url.rstrip("/")
        self.client_id = f"{self.url}/"
        self.token = ""
        self.onboarded = False

    async def wait_until_up(self, timeout: float) -> list[dict[str, Any]]:
        """Poll until Home Assistant answers; return the onboarding steps left to do.

        The onboarding API is there (200) until onboarding is complete, then gone (404).
        """
        async with asyncio.timeout(timeout):
            while True:
                try:
                    async with self.session.get(f"{self.url}/api/onboarding") as resp:
                        if resp.status == 200:
                            steps: list[dict[str, Any]] = await resp.json()
                            return steps
                        if resp.status == 404:
                            return []
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(2)

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(
            method, f"{self.url}{path}", headers=headers, **kwargs
        ) as resp:
            if resp.status >= 400:
                raise RuntimeError(
                    f"{method} {path}: HTTP {resp.status} {await resp.text()}"
                )
            return await resp.json()

    async def _exchange(self, code: str) -> None:
        tokens = await self._json(
            "POST",
            "/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        )
        self.token = tokens["access_token"]

    async def sign_in(self, onboarding: list[dict[str, Any]]) -> None:
        """Onboard with the dev user on a fresh instance, else log in as it."""
        steps = {step["step"]: step["done"] for step in onboarding}
        if not steps.get("user", True):
            result = await self._json(
                "POST",
                "/api/onboarding/users",
                json={
                    "client_id": self.client_id,
                    "name": "Developer",
                    "username": USERNAME,
                    "password": PASSWORD,
                    "language": "en",
                },
            )
            await self._exchange(result["auth_code"])
        else:
            flow = await self._json(
                "POST",
                "/auth/login_flow",
                json={
                    "client_id": self.client_id,
                    "handler": ["homeassistant", None],
                    "redirect_uri": self.client_id,
                },
            )
            result = await self._json(
                "POST",
                f"/auth/login_flow/{flow['flow_id']}",
                json={
                    "client_id": self.client_id,
                    "username": USERNAME,
                    "password": PASSWORD,
                },
            )
            await self._exchange(result["result"])
        for step, payload in (
            ("core_config", {}),
            ("analytics", {}),
            (
                "integration",
                {"client_id": self.client_id, "redirect_uri": self.client_id},
            ),
        ):
            if not steps.get(step, True):
                await self._json("POST", f"/api/onboarding/{step}", json=payload)
        self.onboarded = not steps.get("core_config", True)

    async def remove_onboarding_defaults(self, wait: float = 20) -> None:
        """Delete what onboarding adds in the background, once it has appeared."""
        if not self.onboarded:
            return
        remaining = set(ONBOARDING_DEFAULTS)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while remaining and loop.time() < deadline:
            for entry in await self._json("GET", "/api/config/config_entries/entry"):
                if entry["domain"] in remaining:
                    await self._json(
                        "DELETE",
                        f"/api/config/config_entries/entry/{entry['entry_id']}",
                    )
                    remaining.discard(entry["domain"])
            await asyncio.sleep(1)

    async def add_entries(self, simulator_url: str) -> dict[str, str]:
        """Run the Santral config flow once per provider without an entry.

        Return each provider's webhook URL: from the flow's closing message for a new entry,
        from the options (which show it too) for an existing one.
        """
        existing = await self._json(
            "GET", "/api/config/config_entries/entry?domain=santral"
        )
        by_provider = {entry["title"].split()[0].lower(): entry for entry in existing}
        urls: dict[str, str] = {}
        for provider, (menu_path, credentials) in ENTRIES.items():
            if provider in by_provider:
                print(f"santral: {provider}: already set up")
                if provider != "telsam":
                    urls[provider] = await self._webhook_url(
                        by_provider[provider]["entry_id"]
                    )
                continue
            flow = await self._json(
                "POST", "/api/config/config_entries/flow", json={"handler": "santral"}
            )
            for step in menu_path:
                flow = await self._json(
                    "POST",
                    f"/api/config/config_entries/flow/{flow['flow_id']}",
                    json={"next_step_id": step},
                )
            base_url = f"{simulator_url}{SIMULATOR_PREFIXES[provider]}"
            result = await self._json(
                "POST",
                f"/api/config/config_entries/flow/{flow['flow_id']}",
                json={**credentials, "advanced": {"base_url": base_url}},
            )
            outcome = (
                result.get("title") or result.get("reason") or result.get("errors")
            )
            print(f"santral: {provider}: {result['type']} {outcome}")
            if url := (result.get("description_placeholders") or {}).get("webhook_url"):
                urls[provider] = url
        return urls

    async def _webhook_url(self, entry_id: str) -> str:
        flow = await self._json(
            "POST",
            "/api/config/config_entries/options/flow",
            json={"handler": entry_id},
        )
        await self._json(
            "DELETE", f"/api/config/config_entries/options/flow/{flow['flow_id']}"
        )
        return str(flow["description_placeholders"]["webhook_url"])


async def point_simulator(
    session: aiohttp.ClientSession, simulator_url: str, urls: dict[str, str]
) -> None:
    """Aim the simulator's Bulutfon web hook at Home Assistant; place calls and faxes to watch.

    Bulutfon's fax arrives at once (its web hook says so); the others at the next fax poll.
    Bulutsantralim needs nothing here: Santral points that PBX at itself (the entry's option).
    """
    if url := urls.get("bulutfon"):
        async with session.post(
            f"{simulator_url}/_control/bulutfon/webhook", json={"url": url}
        ) as resp:
            resp.raise_for_status()
    for provider, outcome in (("bulutsantralim", "answered"), ("bulutfon", "missed")):
        async with session.post(
            f"{simulator_url}/_control/calls",
            json={"provider": provider, "outcome": outcome, "realtime": True},
        ) as resp:
            print(f"simulator: {provider} {outcome} call -> HTTP {resp.status}")
    for provider in ("bulutfon", "telsam", "bulutsantralim"):
        async with session.post(
            f"{simulator_url}/_control/faxes", json={"provider": provider, "pages": 2}
        ) as resp:
            print(f"simulator: {provider} fax received -> HTTP {resp.status}")


async def main() -> int:
    """Parse arguments, wait for Home Assistant, sign in and add the entries."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--simulator", default="http://127.0.0.1:8300")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    async with aiohttp.ClientSession() as session:
        seeder = Seeder(session, args.url)
        onboarding = await seeder.wait_until_up(args.timeout)
        await seeder.sign_in(onboarding)
        urls = await seeder.add_entries(args.simulator)
        await seeder.remove_onboarding_defaults()
        await asyncio.sleep(3)  # let Santral point the Bulutsantralim PBX at itself
        await point_simulator(session, args.simulator, urls)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
