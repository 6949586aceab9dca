"""Account sensors: balance, PBX state and package where the provider reports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_change
import homeassistant.util.dt as dt_util

from .calls import (
    CALLS_TODAY,
    LAST_CALLER,
    LAST_MISSED_CALLER,
    MISSED_CALLS_TODAY,
    CallTracker,
)
from .const import SIGNAL_EXTENSION, SIGNAL_EXTENSIONS_ADDED, Figures
from .coordinator import (
    SantralAccountCoordinator,
    SantralAgentsCoordinator,
    SantralConfigEntry,
    SantralExtensionsCoordinator,
    SantralHistoryCoordinator,
    SantralQueuesCoordinator,
)
from .entity import (
    SantralCoordinatorEntity,
    SantralEntity,
    SantralListedEntity,
    extension_device_info,
)
from .extensions import ExtensionCallState
from .faxes import FaxTracker
from .providers import Account, AgentStatus, FaxDirection, PbxState, Presence
from .voicemail import VoicemailTracker

# Coordinators fetch the data; entities only read it.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SantralAccountSensorEntityDescription(SensorEntityDescription):
    """How to read one account sensor, and whether the provider reports it."""

    value_fn: Callable[[Account], str | Decimal | None]
    exists_fn: Callable[[Account], bool]
    unit_fn: Callable[[Account], str | None] | None = None


ACCOUNT_SENSORS: tuple[SantralAccountSensorEntityDescription, ...] = (
    SantralAccountSensorEntityDescription(
        key="balance",
        translation_key="balance",
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        value_fn=lambda account: account.balance,
        unit_fn=lambda account: account.currency,
        exists_fn=lambda account: account.balance is not None,
    ),
    SantralAccountSensorEntityDescription(
        key="pbx_state",
        translation_key="pbx_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in PbxState],
        value_fn=lambda account: account.pbx_state.value if account.pbx_state else None,
        exists_fn=lambda account: account.pbx_state is not None,
    ),
    SantralAccountSensorEntityDescription(
        key="package",
        translation_key="package",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda account: account.package,
        exists_fn=lambda account: account.package is not None,
    ),
)


@dataclass(frozen=True, kw_only=True)
class SantralTrackerSensorEntityDescription[T](SensorEntityDescription):
    """How to read one figure from a tracker (calls or faxes)."""

    value_fn: Callable[[T], str | int | None]
    attributes_fn: Callable[[T], dict[str, Any]] = lambda tracker: {}
    # Whether the figure needs the history poll; figures the webhook alone keeps do not.
    needs_poll: bool = True


# Attributes use the names of the `santral_call` and `santral_fax` event data.
def _party(
    tracker: CallTracker | FaxTracker | VoicemailTracker,
    role: str,
    number: str | None,
    time_key: str,
    time: str | None,
    **more: Any,
) -> dict[str, Any]:
    """Return who took part in a call or fax, with the phonebook's name, and when."""
    return {
        role: number,
        f"{role}_name": tracker.phonebook.name(number),
        time_key: time,
        **more,
    }


def _last_caller(tracker: CallTracker) -> dict[str, Any]:
    caller = tracker.data.last_caller or {}
    return _party(
        tracker,
        "caller",
        caller.get("number"),
        "started",
        caller.get("time"),
        call_id=caller.get("call_id"),
    )


def _last_missed(tracker: CallTracker) -> dict[str, Any]:
    call = tracker.last_call("missed")
    if call is None:
        return {}
    return _party(
        tracker,
        "caller",
        call.caller,
        "ended",
        call.time,
        call_id=call.call_id,
        callee=call.callee,
    )


