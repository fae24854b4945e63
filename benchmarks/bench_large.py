"""Large inputs through the readers: time, peak memory and time per MB at two sizes.

Run: ``python benchmarks/bench_large.py [--scale 1.0] [--check] [CASE...]``. Each case is
built at size ``n`` and ``n / 4``; the ratio of time per MB between the two shows
linearity (1.0 is perfectly linear, 4.0 would be quadratic). "vs parser" is our time over
the time the plain parsers alone take on the same input (markdown-it with ``ast.parse`` of
the Python blocks for pages, PyYAML's C loader for spec files): the target is 3x or less.
Peak memory is the child's max RSS (``resource.getrusage``), measured in a fresh process
per case so cases don't mask each other. ``--check`` additionally runs ``conformance
check --mode static`` on a copy of the example with the 50 MB page added.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"
PAGE = EXAMPLE / "docs" / "03-backend" / "services" / "background-tasks.md"


def dense_page(megabytes: float) -> str:
    """The example's page repeated: tables, prose, code blocks, as real docs mix them."""
    page = PAGE.read_text()
    return "\n\n".join([page] * max(1, int(megabytes * 1e6 / len(page))))


def table_rows(rows: int) -> str:
    lines = ["| Task | Queue | Time limit | Retries |", "| --- | --- | --- | --- |"]
    lines += [f"| `tasks.t_{i}` | `q{i % 7}` | {i % 900} | {i % 5} |" for i in range(rows)]
    return "# Tasks\n\n" + "\n".join(lines) + "\n"


def code_block(lines: int) -> str:
    body = "\n".join(
        f"@app.task(name='tasks.c_{i}', max_retries={i % 5})\ndef c_{i}(x):\n    return x\n"
        for i in range(lines // 4)
    )
    return "# Tasks\n\n```python\nfrom proj import app\n\n" + body + "\n```\n"


def spec_file(tasks: int) -> str:
    """A hand-written spec file (YAML) with ``tasks`` tasks, about 95 bytes each."""
    lines = ["version: 1", "tasks:"]
    for i in range(tasks):
        lines += [
            f"  - name: tasks.t_{i}",
            f"    queue: q{i % 7}",
            "    options:",
            f"      max_retries: {i % 5}",
            f"      time_limit: {i % 900 + 1}",
        ]
    return "\n".join(lines) + "\n"


def nested_list(depth: int) -> str:
    return "# Tasks\n\n" + "".join("  " * i + f"- `tasks.n_{i}` item\n" for i in range(depth))


def long_lines(length: int) -> str:
    line = "The `tasks.long` task runs every hour on the `q` queue. " * (length // 57)
    return "# Tasks\n\n" + "\n\n".join([line] * 10) + "\n"


CASES: dict[str, tuple[Callable[[int], str], int]] = {
    # builder, full size (its argument) at --scale 1
    "dense 50 MB page": (lambda n: dense_page(n), 50),
    "table 100,000 rows": (table_rows, 100_000),
    "code block 25,000 tasks": (code_block, 100_000),
    "nested list 1,000 levels": (nested_list, 1_000),
    "ten 1 MB lines": (long_lines, 1_000_000),
    "spec file 250,000 tasks": (spec_file, 250_000),
}
SPEC_CASES = frozenset({"spec file 250,000 tasks"})


def measure_in_child(case: str, size: int) -> dict[str, float]:
    """Build and read one input in a fresh interpreter; its time, peak RSS and the time
    the plain parsers take on it (measured after ours, so ours is not helped by a warm
    cache of theirs)."""
    code = (
        "import ast, json, re, resource, sys, time\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import bench_large as b\n"
        "text = b.CASES[sys.argv[2]][0](int(sys.argv[3]))\n"
        "spec = sys.argv[2] in b.SPEC_CASES\n"
        "from conformance.specio import load_spec_text\n"
        "from conformance.extract import extract_text\n"
        "extract_text('# Warm-up\\n\\n| Task | Queue |\\n| --- | --- |\\n', 'w.md')\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "start = time.perf_counter()\n"
        "if spec:\n"
        "    found = load_spec_text(text, 'specs/big.yaml')\n"
        "    items, notices = sum(1 for _ in found.items()), 0\n"
        "else:\n"
        "    found = extract_text(text, 'docs/big.md')\n"
        "    items = sum(1 for _ in found.spec.items())\n"
        "    notices = len(found.notices)\n"
        "seconds = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "del found\n"
        "start = time.perf_counter()\n"
        "if spec:\n"
        "    import yaml\n"
        "    yaml.load(text, Loader=yaml.CSafeLoader)\n"
        "else:\n"
        "    from markdown_it import MarkdownIt\n"
        "    parser = MarkdownIt('commonmark', {'maxNesting': 100}).enable('table')\n"
        "    for token in parser.parse(text):\n"
        "        if token.type == 'fence' and token.info.strip() == 'python':\n"
        "            try:\n"
        "                ast.parse(token.content)\n"
        "            except (SyntaxError, RecursionError, MemoryError):\n"
        "                pass\n"
        "baseline = time.perf_counter() - start\n"
        "print(json.dumps({'mb': len(text.encode()) / 1e6, 'seconds': seconds,\n"
        "                  'baseline': baseline, 'peak_mb': peak / 1024,\n"
        "                  'input_rss_mb': before / 1024, 'items': items,\n"
        "                  'notices': notices}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent), case, str(size)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def run_cases(scale: float, only: list[str]) -> None:
    print(
        f"{'case':<26} {'MB':>7} {'s':>7} {'s/MB':>6} {'peak MB':>8} {'items':>7} {'vs parser':>9}"
    )
    for case, (_build, full) in CASES.items():
        if only and not any(word.lower() in case.lower() for word in only):
            continue
        big = max(1, int(full * scale))
        small = max(1, big // 4)
        results = [measure_in_child(case, size) for size in (small, big)]
        per_mb = [r["seconds"] / max(r["mb"], 1e-9) for r in results]
        for r, rate in zip(results, per_mb, strict=True):
            versus = r["seconds"] / max(r["baseline"], 1e-9)
            print(
                f"{case:<26} {r['mb']:7.2f} {r['seconds']:7.2f} {rate:6.2f} "
                f"{r['peak_mb']:8.0f} {int(r['items']):7d} {versus:8.1f}x"
            )
        print(f"{'':<26} time per MB, large / small: {per_mb[1] / per_mb[0]:.2f}")


def run_check(scale: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__"))
        (project / "docs" / "big.md").write_text(dense_page(50 * scale))
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "check", "--mode", "static", "--format", "json"],
            cwd=project,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            check=False,
        )
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"check with a {50 * scale:g} MB page: exit {done.returncode}, {seconds:.1f} s, "
            f"peak {peak:.0f} MB, stderr {done.stderr.strip()[:200]!r}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes")
    parser.add_argument("--check", action="store_true", help="also run the whole CLI check")
    parser.add_argument("cases", nargs="*", help="only the cases whose name contains a word")
    args = parser.parse_args()
    run_cases(args.scale, args.cases)
    if args.check:
        run_check(args.scale)


if __name__ == "__main__":
    main()
