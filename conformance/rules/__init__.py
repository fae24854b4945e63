"""Rules: spec × spec → findings. One module per category; ids from the contract."""

from __future__ import annotations

from collections.abc import Mapping

from conformance.findings import Conforming, Finding
from conformance.model import Spec
from conformance.rules import (
    canvas,
    config,
    deploy,
    env,
    exposed,
    generated,
    metrics,
    queues,
    routes,
    runtime,
    schedules,
    signals,
    symbols,
    tasks,
    workers,
)
from conformance.rules.engine import Check, run_checks
from conformance.rules.registry import RULES, Rule, define, drift

CHECKS: tuple[Check, ...] = (
    tasks.check,
    queues.check,
    routes.check,
    canvas.check,
    schedules.check,
    signals.check,
    metrics.check,
    exposed.check,
    workers.check,
    symbols.check,
    deploy.check,
    config.check,
    env.check,
    generated.check,
    runtime.check,
)


def run_rules(
    documented: Spec, actual: Spec, levels: Mapping[str, str] | None = None
) -> tuple[tuple[Finding, ...], tuple[Conforming, ...]]:
    """Compare a documented spec with the implementation's; see :mod:`rules.engine`."""
    return run_checks(CHECKS, documented, actual, levels)


__all__ = ["CHECKS", "RULES", "Rule", "define", "drift", "run_rules"]
