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


def modules_after(tmp_path: Path, *extra: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "report.txt"), *extra],
        cwd=EXAMPLE,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return data["status"], {m.split(".")[0] for m in data["modules"]}


def test_a_static_check_imports_no_celery_kombu_or_jinja2(tmp_path: Path) -> None:
    status, top = modules_after(tmp_path)
    assert status == 1  # the example drifts: the check really ran
    assert (tmp_path / "report.txt").read_text().count(": error: ") > 10
    assert not top & {"celery", "kombu", "billiard", "amqp", "django", "jinja2", "croniter"}
