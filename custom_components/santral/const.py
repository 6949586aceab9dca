"""Constants of the Santral integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any, Final

from homeassistant.util.signal_type import SignalTypeFormat

from .providers import CallEvent

DOMAIN: Final = "santral"
LOGGER = logging.getLogger(__package__)

CONF_PROVIDER: Final = "provider"
CONF_BASE_URL: Final = "base_url"
CONF_CLIENT_ID: Final = "client_id"
CONF_CLIENT_SECRET: Final = "client_secret"
CONF_WEBHOOK_USERNAME: Final = "webhook_username"
CONF_WEBHOOK_PASSWORD: Final = "webhook_password"
CONF_SET_NOTIFICATION_URL: Final = "set_notification_url"
SECTION_ADVANCED: Final = "advanced"
SECTION_WEBHOOK: Final = "webhook"

CONF_ARCHIVE_FAXES: Final = "archive_faxes"
CONF_FAX_FOLDER: Final = "fax_folder"
CONF_DOWNLOAD_RECORDINGS: Final = "download_recordings"
CONF_CALL_HISTORY_INTERVAL: Final = "call_history_interval"
CONF_FAX_INTERVAL: Final = "fax_interval"
CONF_NUMBER_FORMAT: Final = "number_format"
CONF_PHONEBOOK: Final = "phonebook"
CONF_CALL_LOG_SIZE: Final = "call_log_size"
CONF_ALERT_NUMBERS: Final = "alert_numbers"

EVENT_CALL: Final = "santral_call"
EVENT_FAX: Final = "santral_fax"
EVENT_VOICEMAIL: Final = "santral_voicemail"
EVENT_CALL_ALERT: Final = "santral_call_alert"

# Dispatcher signals, formatted with the entry id.
# A fax event was announced; the fax figures changed.
SIGNAL_FAX: Final = SignalTypeFormat[str, dict[str, Any]]("santral_fax_{}")
# A tracker's figures moved: the keys of the sensors whose figures did, or None for any.
type Figures = frozenset[str] | None
SIGNAL_FAXES_UPDATED: Final = SignalTypeFormat[Figures]("santral_faxes_updated_{}")
# A voicemail was announced; the unread counts may have changed.
SIGNAL_VOICEMAIL: Final = SignalTypeFormat[dict[str, Any]]("santral_voicemail_{}")
SIGNAL_VOICEMAILS_UPDATED: Final = SignalTypeFormat[Figures](
    "santral_voicemails_updated_{}"
)
# A call event was announced; the call counters changed.
SIGNAL_CALL: Final = SignalTypeFormat[CallEvent, dict[str, Any]]("santral_call_{}")
SIGNAL_CALLS_UPDATED: Final = SignalTypeFormat[Figures]("santral_calls_updated_{}")
# A call named an extension never seen before.
SIGNAL_NEW_EXTENSION: Final = SignalTypeFormat[str]("santral_new_extension_{}")
# Extension devices were made: their entities are due.
SIGNAL_EXTENSIONS_ADDED: Final = SignalTypeFormat[list[str]](
    "santral_extensions_added_{}"
)
# An extension's call state changed (formatted with the entry id and the extension).
SIGNAL_EXTENSION: Final = SignalTypeFormat[()]("santral_extension_{}_{}")

# Call detail records: a poll every 5 minutes costs one request when nothing is new.
CALL_HISTORY_INTERVAL: Final = timedelta(minutes=5)
# What the options allow for the call and fax polls, in minutes. The providers publish no
# limit for these lists; a minute apart stays polite, an hour keeps the events useful.
MIN_POLL_MINUTES: Final = 1
MAX_POLL_MINUTES: Final = 60
# Calls are re-read this far back (past the talking timeout), so calls that end long after
# they started are not lost. While the webhook is heard, that is done by a sweep once an
# hour, and the other polls read back a little, or to the start of the oldest call the
# webhook reported and no end has closed.
CALL_HISTORY_OVERLAP: Final = timedelta(hours=5)
# A quick poll reads back as far as a missed call rings (the documented ring timeouts reach
# 60 seconds) and a margin: a missed call no webhook told of, still ringing at one poll,
# is announced at the next. Longer calls no webhook told of wait for the sweep; a backlog
# of records is read once, not again by the poll after it.
CALL_HISTORY_MISSED_RING: Final = timedelta(seconds=90)
CALL_HISTORY_QUICK_OVERLAP: Final = CALL_HISTORY_MISSED_RING + timedelta(seconds=30)
CALL_HISTORY_SWEEP: Final = timedelta(hours=1)
# A poll reads at most this many calls' steps (who answered, who rang), one request each;
# the calls past it wait for the next poll, which reads them first and announces them
# all the same, so no call waits more than one poll.
MAX_CALL_FLOW_READS: Final = 10
# How many ended calls the log keeps for its readers (the websocket API), unless the options
# say otherwise; the day's counts do not depend on it. The log is saved with the announced
# ids on every write of the calls store: at 200 calls that store stays near 130 kB on a
# busy account, at 2000 it is nearer 700 kB.
CALL_LOG_SIZE: Final = 200
MIN_CALL_LOG_SIZE: Final = 50
MAX_CALL_LOG_SIZE: Final = 2000
# Fax lists: every 5 minutes, re-read a day back so slow deliveries settle in the window.
FAX_HISTORY_INTERVAL: Final = timedelta(minutes=5)
FAX_HISTORY_OVERLAP: Final = timedelta(days=1)
# Voicemail boxes: every 2 minutes, the messages of the last day and the unread ones.
VOICEMAIL_INTERVAL: Final = timedelta(minutes=2)
VOICEMAIL_OVERLAP: Final = timedelta(days=1)
# Files the send action accepts, by provider document; and how large.
MAX_FAX_FILE_BYTES: Final = 20 * 1024 * 1024

# Extension presence: Bulutsantralim allows /user_statuses twice a minute.
PRESENCE_INTERVAL: Final = timedelta(seconds=40)
# Which extensions a PBX has: they come and go rarely.
EXTENSIONS_INTERVAL: Final = timedelta(minutes=30)

# An extension left ringing or talking this long without news is idle again.
RINGING_TIMEOUT: Final = timedelta(minutes=3)
TALKING_TIMEOUT: Final = timedelta(hours=4)

# Call alerts: each pending alert's recipients are read this often (Bulutfon publishes no
# limit; 3 reads a minute an alert), until every one was called or the budget is spent.
# The provider places the calls one after another, each ringing up to a minute.
ALERT_POLL_INTERVAL: Final = timedelta(seconds=20)
ALERT_BUDGET: Final = timedelta(minutes=30)
