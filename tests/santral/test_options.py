"""Options flow and pointing the Bulutsantralim PBX's notifications at Home Assistant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import (
    CALL_LOG_SIZE,
    CONF_ALERT_NUMBERS,
    CONF_ARCHIVE_FAXES,
    CONF_CALL_HISTORY_INTERVAL,
    CONF_CALL_LOG_SIZE,
    CONF_DOWNLOAD_RECORDINGS,
    CONF_FAX_FOLDER,
    CONF_FAX_INTERVAL,
    CONF_NUMBER_FORMAT,
    CONF_PHONEBOOK,
    CONF_SET_NOTIFICATION_URL,
)
from simulator import Fault, FaultKind, Simulator
from tests.helpers import WEBHOOK_IDS, post_santralim_form, santralim, setup, suggested

WEBHOOK_PATH = f"/api/webhook/{WEBHOOK_IDS['bulutsantralim']}"


@pytest.fixture
async def reachable(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> str:
    """Make Home Assistant's test server its external URL; return the webhook URL on it.

    The simulator validates a notification URL with a real POST, so the URL must answer.
    """
    await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    base = str(client.make_url("/")).rstrip("/")
    await async_process_ha_core_config(hass, {"external_url": base})
    return f"{base}{WEBHOOK_PATH}"


@pytest.fixture
async def unreachable(hass: HomeAssistant) -> str:
    """Make a closed local port Home Assistant's external URL."""
    await async_process_ha_core_config(hass, {"external_url": "http://127.0.0.1:9"})
    return f"http://127.0.0.1:9{WEBHOOK_PATH}"


async def _setup(
    hass: HomeAssistant, entry: MockConfigEntry, *, point_pbx: bool
) -> None:
    await setup(hass, entry, {CONF_SET_NOTIFICATION_URL: True} if point_pbx else None)


