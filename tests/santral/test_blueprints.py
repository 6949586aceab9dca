"""The automation blueprints, set up from their files and run on Santral's own events.

Calls and faxes come from the simulator through the webhook and the polls, as in an
installation. The phone is the notify action the Home Assistant app registers, recorded; a
tap on a notification's button is the event the app fires for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
import re
import shutil
from typing import Any
from urllib.parse import parse_qs

from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.core import Event, EventOrigin, HomeAssistant, ServiceCall, callback
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
from homeassistant.util.yaml import extract_inputs
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.const import (
    CONF_ARCHIVE_FAXES,
    CONF_PHONEBOOK,
    EVENT_CALL,
)
from simulator import Simulator
from tests.helpers import (
    Events,
    MakeEntry,
    Poster,
    deliver_webhooks,
    poll_faxes,
    post_webhook,
    santralim,
    santralim_stamp,
    setup,
)

ROOT = Path(__file__).parents[2]
BLUEPRINTS = ROOT / "blueprints" / "automation" / "santral"
FILES = sorted(path.name for path in BLUEPRINTS.glob("*.yaml"))
REPOSITORY = "https://github.com/santral-ha/santral"
IMPORT_LINK = re.compile(
    r"\(https://my\.home-assistant\.io/redirect/blueprint_import/\?([^)]*)\)"
)
MISSED = "missed_call_notify.yaml"
FAX = "fax_received_notify.yaml"
FLASH = "office_line_rings_flash.yaml"
ALARM = "alarm_call_alert.yaml"
PHONE = "notify.mobile_app_phone"
CALLER = "+905321234567"  # who calls in santralim() bodies
PHONEBOOK = {CALLER: "Ayşe", "+902125556677": "Muhasebe"}
# How call c-1 ends, by the type of its last `santral_call` event. Bodies are built when
# posted: their stamps are the test's now.
ENDS: dict[str, Callable[[], str]] = {
    "answered": lambda: santralim("answer", answer_stamp=santralim_stamp(-35)),
    "missed": lambda: santralim("hangup", answered="false"),
    "hangup": lambda: santralim("hangup", answered="true"),
}
INTERVAL = 5
# Turns of the event loop after which a request the automations would make has been made.
SPINS = 200


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Give each test a configuration folder of its own, to put blueprints in."""
    return hass_tmp_config_dir


@pytest.fixture
def phone(hass: HomeAssistant) -> list[ServiceCall]:
    """Record what is sent to the notify action the Home Assistant app makes for a phone.

    The push itself would leave for the app developers' relay.
    """
    calls: list[ServiceCall] = async_mock_service(hass, "notify", "mobile_app_phone")
    return calls


@pytest.fixture
def flashes(hass: HomeAssistant) -> list[ServiceCall]:
    """Record what is asked of lights."""
    calls: list[ServiceCall] = async_mock_service(hass, "light", "turn_on")
    return calls


@pytest.fixture
async def santralim_entry(
    hass: HomeAssistant, make_entry: MakeEntry
) -> MockConfigEntry:
    """Set up a Bulutsantralim entry whose phonebook knows the caller."""
    return await setup(
        hass, make_entry("bulutsantralim"), options={CONF_PHONEBOOK: PHONEBOOK}
    )


async def miss(webhook: Poster, **fields: str) -> None:
    """Post a call that rings and is hung up unanswered: a missed call."""
    for body in (
        santralim("ringing", **fields),
        santralim("hangup", answered="false", **fields),
    ):
        assert await webhook("bulutsantralim", body) == 200


async def press(hass: HomeAssistant, action: str) -> None:
    """Tap a notification's button: the app fires the action, as its webhook does."""
    hass.bus.async_fire(
        "mobile_app_notification_action", {"action": action}, EventOrigin.remote
    )
    await hass.async_block_till_done()


