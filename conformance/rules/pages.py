"""One page per rule (what it catches, why it matters, an example, how to fix), from the
registry: the `rules ID` command, the docs/rules/*.md files and SARIF's help share it."""

from __future__ import annotations

from conformance.rules.registry import Rule


def rule_page(rule: Rule) -> str:
    return (
        f"# {rule.id}\n\n"
        f"Category: {rule.category} · default severity: {rule.severity.value}\n\n"
        f"## What it catches\n\n{_sentence(rule.summary)}\n\n"
        f"## Why it matters\n\n{rule.why}\n\n"
        f"## Example of drift\n\n{rule.example}\n\n"
        f"## How to fix\n\n{rule.fix}\n"
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
