"""Bulutsantralim's announcements and IVR campaigns, and the dialer that reports each call.

Shapes follow `announcements.md` and `ivr_campaigns.md` (providers.md §2.6). An
announcement is uploaded as a data URL of URL-safe base64 and kept with its bytes, so a
test can prove real audio arrived. A campaign checks its `webhook_url` with an empty POST
before it is accepted; then a background task calls its numbers one after another,
`call_delay` seconds apart, and posts one form report per number: `digit` empty when the
call did not connect (status `Cevapsız`), `-` when no key was pressed, the key, or `!N`
for a key the campaign has no target for (status `Cevaplandı` for all three). How each
number takes the call comes from the callee table shared with Bulutfon's automatic calls
(`callees.py`). `call_retries` and the working hours are accepted and not simulated: each
number is called once, at once.

For tests: `IvrCampaigns.announcements` and `.campaigns` by id; a campaign's `leads` (each
number and its outcome), `reports` (what was posted and the status the webhook answered),
`verification` (the status the empty check got), `undelivered` and `deleted`;
`call_delay` sets the pace, `await async_idle()` waits until every campaign has called
all its numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
import random
from typing import Any

import aiohttp

from .audio import looks_like_audio
from .callees import Callee
from .faxes import new_uuid

# The empty check of a new campaign's webhook is short: the create waits for it.
VERIFY_TIMEOUT = aiohttp.ClientTimeout(total=5)
REPORT_TIMEOUT = aiohttp.ClientTimeout(total=10)
# A report the webhook does not take is posted once more, then left.
REPORT_ATTEMPTS = 2
# How much of an announcement's audio `head` shows, to tell its kind.
HEAD_BYTES = 16
ANSWERED = "Cevaplandı"
NOT_ANSWERED = "Cevapsız"
# The report's `digit`: the call did not connect, no key before the timeout, a key that
# has no target (followed by the key).
NOT_CONNECTED = ""
NO_KEY = "-"
INVALID_KEY = "!"
# The campaign field that names each key's target.
KEY_TARGETS = {
    **{str(digit): f"digit_target_{digit}" for digit in range(10)},
    "*": "digit_target_star",
    "#": "digit_target_square",
}
NOTIFICATION_STAMP = "%Y-%m-%d %H:%M:%S UTC"


@dataclass(slots=True)
class Announcement:
    """One uploaded sound file: its name and what was uploaded."""

    id: int
    name: str
    content_type: str
    file_name: str
    content: bytes

    @property
    def size(self) -> int:
        """Return how many bytes of audio were uploaded."""
        return len(self.content)

    @property
    def head(self) -> bytes:
        """Return the audio's first bytes."""
        return self.content[:HEAD_BYTES]

    @property
    def is_audio(self) -> bool:
        """Return whether an audio type came with bytes that start like an audio file."""
        return self.content_type.startswith("audio/") and looks_like_audio(self.content)


@dataclass(slots=True)
class Report:
    """One report posted to a campaign's webhook, and how the webhook took it.

    `status` is the webhook's answer to the last attempt, None when it could not be
    reached; `attempts` is 1, or 2 when the first was not taken.
    """

    fields: dict[str, str]
    status: int | None
    attempts: int = 1

    @property
    def delivered(self) -> bool:
        """Return whether the webhook took the report (a 2xx answer)."""
        return self.status is not None and 200 <= self.status < 300


@dataclass(slots=True)
class Lead:
    """One number of a campaign (`ivr_lead_id`), and what its call gave once placed."""

    id: int
    phone: str
    called: bool = False
    answered: bool = False
    # The report's `digit` and `status`, once called.
    digit: str | None = None
    status: str | None = None


@dataclass(slots=True, eq=False)
class Campaign:
    """One campaign as `POST /ivr_campaigns.json` created it, and what its calls gave."""

    id: int
    body: dict[str, Any]
    leads: list[Lead]
    verification: int | None = None
    reports: list[Report] = field(default_factory=list)
    deleted: bool = False
    paused: bool = False
    task: asyncio.Task[None] | None = None
    # Set when the campaign is paused, goes on or is deleted, to wake its dialer.
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def name(self) -> str:
        """Return the campaign's name."""
        return str(self.body.get("name", ""))

    @property
    def webhook_url(self) -> str:
        """Return where reports go; empty when the campaign has no webhook."""
        return str(self.body.get("webhook_url") or "")

    @property
    def phones(self) -> list[str]:
        """Return the numbers called, as `90…` digits, in order."""
        return [lead.phone for lead in self.leads]

    @property
    def undelivered(self) -> list[Report]:
        """Return the reports the webhook did not take, even on the second attempt."""
        return [report for report in self.reports if not report.delivered]

    def digit_of(self, callee: Callee) -> str:
        """Return what the report says an answering callee pressed, as the document writes it."""
        if callee.digit is None:
            return NO_KEY
        key = str(callee.digit)
        return key if self.body.get(KEY_TARGETS[key]) else f"{INVALID_KEY}{key}"

    def stop(self) -> None:
        """Delete the campaign: no call is placed after this."""
        self.deleted = True
        self.changed.set()

    def set_running(self, running: bool) -> None:
        """Pause the calls (`status=off`) or let them go on (`status=on`)."""
        self.paused = not running
        self.changed.set()


