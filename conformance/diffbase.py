"""``--diff-base REV``: report only drift introduced since a git revision.

The check runs again on a copy of the project as it was at REV (``git archive``, which
only reads the repository: a read-only checkout works), with the same configuration and
mode; findings whose fingerprint was already there are dropped. Fingerprints ignore line
numbers, so moved lines do not count as new drift.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
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
    relative = config.root.resolve().relative_to(toplevel.resolve()).as_posix()
    tmp = Path(tempfile.mkdtemp(prefix="conformance-base-"))
    try:
        _export(toplevel, rev, relative, tmp)
        base = _run_at(config, tmp / relative)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if base is None:
        return current
    known = {f.fingerprint for f in base.findings} | {f.fingerprint for f in base.waived}
    new = tuple(f for f in current.findings if f.fingerprint not in known)
    old = tuple(f for f in current.findings if f.fingerprint in known)
    return replace(current, findings=new, waived=current.waived + old)


def _export(toplevel: Path, rev: str, relative: str, into: Path) -> None:
    """The project folder as it was at ``rev``, written under ``into``."""
    try:
        archived = subprocess.run(
            ["git", "archive", "--format=tar", rev, "--", relative],
            cwd=toplevel,
            capture_output=True,
            check=False,
            timeout=300,
        )
    except FileNotFoundError:
        raise ConformanceError("--diff-base needs git, which is not installed") from None
    if archived.returncode != 0:
        if b"did not match any files" in archived.stderr:
            return  # The project folder did not exist at REV: everything is new.
        last = archived.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise ConformanceError(f"--diff-base: cannot read `{rev}`: {' '.join(last)}")
    with tarfile.open(fileobj=io.BytesIO(archived.stdout)) as tar:
        tar.extractall(into, filter="data")


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
        apps=config.apps,
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
