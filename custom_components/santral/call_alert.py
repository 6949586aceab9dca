"""Sending a call alert: the message made audio, served on the internet, handed to the PBX.

The action and the notify entity both come here. Nothing is sent unless every check
passes: the provider places alerts, Home Assistant has an address on the internet (else a
repair issue says how to give it one), and a TTS engine spoke the message. What the
provider refuses comes back in its own words.
"""

from __future__ import annotations

from dataclasses import dataclass
import secrets
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir

from .alert_audio import alert_audio
from .const import DOMAIN
from .coordinator import SantralConfigEntry
from .failures import provider_failed
from .providers import DESCRIPTIONS, AlertSound, CallAlertService, SantralError
from .reachability import NETWORK_SETTINGS, public_base_url

ISSUE_ALERT_UNREACHABLE = "call_alert_unreachable"
DEFAULT_TITLE = "Santral"
# The message is spoken this many times by default, so a person who picks up late hears
# it whole; at most MAX_REPEAT times.
DEFAULT_REPEAT = 2
MAX_REPEAT = 5
# What separates the repetitions: a full stop and a pause.
REPEAT_SEPARATOR = " ... "


@dataclass(frozen=True, slots=True)
class AlertRequest:
    """What to say to whom: numbers in E.164, and how."""

    numbers: list[str]
    message: str
    language: str | None = None
    engine: str | None = None
    repeat: int = DEFAULT_REPEAT
    acknowledge_digit: str | None = None
    sender: str | None = None
    title: str | None = None

    @property
    def spoken(self) -> str:
        """Return the text the engine speaks: the message, `repeat` times."""
        return REPEAT_SEPARATOR.join([self.message.strip()] * self.repeat)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def alert_service(entry: SantralConfigEntry) -> CallAlertService:
    """Return the entry's client as a call alert service, or refuse the action."""
    client = entry.runtime_data.client
    if (service := client.call_alerts) is None:
        raise _invalid(
            "call_alert_not_supported",
            title=entry.title,
            provider=DESCRIPTIONS[client.provider].name,
        )
    return service


def issue_id(entry: SantralConfigEntry) -> str:
    """Return the id of the repair issue raised while alerts have no public address."""
    return f"{ISSUE_ALERT_UNREACHABLE}_{entry.entry_id}"


def _no_public_url(
    hass: HomeAssistant, entry: SantralConfigEntry
) -> HomeAssistantError:
    """Raise the repair issue, and return the error that says the same."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_ALERT_UNREACHABLE,
        translation_placeholders={
            "name": entry.title,
            "network_settings": NETWORK_SETTINGS,
        },
    )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="call_alert_no_public_url",
        translation_placeholders={"network_settings": NETWORK_SETTINGS},
    )


async def async_send_call_alert(
    hass: HomeAssistant, entry: SantralConfigEntry, request: AlertRequest
) -> dict[str, Any]:
    """Phone the numbers and speak the message; return the alert's id and numbers."""
    service = alert_service(entry)
    tracker = entry.runtime_data.call_alerts
    assert tracker is not None
    if (base_url := public_base_url(hass)) is None:
        raise _no_public_url(hass, entry)
    clip = await alert_audio(hass).async_clip(
        request.spoken, request.language, request.engine
    )
    title = f"{request.title or DEFAULT_TITLE} {secrets.token_hex(3)}"
    sound = AlertSound(
        f"{base_url.rstrip('/')}{clip.path}",
        clip.content,
        clip.content_type,
        clip.digest,
    )
    try:
        alert_id = await service.async_create_call_alert(
            request.numbers,
            sound,
            title=title,
            sender=request.sender,
            report_url=tracker.report_url,
        )
    except ValueError as err:
        raise _invalid("call_alert_sender_required") from err
    except SantralError as err:
        raise provider_failed(entry, err) from err
    ir.async_delete_issue(hass, DOMAIN, issue_id(entry))
    tracker.async_track(alert_id, request.numbers, request.acknowledge_digit)
    return {"alert_id": alert_id, "numbers": list(request.numbers)}
