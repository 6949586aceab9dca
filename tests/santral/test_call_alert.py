"""Call alerts: Home Assistant's TTS speaks the message, Bulutfon phones, outcomes come once.

The simulator fetches the audio from Home Assistant's own HTTP server, at the external
URL, before it accepts the campaign; each read of the campaign then places its next call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import tts
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.santral.alert_audio import AUDIO_PATH, alert_audio
from custom_components.santral.const import (
    ALERT_BUDGET,
    ALERT_POLL_INTERVAL,
    CONF_ALERT_NUMBERS,
    CONF_NUMBER_FORMAT,
    CONF_PHONEBOOK,
    DOMAIN,
    EVENT_CALL_ALERT,
)
from simulator import Fault, FaultKind, Simulator
from simulator.automatic_calls import Callee, SoundFetch
from tests.helpers import OBJECT_IDS, WEBHOOK_IDS, new_entry, setup, suggested, tick
from tests.santral.conftest import MP3, CountingEngine
from tests.santral.test_logbook import describers

ANSWERS = "+905321112233"
SILENT = "+905324445566"
MESSAGE = "Su kaçağı: mutfak. Onaylamak için 1'e basın."
NOTIFY = f"notify.{OBJECT_IDS['bulutfon']}_call_alert"


@pytest.fixture
def callees(simulator: Simulator) -> None:
    """One number answers and presses 1; the other does not answer."""
    calls = simulator.state.bulutfon.automatic_calls
    calls.set_callee(ANSWERS[1:], Callee(answers=True, digit=1))
    calls.set_callee(SILENT[1:], Callee(answers=False))


async def send(
    hass: HomeAssistant, entry: MockConfigEntry, **fields: Any
) -> dict[str, Any]:
    """Call `santral.call_alert` for the entry; return its response."""
    response = await hass.services.async_call(
        DOMAIN,
        "call_alert",
        {"config_entry_id": entry.entry_id, "message": MESSAGE, **fields},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


def detail_reads(simulator: Simulator) -> int:
    """Return how often the campaigns' detail was read."""
    return sum(1 for r in simulator.state.requests if r.endpoint == "automatic_call")


