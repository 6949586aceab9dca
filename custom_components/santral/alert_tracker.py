"""Follows each call alert until every recipient settles, announcing each outcome once.

Bulutfon reports outcomes only when asked, so every pending alert is read at
`ALERT_POLL_INTERVAL` until each recipient was called. Bulutsantralim cannot be asked: it
posts one report per number to the entry's report webhook, whose id is kept in the store so
that a campaign started before a restart still reaches it. Either way, once `ALERT_BUDGET`
is spent the recipients still waiting failed, and a settled alert is ended at the provider.
Per recipient `answered`, `acknowledged` (the key pressed, when it is the one asked for, or
any key when none was) and `failed` are each fired at most once. Pending alerts and what
was announced of them are stored, so a restart goes on following them without repeating
an event.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.hdrs import METH_POST
from homeassistant.components import webhook
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
import homeassistant.util.dt as dt_util

from .const import ALERT_BUDGET, ALERT_POLL_INTERVAL, DOMAIN, EVENT_CALL_ALERT, LOGGER
from .providers import (
    AlertOutcome,
    AlertRecipient,
    CallAlert,
    CallAlertService,
    SantralError,
    SantralWebhookError,
)
from .tracker import tracker_store
from .webhook import MAX_BODY_BYTES, decode_body, read_body, webhook_url

STORE_NAME = "call_alerts"
ANSWERED = "answered"
ACKNOWLEDGED = "acknowledged"
FAILED = "failed"
# Reports kept for alerts not tracked yet (a report may overtake the answer that names
# its campaign); the oldest alert's are dropped first.
MAX_EARLY_REPORTS = 64


@dataclass(slots=True)
class PendingAlert:
    """An alert not yet settled: whom it calls, the key that acknowledges, what was told."""

    alert_id: str
    numbers: list[str]
    acknowledge_digit: str | None
    started: str
    announced: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PendingAlert:
        """Read an alert as it was stored."""
        return cls(
            str(data["alert_id"]),
            [str(number) for number in data["numbers"]],
            data.get("acknowledge_digit"),
            str(data["started"]),
            {
                str(number): [str(kind) for kind in kinds]
                for number, kinds in dict(data.get("announced", {})).items()
            },
        )


class CallAlertTracker:
    """One entry's pending call alerts."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        service: CallAlertService,
        *,
        device_id: str,
    ) -> None:
        """Follow the alerts of `service`, announcing them for the entry's device."""
        self.hass = hass
        self.entry_id = entry_id
        self.device_id = device_id
        self._service = service
        self._store = tracker_store(hass, entry_id, STORE_NAME)
        self.pending: dict[str, PendingAlert] = {}
        self._unsub: CALLBACK_TYPE | None = None
        self._report_webhook: str | None = None
        self._early: OrderedDict[str, list[CallAlert]] = OrderedDict()

    async def async_load(self) -> None:
        """Read the alerts a previous run left pending, and go on following them."""
        stored = await self._store.async_load() or {}
        for item in stored.get("alerts", []):
            try:
                alert = PendingAlert.from_dict(item)
            except KeyError, TypeError, ValueError:
                continue
            self.pending[alert.alert_id] = alert
        if self._service.reports_by_webhook:
            self._report_webhook = str(
                stored.get("report_webhook") or webhook.async_generate_id()
            )
            webhook.async_register(
                self.hass,
                DOMAIN,
                "Santral call alert reports",
                self._report_webhook,
                self._async_handle_report,
                local_only=False,
                allowed_methods=[METH_POST],
            )
        self._schedule()

    @property
    def report_url(self) -> str | None:
        """Return where the provider posts outcomes, on the internet; None if nowhere."""
        if self._report_webhook is None:
            return None
        return webhook_url(self.hass, self._report_webhook, external_only=True)

    async def _async_handle_report(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Take one report the provider posted; an empty post is its check of the URL."""
        body = await read_body(request)
        if len(body) > MAX_BODY_BYTES:
            return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        try:
            report = self._service.read_call_alert_report(
                decode_body(body, request.content_type)
            )
        except SantralWebhookError as err:
            LOGGER.debug("Ignored a call alert report: %s", err)
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        if report is not None:
            self.async_report(report)
        return web.Response(status=HTTPStatus.OK, text="OK")

    @callback
    def async_report(self, report: CallAlert) -> None:
        """Announce what a report tells; the alert settles once each number has an end."""
        alert = self.pending.get(report.alert_id)
        if alert is None:
            self._early.setdefault(report.alert_id, []).append(report)
            while len(self._early) > MAX_EARLY_REPORTS:
                self._early.popitem(last=False)
            return
        for recipient in report.recipients:
            if recipient.number in alert.numbers:
                self._announce_recipient(alert, recipient)
        if all(alert.announced.get(number) for number in alert.numbers):
            self._finish(alert)
        self._save()
        self._schedule()

    @callback
    def async_track(
        self, alert_id: str, numbers: list[str], acknowledge_digit: str | None
    ) -> None:
        """Follow a new alert from its first read on."""
        self.pending[alert_id] = PendingAlert(
            alert_id, list(numbers), acknowledge_digit, dt_util.utcnow().isoformat()
        )
        for report in self._early.pop(alert_id, []):
            self.async_report(report)
        self._save()
        self._schedule()

    @callback
    def async_stop(self) -> None:
        """Stop following (the entry unloads); what is pending stays stored."""
        self._stop_polling()
        if self._report_webhook is not None:
            webhook.async_unregister(self.hass, self._report_webhook)

    @callback
    def _stop_polling(self) -> None:
        if self._unsub is not None:
            self._unsub()
            self._unsub = None

    @callback
    def _schedule(self) -> None:
        if self.pending and self._unsub is None:
            self._unsub = async_track_time_interval(
                self.hass,
                self._async_poll,
                ALERT_POLL_INTERVAL,
                name="santral call alerts",
                cancel_on_shutdown=True,
            )
        elif not self.pending:
            self._stop_polling()

    async def _async_poll(self, _now: datetime | None = None) -> None:
        """Read every pending alert once, and announce what changed; save only then."""
        before = self._stored()
        for alert in list(self.pending.values()):
            try:
                report = await self._service.async_get_call_alert(alert.alert_id)
            except SantralError as err:
                LOGGER.debug("Could not read call alert %s: %s", alert.alert_id, err)
                report = None
            self._settle(alert, report)
        if self._stored() != before:
            self._save()
        self._schedule()

    def _settle(self, alert: PendingAlert, report: CallAlert | None) -> None:
        """Announce the outcomes of `report`; past the budget, the ones still waiting fail."""
        started = dt_util.parse_datetime(alert.started) or dt_util.utcnow()
        expired = dt_util.utcnow() - started >= ALERT_BUDGET
        reported = {r.number: r for r in report.recipients} if report else {}
        for number in alert.numbers:
            recipient = reported.get(number)
            if recipient is None or recipient.outcome is AlertOutcome.PENDING:
                if expired:
                    self._announce(alert, number, FAILED, None)
                continue
            self._announce_recipient(alert, recipient)
        if expired or (report is not None and report.settled):
            for number in alert.numbers:
                if not alert.announced.get(number):
                    self._announce(alert, number, FAILED, None)
            self._finish(alert)

    def _finish(self, alert: PendingAlert) -> None:
        """Stop following a settled alert, and let the provider end it."""
        del self.pending[alert.alert_id]
        self.hass.async_create_background_task(
            self._async_end(alert.alert_id), f"santral end call alert {alert.alert_id}"
        )

    async def _async_end(self, alert_id: str) -> None:
        try:
            await self._service.async_end_call_alert(alert_id)
        except SantralError as err:
            LOGGER.debug("Could not end call alert %s: %s", alert_id, err)

    def _announce_recipient(
        self, alert: PendingAlert, recipient: AlertRecipient
    ) -> None:
        if recipient.outcome is AlertOutcome.FAILED:
            self._announce(alert, recipient.number, FAILED, None)
            return
        self._announce(alert, recipient.number, ANSWERED, recipient.digit)
        if recipient.digit is not None and alert.acknowledge_digit in (
            None,
            recipient.digit,
        ):
            self._announce(alert, recipient.number, ACKNOWLEDGED, recipient.digit)

    def _announce(
        self, alert: PendingAlert, number: str, kind: str, digit: str | None
    ) -> None:
        """Fire `kind` for `number` unless it was fired before; a failure ends a number."""
        told = alert.announced.setdefault(number, [])
        if kind in told or (kind == FAILED and told):
            return
        told.append(kind)
        self.hass.bus.async_fire(
            EVENT_CALL_ALERT,
            {
                "entry_id": self.entry_id,
                "device_id": self.device_id,
                "provider": self._service.provider.value,
                "alert_id": alert.alert_id,
                "type": kind,
                "number": number,
                "digit": digit,
            },
        )

    def _stored(self) -> dict[str, Any]:
        return {
            "alerts": [asdict(alert) for alert in self.pending.values()],
            "report_webhook": self._report_webhook,
        }

    @callback
    def _save(self) -> None:
        stored = self._stored()
        self._store.async_delay_save(lambda: stored, 1)

    async def async_flush(self) -> None:
        """Write what is pending now (the entry unloads)."""
        self.async_stop()
        await self._store.async_save(self._stored())
