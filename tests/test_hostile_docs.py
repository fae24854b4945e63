"""Nothing from the docs runs: hostile pages and spec files through the real CLI.

Every snippet here would leave a trace if anything executed it: a sentinel file written,
a connection to a socket this test listens on, a module with import side effects. Each
case runs ``conformance extract`` and ``conformance check`` in a child process on a copy
of the bundled example, then asserts that no trace exists and that the user saw exactly
the expected lines.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import clirun

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"
TAG = "tag:yaml.org,2002:python/object/apply:os.system"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example, plus a module that leaves a trace if anything imports it."""
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "side_effects.py").write_text(
        f"open({str(tmp_path / 'imported')!r}, 'w').write('imported')\n"
    )
    return root


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A socket on localhost that a snippet would connect to if it ran."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        server.setblocking(False)
        yield server


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return clirun.run_cli(cwd, *args, timeout=60)


def line_of(text: str, marker: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in the page")


def assert_no_trace(tmp_path: Path, listener: socket.socket) -> None:
    assert not (tmp_path / "executed").exists()
    assert not (tmp_path / "imported").exists()
    with pytest.raises(BlockingIOError):
        listener.accept()


# Each page: Markdown with {s} for the sentinel path and {port} for the listener, and the
# notes `extract` prints, as (marker on the note's line, message).
PAGES = [
    # top-level code in a python block
    (
        "# Tasks\n\n```python\nopen({s}, 'w').write('ran')\nraise SystemExit(1)\n```\n",
        [],
    ),
    # os.system through __import__, at top level and in a task name
    (
        "# Tasks\n\n```python\n__import__('os').system('touch ' + {s})\n\n"
        "@app.task(name=__import__('os').system('touch ' + {s}))\ndef t():\n    pass\n```\n",
        [("@app.task", "task name: `__import__('os').system(...)` is computed at run time")],
    ),
    # decorators and default arguments with side effects, a class body that runs code
    (
        "# Workers\n\n```python\ndef deco(f):\n    open({s}, 'w')\n    return f\n\n"
        "@deco\ndef g(x=open({s}, 'w')):\n    pass\n\nclass K:\n    open({s}, 'w')\n```\n",
        [],
    ),
    # recursion and a loop that never ends, if run
    ("# Tasks\n\n```python\ndef f():\n    return f()\n\nf()\nwhile True:\n    pass\n```\n", []),
    # a socket, and an import of a project module with import side effects
    (
        "# Tasks\n\n```python\nimport side_effects\nimport socket\n"
        "socket.create_connection(('127.0.0.1', {port}))\n```\n",
        [],
    ),
    # the same typed at a console prompt
    ("# Tasks\n\n```pycon\n>>> __import__('os').system('touch ' + {s})\n0\n```\n", []),
    # a YAML block with a python tag
    (
        "# Deployment\n\n```yaml\nservices:\n  worker: !!python/object/apply:os.system\n"
        "    - touch {s}\n```\n",
        [
            (
                "worker: !!python",
                f"yaml does not parse: could not determine a constructor for the tag '{TAG}'",
            )
        ],
    ),
    # shell command substitution in a command line
    (
        '# Deployment\n\n```bash\ncelery -A "$(touch {s})" worker -Q `touch {s}`\n```\n',
        [],
    ),
    # a crontab(...) cell that would call os.system
    (
        "# Beat\n\n| Entry | Task | Schedule |\n| --- | --- | --- |\n"
        "| `cleanup` | `tasks.cleanup_old_files` | `crontab(__import__('os').system('touch'))` |\n",
        [
            (
                "| `cleanup`",
                "cannot read the schedule of beat entry `cleanup` from "
                "\"crontab(__import__('os').system('touch'))\"",
            )
        ],
    ),
]


@pytest.mark.parametrize(("page", "notes"), PAGES)
def test_extract_parses_hostile_pages_and_runs_nothing(
    tmp_path: Path,
    project: Path,
    listener: socket.socket,
    page: str,
    notes: list[tuple[str, str]],
) -> None:
    port = listener.getsockname()[1]
    text = page.replace("{s}", repr(str(tmp_path / "executed"))).replace("{port}", str(port))
    (project / "docs" / "hostile.md").write_text(text)
    done = run_cli(project, "extract", "docs/hostile.md")
    assert_no_trace(tmp_path, listener)
    assert done.returncode == 0
    assert done.stdout.startswith("version: 1\n")
    assert done.stderr == "".join(
        f"docs/hostile.md:{line_of(text, marker)}: note: {message}\n" for marker, message in notes
    )


def test_check_with_every_hostile_page_runs_nothing(
    tmp_path: Path, project: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    for number, (page, _notes) in enumerate(PAGES):
        text = page.replace("{s}", repr(str(tmp_path / "executed"))).replace("{port}", str(port))
        (project / "docs" / f"hostile-{number}.md").write_text(text)
    for mode in ("live", "static"):
        done = run_cli(project, "check", "--mode", mode, "--format", "markdown")
        assert_no_trace(tmp_path, listener)
        assert done.returncode == 1, done.stderr  # the example's own drift
        assert done.stderr == ""
        assert "Traceback" not in done.stdout
        assert "task name: `__import__('os').system(...)` is computed at run time" in done.stdout


EVIL_SPEC = "version: 1\ntasks:\n- name: !!python/object/apply:os.system\n  - touch {s}\n"


def test_a_spec_file_with_a_python_tag_is_refused(
    tmp_path: Path, project: Path, listener: socket.socket
) -> None:
    (project / "specs").mkdir()
    (project / "specs" / "evil.yaml").write_text(
        EVIL_SPEC.replace("{s}", str(tmp_path / "executed"))
    )
    report = tmp_path / "report.md"
    report.write_text("the previous report\n")
    done = run_cli(project, "check", "--format", "markdown", "--output", str(report))
    assert_no_trace(tmp_path, listener)
    assert done.returncode == 2
    assert done.stderr == (
        "conformance: error: specs/evil.yaml:3: not valid YAML: "
        f"could not determine a constructor for the tag '{TAG}'\n"
    )
    assert "Traceback" not in done.stderr
    # no partial report over the existing one
    assert report.read_text() == "the previous report\n"


def test_diff_refuses_a_spec_file_with_a_python_tag(
    tmp_path: Path, listener: socket.socket
) -> None:
    (tmp_path / "evil.yaml").write_text(
        "!!python/object/apply:os.system ['touch {s}']\n".replace("{s}", str(tmp_path / "executed"))
    )
    (tmp_path / "ok.yaml").write_text("version: 1\n")
    done = run_cli(tmp_path, "diff", "evil.yaml", "ok.yaml")
    assert_no_trace(tmp_path, listener)
    assert done.returncode == 2
    assert done.stderr == (
        "conformance: error: evil.yaml:1: not valid YAML: "
        f"could not determine a constructor for the tag '{TAG}'\n"
    )


def test_a_compose_file_with_a_python_tag_is_not_loaded(
    tmp_path: Path, project: Path, listener: socket.socket
) -> None:
    compose = project / "docker-compose.yml"
    compose.write_text(
        compose.read_text()
        + "  evil:\n    image: !!python/object/apply:os.system ['touch {s}']\n".replace(
            "{s}", str(tmp_path / "executed")
        )
    )
    done = run_cli(project, "check", "--format", "json")
    assert_no_trace(tmp_path, listener)
    # The project's own file is refused, never constructed; the run goes on with a
    # located notice (exit 2 is for our own inputs).
    assert done.returncode in (0, 1), done.stderr
    evil_line = line_of(compose.read_text(), "!!python")
    [notice] = [n for n in json.loads(done.stdout)["notices"] if n["kind"] == "unreadable"]
    assert (notice["path"], notice["line"]) == ("docker-compose.yml", evil_line)
    assert f"could not determine a constructor for the tag '{TAG}'" in notice["message"]
    assert "Traceback" not in done.stderr