def outcomes(events: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    """Return the events as (number, type, digit), in the order they fired."""
    return [(event["number"], event["type"], event["digit"]) for event in events]


async def settle(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, reads: int
) -> None:
    """Let the tracker read the alerts `reads` times."""
    for _ in range(reads):
        await tick(hass, freezer, ALERT_POLL_INTERVAL)


@pytest.mark.usefixtures("callees")
async def test_answered_acknowledged_and_failed_once(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    engine: CountingEngine,
    served: TestClient,
    alert_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The audio comes from Home Assistant; each outcome is announced once, then no more."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    response = await send(
        hass, entry, number=[ANSWERS, "0532 444 55 66"], acknowledge_digit=1
    )
    assert response["numbers"] == [ANSWERS, SILENT]
    calls = simulator.state.bulutfon.automatic_calls
    campaign = calls.campaigns[int(response["alert_id"])]
    assert [r.number for r in campaign.recipients] == [905321112233, 905324445566]
    assert campaign.did == int(simulator.state.bulutfon.did)
    [fetch] = calls.fetches
    assert fetch.is_audio
    assert fetch.size == len(MP3)
    assert fetch.url.startswith(f"{hass.config.external_url}{AUDIO_PATH}/")
    assert engine.spoken == [(f"{MESSAGE} ... {MESSAGE}", "tr")]

    await settle(hass, freezer, 1)
    assert alert_events == []
    await settle(hass, freezer, 5)
    assert outcomes(alert_events) == [
        (ANSWERS, "answered", "1"),
        (ANSWERS, "acknowledged", "1"),
        (SILENT, "failed", None),
    ]
    assert {event["alert_id"] for event in alert_events} == {response["alert_id"]}
    assert {event["entry_id"] for event in alert_events} == {entry.entry_id}
    assert {event["provider"] for event in alert_events} == {"bulutfon"}
    assert entry.runtime_data.call_alerts is not None
    assert entry.runtime_data.call_alerts.pending == {}
    reads = detail_reads(simulator)
    await settle(hass, freezer, 3)
    assert len(alert_events) == 3
    assert detail_reads(simulator) == reads


@pytest.mark.usefixtures("callees", "served")
async def test_another_key_does_not_acknowledge(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    engine: CountingEngine,
    alert_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The key pressed rides on `answered`; only the one asked for acknowledges."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    await send(hass, entry, number=ANSWERS, acknowledge_digit="2", repeat=1)
    await settle(hass, freezer, 3)
    assert outcomes(alert_events) == [(ANSWERS, "answered", "1")]
    assert engine.spoken == [(MESSAGE, "tr")]


@pytest.mark.usefixtures("callees", "served")
async def test_one_synthesis_for_the_same_text(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    engine: CountingEngine,
) -> None:
    """Two alerts with the same text, language and engine share one clip."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    await send(hass, entry, number=ANSWERS)
    await send(hass, entry, number=SILENT, tts="test")
    assert len(engine.spoken) == 1
    await send(hass, entry, number=SILENT, language="en")
    assert len(engine.spoken) == 2
    fetches = simulator.state.bulutfon.automatic_calls.fetches
    assert [fetch.is_audio for fetch in fetches] == [True, True, True]
    assert fetches[0].url == fetches[1].url != fetches[2].url
    assert alert_audio(hass).synthesized == 2


@pytest.mark.usefixtures("callees", "engine")
async def test_no_public_url(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Without an address on the internet nothing is sent, and a repair issue says why."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    await hass.config.async_update(internal_url="http://192.168.1.2:8123")
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, entry, number=ANSWERS)
    assert err.value.translation_key == "call_alert_no_public_url"
    issue_id = f"call_alert_unreachable_{entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "name": entry.title,
        "network_settings": "/config/network",
    }
    assert not simulator.state.bulutfon.automatic_calls.campaigns

    client = await hass_client_no_auth()
    await hass.config.async_update(external_url=str(client.make_url("")).rstrip("/"))
    await send(hass, entry, number=ANSWERS)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.usefixtures("served")
async def test_no_tts_engine(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """Without a TTS engine the error names the setting; nothing is sent."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, entry, number=ANSWERS)
    assert err.value.translation_key == "tts_engine_missing"
    assert err.value.translation_placeholders == {"setting": "tts"}
    assert "`tts`" in str(err.value)
    assert not simulator.state.bulutfon.automatic_calls.fetches


@pytest.mark.usefixtures("served", "engine")
async def test_unknown_tts_engine(
    hass: HomeAssistant, make_entry: Callable[[str], MockConfigEntry]
) -> None:
    """An engine that is not set up is named, with the field to change."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, entry, number=ANSWERS, tts="tts.nowhere")
    assert err.value.translation_key == "tts_engine_unknown"
    assert err.value.translation_placeholders == {
        "engine": "tts.nowhere",
        "setting": "tts",
    }


@pytest.mark.usefixtures("served", "engine")
async def test_language_the_engine_does_not_speak(
    hass: HomeAssistant, make_entry: Callable[[str], MockConfigEntry]
) -> None:
    """The engine's refusal is told with the engine's name."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, entry, number=ANSWERS, language="de")
    assert err.value.translation_key == "tts_failed"
    assert err.value.translation_placeholders is not None
    assert err.value.translation_placeholders["engine"] == "test"
    assert "de" in err.value.translation_placeholders["error"]


@pytest.mark.usefixtures("served", "engine")
@pytest.mark.parametrize(
    ("setup_account", "fields", "message"),
    [
        (None, {"sender": "+902120000000"}, "Geçersiz santral numarası"),
        ("no_balance", {}, "Yetersiz bakiye"),
    ],
    ids=["foreign-did", "no-balance"],
)
async def test_refusal_in_bulutfons_words(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    setup_account: str | None,
    fields: dict[str, str],
    message: str,
) -> None:
    """What Bulutfon refuses is a validation error carrying its own words."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    if setup_account == "no_balance":
        simulator.state.bulutfon.me["credit"]["balance"] = "0"
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, entry, number=ANSWERS, **fields)
    assert err.value.translation_key == "provider_error"
    assert err.value.translation_placeholders == {"message": message}
    assert entry.runtime_data.call_alerts is not None
    assert entry.runtime_data.call_alerts.pending == {}


@pytest.mark.usefixtures("served", "engine")
@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"number": ["+905321112233", "1001"]}, "invalid_number"),
        ({"number": "12345678"}, "invalid_number"),
        ({"number": ANSWERS, "sender": "850"}, "invalid_number"),
        ({"number": ANSWERS, "message": "x" * 1001}, "text_too_long"),
    ],
    ids=["extension", "short", "sender", "long-message"],
)
async def test_bad_input_sends_nothing(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    engine: CountingEngine,
    fields: dict[str, Any],
    key: str,
) -> None:
    """A number that is not a full phone number (or text too long) is refused first."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, entry, **fields)
    assert err.value.translation_key == key
    assert engine.spoken == []
    assert not simulator.state.bulutfon.automatic_calls.fetches


@pytest.mark.usefixtures("served", "engine")
async def test_provider_without_alerts(
    hass: HomeAssistant, make_entry: Callable[[str], MockConfigEntry]
) -> None:
    """An account whose provider places no alerts says so, and has no notify entity."""
    entry = await setup(hass, make_entry("telsam"))
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, entry, number=ANSWERS)
    assert err.value.translation_key == "call_alert_not_supported"
    assert not hass.states.async_entity_ids("notify")


@pytest.mark.usefixtures("callees", "served", "engine")
async def test_notify_entity_calls_the_option_numbers(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    alert_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """`notify.send_message` phones the numbers of the options; without any it says so."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": NOTIFY, "message": MESSAGE},
            blocking=True,
        )
    assert err.value.translation_key == "call_alert_no_numbers"
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_ALERT_NUMBERS: [ANSWERS]}
    )
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": NOTIFY, "message": MESSAGE, "title": "Su"},
        blocking=True,
    )
    [campaign] = simulator.state.bulutfon.automatic_calls.campaigns.values()
    assert campaign.title.startswith("Su ")
    await settle(hass, freezer, 3)
    assert outcomes(alert_events) == [
        (ANSWERS, "answered", "1"),
        (ANSWERS, "acknowledged", "1"),
    ]


@pytest.mark.usefixtures("served", "engine")
async def test_restart_goes_on_without_repeating(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    alert_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """An alert pending at unload is followed after setup; what was told is not told again."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    await send(hass, entry, number=[ANSWERS, SILENT])
    await settle(hass, freezer, 2)
    assert outcomes(alert_events) == [(ANSWERS, "answered", None)]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass, freezer, 2)
    assert len(alert_events) == 1
    await setup(hass, entry)
    await settle(hass, freezer, 2)
    assert outcomes(alert_events) == [
        (ANSWERS, "answered", None),
        (SILENT, "answered", None),
    ]


@pytest.mark.usefixtures("served", "engine")
async def test_unread_alert_fails_past_the_budget(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    alert_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """While the detail cannot be read nothing is told; past the budget every number failed."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    simulator.inject(
        "bulutfon", "automatic_call", Fault(FaultKind.SERVER_ERROR, times=None)
    )
    await send(hass, entry, number=[ANSWERS, SILENT])
    await settle(hass, freezer, 3)
    assert alert_events == []
    await tick(hass, freezer, ALERT_BUDGET)
    assert outcomes(alert_events) == [
        (ANSWERS, "failed", None),
        (SILENT, "failed", None),
    ]
    await settle(hass, freezer, 2)
    assert len(alert_events) == 2


@pytest.mark.usefixtures("callees", "engine")
async def test_audio_url_and_log_carry_no_credential(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    served: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The clip's URL holds no token or webhook id; an unknown clip is not there."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    await send(hass, entry, number=ANSWERS)
    [fetch] = simulator.state.bulutfon.automatic_calls.fetches
    for secret in (*simulator.state.all_secrets(), WEBHOOK_IDS["bulutfon"]):
        assert secret not in fetch.url
        assert secret not in caplog.text
    assert entry.data[CONF_WEBHOOK_ID] not in fetch.url
    response = await served.get(f"{AUDIO_PATH}/unknown.mp3")
    assert response.status == 404
    path = fetch.url.removeprefix(hass.config.external_url or "")
    response = await served.get(path)
    assert response.status == 200
    assert response.content_type == "audio/mpeg"
    assert await response.read() == MP3


@pytest.mark.usefixtures("served", "engine", "media")
async def test_options_take_full_numbers_only(
    hass: HomeAssistant, make_entry: Callable[[str], MockConfigEntry]
) -> None:
    """The options keep the alert numbers in E.164 and refuse one that is not full."""
    entry = await setup(hass, make_entry("bulutfon_token"))
    form = await hass.config_entries.options.async_init(entry.entry_id)
    values = suggested(form["data_schema"])
    assert values[CONF_ALERT_NUMBERS] == ""
    result = await hass.config_entries.options.async_configure(
        form["flow_id"], {**values, CONF_ALERT_NUMBERS: "0532 111 22 33, 1001"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ALERT_NUMBERS: "invalid_alert_numbers"}
    result = await hass.config_entries.options.async_configure(
        form["flow_id"],
        {
            **values,
            CONF_ALERT_NUMBERS: "0532 111 22 33\n+90 532 444 55 66, 05321112233",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_ALERT_NUMBERS] == [ANSWERS, SILENT]
    await hass.async_block_till_done(wait_background_tasks=True)
    form = await hass.config_entries.options.async_init(entry.entry_id)
    assert suggested(form["data_schema"])[CONF_ALERT_NUMBERS] == f"{ANSWERS}, {SILENT}"


@pytest.mark.usefixtures("served")
async def test_tts_without_any_engine(
    hass: HomeAssistant, make_entry: Callable[[str], MockConfigEntry]
) -> None:
    """TTS set up with no engine at all is the same missing setting."""
    assert await async_setup_component(hass, tts.DOMAIN, {})
    entry = await setup(hass, make_entry("bulutfon_token"))
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, entry, number=ANSWERS)
    assert err.value.translation_key == "tts_engine_missing"


@pytest.mark.usefixtures("served")
async def test_engine_that_gives_no_audio(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
    engine: CountingEngine,
) -> None:
    """An engine that answers with no audio is told as such; nothing is sent."""
    engine.audio = b""
    entry = await setup(hass, make_entry("bulutfon_token"))
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, entry, number=ANSWERS)
    assert err.value.translation_key == "tts_failed"
    assert not simulator.state.bulutfon.automatic_calls.fetches


@pytest.mark.usefixtures("engine")
async def test_oldest_clip_goes_first(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    served: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past the clips kept, the one used longest ago is no longer served."""
    monkeypatch.setattr("custom_components.santral.alert_audio.MAX_CLIPS", 1)
    await setup(hass, make_entry("bulutfon_token"))
    audio = alert_audio(hass)
    first = await audio.async_clip("bir", None, None)
    assert (await served.get(first.path)).status == 200
    second = await audio.async_clip("iki", None, None)
    assert (await served.get(first.path)).status == 404
    assert (await served.get(second.path)).status == 200


@pytest.mark.usefixtures("served", "engine")
async def test_pbx_without_numbers_needs_a_sender(
    hass: HomeAssistant,
    simulator: Simulator,
    make_entry: Callable[[str], MockConfigEntry],
) -> None:
    """When the PBX lists no number, the sender must be named."""
    simulator.state.bulutfon.did = ""
    entry = await setup(hass, make_entry("bulutfon_token"))
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, entry, number=ANSWERS)
    assert err.value.translation_key == "call_alert_sender_required"


async def test_stored_alerts_are_followed(
    hass: HomeAssistant,
    simulator: Simulator,
    hass_storage: dict[str, Any],
    alert_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Alerts stored by an earlier run are read on; a number the PBX did not list failed."""
    calls = simulator.state.bulutfon.automatic_calls
    sound = SoundFetch("https://ha.example/a.mp3", 200, "audio/mpeg", 10, head=MP3)
    stored = calls.create("Santral", 908508850000, [905321112233], True, sound)
    calls.dial_next(stored)
    entry = new_entry(simulator, "bulutfon_token")
    hass_storage[f"{DOMAIN}.{entry.entry_id}.call_alerts"] = {
        "version": 1,
        "minor_version": 3,
        "key": f"{DOMAIN}.{entry.entry_id}.call_alerts",
        "data": {
            "alerts": [
                {"numbers": []},
                {
                    "alert_id": str(stored.id),
                    "numbers": [ANSWERS, SILENT],
                    "acknowledge_digit": None,
                    "started": dt_util.utcnow().isoformat(),
                    "announced": {},
                },
            ]
        },
    }
    await setup(hass, entry)
    await settle(hass, freezer, 1)
    assert outcomes(alert_events) == [
        (ANSWERS, "answered", None),
        (SILENT, "failed", None),
    ]


@pytest.mark.usefixtures("callees", "served", "engine")
async def test_diagnostics_hide_the_alert_numbers(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    hass_client: ClientSessionGenerator,
) -> None:
    """The numbers a call alert phones are personal: diagnostics redact them."""
    entry = await setup(
        hass, make_entry("bulutfon_token"), options={CONF_ALERT_NUMBERS: [ANSWERS]}
    )
    await send(hass, entry, number=SILENT)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["entry"]["options"][CONF_ALERT_NUMBERS] == "**REDACTED**"
    assert "call_alert" in diagnostics["capabilities"]
    for number in (ANSWERS, SILENT, ANSWERS[1:], SILENT[1:]):
        assert number not in str(diagnostics)


@pytest.mark.usefixtures("callees", "served", "engine")
@pytest.mark.parametrize(
    ("language", "lines"),
    [
        (
            "en",
            [
                "Answered: Ayşe (0532 111 22 33) (1)",
                "Acknowledged: Ayşe (0532 111 22 33) (1)",
                "Not reached: 0532 444 55 66",
            ],
        ),
        (
            "tr",
            [
                "Açtı: Ayşe (0532 111 22 33) (1)",
                "Onayladı: Ayşe (0532 111 22 33) (1)",
                "Ulaşılamadı: 0532 444 55 66",
            ],
        ),
    ],
)
async def test_logbook_lines(
    hass: HomeAssistant,
    make_entry: Callable[[str], MockConfigEntry],
    freezer: FrozenDateTimeFactory,
    language: str,
    lines: list[str],
) -> None:
    """Each outcome is a logbook line of the call alert entity, named from the phonebook."""
    await hass.config.async_update(language=language)
    entry = await setup(
        hass,
        make_entry("bulutfon_token"),
        options={CONF_PHONEBOOK: {ANSWERS: "Ayşe"}, CONF_NUMBER_FORMAT: "national"},
    )
    captured: list[Event] = []

    @callback
    def _capture(event: Event) -> None:
        captured.append(event)

    hass.bus.async_listen(EVENT_CALL_ALERT, _capture)
    await send(hass, entry, number=[ANSWERS, SILENT])
    await settle(hass, freezer, 4)
    describe = describers(hass)[EVENT_CALL_ALERT]
    described = [describe(event) for event in captured]
    assert [line["message"] for line in described] == lines
    assert {line["name"] for line in described} == {entry.title}
    entity_id = er.async_get(hass).async_get_entity_id(
        "notify", DOMAIN, f"{entry.entry_id}_call_alert"
    )
    assert entity_id is not None
    assert {line["entity_id"] for line in described} == {entity_id}
    assert [line["icon"] for line in described] == [
        "mdi:phone-check",
        "mdi:check-decagram",
        "mdi:phone-off",
    ]
