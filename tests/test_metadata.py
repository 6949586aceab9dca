"""Checks hassfest and HACS would make, and the project's own rules, on the shipped files."""

from __future__ import annotations

import ast
import json
from pathlib import Path
import re
import struct
from typing import Any

from awesomeversion import AwesomeVersion
import yaml

from custom_components.santral.providers import PbxState
from custom_components.santral.sensor import ACCOUNT_SENSORS

ROOT = Path(__file__).parent.parent
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


def test_quality_scale() -> None:
    """Every rule of the four tiers is done or exempt, with a reason; cited tests exist."""
    scale = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    expected = {rule for tier in RULES.values() for rule in tier}
    assert len(expected) == 54
    assert set(scale) == expected
    for rule, value in scale.items():
        assert value["status"] in {"done", "exempt"}, rule
        assert value["comment"], rule
        for path, _, test in re.findall(r"(tests/\w+\.py)(::(\w+))?", value["comment"]):
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
