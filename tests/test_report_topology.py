"""The topology picture: the Mermaid text is parsed back and its nodes, arrows and drift
classes are checked against real check results (the example project, and generated
projects read by the static analyser)."""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.config import load_config
from conformance.findings import CheckResult
from conformance.pipeline import run_check
from conformance.reports.topology import CLASS_LEGEND, CLASS_STYLES, topology_mermaid

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"

# --- a tiny Mermaid reader: exactly the statements topology_mermaid may write ----------

_NODE = re.compile(r'(?P<id>[a-z]\d+)\["(?P<label>[^"]*)"\]')
_EDGE = re.compile(r"(?P<sources>[a-z]\d+(?: & [a-z]\d+)*) --> (?P<target>[a-z]\d+)")
_CLASS = re.compile(r"class (?P<ids>[a-z]\d+(?:,[a-z]\d+)*) (?P<name>\w+)")
_CLASSDEF = re.compile(r"classDef (?P<name>\w+) [^\n]+")
_ENTITY = re.compile(r"#(\w+);")


@dataclass(frozen=True)
class Chart:
    labels: dict[str, str]  # node id → label, entity codes decoded
    edges: frozenset[tuple[str, str]]  # (source label, target label)
    classes: dict[str, frozenset[str]]  # class name → labels of its nodes
    class_defs: frozenset[str]

    def ids(self, label: str) -> list[str]:
        return [node for node, text in self.labels.items() if text == label]

    def of_class(self, name: str) -> frozenset[str]:
        return self.classes.get(name, frozenset())

    def targets(self, label: str) -> set[str]:
        return {target for source, target in self.edges if source == label}

    def sources(self, label: str) -> set[str]:
        return {source for source, target in self.edges if target == label}