async def open_options(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """Open the entry's options; return the form."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    return result


async def save_options(
    hass: HomeAssistant, entry: MockConfigEntry, **changes: Any
) -> dict[str, Any]:
    """Submit the options form with what it shows, changed by `changes`."""
    form = await open_options(hass, entry)
    result = await hass.config_entries.options.async_configure(
        form["flow_id"], {**suggested(form["data_schema"]), **changes}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    return result


async def test_options_show_url_and_apply(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    reachable: str,
) -> None:
    """The options show the webhook URL; switching the PBX option on points the PBX here."""
    entry = make_entry("bulutsantralim")
    await _setup(hass, entry, point_pbx=False)
    assert not simulator.state.bulutsantralim.crm.notification_url

    form = await open_options(hass, entry)
    assert form["description_placeholders"]["webhook_url"] == reachable
    result = await save_options(hass, entry, **{CONF_SET_NOTIFICATION_URL: True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_SET_NOTIFICATION_URL] is True
    assert entry.options[CONF_CALL_HISTORY_INTERVAL] == 5
    assert entry.state is ConfigEntryState.LOADED
    assert simulator.state.bulutsantralim.crm.notification_url == reachable


@pytest.mark.parametrize(
    ("kind", "step_id", "fields"),
    [
        (
            "bulutfon_token",
            "init",
            [
                CONF_CALL_HISTORY_INTERVAL,
                CONF_CALL_LOG_SIZE,
                CONF_FAX_INTERVAL,
                CONF_ARCHIVE_FAXES,
                CONF_FAX_FOLDER,
                CONF_DOWNLOAD_RECORDINGS,
                CONF_NUMBER_FORMAT,
                CONF_PHONEBOOK,
                CONF_ALERT_NUMBERS,
            ],
        ),
        (
            "bulutsantralim",
            "init",
            [
                CONF_CALL_HISTORY_INTERVAL,
                CONF_CALL_LOG_SIZE,
                CONF_FAX_INTERVAL,
                CONF_ARCHIVE_FAXES,
                CONF_FAX_FOLDER,
                CONF_DOWNLOAD_RECORDINGS,
                CONF_SET_NOTIFICATION_URL,
                CONF_NUMBER_FORMAT,
                CONF_PHONEBOOK,
                CONF_ALERT_NUMBERS,
            ],
        ),
        (
            "telsam",
            "faxes",
            [
                CONF_FAX_INTERVAL,
                CONF_ARCHIVE_FAXES,
                CONF_FAX_FOLDER,
                CONF_NUMBER_FORMAT,
                CONF_PHONEBOOK,
            ],
        ),
    ],
)
async def test_options_fit_the_provider(
    hass: HomeAssistant,
    media: Path,
    make_entry: Callable[[str], MockConfigEntry],
    kind: str,
    step_id: str,
    fields: list[str],
) -> None:
    """Each provider is asked only what it can do, starting from the defaults."""
    entry = make_entry(kind)
    await _setup(hass, entry, point_pbx=False)
    form = await open_options(hass, entry)
    assert form["step_id"] == step_id
    assert list(form["data_schema"].schema) == fields
    shown = suggested(form["data_schema"])
    assert shown[CONF_FAX_FOLDER] == str(media / "santral" / "faxes" / entry.entry_id)
    assert shown[CONF_NUMBER_FORMAT] == "international"
    assert shown[CONF_PHONEBOOK] == ""
    assert shown.get(CONF_CALL_LOG_SIZE) == (
        CALL_LOG_SIZE if step_id == "init" else None
    )


async def test_poll_intervals_apply(
    hass: HomeAssistant,
    media: Path,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """New poll intervals take effect when the options are saved, without a restart."""
    entry = make_entry("bulutfon_token")
    await _setup(hass, entry, point_pbx=False)
    await save_options(
        hass, entry, **{CONF_CALL_HISTORY_INTERVAL: 2, CONF_FAX_INTERVAL: 15.0}
    )
    assert entry.options[CONF_FAX_INTERVAL] == 15
    assert entry.runtime_data.call_history.update_interval == timedelta(minutes=2)
    assert entry.runtime_data.fax_history.update_interval == timedelta(minutes=15)


@pytest.mark.parametrize("minutes", [0, 61])
async def test_poll_interval_limits(
    hass: HomeAssistant, make_entry: Callable[[str], MockConfigEntry], minutes: int
) -> None:
    """Intervals outside 1 to 60 minutes are refused by the form."""
    entry = make_entry("telsam")
    await _setup(hass, entry, point_pbx=False)
    with pytest.raises(InvalidData):
        await save_options(hass, entry, **{CONF_FAX_INTERVAL: minutes})
    assert CONF_FAX_INTERVAL not in entry.options


@pytest.mark.parametrize("size", [49, 2001, 12.5e3, "many"])
async def test_call_log_size_limits(
    hass: HomeAssistant, make_entry: Callable[[str], MockConfigEntry], size: Any
) -> None:
    """A call log shorter than 50 or longer than 2000 calls is refused by the form."""
    entry = make_entry("bulutsantralim")
    await _setup(hass, entry, point_pbx=False)
    with pytest.raises(InvalidData) as refused:
        await save_options(hass, entry, **{CONF_CALL_LOG_SIZE: size})
    assert list(refused.value.schema_errors) == [CONF_CALL_LOG_SIZE]
    assert CONF_CALL_LOG_SIZE not in entry.options


async def test_call_log_size_applies(
    hass: HomeAssistant,
    media: Path,
    hass_client_no_auth: ClientSessionGenerator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """A shorter call log keeps the newest calls, from the moment the options are saved."""
    entry = make_entry("bulutsantralim")
    await _setup(hass, entry, point_pbx=False)
    client = await hass_client_no_auth()
    for number in range(60):
        body = santralim("hangup", call_uuid=f"call-{number}", answered="false")
        assert await post_santralim_form(client, body) == 200
    await hass.async_block_till_done()
    assert len(entry.runtime_data.calls.data.log) == 60

    await save_options(hass, entry, **{CONF_CALL_LOG_SIZE: 50.0})
    assert entry.options[CONF_CALL_LOG_SIZE] == 50
    log = entry.runtime_data.calls.data.log
    assert [call.call_id for call in log] == [f"call-{n}" for n in range(10, 60)]
    body = santralim("hangup", call_uuid="call-60", answered="false")
    assert await post_santralim_form(client, body) == 200
    await hass.async_block_till_done()
    log = entry.runtime_data.calls.data.log
    assert [call.call_id for call in log] == [f"call-{n}" for n in range(11, 61)]


async def test_options_form_is_served(
    hass: HomeAssistant,
    media: Path,
    hass_client: ClientSessionGenerator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """The frontend gets the form, the call log size as a bounded whole number."""
    assert await async_setup_component(hass, "config", {})
    entry = make_entry("bulutfon_token")
    await _setup(hass, entry, point_pbx=False)
    client = await hass_client()
    response = await client.post(
        "/api/config/config_entries/options/flow", json={"handler": entry.entry_id}
    )
    assert response.status == 200
    fields = {field["name"]: field for field in (await response.json())["data_schema"]}
    size = fields[CONF_CALL_LOG_SIZE]
    assert (size["type"], size["valueMin"], size["valueMax"]) == ("integer", 50, 2000)
    assert size["description"] == {"suggested_value": CALL_LOG_SIZE}


async def test_telsam_archive_off(
    hass: HomeAssistant, media: Path, make_entry: Callable[[str], MockConfigEntry]
) -> None:
    """Switching the archive off takes effect at once."""
    entry = make_entry("telsam")
    await _setup(hass, entry, point_pbx=False)
    result = await save_options(hass, entry, **{CONF_ARCHIVE_FAXES: False})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_ARCHIVE_FAXES] is False
    assert entry.runtime_data.faxes.archive is None


async def test_fax_folder(
    hass: HomeAssistant,
    simulator: Simulator,
    media: Path,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """Faxes go to the folder the options name, if Home Assistant may write there."""
    entry = make_entry("telsam")
    await _setup(hass, entry, point_pbx=False)
    form = await open_options(hass, entry)
    values = suggested(form["data_schema"])
    for folder in ("relative/faxes", "/etc/santral"):
        result = await hass.config_entries.options.async_configure(
            form["flow_id"], {**values, CONF_FAX_FOLDER: folder}
        )
        assert result["errors"] == {CONF_FAX_FOLDER: "folder_not_allowed"}

    chosen = media / "ofis" / "fakslar"
    result = await hass.config_entries.options.async_configure(
        form["flow_id"], {**values, CONF_FAX_FOLDER: f" {chosen} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_FAX_FOLDER] == str(chosen)

    await simulator.receive_fax("telsam", sender="905324445566", pages=1)
    await entry.runtime_data.fax_history.async_refresh()
    await hass.async_block_till_done()
    (month,) = chosen.iterdir()
    assert len(list(month.iterdir())) == 1


async def test_phonebook_is_checked(
    hass: HomeAssistant, media: Path, make_entry: Callable[[str], MockConfigEntry]
) -> None:
    """A phonebook line without a number or a name is shown back; good lines are kept."""
    entry = make_entry("telsam")
    await _setup(hass, entry, point_pbx=False)
    form = await open_options(hass, entry)
    values = suggested(form["data_schema"])
    result = await hass.config_entries.options.async_configure(
        form["flow_id"],
        {**values, CONF_PHONEBOOK: "0532 123 45 67 = Ayşe\nsadece bir ad"},
    )
    assert result["errors"] == {CONF_PHONEBOOK: "invalid_phonebook"}
    assert result["description_placeholders"]["line"] == "sadece bir ad"

    result = await hass.config_entries.options.async_configure(
        form["flow_id"],
        {
            **values,
            CONF_PHONEBOOK: "# ofis\n0532 123 45 67 = Ayşe\n\n+90 (212) 555 66 77: Muhasebe",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_PHONEBOOK] == {
        "+905321234567": "Ayşe",
        "+902125556677": "Muhasebe",
    }
    form = await open_options(hass, entry)
    assert suggested(form["data_schema"])[CONF_PHONEBOOK] == (
        "+905321234567 = Ayşe\n+902125556677 = Muhasebe"
    )


async def test_pbx_is_pointed_here(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    reachable: str,
) -> None:
    """With the option on, the PBX's notification URL becomes the webhook."""
    await _setup(hass, make_entry("bulutsantralim"), point_pbx=True)
    crm = simulator.state.bulutsantralim.crm
    assert crm.notification_url == reachable
    assert (crm.ringing, crm.answered, crm.hangup) == ("on", "on", "on")


async def test_pbx_already_pointed_here(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    reachable: str,
) -> None:
    """A PBX that already posts here is left alone: one read, no write."""
    simulator.set_crm_integration(reachable)
    await _setup(hass, make_entry("bulutsantralim"), point_pbx=True)
    methods = [
        r.method for r in simulator.state.requests if r.endpoint == "crm_integrations"
    ]
    assert methods == ["GET"]


async def test_pbx_cannot_reach_url(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
    unreachable: str,
) -> None:
    """When the PBX refuses a URL it cannot reach, a warning says so and setup goes on."""
    entry = make_entry("bulutsantralim")
    await _setup(hass, entry, point_pbx=True)
    assert "Could not set the PBX notification URL" in caplog.text
    assert not simulator.state.bulutsantralim.crm.notification_url
    assert entry.state is ConfigEntryState.LOADED


async def test_pbx_refuses(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
    reachable: str,
) -> None:
    """A provider refusal while pointing the PBX is a warning with its words."""
    simulator.inject(
        "bulutsantralim",
        "crm_integrations",
        Fault(FaultKind.REJECT, message="yetkisiz"),
    )
    entry = make_entry("bulutsantralim")
    await _setup(hass, entry, point_pbx=True)
    assert "yetkisiz" in caplog.text
    assert entry.state is ConfigEntryState.LOADED
