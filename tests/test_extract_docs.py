"""extract_docs on files: paths, read errors, pages folded together, the example page,
and the speed on a large page."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conformance.errors import ConformanceError
from conformance.extract import extract_docs, extract_text
from conformance.model import Origin
from conformance.schedules import crontab_timing, interval_timing, same_times

EXAMPLE_ROOT = Path(__file__).parent.parent / "examples" / "background-tasks"
EXAMPLE_PAGE = EXAMPLE_ROOT / "docs" / "03-backend" / "services" / "background-tasks.md"

TASK_PAGE = "# Tasks\n\n| Task | Queue |\n| --- | --- |\n| `tasks.a` | `q1` |\n"
OTHER_PAGE = "# Celery tasks\n\n- `tasks.a` does a thing\n- `tasks.b` does another\n"


def test_locations_are_relative_to_the_root_in_posix_form(tmp_path: Path) -> None:
    page = tmp_path / "docs" / "sub" / "page.md"
    page.parent.mkdir(parents=True)
    page.write_text(TASK_PAGE, encoding="utf-8")
    found = extract_docs([page], tmp_path)
    (task,) = found.spec.tasks
    assert str(task.source) == "docs/sub/page.md:5"
    assert task.origin is Origin.DOCS


def test_mentions_fold_across_pages_keeping_the_first(tmp_path: Path) -> None:
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text(TASK_PAGE, encoding="utf-8")
    second.write_text(OTHER_PAGE, encoding="utf-8")
    found = extract_docs([first, second], tmp_path)
    assert [(t.name, t.queue, str(t.source)) for t in found.spec.tasks] == [
        ("tasks.a", "q1", "a.md:5"),
        ("tasks.b", None, "b.md:4"),
    ]


def test_a_bom_is_dropped(tmp_path: Path) -> None:
    page = tmp_path / "bom.md"
    page.write_bytes(b"\xef\xbb\xbf" + TASK_PAGE.encode())
    assert [t.name for t in extract_docs([page], tmp_path).spec.tasks] == ["tasks.a"]


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        # the file is absent
        (None, "cannot read", None),
        # Latin-1 bytes on the third line
        (b"# T\n\nd\xe9j\xe0 vu\n", "not UTF-8", 3),
    ],
)
def test_unreadable_pages_are_errors_with_a_location(
    tmp_path: Path, content: bytes | None, message: str, line: int | None
) -> None:
    page = tmp_path / "docs" / "bad.md"
    if content is not None:
        page.parent.mkdir()
        page.write_bytes(content)
    with pytest.raises(ConformanceError) as caught:
        extract_docs([page], tmp_path)
    assert caught.value.path == "docs/bad.md"
    assert message in caught.value.message
    assert caught.value.line == line


def test_a_directory_is_not_a_page(tmp_path: Path) -> None:
    with pytest.raises(ConformanceError, match="cannot read"):
        extract_docs([tmp_path], tmp_path)


def test_the_example_page() -> None:
    found = extract_docs([EXAMPLE_PAGE], EXAMPLE_ROOT)
    spec = found.spec
    assert found.notices == ()
    tasks = {t.name: t for t in spec.tasks}
    # The six table rows, and the two the batch paragraph names as tasks in passing.
    assert len(tasks) == 8
    assert tasks["process_batch"].source.evidence == ("cue: '`process_batch` task'",)
    assert tasks["generate_single_model"].source.in_passing
    batch = tasks["tasks.process_batch"]
    assert batch.options["time_limit"] == 3600
    assert batch.options["max_retries"] == 3
    assert batch.queue == "batch_processing"
    assert tasks["emergency_cleanup"].queue == "priority"
    assert {q.name for q in spec.queues} == {
        "batch_processing",
        "model_generation",
        "maintenance",
        "priority",
    }
    assert {(r.task, r.queue) for r in spec.routes} >= {
        ("tasks.process_batch", "batch_processing"),
        ("emergency_cleanup", "priority"),
    }
    schedules = {s.name: s for s in spec.schedules}
    cleanup, health = schedules["cleanup-old-files"], schedules["system-health-check"]
    assert cleanup.task == "tasks.cleanup_old_files"
    assert cleanup.timing is not None and same_times(cleanup.timing, crontab_timing(minute=0))
    assert health.timing is not None and same_times(health.timing, interval_timing(600))
    # The snippet builds the chord; the paragraph under "Batch Processing" tells it again.
    snippet, told = sorted(
        (c for c in spec.canvas if c.primitive == "chord"), key=lambda c: c.source.line
    )
    assert snippet.header == told.header == ("generate_single_model",)
    assert snippet.callback == told.callback == "finalize_batch"
    assert (snippet.context, told.context) == ("tasks.process_batch", "process_batch")
    assert told.source.evidence == ("cue: 'chord' … 'callback `finalize_batch`'",)
    handlers = {s.signal: s for s in spec.signals}
    assert set(handlers) == {"task_prerun", "task_postrun", "task_failure"}
    assert handlers["task_failure"].metrics == ("task_failures",)
    metrics = {m.name: m for m in spec.metrics}
    assert (metrics["task_duration"].type, metrics["task_duration"].labels) == (
        "histogram",
        ("task_name",),
    )
    assert metrics["task_failures"].type == "counter"
    profiles = {w.name: w for w in spec.workers if w.kind == "profile"}
    assert set(profiles) == {"batch", "gpu", "maintenance", "priority"}
    assert (profiles["batch"].queues, profiles["batch"].concurrency) == (("batch_processing",), 4)
    assert "WorkerConfig" in {w.name for w in spec.workers if w.kind == "class"}
    assert [b.name for b in spec.bootsteps] == ["TaskMetricsStep"]
    services = {s.name: s for s in spec.services}
    assert services["flower"].role == "flower"
    assert services["batch"].queues == ("batch_processing",)
    symbols = {(s.name, s.kind) for s in spec.symbols}
    assert ("app.services.fal_client.FalAIClient.generate_model", "call") in symbols
    assert ("app.core.progress.ProgressTracker", "import") in symbols
    assert spec.setting("task_time_limit") == 3600
    assert spec.setting("task_acks_late") is True
    assert all(item.source and item.source.path.startswith("docs/") for _, item in spec.items())


SECTION = """## Tasks {n}

