"""The log guard: it reads Santral's DEBUG lines, while a failing test's report shows INFO."""

from __future__ import annotations

import logging

import pytest

from simulator import SimulatorState
from tests.helpers import WEBHOOK_IDS, leaked_line

LOGGER = logging.getLogger("custom_components.santral")


def test_guard_reads_debug_lines(
    no_secret_in_logs: list[logging.LogRecord], caplog: pytest.LogCaptureFixture
) -> None:
    """A DEBUG line of Santral's reaches the guard and `caplog`."""
    LOGGER.debug("polling page %s", 2)
    assert [(r.levelno, r.getMessage()) for r in no_secret_in_logs[-1:]] == [
        (logging.DEBUG, "polling page 2")
    ]
    assert [r.getMessage() for r in caplog.records] == ["polling page 2"]


def test_report_starts_at_info(
    pytestconfig: pytest.Config, no_secret_in_logs: list[logging.LogRecord]
) -> None:
    """A failing test's report leaves debug lines out unless --log-level asks for them."""
    plugin = pytestconfig.pluginmanager.get_plugin("logging-plugin")
    LOGGER.debug("page read")
    LOGGER.warning("page cap reached")
    shown = [r for r in no_secret_in_logs[-2:] if plugin.report_handler.filter(r)]
    if pytestconfig.option.log_level is None:
        assert [r.getMessage() for r in shown] == ["page cap reached"]
    else:
        assert len(shown) == 2


def test_guard_finds_a_credential_in_a_debug_line() -> None:
    """A credential in any line is found; a webhook id only in Santral's or a warning."""
    token = SimulatorState().bulutfon.token
    webhook_id = WEBHOOK_IDS["bulutsantralim"]

    def record(name: str, level: int, message: str) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, message, None, None)

    debug = record("custom_components.santral", logging.DEBUG, f"GET /me?t={token}")
    assert (
        leaked_line([debug], [token]) == f"custom_components.santral GET /me?t={token}"
    )
    served = record("aiohttp.access", logging.DEBUG, f"POST /api/webhook/{webhook_id}")
    assert leaked_line([served], [token]) is None
    ours = record("custom_components.santral", logging.DEBUG, f"hook {webhook_id}")
    assert leaked_line([ours], [token]) is not None
    assert (
        leaked_line([served, ours], [])
        == f"custom_components.santral hook {webhook_id}"
    )