def _copy_blueprints(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copy(BLUEPRINTS / name, folder / name)


async def install(hass: HomeAssistant) -> None:
    """Put the blueprints where Home Assistant looks for them, as an import would."""
    folder = Path(hass.config.path("blueprints", "automation", "santral"))
    await hass.async_add_executor_job(_copy_blueprints, folder)


async def use(hass: HomeAssistant, name: str, *inputs: dict[str, Any]) -> list[str]:
    """Set up an automation from a blueprint for each set of inputs; return their ids."""
    await install(hass)
    stem = name.removesuffix(".yaml")
    configs = [
        {
            "id": f"{stem}_{index}",
            "alias": f"{stem} {index}",
            "use_blueprint": {"path": f"santral/{name}", "input": given},
        }
        for index, given in enumerate(inputs)
    ]
    assert await async_setup_component(hass, "automation", {"automation": configs})
    await hass.async_block_till_done()
    entity_ids = [f"automation.{stem}_{index}" for index in range(len(inputs))]
    for entity_id in entity_ids:
        state = hass.states.get(entity_id)
        assert state is not None, hass.states.async_entity_ids("automation")
        assert state.state == "on"
    return entity_ids


def buttons(notification: ServiceCall) -> list[dict[str, str]]:
    """Return the action buttons a notification carries."""
    actions: list[dict[str, str]] = notification.data["data"]["actions"]
    return actions


async def spin(hass: HomeAssistant) -> None:
    """Run the event loop for a while without waiting for automations to end.

    `hass.async_block_till_done` would wait for an automation's run, and so for a waiting
    run's timeout in real time.
    """
    for _ in range(SPINS):
        await asyncio.sleep(0)


async def tick(hass: HomeAssistant) -> None:
    """Let the time between flashes pass for Home Assistant's timers."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=INTERVAL))
    await spin(hass)


async def ring(hass: HomeAssistant, client_factory: ClientSessionGenerator) -> None:
    """Post call c-1's ringing, not waiting for the flashing it starts to end."""
    body = santralim("ringing")
    assert await post_webhook(await client_factory(), "bulutsantralim", body) == 200


def local_time(event: dict[str, Any]) -> str:
    """Return when a call ended, as the notification shows it: hours and minutes, local."""
    ended = dt_util.parse_datetime(event["ended"])
    assert ended is not None
    return dt_util.as_local(ended).strftime("%H:%M")


@pytest.mark.parametrize("name", FILES)
async def test_blueprint_is_valid(hass: HomeAssistant, name: str) -> None:
    """Home Assistant accepts each file as an automation blueprint, and every input is used.

    Its source URL is where the file lives in the repository, so an imported blueprint can be
    re-imported from there.
    """
    assert sorted([FAX, MISSED, FLASH, ALARM]) == FILES
    await install(hass)
    blueprint = await async_get_blueprints(hass).async_get_blueprint(f"santral/{name}")
    assert blueprint.domain == "automation"
    assert blueprint.metadata["source_url"] == (
        f"{REPOSITORY}/blob/main/blueprints/automation/santral/{name}"
    )
    assert blueprint.name.startswith("Santral ")
    assert blueprint.metadata["description"]
    assert blueprint.validate() is None
    assert extract_inputs(blueprint.data) == set(blueprint.inputs)


def test_readme_imports_every_blueprint() -> None:
    """The README's import links lead to each blueprint's own source URL."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = IMPORT_LINK.findall(readme)
    linked = {url for link in links for url in parse_qs(link)["blueprint_url"]}
    assert len(links) == len(linked)
    assert linked == {
        f"{REPOSITORY}/blob/main/blueprints/automation/santral/{name}" for name in FILES
    }


async def test_missed_call_notifies_and_calls_back(
    hass: HomeAssistant,
    simulator: Simulator,
    hass_client_no_auth: ClientSessionGenerator,
    santralim_entry: MockConfigEntry,
    phone: list[ServiceCall],
    call_events: Events,
) -> None:
    """A missed call reaches the phone by name and number; its button calls the caller back.

    The call back rings the chosen extension and dials the caller's number on the account
    the call came in on, and the call then arrives like any other.
    """
    await deliver_webhooks(simulator, hass_client_no_auth, "bulutsantralim")
    await use(
        hass,
        MISSED,
        {"notify_action": PHONE, "call_back_extension": "1002"},
        {"notify_action": PHONE, "call_back_extension": "1004", "extensions": ["1001"]},
    )
    await simulator.place_call(
        "bulutsantralim", outcome="missed", caller="905321234567", extension="1001"
    )
    await hass.async_block_till_done()
    missed = [event for event in call_events if event["type"] == "missed"]
    assert len(missed) == 1
    assert len(phone) == 2
    for sent in phone:
        notification = sent.data
        assert notification["title"] == "Missed call"
        message = f"Ayşe ({CALLER}) → 1001, {local_time(missed[0])}"
        assert notification["message"] == message
        assert notification["data"]["tag"] == f"santral-missed-{CALLER}"
    [button], [other] = (buttons(sent) for sent in phone)
    assert button["title"] == other["title"] == "Call back"
    assert button["action"] != other["action"]
    assert simulator.count("bulutsantralim", "originate") == 0

    # A button of another notification calls nobody.
    await press(hass, "ALARM")
    assert simulator.count("bulutsantralim", "originate") == 0

    # The first automation's button calls back from its extension only.
    await press(hass, button["action"])
    await simulator.wait_dialed()
    await hass.async_block_till_done()
    assert simulator.count("bulutsantralim", "originate") == 1
    [back] = [
        call
        for call in simulator.state.cdrs("bulutsantralim")
        if call.direction == "outbound"
    ]
    assert (back.extension, back.callee) == ("1002", "905321234567")
    outbound = {
        (event["entry_id"], event["extension"], event["callee"])
        for event in call_events
        if event["direction"] == "outbound"
    }
    assert outbound == {(santralim_entry.entry_id, "1002", CALLER)}
    assert len(phone) == 2


async def test_no_call_back_for_internal_calls(
    hass: HomeAssistant,
    santralim_entry: MockConfigEntry,
    webhook: Poster,
    phone: list[ServiceCall],
) -> None:
    """An extension that called another is told of, but has no number to call back."""
    await use(hass, MISSED, {"notify_action": PHONE, "call_back_extension": "1003"})
    internal = {"call_uuid": "c-7", "direction": "internal", "caller_id_number": "1002"}
    await miss(webhook, **internal)
    [notification] = phone
    assert notification.data["message"].startswith("1002 → 1001, ")
    assert buttons(notification) == []


async def test_call_back_abroad_with_caller_id(
    hass: HomeAssistant,
    simulator: Simulator,
    santralim_entry: MockConfigEntry,
    webhook: Poster,
    phone: list[ServiceCall],
) -> None:
    """A number abroad is called back as it is, from the PBX number chosen to be shown."""
    # Not the PBX's last caller id, which the simulator shows when none is given.
    inputs = {"call_back_extension": "1003", "caller_id": "+908505320000"}
    await use(hass, MISSED, {"notify_action": PHONE, **inputs})
    abroad = {"call_uuid": "c-3", "caller_id_number": "004915112345678"}
    await miss(webhook, **abroad)
    [notification] = phone
    assert notification.data["message"].startswith("+4915112345678 → 1001, ")
    [button] = buttons(notification)
    await press(hass, button["action"])
    await simulator.wait_dialed()
    [back] = simulator.state.cdrs("bulutsantralim")
    assert (back.direction, back.extension) == ("outbound", "1003")
    assert (back.caller, back.callee) == ("908505320000", "004915112345678")


@pytest.mark.parametrize(
    ("inputs", "notified"),
    [
        ({}, True),
        ({"account": "own"}, True),
        ({"account": "01JSANTRALOTHERACCOUNT0000"}, False),
        ({"extensions": ["1001"]}, True),
        ({"extensions": ["1002", "1003"]}, False),
        ({"account": "own", "extensions": ["1003", "1001"]}, True),
    ],
)
async def test_missed_call_filters(
    hass: HomeAssistant,
    santralim_entry: MockConfigEntry,
    webhook: Poster,
    phone: list[ServiceCall],
    inputs: dict[str, Any],
    notified: bool,
) -> None:
    """Only the chosen account's and extensions' missed calls notify; answered ones never.

    Without an extension to call back from, the notification has no button.
    """
    if inputs.get("account") == "own":
        inputs = {**inputs, "account": santralim_entry.entry_id}
    await use(hass, MISSED, {"notify_action": "mobile_app_phone", **inputs})
    for body in (santralim("ringing"), ENDS["answered"](), ENDS["hangup"]()):
        assert await webhook("bulutsantralim", body) == 200
    assert phone == []
    await miss(webhook, call_uuid="c-2")
    assert len(phone) == int(notified)
    if notified:
        assert phone[0].data["message"].startswith(f"Ayşe ({CALLER}) → 1001, ")
        assert buttons(phone[0]) == []


@pytest.mark.parametrize("archive", [True, False])
async def test_fax_received_notification(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    phone: list[ServiceCall],
    fax_events: Events,
    archive: bool,
) -> None:
    """A received fax notifies with the sender, the pages and where it was saved.

    Tapping the notification opens the chosen page.
    """
    entry = await setup(
        hass,
        make_entry("telsam"),
        options={CONF_PHONEBOOK: PHONEBOOK, CONF_ARCHIVE_FAXES: archive},
    )
    inputs = {"notify_action": PHONE, "account": entry.entry_id}
    await use(hass, FAX, {**inputs, "open_url": "/lovelace/faxes"})
    fax = await simulator.receive_fax("telsam", sender="902125556677", pages=3)
    await poll_faxes(hass, entry)
    await poll_faxes(hass, entry)
    [event] = fax_events
    assert len(phone) == 1
    notification = phone[0].data
    assert notification["title"] == "Fax received"
    if archive:
        assert Path(event["file"]).is_file()
        saved = f"Saved as {event['file']}"
    else:
        assert event["file"] is None
        saved = "Not saved: the archive is off or the document could not be fetched."
    assert notification["message"] == f"Muhasebe (+902125556677), 3 pages. {saved}"
    assert notification["data"] == {
        "tag": f"santral-fax-{entry.entry_id}-{fax.id}",
        "group": "santral-faxes",
        "url": "/lovelace/faxes",
        "clickAction": "/lovelace/faxes",
    }


@pytest.mark.parametrize(
    ("account", "notified"), [("", 1), ("01JSANTRALOTHER0000000000", 0)]
)
async def test_fax_notification_accounts(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: MakeEntry,
    media: Path,
    phone: list[ServiceCall],
    account: str,
    notified: int,
) -> None:
    """Without an account every account's faxes notify; without a page, a tap opens the app."""
    entry = await setup(hass, make_entry("telsam"))
    await use(hass, FAX, {"notify_action": PHONE, "account": account})
    await simulator.receive_fax("telsam", sender="902125550000", pages=1)
    await poll_faxes(hass, entry)
    await poll_faxes(hass, entry)
    assert len(phone) == notified
    if notified:
        notification = phone[0].data
        assert notification["message"].startswith("+902125550000, 1 page. Saved as ")
        assert "url" not in notification["data"]
        assert "clickAction" not in notification["data"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"remote_name": "Muhasebe", "pages": 1, "subject": "Sipariş"},
            "Muhasebe (+902125556677), 1 page: Sipariş. Saved as /media/f.pdf",
        ),
        ({"remote_name": None, "pages": None}, "+902125556677. Saved as /media/f.pdf"),
    ],
)
async def test_fax_message_from_documented_fields(
    hass: HomeAssistant,
    phone: list[ServiceCall],
    fields: dict[str, Any],
    message: str,
) -> None:
    """The message reads the event's documented fields: subject and pages when reported."""
    await use(hass, FAX, {"notify_action": PHONE})
    event = {
        "entry_id": "01JSANTRALTELSAM000000000",
        "type": "received",
        "fax_id": "184467",
        "direction": "inbound",
        "remote": "+902125556677",
        "subject": None,
        "file": "/media/f.pdf",
        "source": "poll",
    }
    hass.bus.async_fire("santral_fax", event | fields)
    await hass.async_block_till_done()
    [notification] = phone
    assert notification.data["message"] == message


