"""Bulutsantralim's announcements and IVR campaigns, and the dialer that reports each call.

Shapes follow `announcements.md` and `ivr_campaigns.md` (providers.md §2.6): an
announcement is uploaded as a data URL of URL-safe base64 and kept with its bytes, so a test
can prove real audio arrived. A campaign checks its `webhook_url` with an empty POST before
it is accepted, then calls its numbers one after another, `call_delay` seconds apart, and
posts one form report per number: `digit` empty when the call did not connect, `-` when no
key was pressed, the key, or `!N` for a key with no target. How each number takes the call
comes from the callee table shared with Bulutfon's automatic calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
import uuid

import aiohttp

from .automatic_calls import AUDIO_MAGIC, Callee

REPORT_TIMEOUT = aiohttp.ClientTimeout(total=10)
ANSWERED = "Cevaplandı"
NOT_ANSWERED = "Cevapsız"
# The report's name of each key's target field.
KEY_FIELDS = {
    **{str(digit): f"digit_target_{digit}" for digit in range(10)},
    "*": "digit_target_star",
    "#": "digit_target_square",
}


@dataclass(slots=True)
class Announcement:
    """One uploaded sound file: its name and what was uploaded."""

    id: int
    name: str
    content_type: str
    file_name: str
    content: bytes

    @property
    def is_audio(self) -> bool:
        """Return whether the bytes start like an audio file."""
        return self.content_type.startswith("audio/") and self.content.startswith(
            AUDIO_MAGIC
        )


@dataclass(slots=True)
class Report:
    """One report posted to a campaign's webhook, and the status it was answered with."""

    fields: dict[str, str]
    status: int | None


@dataclass(slots=True)
class Campaign:
    """One campaign as `POST /ivr_campaigns.json` created it, and what its calls gave."""

    id: int
    body: dict[str, Any]
    phones: list[str]
    verification: int | None = None
    reports: list[Report] = field(default_factory=list)
    deleted: bool = False
    paused: bool = False
    task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        """Return the campaign's name."""
        return str(self.body.get("name", ""))

    def digit_of(self, callee: Callee) -> str:
        """Return what the report says the callee pressed, as the document writes it."""
        if callee.digit is None:
            return "-"
        key = str(callee.digit)
        return key if self.body.get(KEY_FIELDS.get(key, "")) else f"!{key}"


@dataclass(slots=True)
class IvrCampaigns:
    """Every announcement and campaign of the PBX, and the dialer's pace."""

    announcements: dict[int, Announcement] = field(default_factory=dict)
    campaigns: dict[int, Campaign] = field(default_factory=dict)
    # Seconds between one call of a campaign and the next (and before the first).
    call_delay: float = 0.2
    next_announcement: int = 859
    next_campaign: int = 20212
    next_notification: int = 1
    next_lead: int = 1878

    def upload(
        self, name: str, content_type: str, file_name: str, content: bytes
    ) -> Announcement:
        """Keep a new announcement."""
        announcement = Announcement(
            self.next_announcement, name, content_type, file_name, content
        )
        self.announcements[announcement.id] = announcement
        self.next_announcement += 1
        return announcement

    def create(self, body: dict[str, Any], phones: list[str]) -> Campaign:
        """Keep a new campaign; the dialer starts it."""
        campaign = Campaign(self.next_campaign, body, phones)
        self.campaigns[campaign.id] = campaign
        self.next_campaign += 1
        return campaign

    def report(
        self, campaign: Campaign, phone: str, callee: Callee, domain_id: str
    ) -> dict[str, str]:
        """Return the report of one call to `phone`, as the webhook receives it."""
        answered = callee.answers
        fields = {
            "notification_id": str(self.next_notification),
            "notification_date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "domain_id": domain_id,
            "ivr_campaign_id": str(campaign.id),
            "ivr_campaign_name": campaign.name,
            "ivr_lead_id": str(self.next_lead),
            "phone": phone,
            "digit": campaign.digit_of(callee) if answered else "",
            "status": ANSWERED if answered else NOT_ANSWERED,
            "call_uuid": str(uuid.uuid4()),
        }
        self.next_notification += 1
        self.next_lead += 1
        return fields

    async def async_idle(self) -> None:
        """Wait until every campaign has called all its numbers (for tests)."""
        tasks = [c.task for c in self.campaigns.values() if c.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop_all(self) -> None:
        """Stop every campaign's dialing (the simulator stops)."""
        for campaign in self.campaigns.values():
            if campaign.task is not None:
                campaign.task.cancel()


async def post_form(url: str, fields: dict[str, str] | None) -> int | None:
    """POST `fields` as a form (none: an empty body) to `url`; return the status, or None."""
    try:
        async with (
            aiohttp.ClientSession(timeout=REPORT_TIMEOUT) as session,
            session.post(url, data=fields or b"", allow_redirects=False) as response,
        ):
            await response.read()
            return response.status
    except aiohttp.ClientError, TimeoutError, ValueError:
        return None


async def dial(
    calls: IvrCampaigns,
    campaign: Campaign,
    callee_of: Callable[[str], Callee],
    domain_id: str,
) -> None:
    """Call the campaign's numbers in turn and report each call to its webhook.

    A report the webhook does not take is tried once more, then left as it is.
    """
    url = str(campaign.body.get("webhook_url") or "")
    for phone in campaign.phones:
        await asyncio.sleep(calls.call_delay)
        while campaign.paused and not campaign.deleted:
            await asyncio.sleep(calls.call_delay)
        if campaign.deleted:
            return
        fields = calls.report(campaign, phone, callee_of(phone), domain_id)
        status: int | None = None
        if url:
            for _attempt in range(2):
                status = await post_form(url, fields)
                if status is not None and 200 <= status < 300:
                    break
        campaign.reports.append(Report(fields, status))
