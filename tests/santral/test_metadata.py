"""Checks hassfest and HACS would make, and the project's own rules, on the shipped files."""

from __future__ import annotations

import ast
import json
from pathlib import Path
import re
import string
import struct
from typing import Any

from awesomeversion import AwesomeVersion
import yaml

from custom_components.santral.logbook import DEFAULT_ICONS, ICONS
from custom_components.santral.providers import PbxState
from custom_components.santral.sensor import ACCOUNT_SENSORS

ROOT = Path(__file__).parents[2]
INTEGRATION = ROOT / "custom_components" / "santral"

RULES = {
    "bronze": [
        "action-setup", "appropriate-polling", "brands", "common-modules",
        "config-flow-test-coverage", "config-flow", "dependency-transparency", "docs-actions",
        "docs-high-level-description", "docs-installation-instructions",
        "docs-removal-instructions", "docs-triggers", "docs-conditions", "entity-event-setup",
        "entity-unique-id", "has-entity-name", "runtime-data", "test-before-configure",
        "test-before-setup", "unique-config-entry",
    ],
    "silver": [
        "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
        "docs-installation-parameters", "entity-unavailable", "integration-owner",
        "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    ],
    "gold": [
        "devices", "diagnostics", "discovery-update-info", "discovery", "docs-data-update",
        "docs-examples", "docs-known-limitations", "docs-supported-devices",
        "docs-supported-functions", "docs-troubleshooting", "docs-use-cases", "dynamic-devices",
        "entity-category", "entity-device-class", "entity-disabled-by-default",
        "entity-translations", "exception-translations", "icon-translations",
        "reconfiguration-flow", "repair-issues", "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}  # fmt: skip


def load(path: Path) -> Any:
    """Read a JSON file of the integration."""
    return json.loads(path.read_text(encoding="utf-8"))


def keys(tree: Any, prefix: str = "") -> set[str]:
    """Every leaf path of a nested mapping."""
    if not isinstance(tree, dict):
        return {prefix}
    return set().union(
        *(
            keys(value, f"{prefix}.{key}" if prefix else key)
            for key, value in tree.items()
        )
    )


def test_manifest() -> None:
    """Keys in hassfest's order, every key HACS needs, a valid version."""
    manifest = load(INTEGRATION / "manifest.json")
    order = list(manifest)
    assert order[:2] == ["domain", "name"]
    assert order[2:] == sorted(order[2:])
    assert manifest["domain"] == INTEGRATION.name
    for key in ("codeowners", "documentation", "issue_tracker", "version", "iot_class"):
        assert manifest[key]
    assert manifest["documentation"].startswith("https://")
    assert not manifest["documentation"].startswith(
        "https://www.home-assistant.io/integrations"
    )
    assert manifest["config_flow"] is True
    assert AwesomeVersion(manifest["version"]).valid
    assert "homeassistant" not in manifest


def test_hacs_json() -> None:
    """Only keys HACS knows; the oldest supported Home Assistant; a Turkish audience."""
    hacs = load(ROOT / "hacs.json")
    allowed = {"name", "content_in_root", "zip_release", "filename", "hide_default_branch",
               "country", "homeassistant", "hacs", "persistent_directory", "render_readme"}  # fmt: skip
    assert set(hacs) <= allowed
    assert hacs == {"name": "Santral", "homeassistant": "2026.3.0", "country": "TR"}
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_brand_icon() -> None:
    """A 256x256 PNG icon and its 512x512 @2x variant."""
    for name, size in (("icon.png", 256), ("icon@2x.png", 512)):
        data = (INTEGRATION / "brand" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (size, size)


def test_translations_match() -> None:
    """Turkish has every key English has, and no other."""
    english = keys(load(INTEGRATION / "translations" / "en.json"))
    turkish = keys(load(INTEGRATION / "translations" / "tr.json"))
    assert english == turkish


# hassfest's rules for a translation string (script/hassfest/translations.py): no HTML
# (homeassistant.helpers.config_validation.string_with_no_html), no URLs, no placeholder in
# single quotes, placeholders that are identifiers, no leading or trailing spaces.
HASSFEST_HTML = re.compile(r"<[a-z].*?>", re.IGNORECASE)
HASSFEST_URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)
HASSFEST_QUOTED_PLACEHOLDER = re.compile(r"'{\w+}'")
# Stricter than hassfest, for what the frontend's ICU message parser stumbles on: any
# opening angle bracket or a lookalike of one (a tag to the parser, UNCLOSED_TAG or
# INVALID_TAG on screen), a scheme, a bare web address, an apostrophe that starts ICU quoting.
ANGLE_BRACKETS = re.compile("[<\u2039\u00ab\u2329\u27e8\u3008\ufe64\uff1c\u276c\u276e]")
SCHEME = re.compile(r"\b[a-z][a-z0-9+.-]*://", re.IGNORECASE)
BARE_ADDRESS = re.compile(
    r"\b[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|net|org|io|tr|dev|app)(\.tr)?\b(/\S*)?",
    re.IGNORECASE,
)
ICU_QUOTE = re.compile(r"'[{}#|<]")


def translation_strings(tree: Any, prefix: str = "") -> dict[str, str]:
    """Every string of a translation file, by its dotted key."""
    if isinstance(tree, str):
        return {prefix: tree}
    return {
        path: text
        for key, value in tree.items()
        for path, text in translation_strings(
            value, f"{prefix}.{key}" if prefix else key
        ).items()
    }


def translation_problems(text: str) -> list[str]:
    """Return why hassfest or the frontend would refuse `text`; empty when neither would."""
    problems = []
    if HASSFEST_HTML.search(text) or ANGLE_BRACKETS.search(text):
        problems.append("markup")
    if HASSFEST_URL.search(text) or SCHEME.search(text) or BARE_ADDRESS.search(text):
        problems.append("URL (use description_placeholders)")
    if HASSFEST_QUOTED_PLACEHOLDER.search(text) or ICU_QUOTE.search(text):
        problems.append("quoted placeholder")
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text) if field]
    except ValueError:
        problems.append("unbalanced braces")
    else:
        if not all(field.isidentifier() for field in fields):
            problems.append("placeholder that is not an identifier")
    if text != text.strip():
        problems.append("leading or trailing space")
    if re.search(r"(.+\[%)|(%\].+)", text):
        problems.append("combined reference")
    return problems


def test_translation_checks_catch_what_they_should() -> None:
    """The checks refuse the kinds of string that broke the forms, and pass the usual ones."""
    for bad in (
        "by month (<folder>/<year-month>/)",
        "santral/recordings/\u2039klas\u00f6r>",
        "Default: https://api.example.com",
        "Default: http://10.0.0.2:8080/api",
        "see oim.bulutfon.com/account",
        "Press '{button}'",
        "{open",
        "closed}",
        "{not an identifier}",
        " padded",
    ):
        assert translation_problems(bad), bad
    for good in (
        "Panel > Genel Ayarlar > Geliştirici Seçenekleri ({panel_url}).",
        "Santral'ın {name} kaydı",
        "One `number = name` per line, +90 212 555 00 00",
    ):
        assert not translation_problems(good), good


def test_translations_pass_hassfest_and_the_frontend() -> None:
    """No markup, no URL, no quoted or unbalanced placeholder in any translation string."""
    for language in ("en", "tr"):
        strings = translation_strings(
            load(INTEGRATION / "translations" / f"{language}.json")
        )
        found = {
            key: problems
            for key, text in strings.items()
            if (problems := translation_problems(text))
        }
        assert not found, (language, found)


def test_translation_placeholders_match() -> None:
    """Each Turkish string has the placeholders of its English one; actions have none."""
    english = translation_strings(load(INTEGRATION / "translations" / "en.json"))
    turkish = translation_strings(load(INTEGRATION / "translations" / "tr.json"))

    def fields(text: str) -> set[str]:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field}

    for key, text in english.items():
        assert fields(text) == fields(turkish[key]), key
        if key.startswith("services."):
            assert not fields(text), key


