"""Time ``conformance check`` in static and live mode against their floors.

Not a test: run ``python benchmarks/bench_check.py``. For the bundled example and for a
generated project (1,000 tasks in 50 modules, 200 doc pages, written to a temp dir) it
prints each mode's time next to its floor and the ratio:

- static floor: parsing the same Markdown pages with markdown-it-py plus loading the
  package with griffe (``allow_inspection=False``): the least any source-reading check
  has to do;
- live floor: the bare import of the app module in a child interpreter; also printed,
  the import of the app *with its task modules* and ``finalize()`` (what a worker does at
  start-up), which any live answer about registered tasks has to pay. On the generated
  project the task modules alone cost more than twice the bare import, so no live check
  can come within 1.5x of the bare import there. ``bench_scale.py`` measures live mode
  against the second floor (the one the speed issue's table measured: "import and
  finalize the app"), from a fresh interpreter as a user runs it.

Here the checks run in this process (imports already paid), so the figures show the
work itself; with 200 pages the docs and source take the parent about as long as the
child takes to import the app, so the live check waits for both.

Targets: static within 2x of its floor, live within 1.5x, and the example's static
check under 1 s end to end (``python -m conformance check`` as a child process).
Times are the best of ``--repeat`` runs (default 3).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import griffe
from markdown_it import MarkdownIt

from conformance.config import load_config
from conformance.pipeline import run_check

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"
TARGETS = {"static": 2.0, "live": 1.5}


def best(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def static_floor(root: Path, package: str) -> None:
    parser = MarkdownIt("commonmark").enable("table")
    for page in sorted((root / "docs").rglob("*.md")):
        parser.parse(page.read_text(encoding="utf-8"))
    griffe.load(package, search_paths=[root], allow_inspection=False)


def live_floor(root: Path, module: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([sys.executable, "-c", f"import {module}"], cwd=root, env=env, check=True)


def startup_floor(root: Path, app: str) -> None:
    module, _, attr = app.partition(":")
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    code = (
        f"import {module} as m; a = m.{attr or 'app'}; "
        "a.loader.import_default_modules(); a.finalize()"
    )
    subprocess.run([sys.executable, "-c", code], cwd=root, env=env, check=True)


def check(root: Path, mode: str) -> None:
    config = load_config(root / "pyproject.toml").with_overrides(mode=mode)
    run_check(config)


def cli_check(root: Path, mode: str) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run(
        [sys.executable, "-m", "conformance", "check", "--mode", mode, "--format", "json"],
        cwd=root,
        env=env,
        capture_output=True,
        check=False,
    )


def generate(root: Path, tasks: int = 1000, modules: int = 50, pages: int = 200) -> None:
    """A Celery project with ``tasks`` tasks in ``modules`` modules and ``pages`` pages."""
    package = root / "genapp"
    (package / "jobs").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "jobs" / "__init__.py").write_text("")
    includes = [f"genapp.jobs.mod{m:03d}" for m in range(modules)]
    (package / "worker.py").write_text(
        "from celery import Celery\n\n"
        f"app = Celery('genapp', broker='memory://', include={includes!r})\n"
        "app.conf.task_default_queue = 'default'\n"
        "app.conf.task_time_limit = 300\n"
        "app.conf.task_routes = {'genapp.jobs.mod000.*': {'queue': 'fast'}}\n"
    )
    per_module = tasks // modules
    names = []
    for m in range(modules):
        lines = ["from genapp.worker import app\n"]
        for t in range(per_module):
            name = f"genapp.jobs.mod{m:03d}.task_{t:03d}"
            names.append(name)
            lines.append(
                f"\n\n@app.task(max_retries={t % 5}, time_limit={60 + t})\n"
                f"def task_{t:03d}(item_id: int, force: bool = False) -> int:\n"
                f"    return item_id + {t}\n"
            )
        (package / "jobs" / f"mod{m:03d}.py").write_text("".join(lines))
    docs = root / "docs"
    docs.mkdir()
    per_page = max(1, len(names) // pages)
    for p in range(pages):
        chunk = names[p * per_page : (p + 1) * per_page]
        rows = "".join(f"| `{n}` | `default` | {60 + i} | {i % 5} |\n" for i, n in enumerate(chunk))
        (docs / f"page{p:03d}.md").write_text(
            f"# Jobs page {p}\n\nThese jobs run in the background.\n\n"
            "| Task | Queue | Time limit | Retries |\n| --- | --- | --- | --- |\n" + rows
        )
    (root / "pyproject.toml").write_text(
        '[tool.conformance]\napp = "genapp.worker:app"\ndocs = ["docs/*.md"]\ntimeout = 120\n'
    )


def report(label: str, measured: float, floor: float, target: float) -> bool:
    ratio = measured / floor if floor else float("inf")
    ok = ratio <= target
    print(
        f"{label:<28} {measured:8.3f} s   floor {floor:8.3f} s   ratio {ratio:5.2f}"
        f"   target <= {target:.1f}x  {'ok' if ok else 'MISSED'}"
    )
    return ok


def bench(root: Path, package: str, app_module: str, label: str, repeat: int) -> bool:
    ok = True
    floor = best(lambda: static_floor(root, package), repeat)
    ok &= report(
        f"{label} static", best(lambda: check(root, "static"), repeat), floor, TARGETS["static"]
    )
    floor = best(lambda: live_floor(root, app_module.partition(":")[0]), repeat)
    measured = best(lambda: check(root, "live"), repeat)
    ok &= report(f"{label} live", measured, floor, TARGETS["live"])
    startup = best(lambda: startup_floor(root, app_module), repeat)
    print(
        f"{'  (vs app + task modules)':<28} {measured:8.3f} s   floor {startup:8.3f} s"
        f"   ratio {measured / startup:5.2f}   (context, see the docstring)"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ok = bench(EXAMPLE, "app", "app.workers.celery_app:celery_app", "example", args.repeat)
    end_to_end = best(lambda: cli_check(EXAMPLE, "static"), args.repeat)
    target_met = end_to_end < 1.0
    ok &= target_met
    print(
        f"{'example static, CLI end to end':<28} {end_to_end:8.3f} s   target < 1 s"
        f"{'':>25}{'ok' if target_met else 'MISSED'}"
    )
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate(root)
        ok &= bench(root, "genapp", "genapp.worker:app", "1000 tasks/200 pages", args.repeat)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