@dataclass(slots=True)
class IvrCampaigns:
    """Every announcement and campaign of the PBX, and the dialer's pace."""

    announcements: dict[int, Announcement] = field(default_factory=dict)
    campaigns: dict[int, Campaign] = field(default_factory=dict)
    # Seconds before each call of a campaign (the first one too); tests set it.
    call_delay: float = 0.2
    # Ids count on from the documents' examples.
    next_announcement: int = 859
    next_campaign: int = 20212
    next_notification: int = 5
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
        """Keep a new campaign, one lead per number; `start` sets it calling."""
        leads = [
            Lead(self.next_lead + index, phone) for index, phone in enumerate(phones)
        ]
        self.next_lead += len(leads)
        campaign = Campaign(self.next_campaign, body, leads)
        self.campaigns[campaign.id] = campaign
        self.next_campaign += 1
        return campaign

    def start(
        self,
        campaign: Campaign,
        callee_of: Callable[[str], Callee],
        domain_id: str,
        rng: random.Random,
    ) -> None:
        """Call the campaign's numbers in the background, reporting each call."""
        campaign.task = asyncio.get_running_loop().create_task(
            self._dial(campaign, callee_of, domain_id, rng),
            name=f"ivr_campaign_{campaign.id}",
        )

    def report(
        self,
        campaign: Campaign,
        lead: Lead,
        callee: Callee,
        domain_id: str,
        rng: random.Random,
    ) -> dict[str, str]:
        """Place the lead's call as `callee` takes it; return its report's fields."""
        lead.called = True
        lead.answered = callee.answers
        lead.digit = campaign.digit_of(callee) if callee.answers else NOT_CONNECTED
        lead.status = ANSWERED if callee.answers else NOT_ANSWERED
        fields = {
            "notification_id": str(self.next_notification),
            "notification_date": datetime.now(UTC).strftime(NOTIFICATION_STAMP),
            "domain_id": domain_id,
            "ivr_campaign_id": str(campaign.id),
            "ivr_campaign_name": campaign.name,
            "ivr_lead_id": str(lead.id),
            "phone": lead.phone,
            "digit": lead.digit,
            "status": lead.status,
            "call_uuid": new_uuid(rng),
        }
        self.next_notification += 1
        return fields

    async def _turn(self, campaign: Campaign) -> bool:
        """Wait `call_delay`, and while the campaign is paused; False once it is deleted."""
        loop = asyncio.get_running_loop()
        due = loop.time() + self.call_delay
        while not campaign.deleted:
            left = due - loop.time()
            if left <= 0 and not campaign.paused:
                return True
            campaign.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    campaign.changed.wait(), None if campaign.paused else left
                )
        return False

    async def _dial(
        self,
        campaign: Campaign,
        callee_of: Callable[[str], Callee],
        domain_id: str,
        rng: random.Random,
    ) -> None:
        """Call the numbers in turn; post each call's report to the webhook, if any."""
        async with aiohttp.ClientSession(timeout=REPORT_TIMEOUT) as session:
            for lead in campaign.leads:
                if not await self._turn(campaign):
                    return
                fields = self.report(
                    campaign, lead, callee_of(lead.phone), domain_id, rng
                )
                if campaign.webhook_url:
                    campaign.reports.append(
                        await _deliver(session, campaign.webhook_url, fields)
                    )

    @property
    def tasks(self) -> list[asyncio.Task[None]]:
        """Return the dialer of every campaign started."""
        return [c.task for c in self.campaigns.values() if c.task is not None]

    async def async_idle(self) -> None:
        """Wait until every campaign has called all its numbers, or was deleted.

        A paused campaign is waited for until it goes on.
        """
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def async_stop(self) -> None:
        """Stop every campaign's dialing (the simulator stops), and wait until it has."""
        tasks = self.tasks
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _post(
    session: aiohttp.ClientSession, url: str, fields: dict[str, str] | None
) -> int | None:
    """POST `fields` as a form, or nothing, to `url`; return the status, None if unreachable."""
    try:
        async with session.post(url, data=fields, allow_redirects=False) as response:
            await response.read()
            return response.status
    except aiohttp.ClientError, TimeoutError, ValueError, OSError:
        return None


async def _deliver(
    session: aiohttp.ClientSession, url: str, fields: dict[str, str]
) -> Report:
    """Post one report; one that is not taken is posted once more, then left."""
    report = Report(fields, await _post(session, url, fields))
    while not report.delivered and report.attempts < REPORT_ATTEMPTS:
        report.status = await _post(session, url, fields)
        report.attempts += 1
    return report


async def verify_webhook(url: str) -> int | None:
    """Send the empty POST Verimor checks a campaign's `webhook_url` with; return its status."""
    async with aiohttp.ClientSession(timeout=VERIFY_TIMEOUT) as session:
        return await _post(session, url, None)
