"""How `conformance check` grows with the project: 1,000 / 5,000 / 20,000 tasks.

Not a test: run ``python benchmarks/bench_scale.py [--sizes 1000 5000 20000] [--runs 5]``.
Each size is a generated project (tasks in modules of 50, a doc page per module with a
table of its tasks, routes by exact name, glob and regex, a beat entry per 20 tasks, and
drift in proportion: a renamed task, a wrong time limit and a missing task per module).
Every figure is the median of ``--runs`` fresh interpreters (``python -m conformance
check``), each run in turn with its floor (a fresh interpreter that parses the same
pages with markdown-it-py and loads the package with griffe), with peak memory (max RSS
of the child) and the growth factor per 4x size: of the time itself, and of the time
with the floor's own growth taken out (a machine whose speed drifts between sizes moves
the first, not the second). Also: live mode against importing the app with its task
modules, and a cached re-run after one page changed against the run without the cache.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
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
# The live floor, as the issue measured it: import the app, load its task modules (what a
# worker does at start) and finalize it.
LIVE_FLOOR = "import scaleapp.worker as m; m.app.loader.import_default_modules(); m.app.finalize()"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"


def warm(args: list[str], cwd: Path) -> None:
    """Run once with bytecode writing allowed, so every measured run reads cached bytecode
    (our modules, the libraries' and the project's) even where the shell sets
    PYTHONDONTWRITEBYTECODE."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(args, cwd=cwd, env=env, capture_output=True, check=False)


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


@dataclass(frozen=True)
class Paired:
    """A command timed against its floor, run after run in turn (ABAB), so that a
    machine that speeds up or slows down during the benchmark moves both alike."""

    seconds: float  # median
    floor: float  # median
    ratio: float  # median of the per-run ratios
    spread: tuple[float, float]  # lowest and highest per-run ratio
    peak: float  # the command's peak RSS, MiB


def paired(
    runs: int,
    args: list[str],
    floor: list[str],
    cwd: Path,
    before_each: Callable[[int], None] | None = None,
) -> Paired:
    ours, theirs, ratios, peak = [], [], [], 0.0
    for run in range(runs):
        if before_each is not None:
            before_each(run)
        seconds, rss = timed(args, cwd)
        base, _ = timed(floor, cwd)
        ours.append(seconds)
        theirs.append(base)
        ratios.append(seconds / base)
        peak = max(peak, rss)
    return Paired(
        statistics.median(ours),
        statistics.median(theirs),
        statistics.median(ratios),
        (min(ratios), max(ratios)),
        peak,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    check = [sys.executable, "-m", "conformance", "check"]
    static = [*check, "--mode", "static"]
    runs = args.runs
    print(
        f"{'project':>12} {'check s':>8} {'floor s':>8} {'ratio':>6} {'range':>11} "
        f"{'peak MiB':>9} {'growth':>7} {'vs floor':>8}"
    )
    example_floor = [sys.executable, "-c", FLOOR, str(EXAMPLE), "app"]
    warm(static, EXAMPLE)
    warm(example_floor, EXAMPLE)
    print(_row("example", paired(runs, static, example_floor, EXAMPLE), ""))
    previous: tuple[int, Paired] | None = None
    extra: list[str] = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            generate(root, size)
            scale_floor = [sys.executable, "-c", FLOOR, str(root), "scaleapp"]
            warm(static, root)
            warm(scale_floor, root)
            measured = paired(runs, static, scale_floor, root)
            if size == args.sizes[0]:
                live_check = [*check, "--mode", "live"]
                live_floor = [sys.executable, "-c", LIVE_FLOOR]
                module_only = [sys.executable, "-c", "import scaleapp.worker"]
                for command in (live_check, live_floor, module_only):
                    warm(command, root)
                live = paired(runs, live_check, live_floor, root)
                alone = paired(runs, live_check, module_only, root)
                extra.append(
                    f"live, {size} tasks: {live.seconds:.2f} s; import + task modules + "
                    f"finalize {live.floor:.2f} s: ratio {live.ratio:.2f} "
                    f"({live.spread[0]:.2f}-{live.spread[1]:.2f}); the app module alone "
                    f"{alone.floor:.2f} s: ratio {alone.ratio:.2f}"
                )
            cached = _warm_after_one_page(root, static, runs)
            extra.append(
                f"cache, {size} tasks, one page changed: {cached.seconds:.2f} s = "
                f"{cached.ratio:.2f}x ({cached.spread[0]:.2f}-{cached.spread[1]:.2f}) "
                f"the run without the cache ({cached.floor:.2f} s)"
            )
        growth = ""
        if previous is not None:
            per_4x = 4 / (size / previous[0])
            factor = measured.seconds / previous[1].seconds * per_4x
            steady = measured.ratio / previous[1].ratio * 4  # the floor taken as linear
            growth = f"{factor:7.2f} {steady:8.2f}"
        print(_row(f"{size} tasks", measured, growth))
        previous = (size, measured)
    print("ratio: median of the per-run ratios (each run beside its floor, in turn); range:")
    print("the lowest and highest of them; growth: time per 4x the tasks (4.0 is linear);")
    print("vs floor: the same with the floor's growth taken out (the ratio's growth x 4)")
    for line in extra:
        print(line)
    return 0


def _row(label: str, measured: Paired, growth: str) -> str:
    spread = f"{measured.spread[0]:.2f}-{measured.spread[1]:.2f}"
    return (
        f"{label:>12} {measured.seconds:8.2f} {measured.floor:8.2f} {measured.ratio:6.2f} "
        f"{spread:>11} {measured.peak:9.0f} {growth}"
    )


def _warm_after_one_page(root: Path, static: list[str], runs: int) -> Paired:
    """A cached run after one page changed (the cache filled by a run before the edit),
    each beside a run without the cache."""
    cached = [*static, "--cache"]
    subprocess.run(cached, cwd=root, capture_output=True, check=False)
    page = sorted((root / "docs").glob("*.md"))[0]

    def edit(run: int) -> None:
        page.write_text(page.read_text() + f"\nEdited {run}.\n")

    return paired(runs, cached, static, root, before_each=edit)


if __name__ == "__main__":
    sys.exit(main())
