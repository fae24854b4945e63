"""Rules: spec × spec → findings."""

from conformance.rules.registry import RULES, Rule, define

__all__ = ["RULES", "Rule", "define"]
