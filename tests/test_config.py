"""``[tool.conformance]``: the `app` key as one string or a list of apps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.config import Config, config_from_mapping, load_config
from conformance.errors import ConformanceError


@pytest.mark.parametrize(
    ("value", "apps"),
    [
        # the contract's string form keeps working
        ("app.workers.celery_app:celery_app", ("app.workers.celery_app:celery_app",)),
        # a bare package, resolved like `celery -A`
        ("proj", ("proj",)),
        # several apps in one repository
        (["media", "mail.worker:app"], ("media", "mail.worker:app")),
        # repeats are dropped, order kept
        (["a:app", "b:app", "a:app"], ("a:app", "b:app")),
        # a folder with a hyphen imports by name (`celery -A adhocracy-plus` works)
        ("adhocracy-plus.config.celery:celery_app", ("adhocracy-plus.config.celery:celery_app",)),
    ],
)
def test_app_is_a_string_or_a_list(tmp_path: Path, value: Any, apps: tuple[str, ...]) -> None:
    config = config_from_mapping({"app": value}, root=tmp_path)
    assert config.app_list == apps
    assert config.app == apps[0]


@pytest.mark.parametrize(
    "value",
    [
        # not a string or list
        42,
        # a list with a non-string
        ["a:app", 3],
        # a malformed entry in the list
        ["a:app", "not a module:app"],
        # a hyphen in the attribute is not a Python name
        "pkg.mod:celery-app",
    ],
)
def test_bad_app_values_are_configuration_errors(tmp_path: Path, value: Any) -> None:
    with pytest.raises(ConformanceError, match="`app`"):
        config_from_mapping({"app": value}, root=tmp_path)


def test_the_cli_app_replaces_the_list(tmp_path: Path) -> None:
    config = config_from_mapping({"app": ["a:app", "b:app"]}, root=tmp_path)
    overridden = config.with_overrides(app="c:app", mode=None)
    assert (overridden.app, overridden.app_list) == ("c:app", ("c:app",))
    assert config.with_overrides(app=None).app_list == ("a:app", "b:app")


def test_no_app_means_an_empty_list(tmp_path: Path) -> None:
    assert Config(root=tmp_path).app_list == ()


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "0", "-5", "1e300", "true", '"30"'])
def test_absurd_timeouts_are_located_config_errors(tmp_path: Path, value: str) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(
        f'[project]\nname = "x"\n\n[tool.conformance]\napp = "p:app"\ntimeout = {value}\n'
    )
    with pytest.raises(ConformanceError) as caught:
        load_config(config)
    assert caught.value.line_text().startswith(f"{config}:6: `timeout` must be a number")


def test_error_lines_name_the_key_in_the_conformance_table(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.other]\nmode = "x"\n\n[tool.conformance]\napp = "p:app"\nmode = "sideways"\n'
    )
    with pytest.raises(ConformanceError) as caught:
        load_config(config)
    assert caught.value.line_text().startswith(f"{config}:6: ")


def test_invalid_toml_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.conformance]\napp = "a:app"\nx = = 3\n')
    with pytest.raises(ConformanceError) as caught:
        load_config(cwd=tmp_path)
    assert caught.value.line == 3
    assert caught.value.message == "not valid TOML: Invalid value"