CALL_SENSORS: tuple[SantralTrackerSensorEntityDescription[CallTracker], ...] = (
    SantralTrackerSensorEntityDescription[CallTracker](
        key=LAST_CALLER,
        translation_key="last_caller",
        needs_poll=False,
        value_fn=lambda tracker: tracker.phonebook.display(
            (tracker.data.last_caller or {}).get("number")
        ),
        attributes_fn=_last_caller,
    ),
    SantralTrackerSensorEntityDescription[CallTracker](
        key=CALLS_TODAY,
        translation_key="calls_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda tracker: tracker.count_today(),
    ),
    SantralTrackerSensorEntityDescription[CallTracker](
        key=MISSED_CALLS_TODAY,
        translation_key="missed_calls_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda tracker: tracker.count_today("missed"),
    ),
    SantralTrackerSensorEntityDescription[CallTracker](
        key=LAST_MISSED_CALLER,
        translation_key="last_missed_caller",
        needs_poll=False,
        value_fn=lambda tracker: (
            tracker.phonebook.display(call.caller)
            if (call := tracker.last_call("missed"))
            else None
        ),
        attributes_fn=_last_missed,
    ),
)


def _last_received(tracker: FaxTracker) -> dict[str, Any]:
    fax = tracker.last("received")
    if fax is None:
        return {}
    return _party(
        tracker,
        "remote",
        fax.remote,
        "created",
        fax.time,
        pages=fax.pages,
        file=fax.file,
        fax_id=fax.fax_id,
    )


def _last_outgoing(tracker: FaxTracker) -> dict[str, Any]:
    fax = tracker.last("sent", "failed", direction=FaxDirection.OUTBOUND)
    if fax is None:
        return {}
    return _party(tracker, "remote", fax.remote, "created", fax.time, fax_id=fax.fax_id)


FAX_SENSORS: tuple[SantralTrackerSensorEntityDescription[FaxTracker], ...] = (
    SantralTrackerSensorEntityDescription[FaxTracker](
        key="faxes_received_today",
        translation_key="faxes_received_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda tracker: tracker.count_today("received"),
    ),
    SantralTrackerSensorEntityDescription[FaxTracker](
        key="last_received_fax",
        translation_key="last_received_fax",
        value_fn=lambda tracker: (
            tracker.phonebook.display(fax.remote)
            if (fax := tracker.last("received"))
            else None
        ),
        attributes_fn=_last_received,
    ),
    SantralTrackerSensorEntityDescription[FaxTracker](
        key="outgoing_faxes_pending",
        translation_key="outgoing_faxes_pending",
        value_fn=lambda tracker: len(tracker.pending),
    ),
    SantralTrackerSensorEntityDescription[FaxTracker](
        key="last_outgoing_fax",
        translation_key="last_outgoing_fax",
        device_class=SensorDeviceClass.ENUM,
        options=["sent", "failed"],
        value_fn=lambda tracker: (
            fax.type
            if (fax := tracker.last("sent", "failed", direction=FaxDirection.OUTBOUND))
            else None
        ),
        attributes_fn=_last_outgoing,
    ),
)


def _newest_unread(
    tracker: VoicemailTracker, extension: str | None = None
) -> dict[str, Any]:
    message = tracker.newest_unread(extension)
    if message is None:
        return {}
    return _party(
        tracker,
        "caller",
        message.caller,
        "received",
        message.received.isoformat(),
        voicemail_id=message.voicemail_id,
        extension=message.extension,
        duration=message.duration,
    )