| Task | Queue | Time limit |
| --- | --- | --- |
| `tasks.job_{n}` | `queue_{n}` | 60 |

- `job_{n}_helper` does a part of it, every `x` and `y` on the `queue_{n}` queue.
- `entry-{n}` runs `tasks.job_{n}` every 10 minutes.

Some prose with `code`, *emphasis* and a [link](https://example.com) for {n}.

```python
@app.task(name="tasks.coded_{n}", max_retries=3)
def coded_{n}(x):
    return x
```

"""


def test_a_five_megabyte_page_is_read_in_linear_time() -> None:
    sections = 5 * 1024 * 1024 // len(SECTION)
    small = "".join(SECTION.format(n=n) for n in range(1000))
    large = "".join(SECTION.format(n=n) for n in range(sections))
    assert len(large) >= 5_000_000
    started = time.perf_counter()
    found_small = extract_text(small, "small.md")
    small_seconds = time.perf_counter() - started
    started = time.perf_counter()
    found = extract_text(large, "large.md")
    large_seconds = time.perf_counter() - started
    assert len(found_small.spec.tasks) == 1000 * 3
    assert len(found.spec.tasks) == sections * 3
    assert len(found.spec.schedules) == sections
    # Linear: the time per character stays the same (4x slack for a busy machine); a
    # quadratic step would make the large page ~60x slower per character.
    per_unit_small = small_seconds / len(small)
    per_unit_large = large_seconds / len(large)
    assert per_unit_large < per_unit_small * 4
    assert large_seconds < 120


@pytest.mark.parametrize(
    ("setting", "written", "value"),
    [
        # Conforming: a time limit written with its unit is that many seconds.
        ("task_time_limit", "1 hour", 3600),
        # Conforming: minutes, short.
        ("task_soft_time_limit", "55 min", 3300),
        # Conforming: an expiry Celery keeps as a timedelta, written in days.
        ("result_expires", "1 day", 86400),
        # A bare number stays the number.
        ("task_time_limit", "3600", 3600),
        # Not a seconds setting: text with a unit-like word stays as written.
        ("worker_max_memory_per_child", "200 m", "200 m"),
        # Not a duration at all: a rate limit stays as written.
        ("task_default_rate_limit", "10/m", "10/m"),
    ],
)
def test_setting_table_values_with_units(setting: str, written: str, value: object) -> None:
    page = f"# Settings\n\n| Setting | Value |\n| --- | --- |\n| `{setting}` | {written} |\n"
    found = extract_text(page, "docs/settings.md")
    assert found.spec.setting(setting) == value


def test_a_doc_conflict_is_noted_on_the_page_of_the_later_statement(tmp_path: Path) -> None:
    # Pages fold together at the end: the notice must not land on the last page read.
    first = tmp_path / "a.md"
    first.write_text("# Celery tasks\n\n| Task | Queue |\n| --- | --- |\n| `tasks.x` | `one` |\n")
    second = tmp_path / "b.md"
    second.write_text("# Celery tasks\n\n| Task | Queue |\n| --- | --- |\n| `tasks.x` | `two` |\n")
    third = tmp_path / "c.md"
    third.write_text("# Other\n\nNothing here.\n")
    found = extract_docs([first, second, third], tmp_path)
    (conflict,) = [n for n in found.notices if n.kind == "doc-conflict"]
    assert (conflict.path, conflict.line) == ("b.md", 5)
    assert "'one' first, then 'two'" in conflict.message
