"""Alias bombs: every YAML we read refuses alias expansion past a budget (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.yamlsafe import ALIAS_BUDGET, AliasBudgetExceeded, load

from clirun import run_cli


def bomb(levels: int, fan_out: int = 9, tail: str = "") -> str:
    """`&e0 [x × fan_out]`, then each level `fan_out` aliases of the one before."""
    lines = [f"x-0: &e0 [{','.join(['x'] * fan_out)}]"]
    for level in range(1, levels + 1):
        lines.append(f"x-{level}: &e{level} [{','.join([f'*e{level - 1}'] * fan_out)}]")
    return "\n".join(lines) + "\n" + tail


def expanded_size(levels: int, fan_out: int) -> int:
    """Nodes the aliases stand for: each alias of level k is a list of k-1 expansions."""
    sizes = [1 + fan_out]  # the anchored list of level 0
    for _ in range(levels):
        sizes.append(1 + fan_out * sizes[-1])
    return sum(fan_out * sizes[k - 1] for k in range(1, levels + 1))


def test_ordinary_anchors_and_merge_keys_load() -> None:
    compose = (
        "x-env: &env\n  BROKER: redis://r\nservices:\n"
        "  worker:\n    environment: *env\n    <<: {restart: always}\n"
        "  beat:\n    environment: *env\n"
    )
    data = load(compose)
    assert data["services"]["beat"]["environment"] == {"BROKER": "redis://r"}


def test_a_bomb_is_refused_with_its_line() -> None:
    with pytest.raises(AliasBudgetExceeded) as caught:
        load(bomb(6))
    assert caught.value.problem_mark is not None and caught.value.problem_mark.line >= 3


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=9), st.integers(min_value=1, max_value=12))
def test_generated_alias_nesting_loads_or_is_refused_never_anything_else(
    levels: int, fan_out: int
) -> None:
    text = bomb(levels, fan_out)
    try:
        data = load(text)
    except AliasBudgetExceeded:
        assert expanded_size(levels, fan_out) > ALIAS_BUDGET
    else:
        assert expanded_size(levels, fan_out) <= ALIAS_BUDGET
        assert isinstance(data, dict) and len(data) == levels + 1


def _project(tmp_path: Path) -> Path:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "__init__.py").write_text("")
    (tmp_path / "p" / "celery.py").write_text('from celery import Celery\napp = Celery("p")\n')
    (tmp_path / "docs").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.conformance]\napp = "p.celery:app"\ndocs = ["docs/*.md"]\n'
        'deploy = ["docker-compose.yml"]\nmode = "static"\n'
    )
    return tmp_path


def test_bombs_in_a_doc_block_and_a_compose_file_are_notices(tmp_path: Path) -> None:
    root = _project(tmp_path)
    compose = bomb(7, tail="services:\n  worker:\n    command: *e7\n")
    (root / "docker-compose.yml").write_text(compose)
    (root / "docs" / "p.md").write_text(f"# Celery\n\n```yaml\n{compose}```\n")
    done = run_cli(root, "check", "--format", "json", timeout=60)
    assert done.returncode == 0, done.stderr
    notices = {(n["kind"], n["path"]) for n in json.loads(done.stdout)["notices"]}
    assert ("unreadable", "docker-compose.yml") in notices
    assert ("unparsed-block", "docs/p.md") in notices


def test_a_bomb_in_our_own_spec_file_is_a_located_exit_2(tmp_path: Path) -> None:
    spec = "version: 1\n" + bomb(6, tail="tasks:\n  - name: t\n    params: *e6\n")
    (tmp_path / "spec.yaml").write_text(spec)
    done = run_cli(tmp_path, "diff", "spec.yaml", "spec.yaml", timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("conformance: error: spec.yaml:")
    assert "aliases expand past" in done.stderr
    assert "Traceback" not in done.stderr


def test_pyyaml_alone_would_expand_it() -> None:
    # Why the budget: the same text is 9**7 elements deep for anything that walks it.
    data = yaml.safe_load(bomb(7))
    assert len(data["x-7"]) == 9 and len(data["x-7"][0][0][0][0][0][0]) == 9
