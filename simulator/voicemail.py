"""Verimor's voicemail boxes: the messages callers leave, read or not, and their audio.

Shapes follow `voicemails.md` (providers.md §2.3): each message has its box's extension
(`user_number`), the caller, a start and, once listened to, a read time; its audio is
reached through a one-hour URL that needs no key. A test or the control API leaves a
message in a box and marks one read, as a phone would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
import uuid

from .calls import ISTANBUL
from .recordings import RecordingLink


@dataclass(slots=True)
class Voicemail:
    """A message left in the box of extension `user_number`."""

    user_number: str
    caller_id_number: str
    caller_id_name: str
    start_stamp: datetime
    duration: int
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    read_stamp: datetime | None = None


@dataclass(slots=True)
class VoicemailBoxes:
    """Every message of the PBX, oldest first, and the audio URLs handed out."""

    messages: list[Voicemail] = field(default_factory=list)
    # Every voicemail URL handed out, by the uuid after `/voicemail/V`.
    urls: dict[str, RecordingLink] = field(default_factory=dict)

    def leave(
        self,
        extension: str,
        caller_id: str,
        *,
        caller_name: str = "",
        duration: int = 12,
        when: datetime | None = None,
    ) -> Voicemail:
        """Leave a message in `extension`'s box (now, unless `when`)."""
        message = Voicemail(
            extension,
            caller_id,
            caller_name,
            when or datetime.now(ISTANBUL),
            duration,
        )
        self.messages.append(message)
        return message

    def find(self, which: str) -> Voicemail | None:
        """Return the message of uuid `which`, if there is one."""
        return next((found for found in self.messages if found.uuid == which), None)

    def mark_read(self, which: str) -> Voicemail:
        """Listen to a message, by uuid; raise ValueError when there is none."""
        if (found := self.find(which)) is None:
            raise ValueError(f"no voicemail {which}")
        found.read_stamp = found.read_stamp or datetime.now(ISTANBUL)
        return found
