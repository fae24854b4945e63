"""``conformance init``: set a project up without importing it (being written)."""

from __future__ import annotations

import argparse

from conformance.errors import ConformanceError


def run_init(args: argparse.Namespace) -> int:
    raise ConformanceError("`conformance init` is not available yet")
