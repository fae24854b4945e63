"""``--diff-base REV``: report only drift introduced since a git revision.

The check runs again on a temporary worktree of REV (same configuration, same mode);
findings whose fingerprint was already there are dropped. Fingerprints ignore line
numbers, so moved lines do not count as new drift.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from conformance.config import Config, load_config
from conformance.errors import ConformanceError
from conformance.findings import CheckResult


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
        )
    except FileNotFoundError:
        raise ConformanceError("--diff-base needs git, which is not installed") from None


def subtract_base(config: Config, rev: str, current: CheckResult) -> CheckResult:
    top = _git(["rev-parse", "--show-toplevel"], config.root)
    if top.returncode != 0:
        raise ConformanceError("--diff-base needs a git repository", str(config.root))
    toplevel = Path(top.stdout.strip())
    if _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], config.root).returncode != 0:
        raise ConformanceError(f"--diff-base: `{rev}` is not a git revision")
    tmp = Path(tempfile.mkdtemp(prefix="conformance-base-"))
    worktree = tmp / "base"
    try:
        added = _git(["worktree", "add", "--detach", "--quiet", str(worktree), rev], toplevel)
        if added.returncode != 0:
            raise ConformanceError(
                f"--diff-base: cannot check out `{rev}`: {added.stderr.strip().splitlines()[-1:]}"
            )
        base_root = worktree / config.root.resolve().relative_to(toplevel.resolve())
        base = _run_at(config, base_root)
    finally:
        _git(["worktree", "remove", "--force", str(worktree)], toplevel)
        shutil.rmtree(tmp, ignore_errors=True)
    if base is None:
        return current
    known = {f.fingerprint for f in base.findings} | {f.fingerprint for f in base.waived}
    new = tuple(f for f in current.findings if f.fingerprint not in known)
    old = tuple(f for f in current.findings if f.fingerprint in known)
    return replace(current, findings=new, waived=current.waived + old)


def _run_at(config: Config, root: Path) -> CheckResult | None:
    from conformance.pipeline import run_check

    if not root.is_dir():
        return None  # The project did not exist at REV: everything is new.
    source = root / config.source.name if config.source else None
    base_config = load_config(source, cwd=root) if source and source.is_file() else Config(root)
    base_config = replace(
        base_config,
        root=root,
        app=config.app,
        mode=config.mode,
        docs=config.docs,
        specs=config.specs,
        baseline="",
        rules=config.rules,
    )
    try:
        return run_check(base_config)
    except ConformanceError:
        return None  # The base could not be judged (no docs yet...): all drift is new.