def flashed(calls: list[ServiceCall], flash: str = "short") -> int:
    """Return how many times the office light was flashed, checking each request."""
    for call in calls:
        assert call.data == {"entity_id": ["light.office"], "flash": flash}
    return len(calls)


async def test_ringing_flashes_once(
    hass: HomeAssistant,
    santralim_entry: MockConfigEntry,
    webhook: Poster,
    flashes: list[ServiceCall],
) -> None:
    """Each ringing flashes the light once, however long the call rings."""
    await use(hass, FLASH, {"light_target": {"entity_id": "light.office"}})
    assert await webhook("bulutsantralim", santralim("ringing")) == 200
    assert flashed(flashes) == 1
    for _ in range(3):
        await tick(hass)
    assert flashed(flashes) == 1
    assert await webhook("bulutsantralim", santralim("ringing", call_uuid="c-2")) == 200
    assert flashed(flashes) == 2


@pytest.mark.parametrize("ended", list(ENDS))
async def test_flashes_until_answered(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    santralim_entry: MockConfigEntry,
    webhook: Poster,
    flashes: list[ServiceCall],
    ended: str,
) -> None:
    """With the option on, the light flashes while the call rings and stops as it ends."""
    heard: list[tuple[str, str]] = []

    @callback
    def _hear(event: Event) -> None:
        heard.append((event.data["call_id"], event.data["type"]))

    hass.bus.async_listen(EVENT_CALL, _hear)
    await use(
        hass,
        FLASH,
        {
            "light_target": {"entity_id": "light.office"},
            "flash": "long",
            "until_answered": True,
            "interval": INTERVAL,
        },
    )
    await ring(hass, hass_client_no_auth)
    await spin(hass)
    assert flashed(flashes, "long") == 1
    await tick(hass)
    await tick(hass)
    assert flashed(flashes, "long") == 3
    # Other calls' ends do not stop it.
    client = await hass_client_no_auth()
    for other in (
        santralim("answer", call_uuid="c-9", answer_stamp=santralim_stamp(-35)),
        santralim("hangup", call_uuid="c-8", answered="true"),
        santralim("hangup", call_uuid="c-7", answered="false"),
    ):
        assert await post_webhook(client, "bulutsantralim", other) == 200
    await spin(hass)
    assert heard == [
        ("c-1", "ringing"),
        ("c-9", "answered"),
        ("c-8", "hangup"),
        ("c-7", "missed"),
    ]
    await tick(hass)
    assert flashed(flashes, "long") == 4
    # The call's end ends the automation's run: nothing is left to wait for.
    assert await webhook("bulutsantralim", ENDS[ended]()) == 200
    assert heard[-1] == ("c-1", ended)
    for _ in range(3):
        await tick(hass)
    assert flashed(flashes, "long") == 4


