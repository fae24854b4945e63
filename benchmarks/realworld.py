"""Score ``conformance`` on real public repositories against hand-written ground truth.

Not a test: run ``python benchmarks/realworld.py --snapshots DIR [NAME...]``. Each case in
``benchmarks/corpus/*.yaml`` (format: ``benchmarks/corpus/README.md``) names a repository
and a commit; its snapshot is a git directory under DIR (``DIR/<owner>+<name>/repo``, as the
``fetch`` tool lays them out, or ``DIR/<owner>+<name>``, ``DIR/<name>``; bare or with a
``.git`` folder). The runner exports that commit into a temp dir, writes the case's
configuration next to it, runs ``conformance check --format json`` in a child process and
scores the findings:

- recall: must-find items matched by an error or warning finding;
- false positives: error and warning findings that match no item of the case, or that
  match a must-not-flag item;
- crashes: exit status 2, a traceback, or output that is not the JSON report;
- seconds: wall time of the check.

One line per repository and a total; ``--verbose`` lists every finding with what it
matched and every must-find item that was missed. ``--json FILE`` writes the numbers.
CI does not run this (it needs the snapshots); ``tests/test_realworld_scoring.py`` tests
the scoring and the runner on a repository made in a temp dir.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CORPUS = Path(__file__).resolve().parent / "corpus"
COUNTED = ("error", "warning")  # info findings are never scored
CONFIG_NAME = "conformance-corpus.toml"


# -- the case files ---------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One ground-truth line: a rule (id or family), a subject, where, and why."""

    rule: str
    subject: str
    doc: str | None = None
    code: str | None = None
    reason: str = ""

    @property
    def family(self) -> str:
        return family(self.rule)


@dataclass(frozen=True)
class Case:
    name: str
    repo: str
    commit: str
    config: Mapping[str, Any]
    must_find: tuple[Item, ...] = ()
    may_find: tuple[Item, ...] = ()
    must_not_flag: tuple[Item, ...] = ()
    control: bool = False
    path: Path | None = None


class CaseError(Exception):
    """A case file that cannot be used: one line, ``path: what is wrong``."""


def load_case(path: Path) -> Case:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CaseError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise CaseError(f"{path}: a case is a mapping")
    for key in ("repo", "commit", "config"):
        if key not in data:
            raise CaseError(f"{path}: missing `{key}`")
    if not isinstance(data["config"], dict):
        raise CaseError(f"{path}: `config` must be a mapping")

    def items(key: str) -> tuple[Item, ...]:
        raw = data.get(key) or []
        if not isinstance(raw, list):
            raise CaseError(f"{path}: `{key}` must be a list")
        out = []
        for n, entry in enumerate(raw, 1):
            if not isinstance(entry, dict) or "rule" not in entry or "subject" not in entry:
                raise CaseError(f"{path}: {key}[{n}] needs `rule` and `subject`")
            out.append(
                Item(
                    rule=str(entry["rule"]),
                    subject=str(entry["subject"]),
                    doc=entry.get("doc"),
                    code=entry.get("code"),
                    reason=str(entry.get("reason", "")),
                )
            )
        return tuple(out)

    return Case(
        name=str(data.get("name") or path.stem),
        repo=str(data["repo"]),
        commit=str(data["commit"]),
        config=data["config"],
        must_find=items("must_find"),
        may_find=items("may_find"),
        must_not_flag=items("must_not_flag"),
        control=bool(data.get("control", False)),
        path=path,
    )


def load_corpus(folder: Path = CORPUS, names: Sequence[str] = ()) -> list[Case]:
    cases = [load_case(p) for p in sorted(folder.glob("*.yaml"))]
    if names:
        known = {c.name for c in cases}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise CaseError(f"no case named {', '.join(unknown)} in {folder}")
        cases = [c for c in cases if c.name in names]
    return cases


# -- matching ---------------------------------------------------------------------------


def family(rule: str) -> str:
    """``task.renamed`` → ``task``; a family alone stays itself."""
    return rule.partition(".")[0].strip().lower()


def normalise(name: str) -> str:
    """How a subject is compared: case, backticks, a call's ``()`` and ``module:attr``
    spelling do not matter."""
    text = name.strip().strip("`").strip()
    if text.endswith("()"):
        text = text[:-2]
    return text.replace(":", ".").lower()


