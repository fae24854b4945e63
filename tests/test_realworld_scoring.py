"""The real-world benchmark's scoring and runner (``benchmarks/realworld.py``).

The benchmark itself needs snapshots of public repositories and is not run in CI; these
tests pin how it matches findings to ground truth and run it for real on a git
repository made from the bundled example.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "background-tasks"


def _load_benchmark():
    spec = importlib.util.spec_from_file_location("realworld", ROOT / "benchmarks" / "realworld.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["realworld"] = module
    spec.loader.exec_module(module)
    return module


rw = _load_benchmark()


@pytest.mark.parametrize(
    ("expected", "found", "same"),
    [
        ("tasks.cleanup_old_files", "tasks.cleanup_old_files", True),
        ("`Tasks.Cleanup_Old_Files`", "tasks.cleanup_old_files", True),
        ("cleanup_old_files", "app.workers.tasks.cleanup_old_files", True),
        ("app.workers.tasks.cleanup_old_files", "cleanup_old_files", True),
        # two dotted names must be equal: same last part, different tasks
        ("a.tasks.run", "b.tasks.run", False),
        ("pkg.mod:Attr", "pkg.mod.Attr", True),
        ("send_alert()", "send_alert", True),
        ("send_alert", "send_alerts", False),
        ("*", "anything.at.all", True),
        ("app.*.tasks.*", "app.billing.tasks.charge", True),
        ("app.*.tasks.*", "other.billing.tasks.charge", False),
        ("", "x", False),
    ],
)
def test_subjects_compare_as_a_reviewer_would(expected, found, same):
    assert rw.same_subject(expected, found) is same


def _case(**lists):
    return rw.Case(
        name="demo",
        repo="o/demo",
        commit="0" * 40,
        config={"app": "app:app"},
        must_find=tuple(rw.Item(**i) for i in lists.get("must_find", [])),
        may_find=tuple(rw.Item(**i) for i in lists.get("may_find", [])),
        must_not_flag=tuple(rw.Item(**i) for i in lists.get("must_not_flag", [])),
    )


def _finding(rule, subject, severity="error", **sides):
    return {"rule": rule, "subject": subject, "severity": severity, **sides}


def test_score_counts_recall_by_family_and_false_positives():
    case = _case(
        must_find=[
            {"rule": "task.missing", "subject": "send_alert", "doc": "docs/t.md:3"},
            {"rule": "schedule", "subject": "cleanup-old-files"},
            {"rule": "deploy.service-missing", "subject": "flower", "doc": "docs/d.md:9"},
        ],
        may_find=[{"rule": "task.undocumented", "subject": "*"}],
        must_not_flag=[{"rule": "queue", "subject": "default", "reason": "declared and consumed"}],
    )
    report = {
        "findings": [
            # task.renamed is the same family as the ground truth's task.missing
            _finding("task.renamed", "send_alert", actual="app.tasks.send_alerts"),
            _finding("schedule.mismatch", "cleanup-old-files"),
            _finding("task.undocumented", "app.tasks.extra", severity="warning"),
            _finding("queue.orphaned", "default", severity="warning"),
            _finding("config.mismatch", "task_time_limit"),
            # info findings are never scored, whatever they match
            _finding("deploy.service-missing", "flower", severity="info"),
        ]
    }
    result = rw.score(case, report)
    assert (result.must_find, result.found) == (3, 2)
    assert result.recall == pytest.approx(2 / 3)
    # doc drift (items with a docs side) is counted apart: 1 of 2
    assert (result.doc_must_find, result.doc_found) == (2, 1)
    # queue.orphaned default (must not flag) and config.mismatch (matches nothing)
    assert result.false_positives == 2
    text = "\n".join(result.lines)
    assert "FALSE ALARM  warning queue.orphaned default" in text
    assert "UNEXPECTED   error config.mismatch task_time_limit" in text
    assert "MISSED       deploy.service-missing flower" in text
    assert "may find     warning task.undocumented app.tasks.extra" in text


def test_a_finding_matches_through_its_documented_or_actual_name():
    case = _case(must_find=[{"rule": "task.renamed", "subject": "app.tasks.generate_3d_model"}])
    report = {
        "findings": [
            _finding("task.renamed", "tasks.generate_model", actual="app.tasks.generate_3d_model")
        ]
    }
    assert rw.score(case, report).found == 1


@pytest.mark.parametrize(
    ("status", "stdout", "stderr", "error"),
    [
        (
            2,
            "",
            "conformance.toml: `app` must look like MODULE:ATTRIBUTE\n",
            "exit 2: conformance.toml",
        ),
        (
            0,
            "{}",
            "Traceback (most recent call last):\n  ...\nKeyError: 'x'\n",
            "traceback: KeyError",
        ),
        (1, "not json", "", "output is not a JSON report"),
        (0, "[]", "", "output is not a JSON report"),
    ],
)
def test_a_run_that_cannot_be_scored_is_a_crash(status, stdout, stderr, error):
    result = rw.score_run(_case(), status, stdout, stderr, 1.5)
    assert result.crashed
    assert error in result.error
    assert result.seconds == 1.5


def test_bad_case_files_are_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("repo: o/r\ncommit: abc\nconfig: {}\nmust_find:\n  - subject: x\n")
    with pytest.raises(rw.CaseError, match=r"bad.yaml: must_find\[1\] needs `rule` and `subject`"):
        rw.load_case(bad)
    missing = tmp_path / "missing.yaml"
    missing.write_text("repo: o/r\nconfig: {}\n")
    with pytest.raises(rw.CaseError, match="missing `commit`"):
        rw.load_case(missing)


def test_the_corpus_case_files_load_and_are_written_before_the_first_run():
    cases = rw.load_corpus()
    for case in cases:
        text = case.path.read_text(encoding="utf-8")
        assert text.startswith("# Ground truth written by hand before the first run"), case.path
        assert yaml.safe_load(text)["written_before_first_run"] is True
        assert len(case.commit) == 40, case.path
        assert case.control or case.must_find, f"{case.path}: drift case without must_find"
        for item in case.must_find + case.must_not_flag:
            assert item.reason, f"{case.path}: {item.rule} {item.subject} has no reason"


def _git(*args, cwd):
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def example_snapshot(tmp_path):
    """The bundled example as a public repository would reach us: a git directory."""
    work = tmp_path / "work"
    shutil.copytree(EXAMPLE, work)
    # The case supplies the configuration, as for a public repository.
    (work / "pyproject.toml").unlink()
    _git("init", "-q", cwd=work)
    _git("add", ".", cwd=work)
    _git("commit", "-q", "-m", "example", cwd=work)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=work, capture_output=True, text=True, check=True
    ).stdout.strip()
    snapshots = tmp_path / "snapshots"
    (snapshots / "acme+example").mkdir(parents=True)
    shutil.move(str(work / ".git"), snapshots / "acme+example" / "repo")
    return snapshots, commit


def test_runner_exports_the_commit_runs_the_check_and_scores_it(tmp_path, example_snapshot, capsys):
    snapshots, commit = example_snapshot
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    case = {
        "name": "example",
        "repo": "acme/example",
        "commit": commit,
        "config": {
            "app": "app.workers.celery_app:celery_app",
            "docs": ["docs/**/*.md"],
            "monitoring": ["app.monitoring"],
            "deploy": ["docker-compose.yml"],
        },
        "must_find": [
            {"rule": "task.missing", "subject": "send_alert", "reason": "never written"},
            {"rule": "deploy.service-missing", "subject": "flower", "reason": "no Flower"},
            {"rule": "schedule.mismatch", "subject": "cleanup-old-files", "reason": "daily"},
            # the example has no such drift: recall is 3 of 4
            {"rule": "queue.missing", "subject": "gpu", "reason": "invented for the test"},
        ],
        "may_find": [{"rule": "task", "subject": "*"}, {"rule": "metric", "subject": "*"}],
        "must_not_flag": [{"rule": "worker", "subject": "gpu", "reason": "for the test"}],
    }
    (corpus / "example.yaml").write_text(yaml.safe_dump(case))
    numbers = tmp_path / "numbers.json"
    status = rw.main(
        ["--snapshots", str(snapshots), "--corpus", str(corpus), "--json", str(numbers), "-v"]
    )
    out = capsys.readouterr().out
    assert status == 0
    result = json.loads(numbers.read_text())["repositories"][0]
    assert (result["found"], result["must_find"], result["crashed"]) == (3, 4, False)
    assert "MISSED       queue.missing gpu" in out
    assert "FALSE ALARM  warning worker.profile-missing gpu" in out
    # every other error/warning of the example (canvas, config, route, symbol...) is unexpected
    assert result["false_positives"] >= 10
    assert result["seconds"] > 0
    assert "example" in out and "3/4" in out
    total = json.loads(numbers.read_text())["total"]
    assert (total["repositories"], total["cases"]) == (1, 1)
    assert total["false_positives_per_repo"] == result["false_positives"]
    # the snapshot is read, never written: no work tree appeared in it
    assert not (snapshots / "acme+example" / "repo" / "app").exists()


def test_runner_records_a_missing_snapshot_or_commit_as_a_crash(tmp_path, example_snapshot, capsys):
    snapshots, _ = example_snapshot
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    base = {"config": {"app": "app.workers.celery_app:celery_app"}, "must_find": []}
    (corpus / "gone.yaml").write_text(
        yaml.safe_dump({**base, "repo": "acme/gone", "commit": "1" * 40})
    )
    (corpus / "badrev.yaml").write_text(
        yaml.safe_dump({**base, "repo": "acme/example", "commit": "2" * 40})
    )
    numbers = tmp_path / "numbers.json"
    assert (
        rw.main(["--snapshots", str(snapshots), "--corpus", str(corpus), "--json", str(numbers)])
        == 0
    )
    repos = {r["name"]: r for r in json.loads(numbers.read_text())["repositories"]}
    assert repos["gone"]["crashed"] and "no snapshot of acme/gone" in repos["gone"]["error"]
    assert repos["badrev"]["crashed"] and "cannot export" in repos["badrev"]["error"]
    assert json.loads(numbers.read_text())["total"]["crashes"] == 2


def test_only_a_renames_other_side_is_a_name_of_the_subject():
    # deploy.queue-unconsumed's `actual` lists the consumed queues: not the subject
    case = _case(
        must_not_flag=[
            {"rule": "deploy.queue-unconsumed", "subject": "celery", "reason": "consumed"}
        ]
    )
    report = {"findings": [_finding("deploy.queue-unconsumed", "observability", actual="celery")]}
    result = rw.score(case, report)
    assert "UNEXPECTED   error deploy.queue-unconsumed observability" in result.lines[0]


def test_must_not_flag_with_a_full_rule_id_forbids_only_that_rule():
    case = _case(
        may_find=[{"rule": "schedule.undocumented", "subject": "nightly"}],
        must_not_flag=[
            {"rule": "schedule.unknown-task", "subject": "nightly", "reason": "task exists"},
            {"rule": "queue", "subject": "default", "reason": "whole family"},
        ],
    )
    report = {
        "findings": [
            _finding("schedule.undocumented", "nightly", severity="warning"),
            _finding("schedule.unknown-task", "nightly"),
            _finding("queue.undocumented", "default", severity="warning"),
        ]
    }
    result = rw.score(case, report)
    assert result.false_positives == 2
    assert "may find     warning schedule.undocumented nightly" in "\n".join(result.lines)
