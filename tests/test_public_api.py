"""The public API is what `conformance.__all__` says, each name once, each importable."""

from __future__ import annotations

import conformance


def test_every_public_name_is_exported_once_and_resolves() -> None:
    names = conformance.__all__
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(conformance, name) is not None, name


def test_the_pipeline_runs_through_the_public_api() -> None:
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"
    config = conformance.load_config(example / "pyproject.toml").with_overrides(mode="static")
    result = conformance.run_check(config)
    assert isinstance(result, conformance.CheckResult) and result.failed
    text = conformance.render(result, "json")
    assert '"schema": "conformance-report/1"' in text


def test_the_version_attribute_is_the_distributions() -> None:
    import importlib.metadata

    import conformance

    assert conformance.__version__ == importlib.metadata.version("conformance")