def same_subject(expected: str, found: str) -> bool:
    """``expected`` (ground truth, may be a glob) names ``found`` (a finding's subject).

    A dotted name matches the bare last part (``a.tasks.run`` ~ ``run``); two dotted
    names must be equal, since ``a.tasks.run`` and ``b.tasks.run`` are different tasks.
    """
    want, got = normalise(expected), normalise(found)
    if not want or not got:
        return False
    if any(ch in want for ch in "*?["):
        return fnmatch.fnmatchcase(got, want)
    if want == got:
        return True
    if "." in want and "." in got:
        return False
    return want.rpartition(".")[2] == got.rpartition(".")[2]


def matches(item: Item, finding: Mapping[str, Any], exact: bool = False) -> bool:
    """``item`` names ``finding``: same rule family (or, with ``exact`` and a full rule id
    in the item, the same rule) and the same subject."""
    rule = str(finding.get("rule", ""))
    if family(rule) != item.family:
        return False
    if exact and "." in item.rule and item.rule != rule:
        return False
    # A full rule id in the ground truth still matches its whole family: whether a
    # drifted task is "missing" or "renamed" is the tool's call, not the reviewer's.
    names = [finding.get("subject")]
    if rule.endswith((".renamed", ".qualified-name")):
        # Both sides are names of the same item: the ground truth may use either.
        names += [finding.get("documented"), finding.get("actual")]
    return any(isinstance(n, str) and same_subject(item.subject, n) for n in names)


# -- scoring ----------------------------------------------------------------------------


@dataclass
class Score:
    name: str
    must_find: int = 0
    found: int = 0
    repo: str = ""
    # The same, for must-find items with a docs side only (doc drift, not code drift).
    doc_must_find: int = 0
    doc_found: int = 0
    false_positives: int = 0
    crashed: bool = False
    seconds: float = 0.0
    error: str = ""
    control: bool = False
    lines: list[str] = field(default_factory=list)  # --verbose detail

    @property
    def recall(self) -> float | None:
        return self.found / self.must_find if self.must_find else None


def score(case: Case, report: Mapping[str, Any]) -> Score:
    """Match a JSON report's findings against the case's three lists."""
    result = Score(
        name=case.name, must_find=len(case.must_find), control=case.control, repo=case.repo
    )
    findings = [
        f
        for f in report.get("findings", [])
        if isinstance(f, Mapping) and f.get("severity") in COUNTED
    ]
    hit = [False] * len(case.must_find)
    for finding in findings:
        label = f"{finding.get('severity')} {finding.get('rule')} {finding.get('subject')}"
        where = _where(finding)
        # A must-not-flag item with a full rule id forbids that rule only: "this beat
        # entry's task exists" (schedule.unknown-task) says nothing of schedule.undocumented.
        bad = next((i for i in case.must_not_flag if matches(i, finding, exact=True)), None)
        if bad is not None:
            result.false_positives += 1
            result.lines.append(f"  FALSE ALARM  {label}{where}  (must not flag: {bad.reason})")
            continue
        good = [n for n, item in enumerate(case.must_find) if matches(item, finding)]
        if good:
            for n in good:
                hit[n] = True
            result.lines.append(f"  found        {label}{where}")
            continue
        if any(matches(i, finding) for i in case.may_find):
            result.lines.append(f"  may find     {label}{where}")
            continue
        result.false_positives += 1
        result.lines.append(f"  UNEXPECTED   {label}{where}")
    result.found = sum(hit)
    result.doc_must_find = sum(1 for item in case.must_find if item.doc)
    result.doc_found = sum(1 for item, h in zip(case.must_find, hit, strict=True) if item.doc and h)
    for item, was_hit in zip(case.must_find, hit, strict=True):
        if not was_hit:
            result.lines.append(
                f"  MISSED       {item.rule} {item.subject}  doc {item.doc} code {item.code}"
            )
    return result


def _where(finding: Mapping[str, Any]) -> str:
    parts = []
    for side in ("doc", "code"):
        loc = finding.get(side)
        if isinstance(loc, Mapping) and loc.get("path"):
            parts.append(f"{side} {loc['path']}:{loc.get('line')}")
    return f"  [{', '.join(parts)}]" if parts else ""


# -- running ----------------------------------------------------------------------------


