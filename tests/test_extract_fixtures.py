"""Markdown fixtures in, documented spec out: ``NAME.md`` against ``NAME.expected.yaml``.

The expected file lists, per spec section, every item the page must give (in order, only
the fields worth pinning); a section it does not list must come out empty, so an invented
item fails the test as surely as a missing one. ``ignore: [section...]`` leaves sections
to other tests; ``"*"`` matches any value. ``mentions`` (every code span that could be a
name) are checked only where the expected file lists them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.extract import extract_text
from conformance.model import SECTIONS, Extraction, Origin, Timing
from conformance.schedules import parse_schedule, same_times

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
CASES = sorted(p.name.removesuffix(".md") for p in FIXTURES.glob("*.md"))


def test_there_are_enough_fixtures() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES)
def test_fixture(case: str) -> None:
    text = (FIXTURES / f"{case}.md").read_text(encoding="utf-8")
    expected: dict[str, Any] = (
        yaml.safe_load((FIXTURES / f"{case}.expected.yaml").read_text(encoding="utf-8")) or {}
    )
    found = extract_text(text, f"docs/{case}.md")
    ignored = set(expected.pop("ignore", []))
    if "mentions" not in expected:
        ignored.add("mentions")  # every code span is one: pinned by the fixtures that list them
    for section in SECTIONS:
        if section in ignored:
            continue
        items = getattr(found.spec, section)
        _match(section, list(items), expected.get(section, []), found)
    _match("notices", list(found.notices), expected.get("notices", []), found)
    _match("waivers", list(found.waivers), expected.get("waivers", []), found)
    for _, item in found.spec.items():
        assert item.source is not None and item.source.path == f"docs/{case}.md", item
        assert item.origin is Origin.DOCS, item
    paths = [w.path for w in found.waivers] + [n.path for n in found.notices]
    assert all(path == f"docs/{case}.md" for path in paths), paths


def _match(
    section: str, actual: list[Any], expected: list[dict[str, Any]], found: Extraction
) -> None:
    context = f"{section}: got {actual!r}\nnotices: {found.notices!r}"
    assert len(actual) == len(expected), context
    for item, fields in zip(actual, expected, strict=True):
        for name, want in fields.items():
            assert _same(name, _field(item, name), want), f"{name} of {item!r}: want {want!r}"


def _field(item: Any, name: str) -> Any:
    if name == "line" and hasattr(item, "source"):
        return item.source.line if item.source else None
    return getattr(item, name)


def _same(name: str, got: Any, want: Any) -> bool:
    if want == "*":
        return True
    if name == "timing":
        if want is None or got is None:
            return got is want
        assert isinstance(got, Timing)
        return same_times(got, parse_schedule(want))
    if isinstance(got, tuple):
        return bool(list(got) == want)
    if isinstance(got, dict) or hasattr(got, "items"):
        return bool(dict(got) == want)
    return bool(got == want)
