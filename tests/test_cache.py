"""The optional cache (`.conformance_cache/`): the same answers as without it, and never a
stale one: a changed, deleted or added file and a new tool version are all seen."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

from conformance.cache import Cache, encode
from conformance.config import load_config
from conformance.findings import CheckResult
from conformance.pipeline import run_check
from conformance.reports.json_report import report_object

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"
DOC = "docs/03-backend/services/background-tasks.md"


def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", "REPORT.md"))
    return root


def check(root: Path, *, cache: bool) -> CheckResult:
    return run_check(replace(load_config(cwd=root), mode="static", cache=cache))


def same(a: CheckResult, b: CheckResult) -> bool:
    return json.dumps(report_object(a)) == json.dumps(report_object(b))


def test_a_cached_run_answers_as_an_uncached_one(tmp_path: Path) -> None:
    root = project(tmp_path)
    plain = check(root, cache=False)
    first = check(root, cache=True)
    again = check(root, cache=True)
    assert same(plain, first) and same(plain, again)
    entries = list((root / ".conformance_cache").rglob("*.json"))
    assert {p.parent.name for p in entries} == {"pages", "static"}
    assert (root / ".conformance_cache" / ".gitignore").read_text().endswith("*\n")


def test_a_changed_page_is_read_again(tmp_path: Path) -> None:
    root = project(tmp_path)
    check(root, cache=True)
    page = root / DOC
    page.write_text(page.read_text().replace("`send_alert`", "`send_alarm`"))
    cached = check(root, cache=True)
    assert same(cached, check(root, cache=False))
    assert "send_alarm" in {f.subject for f in cached.findings}


def test_a_changed_or_deleted_source_file_is_analysed_again(tmp_path: Path) -> None:
    root = project(tmp_path)
    check(root, cache=True)
    tasks = root / "app" / "workers" / "cleanup.py"
    tasks.write_text(tasks.read_text().replace("monitor_disk_usage", "watch_disk_usage"))
    changed = check(root, cache=True)
    assert same(changed, check(root, cache=False))
    assert "app.workers.cleanup.watch_disk_usage" in {f.subject for f in changed.findings}
    (root / "app" / "monitoring.py").unlink()
    deleted = check(root, cache=True)
    assert same(deleted, check(root, cache=False))


def test_a_new_version_starts_a_new_cache(tmp_path: Path) -> None:
    cache = Cache(tmp_path, "1.0")
    cache.put("pages", "k", ("value",))
    assert cache.get("pages", "k") == ("value",)
    upgraded = Cache(tmp_path, "2.0")
    assert upgraded.get("pages", "k") is None
    upgraded.put("pages", "k", ("new",))
    # The old version's folder is gone once the new one is written.
    assert [p.name for p in (tmp_path / ".conformance_cache").iterdir() if p.is_dir()] == [
        upgraded.folder.name
    ]


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path, "1.0")
    cache.put("pages", "k", ("value",))
    (cache.folder / "pages" / "k.json").write_text('{"@": "os.system", "f": {}}')
    assert cache.get("pages", "k") is None
    (cache.folder / "pages" / "k.json").write_text("not json")
    assert cache.get("pages", "k") is None


def test_the_codec_round_trips_odd_dicts_and_defaults() -> None:
    from conformance.model import Location, Task

    odd = {"@": 1, ("a", 1): "tuple key", 2: None}
    plain = {"time_limit": 60, "queue": "@not-a-marker", "nested": {"x": (1, 2)}}
    task = Task("t", options=plain, source=Location("f.py", 3))
    for value in (odd, plain, task, Task("bare"), Location("p", 1, ("cue",))):
        assert Cache._decode_text(json.dumps(encode(value))) == value
    # Defaults are left out of the entry: a bare task is just its name.
    assert encode(Task("bare")) == {"@": "Task", "f": {"name": "bare"}}


def test_the_codec_round_trips_a_whole_result(tmp_path: Path) -> None:
    result = check(project(tmp_path), cache=False)
    for value in (result.documented, result.actual, result.notices):
        assert Cache._decode_text(json.dumps(encode(value))) == value