def decode(label: str) -> str:
    """Mermaid's entity codes: ``#quot;`` by name, ``#35;`` by number."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        return chr(int(code)) if code.isdigit() else html.unescape(f"&{code};")

    return _ENTITY.sub(one, label)


def parse(text: str) -> Chart:
    """Read the chart; any line that is not one of the expected statements fails."""
    first, *lines = text.split("\n")
    assert first == "flowchart LR"
    labels: dict[str, str] = {}
    raw_edges: list[tuple[str, str]] = []
    raw_classes: dict[str, set[str]] = {}
    class_defs: set[str] = set()
    for line in lines:
        assert line.startswith("    ") and not line[4:].startswith(" "), line
        statement = line[4:]
        if node := _NODE.fullmatch(statement):
            assert node["id"] not in labels, f"node {node['id']} defined twice"
            labels[node["id"]] = decode(node["label"])
        elif edge := _EDGE.fullmatch(statement):
            raw_edges += [(s, edge["target"]) for s in edge["sources"].split(" & ")]
        elif cls := _CLASS.fullmatch(statement):
            raw_classes.setdefault(cls["name"], set()).update(cls["ids"].split(","))
        elif class_def := _CLASSDEF.fullmatch(statement):
            class_defs.add(class_def["name"])
        else:
            pytest.fail(f"not a statement the chart should contain: {line!r}")
    used = {n for pair in raw_edges for n in pair} | {
        n for ids in raw_classes.values() for n in ids
    }
    assert used <= set(labels), f"undefined nodes: {used - set(labels)}"
    assert set(raw_classes) <= class_defs
    return Chart(
        labels=labels,
        edges=frozenset((labels[a], labels[b]) for a, b in raw_edges),
        classes={name: frozenset(labels[i] for i in ids) for name, ids in raw_classes.items()},
        class_defs=frozenset(class_defs),
    )


# --- projects ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> CheckResult:
    return run_check(load_config(cwd=EXAMPLE).with_overrides(mode="static"))


def make_project(
    root: Path,
    tasks: Sequence[tuple[str, str]],
    *,
    queues: Sequence[str],
    worker_queues: Sequence[str],
    documented: Sequence[tuple[str, str]] = (),
) -> CheckResult:
    """A real Celery project on disk, checked in static mode.

    ``tasks`` are (registered name, queue) pairs, each a function with ``@app.task``;
    ``documented`` are the (task, queue) rows of the docs' task table.
    """
    (root / "proj").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.conformance]\napp = "proj.celery_app:app"\ndocs = ["docs/*.md"]\n'
        'deploy = ["docker-compose.yml"]\n'
    )
    (root / "proj" / "__init__.py").write_text("")
    declared = ", ".join(f"Queue({q!r})" for q in queues)
    (root / "proj" / "celery_app.py").write_text(
        textwrap.dedent(f"""\
            from celery import Celery
            from kombu import Queue

            app = Celery("proj", include=["proj.tasks"])
            app.conf.task_queues = [{declared}]
            app.conf.task_default_queue = {queues[0]!r}
            """)
    )
    lines = ["from proj.celery_app import app", ""]
    for number, (name, queue) in enumerate(tasks):
        lines += [f"@app.task(name={name!r}, queue={queue!r})", f"def task_{number}():", "    pass"]
    (root / "proj" / "tasks.py").write_text("\n".join(lines) + "\n")
    rows = "".join(f"| `{task}` | `{queue}` |\n" for task, queue in documented)
    (root / "docs" / "tasks.md").write_text(f"# Tasks\n\n| Task | Queue |\n| --- | --- |\n{rows}")
    (root / "docker-compose.yml").write_text(
        "services:\n  worker:\n"
        f"    command: celery -A proj.celery_app worker -Q {','.join(worker_queues)}\n"
    )
    return run_check(load_config(cwd=root).with_overrides(mode="static"))


def subjects(result: CheckResult, rule: str) -> set[str]:
    return {f.subject for f in result.findings if f.rule == rule}


# --- the example project -----------------------------------------------------------------


def test_the_examples_findings_are_the_ones_the_picture_marks(example: CheckResult) -> None:
    # The marks below come from these findings; if the example changes, so must the test.
    assert subjects(example, "task.missing") == {
        "emergency_cleanup",
        "send_alert",
        "tasks.system_health_check",
    }
    assert subjects(example, "task.undocumented") == {"app.workers.cleanup.monitor_disk_usage"}
    assert subjects(example, "queue.orphaned") == {"priority"}
    assert subjects(example, "deploy.queue-unconsumed") == {"priority"}
    assert subjects(example, "route.unknown-task") == {"health_check_task"}
    assert subjects(example, "deploy.service-missing") == {"flower"}


def test_the_example_draws_tasks_queues_and_workers(example: CheckResult) -> None:
    text = topology_mermaid(example)
    assert text is not None
    chart = parse(text)
    assert set(chart.labels.values()) == {
        # registered tasks
        "app.workers.tasks.process_batch",
        "app.workers.tasks.finalize_batch_results",
        "app.workers.tasks.generate_3d_model_task",
        "app.workers.cleanup.cleanup_old_files",
        "app.workers.cleanup.monitor_disk_usage",
        # documented only, and a route's unknown task
        "emergency_cleanup",
        "send_alert",
        "tasks.system_health_check",
        "health_check_task",
        # queues
        "batch_processing",
        "model_generation",
        "maintenance",
        "priority",
        # deployed workers, and the documented service the deployment lacks
        "worker",
        "worker-maintenance",
        "flower",
    }
    assert all(re.fullmatch(r"[tqsm]\d+", node) for node in chart.labels)
    assert chart.sources("batch_processing") == {
        "app.workers.tasks.process_batch",
        "app.workers.tasks.finalize_batch_results",
    }
    # The glob route `app.workers.cleanup.*` places both cleanup tasks; the docs place
    # the missing health check there too.
    assert chart.sources("maintenance") == {
        "app.workers.cleanup.cleanup_old_files",
        "app.workers.cleanup.monitor_disk_usage",
        "tasks.system_health_check",
    }
    assert chart.sources("priority") == {"emergency_cleanup", "send_alert", "health_check_task"}
    assert chart.targets("batch_processing") == {"worker"}
    assert chart.targets("model_generation") == {"worker"}
    assert chart.targets("maintenance") == {"worker-maintenance"}
    assert chart.targets("priority") == set()  # nobody consumes it
    assert chart.sources("flower") == set()


def test_the_example_marks_its_drift(example: CheckResult) -> None:
    text = topology_mermaid(example)
    assert text is not None
    chart = parse(text)
    assert chart.class_defs == set(CLASS_STYLES) == set(CLASS_LEGEND)
    assert chart.of_class("missing") == {
        "emergency_cleanup",
        "send_alert",
        "tasks.system_health_check",
        "flower",
    }
    assert chart.of_class("undocumented") == {"app.workers.cleanup.monitor_disk_usage"}
    assert chart.of_class("orphaned") == {"priority"}
    assert chart.of_class("unconsumed") == {"priority"}
    assert chart.of_class("unknown") == {"health_check_task"}


def test_the_picture_is_deterministic(example: CheckResult) -> None:
    assert topology_mermaid(example) == topology_mermaid(example)


def test_nothing_to_draw_is_none() -> None:
    assert topology_mermaid(CheckResult(mode="static", findings=())) is None


# --- a large project ---------------------------------------------------------------------

BIG_QUEUES = ("alpha", "beta", "gamma", "delta")


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> CheckResult:
    tasks = [(f"proj.tasks.task_{n:04d}", BIG_QUEUES[n % 4]) for n in range(1_000)]
    return make_project(
        tmp_path_factory.mktemp("big"),
        tasks,
        queues=(*BIG_QUEUES, "idle"),
        worker_queues=("alpha", "beta"),
        # One documented task that exists, one that does not.
        documented=[("proj.tasks.task_0000", "alpha"), ("proj.tasks.gone", "alpha")],
    )


def test_a_thousand_tasks_stay_compact(big: CheckResult) -> None:
    assert len(big.actual.tasks) == 1_000
    text = topology_mermaid(big)
    assert text is not None
    assert len(text) < 5_000
    chart = parse(text)
    tasks = [label for node, label in chart.labels.items() if node.startswith("t")]
    assert len(tasks) == 4 * 8  # the cap, per queue
    # alpha: 250 tasks and the missing one; 8 shown, the rest counted.
    assert chart.sources("alpha") >= {"proj.tasks.gone", "+243 more tasks"}
    assert len(chart.sources("alpha")) == 9
    for queue in ("beta", "gamma", "delta"):
        assert "+242 more tasks" in chart.sources(queue)
    # Drift is shown before the cap: the missing task always makes it in.
    assert chart.of_class("missing") == {"proj.tasks.gone"}
    assert chart.targets("alpha") == chart.targets("beta") == {"worker"}
    assert chart.of_class("unconsumed") == {"gamma", "delta", "idle"}
    assert chart.of_class("orphaned") == {"idle"}


def test_the_caps_are_parameters(big: CheckResult) -> None:
    text = topology_mermaid(big, max_tasks_per_queue=2, max_queues=2)
    assert text is not None
    chart = parse(text)
    queues = {label for node, label in chart.labels.items() if node.startswith("q")}
    # Queues with drift come first: every queue has some here, so the busiest win
    # (alpha has the missing task on top of its 250), then the name.
    assert queues == {"alpha", "beta"}
    assert "+3 more queues (500 tasks)" in chart.labels.values()
    assert chart.sources("alpha") == {"proj.tasks.gone", "proj.tasks.task_0004", "+249 more tasks"}
    # The worker consumes only shown queues here; nothing hidden links to it.
    assert chart.sources("worker") == {"alpha", "beta"}


def test_a_worker_of_hidden_queues_links_to_the_more_node(tmp_path: Path) -> None:
    result = make_project(
        tmp_path,
        [("proj.tasks.a", "a"), ("proj.tasks.b", "b"), ("proj.tasks.c", "c")],
        queues=("a", "b", "c"),
        worker_queues=("a", "c"),
    )
    text = topology_mermaid(result, max_queues=1)
    assert text is not None
    chart = parse(text)
    # `b` has drift (no worker consumes it), so it is the one queue shown; the worker's
    # own queues are both behind the "+2 more" node.
    assert {label for node, label in chart.labels.items() if node.startswith("q")} == {"b"}
    assert chart.of_class("unconsumed") == {"b"}
    assert chart.sources("worker") == {"+2 more queues (2 tasks)"}


# --- hostile names -----------------------------------------------------------------------

HOSTILE = (
    'quote"d',
    'end"] --> x["owned',
    "`code` and ```fence```",
    "[brackets] {braces} (parens) |pipes|",
    "<b>tag</b> & <script>",
    "#quot; #35; %%{init: {}}%%",
    "semi; colon",
    "click t0 call alert()",
)


def test_hostile_names_cannot_break_the_syntax(tmp_path: Path) -> None:
    result = make_project(
        tmp_path,
        [(name, 'q"]; class x missing; y["') for name in HOSTILE],
        queues=('q"]; class x missing; y["',),
        worker_queues=('q"]; class x missing; y["',),
    )
    assert {t.name for t in result.actual.tasks} == set(HOSTILE)
    text = topology_mermaid(result, max_tasks_per_queue=20)
    assert text is not None
    assert "`" not in text and "<" not in text  # nothing to end the report's fence or add HTML
    chart = parse(text)  # every line is a statement we expect, or this fails
    tasks = {label for node, label in chart.labels.items() if node.startswith("t")}
    assert tasks == set(HOSTILE)
    assert chart.sources('q"]; class x missing; y["') == set(HOSTILE)


def test_a_line_break_in_a_name_stays_on_one_line(tmp_path: Path) -> None:
    result = make_project(
        tmp_path, [("first\nsecond\u2028third", "q")], queues=("q",), worker_queues=("q",)
    )
    text = topology_mermaid(result)
    assert text is not None
    chart = parse(text)
    assert "first second third" in chart.labels.values()


def test_a_very_long_name_keeps_its_end(tmp_path: Path) -> None:
    name = "proj." + "very_long_package." * 20 + "the_task"
    result = make_project(tmp_path, [(name, "q")], queues=("q",), worker_queues=("q",))
    text = topology_mermaid(result)
    assert text is not None
    (label,) = [label for node, label in parse(text).labels.items() if node.startswith("t")]
    assert label.startswith("…") and label.endswith(".the_task") and len(label) <= 80
