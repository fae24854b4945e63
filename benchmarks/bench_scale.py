"""How `conformance check` grows with the project: 1,000 / 5,000 / 20,000 tasks.

Not a test: run ``python benchmarks/bench_scale.py [--sizes 1000 5000 20000] [--runs 5]``.
Each size is a generated project (tasks in modules of 50, a doc page per module with a
table of its tasks, routes by exact name, glob and regex, a beat entry per 20 tasks, and
drift in proportion: a renamed task, a wrong time limit and a missing task per module).
Every figure is the median of ``--runs`` fresh interpreters (``python -m conformance
check``), beside its floor (a fresh interpreter that parses the same pages with
markdown-it-py and loads the package with griffe), with peak memory (max RSS of the
child) and the growth factor per 4x size. ``--cache`` also times a warm re-run after one
page changed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PER_MODULE = 50

FLOOR = """
import sys
from pathlib import Path
import griffe
from markdown_it import MarkdownIt
root = Path(sys.argv[1])
parser = MarkdownIt("commonmark").enable("table")
for page in sorted((root / "docs").rglob("*.md")):
    parser.parse(page.read_text(encoding="utf-8"))
griffe.load(sys.argv[2], search_paths=[root], allow_inspection=False)
"""
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"


def generate(root: Path, tasks: int) -> None:
    """A project of ``tasks`` tasks (see the module docstring)."""
    package = root / "scaleapp"
    (package / "jobs").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "jobs" / "__init__.py").write_text("")
    modules = max(1, tasks // PER_MODULE)
    includes = [f"scaleapp.jobs.mod{m:04d}" for m in range(modules)]
    routes = {f"scaleapp.jobs.mod{m:04d}.task_000": {"queue": f"q{m % 10}"} for m in range(modules)}
    routes["scaleapp.jobs.mod0001.*"] = {"queue": "globbed"}
    beat = {
        f"beat-{m:04d}": {"task": f"scaleapp.jobs.mod{m:04d}.task_001", "schedule": 3600.0}
        for m in range(0, modules, max(1, modules // max(1, tasks // 20)))
    }
    (package / "worker.py").write_text(
        "import re\nfrom celery import Celery\n\n"
        f"app = Celery('scaleapp', broker='memory://', include={includes!r})\n"
        "app.conf.task_default_queue = 'default'\n"
        f"app.conf.task_routes = [{routes!r}, {{re.compile(r'scaleapp\\.jobs\\.mod0002\\..*'): "
        "{'queue': 'regexed'}}]\n"
        f"app.conf.beat_schedule = {beat!r}\n"
    )
    docs = root / "docs"
    docs.mkdir()
    for m in range(modules):
        lines = ["from scaleapp.worker import app\n"]
        rows = []
        for t in range(PER_MODULE):
            name = f"scaleapp.jobs.mod{m:04d}.task_{t:03d}"
            lines.append(
                f"\n\n@app.task(max_retries={t % 5}, time_limit={60 + t})\n"
                f"def task_{t:03d}(item_id: int) -> int:\n    return item_id + {t}\n"
            )
            documented = name
            limit = 60 + t
            if t == 10:
                documented = f"scaleapp.jobs.mod{m:04d}.task_ten"  # renamed in the docs
            if t == 11:
                limit += 1  # a wrong time limit
            rows.append(f"| `{documented}` | {limit} | {t % 5} |")
        rows.append(f"| `scaleapp.jobs.mod{m:04d}.task_gone` | 60 | 0 |")  # missing
        (package / "jobs" / f"mod{m:04d}.py").write_text("".join(lines))
        (docs / f"mod{m:04d}.md").write_text(
            f"# Jobs of module {m}\n\nThese Celery tasks run in the background.\n\n"
            "| Task | Time limit | Retries |\n| --- | --- | --- |\n" + "\n".join(rows) + "\n"
        )
    (root / "pyproject.toml").write_text(
        '[tool.conformance]\napp = "scaleapp.worker:app"\ndocs = ["docs/*.md"]\nmode = "static"\n'
    )


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """Seconds and the child's peak RSS in MiB (RUSAGE_CHILDREN is the max over children,
    so each measurement runs in a fresh grandchild through a wrapper)."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=False, stdout=subprocess.DEVNULL)\n"
        "took = time.perf_counter() - start\n"
        "print(took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    seconds, peak = done.stdout.split()
    return float(seconds), float(peak)


def median_of(runs: int, args: list[str], cwd: Path) -> tuple[float, float]:
    results = [timed(args, cwd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    check = [sys.executable, "-m", "conformance", "check"]
    static = [*check, "--mode", "static"]
    runs = args.runs
    print(
        f"{'project':>12} {'check s':>8} {'floor s':>8} {'ratio':>6} {'peak MiB':>9} {'growth':>7}"
    )
    seconds, peak = median_of(runs, static, EXAMPLE)
    floor, _ = median_of(runs, [sys.executable, "-c", FLOOR, str(EXAMPLE), "app"], EXAMPLE)
    print(f"{'example':>12} {seconds:8.2f} {floor:8.2f} {seconds / floor:6.2f} {peak:9.0f}")
    previous: tuple[int, float] | None = None
    extra: list[str] = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            generate(root, size)
            # Warm the bytecode cache of our own modules and the libraries first.
            subprocess.run(static, cwd=root, capture_output=True, check=False)
            seconds, peak = median_of(runs, static, root)
            floor, _ = median_of(runs, [sys.executable, "-c", FLOOR, str(root), "scaleapp"], root)
            if size == args.sizes[0]:
                live, _ = median_of(runs, [*check, "--mode", "live"], root)
                bare, _ = median_of(runs, [sys.executable, "-c", "import scaleapp.worker"], root)
                extra.append(
                    f"live, {size} tasks: {live:.2f} s, bare import {bare:.2f} s, "
                    f"ratio {live / bare:.2f}"
                )
            warm = _warm_after_one_page(root, static, runs)
            extra.append(
                f"cache, {size} tasks, one page changed: {warm:.2f} s = "
                f"{warm / seconds:.2f}x the run without the cache"
            )
        growth = ""
        if previous is not None:
            factor = (seconds / previous[1]) / (size / previous[0]) * 4
            growth = f"{factor:.2f}"
        label = f"{size} tasks"
        ratio = seconds / floor
        print(f"{label:>12} {seconds:8.2f} {floor:8.2f} {ratio:6.2f} {peak:9.0f} {growth:>7}")
        previous = (size, seconds)
    print("growth: time per 4x the tasks (4.0 is linear)")
    for line in extra:
        print(line)
    return 0


def _warm_after_one_page(root: Path, static: list[str], runs: int) -> float:
    """A cached run after one page changed (the cache filled by a run before the edit)."""
    cached = [*static, "--cache"]
    subprocess.run(cached, cwd=root, capture_output=True, check=False)
    times = []
    page = sorted((root / "docs").glob("*.md"))[0]
    for run in range(runs):
        page.write_text(page.read_text() + f"\nEdited {run}.\n")
        times.append(timed(cached, root)[0])
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
