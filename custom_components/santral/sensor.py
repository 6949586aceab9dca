"""Account sensors: balance, PBX state and package where the provider reports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SantralAccountCoordinator, SantralConfigEntry
from .entity import SantralAccountEntity
from .providers import Account, PbxState

# Coordinators fetch the data; entities only read it.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SantralAccountSensorEntityDescription(SensorEntityDescription):
    """How to read one account sensor, and whether the provider reports it."""

    value_fn: Callable[[Account], str | Decimal | None]
    exists_fn: Callable[[Account], bool]


ACCOUNT_SENSORS: tuple[SantralAccountSensorEntityDescription, ...] = (
    SantralAccountSensorEntityDescription(
        key="balance",
        translation_key="balance",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement="TRY",
        suggested_display_precision=2,
        value_fn=lambda account: account.balance,
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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SantralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account sensors the provider has data for."""
    coordinator = entry.runtime_data.account
    async_add_entities(
        SantralAccountSensor(coordinator, description)
        for description in ACCOUNT_SENSORS
        if description.exists_fn(coordinator.data)
    )


class SantralAccountSensor(SantralAccountEntity, SensorEntity):
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
