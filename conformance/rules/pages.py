"""One page per rule (what it catches, why it matters, an example, how to fix), from the
registry: the `rules ID` command, the docs/rules/*.md files and SARIF's help share it.

``conformance rules --write-pages docs/rules`` regenerates the files; a test compares
them with :func:`rule_pages` so a new or changed rule cannot ship without its page.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from conformance.fileio import write_atomic
from conformance.rules.registry import Rule

INDEX = "README.md"
"""The index page written next to the rule pages."""


def rule_page(rule: Rule) -> str:
    """The rule's page as Markdown."""
    return (
        f"# {rule.id}\n\n"
        f"Category: {rule.category} · default severity: {rule.severity.value}\n\n"
        f"## What it catches\n\n{_sentence(rule.summary)}\n\n"
        f"## Why it matters\n\n{rule.why}\n\n"
        f"## Example of drift\n\n{rule.example}\n\n"
        f"## How to fix\n\n{rule.fix}\n"
    )


def rule_pages(rules: Mapping[str, Rule]) -> dict[str, str]:
    """Every file of the rules folder by name: ``<id>.md`` per rule and the index."""
    ordered = sorted(rules.values(), key=lambda r: r.id)
    pages = {f"{rule.id}.md": rule_page(rule) for rule in ordered}
    rows = "".join(
        f"| [`{rule.id}`]({rule.id}.md) | {rule.category} | {rule.severity.value} | "
        f"{rule.summary} |\n"
        for rule in ordered
    )
    pages[INDEX] = (
        "# Rules\n\n"
        "Generated from the rule registry by `conformance rules --write-pages docs/rules`;"
        " do not edit by hand.\n\n"
        "| rule | category | default | fires when |\n| --- | --- | --- | --- |\n" + rows
    )
    return pages


def write_rule_pages(folder: Path, rules: Mapping[str, Rule]) -> list[Path]:
    """Write (atomically) every page of :func:`rule_pages` into ``folder``; the paths."""
    written = []
    for name, text in rule_pages(rules).items():
        path = folder / name
        write_atomic(path, text)
        written.append(path)
    return written


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
