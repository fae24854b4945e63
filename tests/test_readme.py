"""The README stays true: every rule and every configuration key is documented."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.config import KNOWN_KEYS
from conformance.rules import RULES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_rules_table_is_the_registry() -> None:
    rows = re.findall(r"^\| `([a-z]+\.[a-z-]+)` \| (error|warning|info) \| (.+) \|$", README, re.M)
    assert {rule: (level, summary) for rule, level, summary in rows} == {
        r.id: (r.severity.value, r.summary) for r in RULES.values()
    }


def test_every_configuration_key_is_shown() -> None:
    config = README.split("```toml\n[tool.conformance]\n", 1)[1].split("```", 1)[0]
    shown = set(re.findall(r"^([a-z_]+) =", config, re.M))
    assert shown | {"rules"} == set(KNOWN_KEYS)


SECURITY = (Path(__file__).resolve().parents[1] / "SECURITY.md").read_text(encoding="utf-8")


def test_every_test_security_md_names_exists() -> None:
    root = Path(__file__).resolve().parents[1]
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", SECURITY)
    assert len(named) > 20
    for path, function in named:
        source = (root / path).read_text(encoding="utf-8")
        if function:
            assert re.search(rf"^def {function}\(", source, re.M), f"{path}::{function}"
