"""Time docs extraction alone (Markdown → documented spec) on three page sets.

Not a test: run ``python benchmarks/bench_extract.py``. Prints the best of ``--repeat``
runs of :func:`conformance.extract.extract_docs` over:

- ``tables``: the 200 generated pages of ``bench_check.py`` (a task table each);
- ``prose``: 200 copies of the prose twin page (sentences, lists and tables only);
- ``--pages DIR``: any folder of Markdown (e.g. a project's ``docs/``), if given.

To compare two versions, run the same script with ``PYTHONPATH`` pointing at the other
checkout (the script's own generator is used for both).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from conformance.extract import extract_docs

HERE = Path(__file__).resolve().parent
PROSE_PAGE = HERE.parent / "tests" / "fixtures" / "prose_twin" / "drifting.md"


def best_of(pages: list[Path], root: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        extract_docs(pages, root)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pages", type=Path, help="also time this folder of Markdown")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from bench_check import generate

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root / "gen")
        sets = {"tables": sorted((root / "gen" / "docs").glob("*.md"))}
        prose = root / "prose"
        prose.mkdir()
        for number in range(200):
            shutil.copy(PROSE_PAGE, prose / f"page{number:03d}.md")
        sets["prose"] = sorted(prose.glob("*.md"))
        if args.pages is not None:
            sets[str(args.pages)] = sorted(args.pages.rglob("*.md"))
        for name, pages in sets.items():
            seconds = best_of(pages, root, args.repeat)
            print(f"{name:>12}: {len(pages):4d} pages  {seconds * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
