"""Pin the development Home Assistant's web server to one local address before it starts.

Home Assistant keeps its HTTP settings in `.storage/http`, as a confirmed ("stable") setting
and an unconfirmed ("pending") one. An `http:` block in configuration.yaml is imported once
as pending, which must then be confirmed in the browser within five minutes or Home
Assistant reverts it and restarts. This stores the address as the confirmed setting instead,
through Home Assistant's own store, so no confirmation is ever asked for. It runs before every
start: a setting that binds elsewhere (changed in the UI, or reverted) is put back.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path
from typing import cast

from homeassistant import runner
from homeassistant.components.http.config import (
    HTTP_CONFIG_CREATED_AT,
    HTTP_CONFIG_ERROR,
    HTTP_CONFIG_ERROR_MESSAGE,
    HTTP_STORAGE_SCHEMA,
    ConfData,
    HTTPConfigStore,
)
from homeassistant.components.http.const import CONF_SERVER_HOST, CONF_SERVER_PORT
from homeassistant.core import HomeAssistant

# What the store adds to a setting about itself; not part of the setting.
_META_KEYS = (HTTP_CONFIG_CREATED_AT, HTTP_CONFIG_ERROR, HTTP_CONFIG_ERROR_MESSAGE)


def _binds(config: ConfData | None, host: str, port: int) -> bool:
    """Tell whether a stored setting listens on exactly this host and port."""
    return (
        config is not None
        and config.get(CONF_SERVER_HOST) == [host]
        and config.get(CONF_SERVER_PORT) == port
    )


def _describe(config: ConfData) -> str:
    """Say where a stored setting listens, for the one line printed per change."""
    hosts = ", ".join(config.get(CONF_SERVER_HOST) or ["all addresses"])
    return f"{hosts} port {config.get(CONF_SERVER_PORT)}"


async def pin(config_dir: Path, host: str, port: int) -> list[str]:
    """Make `host:port` the confirmed setting and drop a pending one that binds elsewhere.

    Return what was changed, one line each (nothing when the store already matched).
    """
    hass = HomeAssistant(str(config_dir))
    changes: list[str] = []
    try:
        store = HTTPConfigStore(hass)
        await store.async_load()
        if not _binds(store.stable, host, port):
            changes.append(
                f"confirmed setting {_describe(store.stable)} -> {host} port {port}"
            )
            # Keep everything else the stored setting has; only the address changes.
            kept = {
                key: value
                for key, value in store.stable.items()
                if key not in _META_KEYS
            }
            wanted = cast(
                "ConfData",
                HTTP_STORAGE_SCHEMA(
                    {**kept, CONF_SERVER_HOST: [host], CONF_SERVER_PORT: port}
                ),
            )
            await store.async_set_pending(wanted)
            await store.async_promote_pending()
        pending = store.pending
        if pending is not None and not _binds(pending, host, port):
            state = "failed" if pending[HTTP_CONFIG_ERROR] else "unconfirmed"
            changes.append(f"dropped {state} setting {_describe(pending)}")
            await store.async_set_pending(None)
        if not store.yaml_migration_done:
            # The development configuration.yaml has no `http:` block to import.
            await store.async_mark_yaml_migration_done()
    finally:
        logging.getLogger("homeassistant.core").setLevel(logging.WARNING)
        await hass.async_stop()
    return changes


def main() -> int:
    """Parse arguments and pin the address."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8123)
    args = parser.parse_args()
    changes = asyncio.run(
        pin(args.config.resolve(), args.host, args.port),
        loop_factory=runner.create_event_loop,
    )
    for change in changes:
        print(f"http: {change}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