def snapshot_dir(snapshots: Path, repo: str) -> Path | None:
    """The git directory of ``repo`` under ``snapshots``, in any of the usual layouts."""
    owner_name = repo.replace("/", "+")
    for base in (
        snapshots / owner_name / "repo",
        snapshots / owner_name,
        snapshots / repo.split("/")[-1],
    ):
        for candidate in (base / ".git", base):
            if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
                return candidate
    return None


def export(git_dir: Path, commit: str, into: Path) -> list[str]:
    """Write the tree of ``commit`` into ``into`` (no work tree, no ``.git`` touched).

    Snapshots may lack some blobs (files of 4 MiB and more, LFS content); ``git archive``
    refuses such a tree, so the files are then written one by one and the missing ones
    returned (they are binaries in practice, never what the check reads).
    """
    archive = subprocess.run(
        ["git", f"--git-dir={git_dir}", "archive", "--format=tar", commit],
        capture_output=True,
        check=False,
    )
    if archive.returncode == 0:
        with tempfile.TemporaryFile() as buffer:
            buffer.write(archive.stdout)
            buffer.seek(0)
            with tarfile.open(fileobj=buffer) as tar:
                tar.extractall(into, filter="data")
        return []
    return _export_blob_by_blob(git_dir, commit, into, archive.stderr.decode().strip())


def _export_blob_by_blob(git_dir: Path, commit: str, into: Path, why: str) -> list[str]:
    listing = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", commit],
        capture_output=True,
        check=False,
    )
    if listing.returncode != 0:
        raise CaseError(f"{git_dir}: cannot export {commit}: {why}")
    entries = []
    for record in listing.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode != b"120000":  # symlinks are left out
            entries.append((sha.decode(), name.decode("utf-8", "surrogateescape")))
    batch = subprocess.run(
        ["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
        input=b"".join(sha.encode() + b"\n" for sha, _ in entries),
        capture_output=True,
        check=False,
    )
    out, pos, missing = batch.stdout, 0, []
    root = into.resolve()
    for _sha, name in entries:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            missing.append(name)
            continue
        size = int(header[2])
        data, pos = out[pos : pos + size], pos + size + 1
        target = (root / name).resolve()
        if root not in target.parents:
            continue  # a path that would leave the export folder
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return missing


def toml_config(config: Mapping[str, Any]) -> str:
    """The case's configuration as a ``conformance.toml`` (keys at the top level)."""
    lines, tables = [], []
    for key, value in config.items():
        if isinstance(value, Mapping):
            tables.append(f"\n[{key}]")
            tables.extend(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items())
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines + tables) + "\n"


def _crashed(case: Case, error: str, seconds: float = 0.0) -> Score:
    return Score(
        name=case.name,
        repo=case.repo,
        must_find=len(case.must_find),
        doc_must_find=sum(1 for item in case.must_find if item.doc),
        crashed=True,
        seconds=seconds,
        error=error,
        control=case.control,
    )


