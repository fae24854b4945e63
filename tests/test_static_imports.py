"""A static check imports neither Celery nor kombu (nor, for the text report, Jinja2):
their start-up is most of a pre-commit run's (issue 18). Measured in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"

PROBE = """
import json, sys
from conformance.cli import main
status = main(["check", "--mode", "static", "--no-history", "-o", sys.argv[1]])
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def run_child(script: str, cwd: Path, *args: str) -> tuple[int, set[str]]:
    """The check's exit status and every module loaded, from a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return data["status"], set(data["modules"])


def test_a_static_check_imports_no_celery_kombu_or_jinja2(tmp_path: Path) -> None:
    status, modules = run_child(PROBE, EXAMPLE, str(tmp_path / "report.txt"))
    assert status == 1  # the example drifts: the check really ran
    assert (tmp_path / "report.txt").read_text().count(": error: ") > 10
    top = {m.split(".")[0] for m in modules}
    assert not top & {"celery", "kombu", "billiard", "amqp", "django", "jinja2", "croniter"}
    # Nor the live probe's launcher (subprocess, selectors): there is nothing to start.
    assert not modules & {"conformance.introspect.launch", "subprocess", "selectors"}


CACHED = """
import json, sys
from conformance.cli import main
status = main(["check", "--mode", "static", "--cache", "--no-history", "-o", "report.txt"])
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""

PAGE = """\
# Tasks

| Task | Queue | Time limit |
| --- | --- | --- |
| `proj.ping` | `celery` | 30 |

The `proj.ping` task answers within a second.
"""


def test_a_cached_run_after_a_prose_edit_loads_no_code_readers(tmp_path: Path) -> None:
    # A page of tables and prose, the usual edit, is read without the Python-source,
    # shell and deploy readers: with the code analysis cached they never load.
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "__init__.py").write_text("")
    (tmp_path / "proj" / "celery.py").write_text(
        "from celery import Celery\n\napp = Celery('proj')\n\n\n"
        "@app.task(name='proj.ping', time_limit=30)\ndef ping():\n    return 'pong'\n"
    )
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "tasks.md"
    page.write_text(PAGE)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.conformance]\napp = "proj.celery:app"\ndocs = ["docs/*.md"]\n'
    )

    status, cold = run_child(CACHED, tmp_path)
    assert status == 0, (tmp_path / "report.txt").read_text()
    assert "conformance.pysource" in cold  # the first run analyses the code
    page.write_text(PAGE + "\nIt runs on the `celery` queue.\n")
    status, warm = run_child(CACHED, tmp_path)
    assert status == 0, (tmp_path / "report.txt").read_text()
    assert "conformance.extract.markdown" in warm  # the edited page was read again
    assert not {m for m in warm if m.startswith(("conformance.pysource", "conformance.deploy"))}
