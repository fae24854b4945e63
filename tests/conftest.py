"""Test-wide settings."""

from __future__ import annotations

import os

from hypothesis import settings

# On a developer's machine property tests explore new examples on every run; in CI they
# are derandomized, so a red build always reproduces and never depends on luck.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