def run_case(case: Case, snapshots: Path, command: Sequence[str]) -> Score:
    git_dir = snapshot_dir(snapshots, case.repo)
    if git_dir is None:
        return _crashed(case, f"no snapshot of {case.repo} under {snapshots}")
    with tempfile.TemporaryDirectory(prefix=f"corpus-{case.name}-") as tmp:
        root = Path(tmp)
        try:
            export(git_dir, case.commit, root)  # missing blobs: binaries, not read
        except CaseError as exc:
            return _crashed(case, str(exc))
        config = {"mode": "static", **case.config}
        (root / CONFIG_NAME).write_text(toml_config(config), encoding="utf-8")
        argv = [
            *command,
            "check",
            "--config",
            str(root / CONFIG_NAME),
            "--format",
            "json",
            "--fail-on",
            "never",
        ]
        started = time.perf_counter()
        proc = subprocess.run(
            argv,
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        seconds = time.perf_counter() - started
    return score_run(case, proc.returncode, proc.stdout, proc.stderr, seconds)


def score_run(case: Case, status: int, stdout: str, stderr: str, seconds: float) -> Score:
    """Score one finished run, or record it as a crash."""
    crash = ""
    if status == 2:
        crash = f"exit 2: {stderr.strip().splitlines()[-1] if stderr.strip() else '(no message)'}"
    elif "Traceback (most recent call last)" in stderr:
        crash = "traceback: " + stderr.strip().splitlines()[-1]
    report: Any = None
    if not crash:
        try:
            report = json.loads(stdout)
        except json.JSONDecodeError:
            crash = f"exit {status}: output is not a JSON report"
        if not isinstance(report, dict) and not crash:
            crash = "output is not a JSON report"
    if crash:
        return _crashed(case, crash, seconds)
    result = score(case, report)
    result.seconds = seconds
    return result


# -- output -----------------------------------------------------------------------------


def _ratio(found: int, total: int) -> str:
    return f"{found / total:.0%}" if total else "-"


def table(scores: Iterable[Score]) -> str:
    """One line per case and a total. ``docs`` counts the must-find items that have a
    docs side (doc drift); the rest is drift the implementation shows against itself."""
    scores = list(scores)
    head = (
        f"{'case':<30} {'must-find':>9} {'recall':>7} {'docs':>7} {'false+':>6}"
        f" {'crash':>5} {'seconds':>8}"
    )
    rows = [head, "-" * len(head)]
    for s in scores:
        name = s.name + (" (control)" if s.control else "")
        rows.append(
            f"{name:<30} {f'{s.found}/{s.must_find}':>9} {_ratio(s.found, s.must_find):>7}"
            f" {f'{s.doc_found}/{s.doc_must_find}':>7} {s.false_positives:>6}"
            f" {'yes' if s.crashed else 'no':>5} {s.seconds:>8.2f}"
            + (f"  {s.error}" if s.error else "")
        )
    t = summary(scores)["total"]
    rows.append("-" * len(head))
    found = f"{t['found']}/{t['must_find']}"
    doc_found = f"{t['doc_found']}/{t['doc_must_find']}"
    rows.append(
        f"{'total':<30} {found:>9} {_ratio(t['found'], t['must_find']):>7} {doc_found:>7}"
        f" {t['false_positives']:>6} {t['crashes']:>5} {t['seconds']:>8.2f}"
    )
    if scores:
        rows.append(
            f"{t['repositories']} repositories, {len(scores)} cases; false positives per "
            f"repository: {t['false_positives_per_repo']:.1f}; recall on doc drift "
            f"{_ratio(t['doc_found'], t['doc_must_find'])}"
        )
    return "\n".join(rows)


def summary(scores: Sequence[Score]) -> dict[str, Any]:
    total_must = sum(s.must_find for s in scores)
    total_found = sum(s.found for s in scores)
    repositories = len({s.repo or s.name for s in scores})
    false_positives = sum(s.false_positives for s in scores)
    return {
        "repositories": [
            {
                "name": s.name,
                "repo": s.repo,
                "must_find": s.must_find,
                "found": s.found,
                "doc_must_find": s.doc_must_find,
                "doc_found": s.doc_found,
                "false_positives": s.false_positives,
                "crashed": s.crashed,
                "seconds": round(s.seconds, 3),
                "error": s.error,
                "control": s.control,
            }
            for s in scores
        ],
        "total": {
            "repositories": repositories,
            "cases": len(scores),
            "must_find": total_must,
            "found": total_found,
            "recall": round(total_found / total_must, 4) if total_must else None,
            "doc_must_find": sum(s.doc_must_find for s in scores),
            "doc_found": sum(s.doc_found for s in scores),
            "false_positives": false_positives,
            # Per repository, as the targets are set: several cases of one repository
            # (older commits) share its count.
            "false_positives_per_repo": round(false_positives / repositories, 2)
            if repositories
            else None,
            "crashes": sum(s.crashed for s in scores),
            "seconds": round(sum(s.seconds for s in scores), 3),
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="cases to run (default: all)")
    parser.add_argument(
        "--snapshots",
        required=True,
        type=Path,
        help="folder holding the repositories' git directories",
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of case files")
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="list every finding with what it matched"
    )
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    try:
        cases = load_corpus(args.corpus, args.names)
    except CaseError as exc:
        print(exc, file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "conformance"]
    scores = []
    for case in cases:
        result = run_case(case, args.snapshots, command)
        scores.append(result)
        if args.verbose:
            print(f"{case.name} ({case.repo} @ {case.commit[:12]})")
            print("\n".join(result.lines) or "  (no error or warning findings)")
            if result.error:
                print(f"  CRASH        {result.error}")
    print(table(scores))
    if args.json:
        args.json.write_text(json.dumps(summary(scores), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
