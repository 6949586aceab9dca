"""Config flow: pick a provider, enter its credentials, tested before the entry is created."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from homeassistant.components import webhook
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .clients import create_client, description_of
from .const import (
    CALL_HISTORY_INTERVAL,
    CALL_LOG_SIZE,
    CONF_ALERT_NUMBERS,
    CONF_ARCHIVE_FAXES,
    CONF_BASE_URL,
    CONF_CALL_HISTORY_INTERVAL,
    CONF_CALL_LOG_SIZE,
    CONF_CLIENT_ID,
    CONF_DOWNLOAD_RECORDINGS,
    CONF_FAX_FOLDER,
    CONF_FAX_INTERVAL,
    CONF_NUMBER_FORMAT,
    CONF_PHONEBOOK,
    CONF_PROVIDER,
    CONF_SET_NOTIFICATION_URL,
    CONF_WEBHOOK_PASSWORD,
    CONF_WEBHOOK_USERNAME,
    DOMAIN,
    FAX_HISTORY_INTERVAL,
    LOGGER,
    MAX_CALL_LOG_SIZE,
    MAX_POLL_MINUTES,
    MIN_CALL_LOG_SIZE,
    MIN_POLL_MINUTES,
    SECTION_ADVANCED,
    SECTION_WEBHOOK,
)
from .failures import describe_failure
from .files import default_archive
from .phonebook import PhonebookLineError, parse_phonebook, phonebook_text
from .providers import (
    DESCRIPTIONS,
    SECRET_FIELDS,
    Account,
    Capability,
    NumberFormat,
    Provider,
    SantralError,
    full_number,
)
from .reachability import async_public_webhook_url
from .webhook import webhook_url

TEXT = TextSelector()
SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
EMAIL = TextSelector(
    TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username")
)
URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


def _selector(field: str) -> TextSelector:
    if field in SECRET_FIELDS:
        return SECRET
    return EMAIL if field == CONF_EMAIL else TEXT


# Each credential step: its provider and its fields, in the order the form shows them.
CREDENTIAL_STEPS: dict[str, tuple[Provider, dict[str, TextSelector]]] = {
    form: (provider, {field: _selector(field) for field in fields})
    for provider, description in DESCRIPTIONS.items()
    for form, fields in description.credential_forms.items()
}


def credential_step(data: Mapping[str, Any]) -> str:
    """Return the credential step that produced (or would re-enter) the entry `data`."""
    return description_of(data).credential_form(data)


def _has_external_url(hass: HomeAssistant) -> bool:
    """Return whether Home Assistant has a URL a provider on the internet can reach."""
    try:
        return bool(
            get_url(hass, allow_internal=False, allow_cloud=False, prefer_external=True)
        )
    except NoURLAvailableError:
        return False


async def _async_shown_url(hass: HomeAssistant, webhook_id: str) -> str:
    """Return the web hook address to give the provider: public if possible, else local."""
    return (
        await async_public_webhook_url(hass, webhook_id)
        or webhook_url(hass, webhook_id)
        or ""
    )


def _credentials_schema(
    step_id: str,
    *,
    with_base_url: bool,
    point_pbx_here: bool | None = None,
) -> vol.Schema:
    """Return the form of a credential step.

    Reauth asks for the credentials only; setup and reconfigure add the webhook's own
    credentials and the API address. Only setup asks about the PBX, which is an option later.
    """
    provider, fields = CREDENTIAL_STEPS[step_id]
    description = DESCRIPTIONS[provider]
    schema: dict[vol.Marker, Any] = {
        vol.Required(key): selector for key, selector in fields.items()
    }
    if (
        point_pbx_here is not None
        and Capability.NOTIFICATION_URL in description.capabilities
    ):
        schema[vol.Required(CONF_SET_NOTIFICATION_URL, default=point_pbx_here)] = (
            BooleanSelector()
        )
    if with_base_url and Capability.WEBHOOK_AUTH in description.capabilities:
        schema[vol.Required(SECTION_WEBHOOK)] = section(
            vol.Schema(
                {
                    vol.Optional(CONF_WEBHOOK_USERNAME): TEXT,
                    vol.Optional(CONF_WEBHOOK_PASSWORD): SECRET,
                }
            ),
            {"collapsed": True},
        )
    if with_base_url:
        schema[vol.Required(SECTION_ADVANCED)] = section(
            vol.Schema(
                {vol.Required(CONF_BASE_URL, default=description.default_base_url): URL}
            ),
            {"collapsed": True},
        )
    return vol.Schema(schema)


def _valid_base_url(value: str) -> str | None:
    """Return the base URL without a trailing slash, or None when it is not http(s)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return value.strip().rstrip("/")


