"""The base of every Santral entity: one device per account."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .clients import description_of
from .const import DOMAIN
from .coordinator import (
    SantralAccountCoordinator,
    SantralAgentsCoordinator,
    SantralConfigEntry,
    SantralExtensionsCoordinator,
    SantralQueuesCoordinator,
)


def account_device_info(entry: SantralConfigEntry) -> DeviceInfo:
    """Describe the device that stands for the provider account of `entry`."""
    description = description_of(entry.data)
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer=description.manufacturer,
        model=description.name,
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=description.panel_url,
    )


def extension_identifier(entry_id: str, number: str) -> str:
    """Return the device identifier of an extension of the entry's PBX."""
    return f"{entry_id}_extension_{number}"


def extension_device_info(entry: SantralConfigEntry, number: str) -> DeviceInfo:
    """Describe the device of one extension of the entry's PBX.

    Named by its number alone ("Extension 1001"), so a card shows the number: the account
    it belongs to is the device above it.
    """
    return DeviceInfo(
        identifiers={(DOMAIN, extension_identifier(entry.entry_id, number))},
        translation_key="extension",
        translation_placeholders={"extension": number},
        manufacturer=description_of(entry.data).manufacturer,
    )


class SantralCoordinatorEntity[
    CoordinatorT: SantralAccountCoordinator
    | SantralExtensionsCoordinator
    | SantralQueuesCoordinator
    | SantralAgentsCoordinator
](CoordinatorEntity[CoordinatorT]):
    """An entity fed by one of the account's polling coordinators."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: CoordinatorT, key: str, device_info: DeviceInfo | None = None
    ) -> None:
        """Attach to the account device (or `device_info`), with a unique id per entry and key."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = device_info or account_device_info(entry)


class SantralListedEntity[
    CoordinatorT: SantralExtensionsCoordinator | SantralQueuesCoordinator
](SantralCoordinatorEntity[CoordinatorT]):
    """An entity of one item (an extension, a queue) of the list a coordinator reads."""

    _number: str

    @property
    def available(self) -> bool:
        """Return whether the last read succeeded and still lists the item."""
        return (
            super().available
            and self.coordinator.data is not None
            and self._number in self.coordinator.data
        )


class SantralEntity(Entity):
    """An entity of the account device fed by pushes (webhooks, trackers), not by polling."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, entry: SantralConfigEntry, key: str, device_info: DeviceInfo | None = None
    ) -> None:
        """Attach to the account device (or `device_info`), with a unique id per entry and key."""
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = device_info or account_device_info(entry)
