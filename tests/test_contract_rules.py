"""Every rule id of the contract (../shared/CONTRACT.md, "Rule ids") exists with its
default severity. The table is copied here so the test runs without the shared folder;
ids are never renamed once released."""

from __future__ import annotations

import pytest

from conformance.rules import RULES

CONTRACT_RULES = [
    ("task.missing", "error"),
    ("task.renamed", "error"),
    ("task.qualified-name", "error"),
    ("task.option-mismatch", "error"),
    ("task.undocumented", "warning"),
    ("queue.missing", "error"),
    ("queue.undocumented", "warning"),
    ("queue.orphaned", "warning"),
    ("route.mismatch", "error"),
    ("route.unknown-task", "error"),
    ("route.unknown-queue", "warning"),
    ("schedule.missing", "error"),
    ("schedule.undocumented", "warning"),
    ("schedule.mismatch", "error"),
    ("schedule.task-mismatch", "error"),
    ("schedule.unknown-task", "error"),
    ("canvas.callback-mismatch", "error"),
    ("canvas.primitive-mismatch", "error"),
    ("signal.missing", "error"),
    ("signal.undocumented", "info"),
    ("signal.handler-mismatch", "warning"),
    ("metric.missing", "error"),
    ("metric.undocumented", "info"),
    ("metric.type-mismatch", "error"),
    ("metric.labels-mismatch", "error"),
    ("metric.not-integrated", "warning"),
    ("worker.class-missing", "error"),
    ("worker.bootstep-missing", "error"),
    ("worker.profile-missing", "warning"),
    ("symbol.missing", "error"),
    ("symbol.renamed", "error"),
    ("signature.mismatch", "error"),
    ("deploy.service-missing", "error"),
    ("deploy.queue-unconsumed", "error"),
    ("config.mismatch", "error"),
]


@pytest.mark.parametrize(("rule_id", "severity"), CONTRACT_RULES)
def test_the_contract_rule_exists_with_its_default_severity(rule_id: str, severity: str) -> None:
    assert RULES[rule_id].severity.value == severity


def test_rule_ids_have_the_category_dot_name_form() -> None:
    for rule_id, rule in RULES.items():
        category, _, name = rule_id.partition(".")
        assert category and name and rule.id == rule_id