def test_used_translation_keys_exist() -> None:
    """Every error, abort, exception and entity key the code uses has an English string."""
    english = load(INTEGRATION / "translations" / "en.json")
    flow = (INTEGRATION / "config_flow.py").read_text()
    for error in re.findall(r'errors\[[^\]]+\] = "([a-z_]+)"', flow):
        assert error in english["config"]["error"] | english["options"]["error"], error
    for reason in re.findall(r'reason="([a-z_]+)"', flow):
        assert reason in english["config"]["abort"], reason
    for module in INTEGRATION.glob("*.py"):
        for key in re.findall(r'translation_key="([a-z_]+)"', module.read_text()):
            known = (
                english["exceptions"],
                english["entity"]["sensor"],
                english["entity"]["event"],
                english["device"],
                english["selector"],
            )
            assert any(key in group for group in known), key
    for description in ACCOUNT_SENSORS:
        assert description.translation_key in english["entity"]["sensor"]
    assert set(english["entity"]["sensor"]["pbx_state"]["state"]) == {
        state.value for state in PbxState
    }
    icons = load(INTEGRATION / "icons.json")
    for platform, entities in icons["entity"].items():
        assert set(entities) <= set(english["entity"][platform])


def test_logbook_icons_are_the_event_icons() -> None:
    """A logbook line has the icon its event type has on the event entity."""
    icons = load(INTEGRATION / "icons.json")["entity"]["event"]
    for entity, kinds in ICONS.items():
        assert icons[entity]["state_attributes"]["event_type"]["state"] == kinds
        assert DEFAULT_ICONS[entity] == icons[entity]["default"]


def test_quality_scale() -> None:
    """Every rule of the four tiers is done or exempt, with a reason; cited tests exist."""
    scale = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    expected = {rule for tier in RULES.values() for rule in tier}
    assert len(expected) == 54
    assert set(scale) == expected
    for rule, value in scale.items():
        assert value["status"] in {"done", "exempt"}, rule
        assert value["comment"], rule
        for path, _, test in re.findall(
            r"(tests/[\w/]+\.py)(::(\w+))?", value["comment"]
        ):
            module = INTEGRATION.parent.parent / path
            assert module.is_file(), (rule, path)
            if test:
                assert f"def {test}(" in module.read_text(), (rule, test)


def test_providers_never_import_homeassistant() -> None:
    """The client library stays free of Home Assistant."""
    for module in (INTEGRATION / "providers").glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(name.split(".")[0] == "homeassistant" for name in names), (
                module
            )
