"""Constants of the Santral integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from .providers import Provider

DOMAIN: Final = "santral"
LOGGER = logging.getLogger(__package__)

CONF_PROVIDER: Final = "provider"
CONF_BASE_URL: Final = "base_url"
CONF_CLIENT_ID: Final = "client_id"
CONF_CLIENT_SECRET: Final = "client_secret"
SECTION_ADVANCED: Final = "advanced"

PROVIDER_NAMES: Final[dict[Provider, str]] = {
    Provider.BULUTFON: "Bulutfon",
    Provider.BULUTSANTRALIM: "Bulutsantralim",
    Provider.TELSAM: "Telsam Yenifaks",
}
PROVIDER_MANUFACTURERS: Final[dict[Provider, str]] = {
    Provider.BULUTFON: "Bulutfon",
    Provider.BULUTSANTRALIM: "Verimor",
    Provider.TELSAM: "Telsam",
}
PROVIDER_PANELS: Final[dict[Provider, str]] = {
    Provider.BULUTFON: "https://oim.bulutfon.com",
    Provider.BULUTSANTRALIM: "https://oim.verimor.com.tr",
    Provider.TELSAM: "https://yenifaks.telsam.com.tr",
}

# Account data changes slowly; these stay far below every provider's limits.
ACCOUNT_UPDATE_INTERVALS: Final[dict[Provider, timedelta]] = {
    Provider.BULUTFON: timedelta(minutes=5),
    Provider.BULUTSANTRALIM: timedelta(minutes=30),
    Provider.TELSAM: timedelta(minutes=30),
}
