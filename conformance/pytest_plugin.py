"""The pytest plugin: the conformance check as one test item of the session.

Installed with the package (entry point ``pytest11``) and off unless asked: pass
``--conformance`` or set ``conformance = true`` in the ini file. The check runs once per
session, as the item ``<config file>::conformance``; it fails with the findings listed as
the text report lists them. The header says which configuration and mode were used, so a
failure can be reproduced with ``conformance check``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.config import FAIL_ON, MODES, Config, load_config
from conformance.errors import ConformanceError, ConformanceErrors

ITEM_NAME = "conformance"
MARKER = "conformance: the docs-vs-code conformance check (added by --conformance)"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Celery docs conformance")
    group.addoption(
        "--conformance",
        action="store_true",
        default=False,
        help="run the conformance check as a test item",
    )
    group.addoption(
        "--conformance-config",
        metavar="FILE",
        type=Path,
        default=None,
        help="pyproject.toml with [tool.conformance] (default: the nearest one from the rootdir)",
    )
    group.addoption(
        "--conformance-mode",
        choices=MODES,
        default=None,
        help="live import, static analysis, or auto (default: the config's)",
    )
    group.addoption(
        "--conformance-fail-on",
        choices=FAIL_ON,
        default=None,
        help="lowest severity that fails the item (default: the config's)",
    )
    parser.addini(
        "conformance", type="bool", default=False, help="run the conformance check as a test item"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("conformance") or config.getini("conformance"))


def _load(config: pytest.Config) -> Config:
    """The conformance configuration with the ``--conformance-*`` options applied."""
    given: Path | None = config.getoption("conformance_config")
    loaded = load_config(given.resolve() if given else None, cwd=config.rootpath)
    return loaded.with_overrides(
        mode=config.getoption("conformance_mode"), fail_on=config.getoption("conformance_fail_on")
    )


def pytest_report_header(config: pytest.Config) -> str | None:
    if not _enabled(config):
        return None
    try:
        loaded = _load(config)
    except ConformanceError as error:
        return f"conformance: configuration error: {error.line_text()}"
    source = loaded.source or loaded.root
    return (
        f"conformance: config {source}, mode {loaded.mode}, "
        f"fail on {loaded.fail_on}, app {loaded.app or '(none)'}"
    )


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not _enabled(config):
        return
    anchor = config.getoption("conformance_config") or config.rootpath / "pyproject.toml"
    holder = ConformanceFile.from_parent(session, path=Path(anchor).resolve())
    item = ConformanceItem.from_parent(holder, name=ITEM_NAME)
    item.add_marker(ITEM_NAME)
    # First, so a broken configuration shows before the rest of the suite runs.
    items.insert(0, item)


class ConformanceFile(pytest.File):
    """The configuration file the check item hangs off (its node id's path part)."""

    def collect(self) -> list[pytest.Item]:
        return []


class ConformanceCheckFailed(Exception):
    """The check found drift at or above ``fail_on``, or could not be judged."""


class ConformanceItem(pytest.Item):
    """Runs ``conformance check`` once and fails with its report."""

    def runtest(self) -> None:
        from conformance.pipeline import run_check
        from conformance.reports import render

        try:
            loaded = _load(self.config)
            if not loaded.app:
                raise ConformanceError(
                    "no app configured: set `app` in [tool.conformance]",
                    str(loaded.source or loaded.root),
                )
            result = run_check(loaded)
        except ConformanceErrors as errors:
            lines = "\n".join(f"error: {e.line_text()}" for e in errors.errors)
            raise ConformanceCheckFailed(f"the check could not be judged:\n{lines}") from None
        except ConformanceError as error:
            raise ConformanceCheckFailed(
                f"the check could not be judged:\nerror: {error.line_text()}"
            ) from None
        self.user_properties.append(("conformance_mode", result.mode))
        if result.failed:
            raise ConformanceCheckFailed(render(result, "text"))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceCheckFailed):
            return str(excinfo.value).rstrip("\n")
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"conformance check ({self.path.name})"