def _entry_data(
    step_id: str, user_input: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any] | None:
    """Return the entry data a credential form describes, or None with `errors` filled.

    Values are trimmed, except passwords, which may legitimately have spaces at either end.
    The webhook's own credentials are kept only when a user name was given.
    """
    provider, fields = CREDENTIAL_STEPS[step_id]
    base_url = _valid_base_url(user_input[SECTION_ADVANCED][CONF_BASE_URL])
    if base_url is None:
        errors[SECTION_ADVANCED] = "invalid_url"
        return None
    data: dict[str, Any] = {
        CONF_PROVIDER: provider.value,
        **{key: user_input[key].strip() for key in fields if key != CONF_PASSWORD},
        CONF_BASE_URL: base_url,
    }
    if CONF_PASSWORD in fields:
        data[CONF_PASSWORD] = user_input[CONF_PASSWORD]
    credentials = user_input.get(SECTION_WEBHOOK, {})
    if username := (credentials.get(CONF_WEBHOOK_USERNAME) or "").strip():
        data[CONF_WEBHOOK_USERNAME] = username
        data[CONF_WEBHOOK_PASSWORD] = credentials.get(CONF_WEBHOOK_PASSWORD, "")
    return data


def _suggested_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return what the reconfigure form starts with: everything but the secrets."""
    values: dict[str, Any] = {
        key: data[key]
        for key in (CONF_USERNAME, CONF_EMAIL, CONF_CLIENT_ID)
        if key in data
    }
    if CONF_WEBHOOK_USERNAME in data:
        values[SECTION_WEBHOOK] = {CONF_WEBHOOK_USERNAME: data[CONF_WEBHOOK_USERNAME]}
    values[SECTION_ADVANCED] = {CONF_BASE_URL: data[CONF_BASE_URL]}
    return values


class SantralConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up one provider account per entry."""

    VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> SantralOptionsFlow:
        """Every provider has options; what they ask follows its capabilities."""
        return SantralOptionsFlow()

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user pick the provider."""
        return self.async_show_menu(
            step_id="user", menu_options=[provider.value for provider in DESCRIPTIONS]
        )

    async def async_step_bulutfon(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Bulutfon accepts a master token or the panel's e-mail and password."""
        return self.async_show_menu(
            step_id="bulutfon",
            menu_options=list(DESCRIPTIONS[Provider.BULUTFON].credential_forms),
        )

    async def async_step_bulutfon_token(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Bulutfon master token."""
        return await self._async_credentials("bulutfon_token", user_input)

    async def async_step_bulutfon_login(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Bulutfon e-mail and password."""
        return await self._async_credentials("bulutfon_login", user_input)

    async def async_step_bulutsantralim(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Bulutsantralim API key."""
        return await self._async_credentials("bulutsantralim", user_input)

    async def async_step_telsam(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Telsam Yenifaks API user."""
        return await self._async_credentials("telsam", user_input)

    async def _async_validate(
        self, data: dict[str, Any], errors: dict[str, str], placeholders: dict[str, str]
    ) -> Account | None:
        """Try the credentials; fill `errors` and return None when they do not work."""
        try:
            return await create_client(self.hass, data).async_get_account()
        except SantralError as err:
            failure = describe_failure(err)
            errors["base"] = failure.form_error
            placeholders["provider_message"] = failure.placeholders.get("message", "")
        except Exception:  # noqa: BLE001
            LOGGER.exception(
                "Unexpected error while checking %s credentials", data[CONF_PROVIDER]
            )
            errors["base"] = "unknown"
        return None

    async def _async_credentials(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        provider = CREDENTIAL_STEPS[step_id][0]
        description = DESCRIPTIONS[provider]
        errors: dict[str, str] = {}
        # Addresses go in placeholders: translated strings carry no URLs.
        placeholders = {
            "provider_message": "",
            "default_url": description.default_base_url,
            "panel_url": description.credentials_url,
        }
        if user_input is not None and (
            data := _entry_data(step_id, user_input, errors)
        ):
            account = await self._async_validate(data, errors, placeholders)
            if account is not None:
                await self.async_set_unique_id(f"{provider.value}_{account.identifier}")
                self._abort_if_unique_id_configured()
                return await self._async_create(provider, account, data, user_input)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                _credentials_schema(
                    step_id,
                    with_base_url=True,
                    point_pbx_here=_has_external_url(self.hass),
                ),
                user_input,
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_create(
        self,
        provider: Provider,
        account: Account,
        data: dict[str, Any],
        user_input: dict[str, Any],
    ) -> ConfigFlowResult:
        """Create the entry; webhook providers get a webhook and are told its URL."""
        description = DESCRIPTIONS[provider]
        title = f"{description.name} {account.name}"
        if Capability.CALL_EVENTS not in description.capabilities:
            return self.async_create_entry(title=title, data=data)
        data[CONF_WEBHOOK_ID] = webhook.async_generate_id()
        options: dict[str, Any] = {}
        if Capability.NOTIFICATION_URL in description.capabilities:
            options[CONF_SET_NOTIFICATION_URL] = user_input[CONF_SET_NOTIFICATION_URL]
        return self.async_create_entry(
            title=title,
            data=data,
            options=options,
            description=provider.value,
            description_placeholders={
                "webhook_url": await _async_shown_url(self.hass, data[CONF_WEBHOOK_ID])
            },
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start over when the provider stops accepting the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the credentials again, for the same account."""
        entry = self._get_reauth_entry()
        step_id = credential_step(entry.data)
        errors: dict[str, str] = {}
        placeholders = {"provider_message": "", "name": entry.title}
        if user_input is not None:
            data = {**entry.data, **user_input}
            account = await self._async_validate(data, errors, placeholders)
            if account is not None:
                await self.async_set_unique_id(
                    f"{data[CONF_PROVIDER]}_{account.identifier}"
                )
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(
                    entry, data_updates=user_input
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=_credentials_schema(step_id, with_base_url=False),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the credentials or the API address of the same account.

        The entry, its webhook id, its entities and its call and fax history stay as they are.
        """
        entry = self._get_reconfigure_entry()
        step_id = credential_step(entry.data)
        errors: dict[str, str] = {}
        placeholders = {"provider_message": "", "name": entry.title}
        if user_input is not None and (
            data := _entry_data(step_id, user_input, errors)
        ):
            if (
                CONF_WEBHOOK_USERNAME in data
                and data[CONF_WEBHOOK_USERNAME] == entry.data.get(CONF_WEBHOOK_USERNAME)
                and not data[CONF_WEBHOOK_PASSWORD]
            ):
                # The form never shows the stored password; left empty, it stays.
                data[CONF_WEBHOOK_PASSWORD] = entry.data.get(CONF_WEBHOOK_PASSWORD, "")
            account = await self._async_validate(data, errors, placeholders)
            if account is not None:
                await self.async_set_unique_id(
                    f"{data[CONF_PROVIDER]}_{account.identifier}"
                )
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                kept = {
                    key: value
                    for key, value in entry.data.items()
                    if key not in (CONF_WEBHOOK_USERNAME, CONF_WEBHOOK_PASSWORD)
                }
                return self.async_update_reload_and_abort(entry, data={**kept, **data})
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _credentials_schema(step_id, with_base_url=True),
                user_input or _suggested_values(entry.data),
            ),
            errors=errors,
            description_placeholders=placeholders,
        )


class SantralOptionsFlow(OptionsFlowWithReload):
    """Polling, faxes, recordings, the PBX's notification URL, number format and phonebook.

    Only what the entry's provider can do is asked. Saving reloads the entry, so every
    change applies at once.
    """

    def _schema(self, provider: Provider) -> vol.Schema:
        capabilities = DESCRIPTIONS[provider].capabilities
        minutes = NumberSelector(
            NumberSelectorConfig(
                min=MIN_POLL_MINUTES,
                max=MAX_POLL_MINUTES,
                step=1,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement="min",
                translation_key="poll_interval",
            )
        )
        schema: dict[vol.Marker, Any] = {}
        if Capability.CALL_HISTORY in capabilities:
            schema[vol.Required(CONF_CALL_HISTORY_INTERVAL)] = minutes
        if Capability.CALL_EVENTS in capabilities:
            schema[vol.Required(CONF_CALL_LOG_SIZE)] = vol.All(
                vol.Coerce(int),
                vol.Range(min=MIN_CALL_LOG_SIZE, max=MAX_CALL_LOG_SIZE),
            )
        # Every provider handles faxes.
        schema[vol.Required(CONF_FAX_INTERVAL)] = minutes
        schema[vol.Required(CONF_ARCHIVE_FAXES)] = BooleanSelector()
        schema[vol.Required(CONF_FAX_FOLDER)] = TEXT
        if Capability.RECORDINGS in capabilities:
            schema[vol.Required(CONF_DOWNLOAD_RECORDINGS)] = BooleanSelector()
        if Capability.NOTIFICATION_URL in capabilities:
            schema[vol.Required(CONF_SET_NOTIFICATION_URL)] = BooleanSelector()
        schema[vol.Required(CONF_NUMBER_FORMAT)] = SelectSelector(
            SelectSelectorConfig(
                options=[style.value for style in NumberFormat],
                translation_key=CONF_NUMBER_FORMAT,
                mode=SelectSelectorMode.DROPDOWN,
            )
        )
        schema[vol.Optional(CONF_PHONEBOOK)] = TextSelector(
            TextSelectorConfig(multiline=True)
        )
        if Capability.CALL_ALERT in capabilities:
            schema[vol.Optional(CONF_ALERT_NUMBERS)] = TEXT
        return vol.Schema(schema)

    def _current(self) -> dict[str, Any]:
        """Return the options as the form shows them, defaults filled in."""
        options = self.config_entry.options
        return {
            CONF_CALL_HISTORY_INTERVAL: int(
                CALL_HISTORY_INTERVAL.total_seconds() // 60
            ),
            CONF_CALL_LOG_SIZE: CALL_LOG_SIZE,
            CONF_FAX_INTERVAL: int(FAX_HISTORY_INTERVAL.total_seconds() // 60),
            CONF_ARCHIVE_FAXES: True,
            CONF_FAX_FOLDER: str(
                default_archive(self.hass, self.config_entry.entry_id)
            ),
            CONF_DOWNLOAD_RECORDINGS: False,
            CONF_SET_NOTIFICATION_URL: False,
            CONF_NUMBER_FORMAT: NumberFormat.INTERNATIONAL.value,
            **options,
            CONF_PHONEBOOK: phonebook_text(options.get(CONF_PHONEBOOK, {})),
            CONF_ALERT_NUMBERS: ", ".join(options.get(CONF_ALERT_NUMBERS, [])),
        }

    def _validated(
        self,
        user_input: dict[str, Any],
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> dict[str, Any] | None:
        """Return the options to store, or None with `errors` filled."""
        options = dict(user_input)
        for key in (CONF_CALL_HISTORY_INTERVAL, CONF_FAX_INTERVAL):
            if key in options:
                options[key] = int(options[key])
        folder = Path(options[CONF_FAX_FOLDER].strip())
        if options[CONF_ARCHIVE_FAXES] and (
            not folder.is_absolute()
            or not self.hass.config.is_allowed_path(str(folder))
        ):
            errors[CONF_FAX_FOLDER] = "folder_not_allowed"
        options[CONF_FAX_FOLDER] = str(folder)
        try:
            options[CONF_PHONEBOOK] = parse_phonebook(
                user_input.get(CONF_PHONEBOOK, "")
            )
        except PhonebookLineError as err:
            errors[CONF_PHONEBOOK] = "invalid_phonebook"
            placeholders["line"] = err.line
        if CONF_ALERT_NUMBERS in options:
            raw = str(options[CONF_ALERT_NUMBERS]).replace("\n", ",").split(",")
            numbers = [full_number(text) for text in raw if text.strip()]
            if None in numbers:
                errors[CONF_ALERT_NUMBERS] = "invalid_alert_numbers"
            options[CONF_ALERT_NUMBERS] = [n for n in dict.fromkeys(numbers) if n]
        return None if errors else options

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the options; a webhook provider's form also shows the webhook URL."""
        entry = self.config_entry
        provider = Provider(entry.data[CONF_PROVIDER])
        if Capability.CALL_EVENTS not in DESCRIPTIONS[provider].capabilities:
            return await self.async_step_faxes(user_input)
        placeholders = {
            "webhook_url": await _async_shown_url(
                self.hass, entry.data[CONF_WEBHOOK_ID]
            )
        }
        return self._async_options("init", provider, user_input, placeholders)

    async def async_step_faxes(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Options of a fax-only provider."""
        provider = Provider(self.config_entry.data[CONF_PROVIDER])
        return self._async_options("faxes", provider, user_input, {})

    def _async_options(
        self,
        step_id: str,
        provider: Provider,
        user_input: dict[str, Any] | None,
        placeholders: dict[str, str],
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        placeholders["line"] = ""
        if user_input is not None and (
            options := self._validated(user_input, errors, placeholders)
        ):
            return self.async_create_entry(data=options)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                self._schema(provider), user_input or self._current()
            ),
            errors=errors,
            description_placeholders=placeholders,
        )