async def test_flashing_gives_up(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    santralim_entry: MockConfigEntry,
    flashes: list[ServiceCall],
) -> None:
    """A ringing whose end is never heard stops flashing after the time set."""
    await use(
        hass,
        FLASH,
        {
            "light_target": {"entity_id": "light.office"},
            "until_answered": True,
            "interval": INTERVAL,
            "give_up_after": 3 * INTERVAL,
        },
    )
    await ring(hass, hass_client_no_auth)
    await spin(hass)
    assert flashed(flashes) == 1
    for _ in range(6):
        await tick(hass)
    assert flashed(flashes) == 3


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"extensions": ["1001"]}, 1),
        ({"extensions": ["1002"]}, 0),
        ({"account": "01JSANTRALOTHERACCOUNT0000"}, 0),
    ],
)
async def test_flash_filters(
    hass: HomeAssistant,
    santralim_entry: MockConfigEntry,
    webhook: Poster,
    flashes: list[ServiceCall],
    inputs: dict[str, Any],
    expected: int,
) -> None:
    """Only the chosen account's and extensions' ringing flashes the light."""
    await use(hass, FLASH, {"light_target": {"entity_id": "light.office"}, **inputs})
    assert await webhook("bulutsantralim", santralim("ringing")) == 200
    assert flashed(flashes) == expected