VOICEMAIL_SENSORS: tuple[
    SantralTrackerSensorEntityDescription[VoicemailTracker], ...
] = (
    SantralTrackerSensorEntityDescription[VoicemailTracker](
        key="unread_voicemails",
        translation_key="unread_voicemails",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda tracker: tracker.unread_count(),
        attributes_fn=_newest_unread,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account sensors, the call sensors and one call-state sensor per extension."""
    coordinator = entry.runtime_data.account
    async_add_entities(
        SantralAccountSensor(coordinator, description)
        for description in ACCOUNT_SENSORS
        if description.exists_fn(coordinator.data)
    )
    if (fax_history := entry.runtime_data.fax_history) is not None:
        async_add_entities(
            SantralTrackerSensor(entry, fax_history, description)
            for description in FAX_SENSORS
        )
    if (call_history := entry.runtime_data.call_history) is not None:
        async_add_entities(
            SantralTrackerSensor(entry, call_history, description)
            for description in CALL_SENSORS
        )
    if (voicemail_history := entry.runtime_data.voicemail_history) is not None:
        async_add_entities(
            SantralTrackerSensor(entry, voicemail_history, description)
            for description in VOICEMAIL_SENSORS
        )
    _add_extension_sensors(hass, entry, async_add_entities)
    _add_queue_sensors(hass, entry, async_add_entities)


class SantralAccountSensor(
    SantralCoordinatorEntity[SantralAccountCoordinator], SensorEntity
):
    """One value of the provider account."""

    entity_description: SantralAccountSensorEntityDescription

    def __init__(
        self,
        coordinator: SantralAccountCoordinator,
        description: SantralAccountSensorEntityDescription,
    ) -> None:
        """Bind the description to the account coordinator."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> str | Decimal | None:
        """The value as of the last successful poll."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def native_unit_of_measurement(self) -> str | None:
        """The unit the provider reports the value in (the balance's currency)."""
        if (unit_fn := self.entity_description.unit_fn) is not None:
            return unit_fn(self.coordinator.data)
        return super().native_unit_of_measurement


def _add_extension_sensors(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Give each extension device its call-state sensor and, where reported, presence."""
    if (devices := entry.runtime_data.extension_devices) is None:
        return
    tracker = entry.runtime_data.calls
    listing = entry.runtime_data.extensions
    voicemail_history = entry.runtime_data.voicemail_history

    @callback
    def _add(numbers: list[str]) -> None:
        entities: list[SensorEntity] = []
        for number in numbers:
            if tracker is not None:
                entities.append(SantralExtensionSensor(entry, tracker, number))
            if voicemail_history is not None:
                entities.append(
                    SantralExtensionVoicemailSensor(entry, voicemail_history, number)
                )
            if (
                listing is not None
                and listing.data is not None
                and (extension := listing.data.get(number)) is not None
                and extension.presence is not None
            ):
                entities.append(SantralPresenceSensor(listing, number))
        if entities:
            async_add_entities(entities)

    _add(devices.numbers)
    entry.async_on_unload(
        async_dispatcher_connect(
            hass, SIGNAL_EXTENSIONS_ADDED.format(entry.entry_id), _add
        )
    )


type Shown = tuple[bool, str | int | None, dict[str, Any]]


class SantralPushedSensor(SantralEntity, SensorEntity):
    """A sensor fed by signals, written only when what it shows changed.

    A tracker signals all its readers when any one figure moves, so most readers of a
    signal show what they showed before; writing them anyway would make the state machine
    report each unchanged state to its listeners.
    """

    _shown: Shown | None = None

    def _read(self) -> Shown:
        """Return whether the sensor is available, its value and its attributes now."""
        raise NotImplementedError

    def _take(self) -> bool:
        """Take what the sensor shows from its source; return whether that changed."""
        shown = self._read()
        if shown == self._shown:
            return False
        self._shown = shown
        (
            self._attr_available,
            self._attr_native_value,
            self._attr_extra_state_attributes,
        ) = shown
        return True

    async def async_added_to_hass(self) -> None:
        """Show the source as it is when the entity is added."""
        await super().async_added_to_hass()
        self._take()

    @callback
    def async_refresh(self, *_args: object) -> None:
        """Read the source again and write the state if it changed."""
        if self._take():
            self.async_write_ha_state()


class SantralTrackerSensor[T: CallTracker | FaxTracker | VoicemailTracker](
    SantralPushedSensor
):
    """A call, fax or voicemail figure of the account, as the tracker signals and at midnight.

    A figure that needs the history poll is unavailable while that poll fails: it may then
    miss what only the poll would have brought. The last callers, which the webhook keeps
    current on its own, stay available.
    """

    entity_description: SantralTrackerSensorEntityDescription[T]

    def __init__(
        self,
        entry: SantralConfigEntry,
        history: SantralHistoryCoordinator[T],
        description: SantralTrackerSensorEntityDescription[T],
    ) -> None:
        """Attach to the account device; read the figure from the history's tracker."""
        super().__init__(entry, description.key)
        self.entity_description = description
        self._history = history

    async def async_added_to_hass(self) -> None:
        """Follow the tracker, and start a new day at local midnight."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, self._history.tracker.updated_signal, self._async_moved
            )
        )
        self.async_on_remove(
            async_track_time_change(
                self.hass, self.async_refresh, hour=0, minute=0, second=0
            )
        )

    @callback
    def _async_moved(self, figures: Figures) -> None:
        """Read the figure again, unless the tracker named others that moved."""
        if figures is None or self.entity_description.key in figures:
            self.async_refresh()

    def _read(self) -> Shown:
        """Return the figure as the tracker knows it now, and the call or fax behind it."""
        description = self.entity_description
        tracker = self._history.data
        return (
            not description.needs_poll or self._history.last_update_success,
            description.value_fn(tracker),
            description.attributes_fn(tracker),
        )


class SantralExtensionSensor(SantralPushedSensor):
    """Whether an extension is idle, ringing or talking, in the style of a call monitor."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = [state.value for state in ExtensionCallState]
    _attr_translation_key = "extension_call_state"

    _attr_name = None  # the extension's main sensor is named after its device

    def __init__(
        self, entry: SantralConfigEntry, tracker: CallTracker, number: str
    ) -> None:
        """Attach to the extension's device."""
        super().__init__(
            entry, f"extension_{number}", extension_device_info(entry, number)
        )
        self._tracker = tracker
        self._number = number

    async def async_added_to_hass(self) -> None:
        """Follow the extension's state."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                SIGNAL_EXTENSION.format(self._tracker.entry_id, self._number),
                self.async_refresh,
            )
        )

    def _read(self) -> Shown:
        """Return idle, ringing or talking, with the call and the other party if any."""
        status = self._tracker.extension(self._number)
        return (
            True,
            status.state.value,
            {
                "call_id": status.call_id,
                "direction": status.direction.value if status.direction else None,
                "remote": status.other_party,
                "remote_name": self._tracker.phonebook.name(status.other_party),
                "since": status.since.isoformat() if status.since else None,
            },
        )


class SantralExtensionVoicemailSensor(SantralPushedSensor):
    """How many messages wait unheard in one extension's voicemail box.

    Disabled by default: the account's sensor counts every box, and its attributes say
    whose box the newest message is in.
    """

    _attr_translation_key = "extension_unread_voicemails"
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_entity_registry_enabled_default = False

    def __init__(
        self,
        entry: SantralConfigEntry,
        history: SantralHistoryCoordinator[VoicemailTracker],
        number: str,
    ) -> None:
        """Attach to the extension's device."""
        super().__init__(
            entry,
            f"extension_{number}_unread_voicemails",
            extension_device_info(entry, number),
        )
        self._history = history
        self._number = number

    async def async_added_to_hass(self) -> None:
        """Follow the voicemail polls."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, self._history.tracker.updated_signal, self.async_refresh
            )
        )

    def _read(self) -> Shown:
        """Return the box's unread count and its newest unread message."""
        tracker = self._history.tracker
        return (
            self._history.last_update_success,
            tracker.unread_count(self._number),
            _newest_unread(tracker, self._number),
        )


class SantralPresenceSensor(
    SantralCoordinatorEntity[SantralExtensionsCoordinator], SensorEntity
):
    """An extension's status at the PBX: available, talking, unregistered, do not disturb.

    Disabled by default: enabling it makes the extension list be read every 40 seconds.
    """

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = [presence.value for presence in Presence]
    _attr_translation_key = "extension_presence"
    _attr_entity_registry_enabled_default = False

    def __init__(self, coordinator: SantralExtensionsCoordinator, number: str) -> None:
        """Attach to the extension's device."""
        super().__init__(
            coordinator,
            f"presence_{number}",
            extension_device_info(coordinator.config_entry, number),
        )
        self._number = number

    async def async_added_to_hass(self) -> None:
        """Have the list read at presence pace while this sensor is enabled."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_follow_presence())

    @property
    def native_value(self) -> str:
        """Return the extension's status as last polled."""
        extension = self.coordinator.data.get(self._number)
        presence = extension.presence if extension is not None else None
        return (presence or Presence.UNKNOWN).value


def _add_queue_sensors(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Give each queue its callers-waiting sensor and each extension its agent status.

    Queues that appear in a later read of the list get their sensor then.
    """
    if (queues := entry.runtime_data.queues) is None:
        return
    known: set[str] = set()

    @callback
    def _add_queues() -> None:
        new = [number for number in queues.data or {} if number not in known]
        known.update(new)
        if new:
            async_add_entities(SantralQueueSensor(queues, number) for number in new)

    _add_queues()
    entry.async_on_unload(queues.async_add_listener(_add_queues))
    agents = entry.runtime_data.agents
    if agents is None or (devices := entry.runtime_data.extension_devices) is None:
        return

    @callback
    def _add_agents(numbers: list[str]) -> None:
        if numbers:
            async_add_entities(SantralAgentSensor(agents, number) for number in numbers)

    _add_agents(devices.numbers)
    entry.async_on_unload(
        async_dispatcher_connect(
            hass, SIGNAL_EXTENSIONS_ADDED.format(entry.entry_id), _add_agents
        )
    )


class SantralQueueSensor(SantralListedEntity[SantralQueuesCoordinator], SensorEntity):
    """How many callers wait in one queue, and for how long the longest has waited.

    While it is enabled the waiting callers are read every 45 seconds; `longest_wait` is
    in seconds, as of that read.
    """

    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_translation_key = "queue_callers_waiting"

    def __init__(self, coordinator: SantralQueuesCoordinator, number: str) -> None:
        """Attach to the account device, named after the queue as the list names it."""
        super().__init__(coordinator, f"queue_{number}")
        self._number = number
        queue = (coordinator.data or {}).get(number)
        self._attr_translation_placeholders = {
            "queue": queue.name if queue is not None and queue.name else number
        }

    async def async_added_to_hass(self) -> None:
        """Have the waiting callers read while this sensor is enabled."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_follow())

    @property
    def native_value(self) -> int | None:
        """Return how many callers wait, unknown until the callers are first read."""
        return self.coordinator.data[self._number].waiting

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the queue's number and the longest wait in seconds."""
        queue = self.coordinator.data[self._number]
        return {
            "queue": self._number,
            "longest_wait": queue.longest_wait(dt_util.utcnow()),
        }


class SantralAgentSensor(
    SantralCoordinatorEntity[SantralAgentsCoordinator], SensorEntity
):
    """An extension's status as a queue agent: available, talking, logged out, on break.

    Disabled by default: enabling one has the agents read every 40 seconds. An extension
    that is no agent shows unknown.
    """

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = [status.value for status in AgentStatus]
    _attr_translation_key = "agent_status"
    _attr_entity_registry_enabled_default = False

    def __init__(self, coordinator: SantralAgentsCoordinator, number: str) -> None:
        """Attach to the extension's device."""
        super().__init__(
            coordinator,
            f"agent_{number}",
            extension_device_info(coordinator.config_entry, number),
        )
        self._number = number

    async def async_added_to_hass(self) -> None:
        """Have the agents read while this sensor is enabled."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_follow())

    @property
    def native_value(self) -> str | None:
        """Return the agent's status as last polled."""
        agent = (self.coordinator.data or {}).get(self._number)
        return agent.status.value if agent is not None and agent.status else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the queues the agent serves and the reason of a break."""
        agent = (self.coordinator.data or {}).get(self._number)
        return {
            "queues": list(agent.queues) if agent is not None else [],
            "break_description": agent.break_description if agent else None,
        }
