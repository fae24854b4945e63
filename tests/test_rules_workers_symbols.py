"""worker.*, symbol.* and signature.* rules."""

from __future__ import annotations

import pytest

from conformance.model import (
    Bootstep,
    Location,
    Mention,
    Queue,
    Service,
    Setting,
    Spec,
    Symbol,
    Worker,
)
from conformance.rules.symbols import signature_problem

from rulekit import conforming, outcome

CODE = (
    Symbol("app", "module"),
    Symbol("app.core", "module"),
    Symbol("app.core.progress", "module"),
    Symbol("app.core.progress.RedisStore", "class", ("redis_url",)),
    Symbol("app.core.progress.RedisStore.set_progress", "method", ("task_id", "percent")),
    Symbol("app.core.progress.progress_tracker", "attribute"),
    Symbol("app.fal", "module"),
    Symbol("app.fal.FalAIClient", "class", ("api_key",)),
    Symbol(
        "app.fal.FalAIClient.process_single_image_sync",
        "method",
        ("image_url", "progress_callback"),
    ),
    Symbol("app.fal.submit", "function", ("url", "*", "timeout")),
    Symbol("app.fal.anything", "function", ("*args", "**kwargs")),
    Symbol("app.base", "module"),
    Symbol("app.base.BaseClient", "class", ("timeout",)),
    Symbol("app.base.BaseClient.__init__", "method", ("timeout",)),
    Symbol("app.base.BaseClient.close", "method", ()),
    Symbol("app.base.HttpClient", "class", (), bases=("app.base.BaseClient",)),
    Symbol("app.base.HttpClient.get", "method", ("url",)),
    Symbol("app.base.Model", "class", (), bases=("pydantic.BaseModel",)),
    Symbol("app.base.Lazy", "module"),
    Symbol("app.lazy", "module"),
    Symbol("app.lazy.__getattr__", "function", ("name",)),
    Symbol("app.workers", "module"),
    Symbol("app.workers.WorkerSettings", "class"),
)


def imp(name: str) -> Symbol:
    return Symbol(name, "import")


def call(name: str, positional: int = 0, keywords: tuple[str, ...] = ()) -> Symbol:
    return Symbol(name, "call", positional=positional, keywords=keywords)


SYMBOL_CASES = [
    # Existing names and fitting calls.
    (
        (
            imp("app.fal.FalAIClient"),
            call("app.fal.FalAIClient", 0, ("api_key",)),
            call("app.fal.FalAIClient.process_single_image_sync", 1, ("progress_callback",)),
            call("app.fal.submit", 1, ("timeout",)),
            call("app.fal.anything", 5, ("x", "y")),
        ),
        set(),
    ),
    # Names outside the project are not ours to check.
    ((imp("redis.Redis"), call("asyncio.run", 1), imp("celery.signals.task_failure")), set()),
    # The same name in another case / with underscores: renamed.
    (
        (imp("app.core.progress.ProgressTracker"),),
        {("symbol.renamed", "app.core.progress.ProgressTracker")},
    ),
    # Nothing close: missing. Calls on it are not judged again.
    (
        (imp("app.core.progress.TaskCache"), call("app.core.progress.TaskCache.get", 1)),
        {("symbol.missing", "app.core.progress.TaskCache")},
    ),
    # A module that does not exist.
    ((imp("app.services.email.send"),), {("symbol.missing", "app.services.email.send")}),
    # A method the class lacks.
    (
        (call("app.fal.FalAIClient.generate_model", 1, ("on_progress",)),),
        {("signature.mismatch", "app.fal.FalAIClient.generate_model")},
    ),
    # A keyword the method lacks.
    (
        (call("app.fal.FalAIClient.process_single_image_sync", 1, ("on_progress",)),),
        {("signature.mismatch", "app.fal.FalAIClient.process_single_image_sync")},
    ),
    # Too many positional arguments (keyword-only after `*`).
    ((call("app.fal.submit", 2),), {("signature.mismatch", "app.fal.submit")}),
    # Methods and __init__ inherited from a project base class are found and checked.
    (
        (
            call("app.base.HttpClient", 0, ("timeout",)),
            call("app.base.HttpClient.close"),
            call("app.base.HttpClient.get", 1),
        ),
        set(),
    ),
    (
        (call("app.base.HttpClient", 0, ("retries",)),),
        {("signature.mismatch", "app.base.HttpClient")},
    ),
    ((call("app.base.HttpClient.post", 1),), {("signature.mismatch", "app.base.HttpClient.post")}),
    # A base outside the project (pydantic) may define anything: not judged.
    ((call("app.base.Model", 0, ("name", "email")), call("app.base.Model.model_dump")), set()),
    # A module-level __getattr__ answers any name.
    ((imp("app.lazy.AnyName"),), set()),
    # A method of an instance held in an attribute cannot be known: not judged.
    ((call("app.core.progress.progress_tracker.update", 3),), set()),
]


@pytest.mark.parametrize(("uses", "expected"), SYMBOL_CASES)
def test_symbol_rules(uses: tuple[Symbol, ...], expected: set[tuple[str, str]]) -> None:
    found = outcome(Spec(symbols=uses), Spec(symbols=CODE))
    assert {f for f in found if f[0].startswith(("symbol.", "signature."))} == expected


def test_signature_mismatch_names_the_real_methods() -> None:
    from conformance.rules import run_rules

    findings, _ = run_rules(
        Spec(symbols=(call("app.fal.FalAIClient.generate_model", 1),)), Spec(symbols=CODE)
    )
    assert "process_single_image_sync(image_url, progress_callback)" in findings[0].message


@pytest.mark.parametrize(
    ("params", "positional", "keywords", "fits"),
    [
        (("a", "b"), 2, (), True),
        (("a", "b"), 3, (), False),
        (("a", "b"), 1, ("b",), True),
        (("a",), 0, ("c",), False),
        (("a", "**kw"), 0, ("c",), True),
        (("*args",), 9, (), True),
        (("a", "*", "b"), 1, ("b",), True),
        (("a", "*", "b"), 2, (), False),
        (("a",), None, (), True),  # *args at the call site: the count is unknown
    ],
)
def test_signature_binding(
    params: tuple[str, ...], positional: int | None, keywords: tuple[str, ...], fits: bool
) -> None:
    assert (signature_problem(params, positional, keywords) is None) is fits


DEPLOYED = (
    Service("worker", "worker", queues=("batch", "models")),
    Service("worker-maintenance", "worker", queues=("maintenance",)),
)

WORKER_CASES = [
    # The documented class exists (in any module).
    (Spec(workers=(Worker("WorkerSettings", "class"),)), Spec(symbols=CODE), set()),
    (
        Spec(workers=(Worker("WorkerConfig", "class"),)),
        Spec(symbols=CODE),
        {("worker.class-missing", "WorkerConfig")},
    ),
    # Documented bootstep registered / not registered.
    (
        Spec(bootsteps=(Bootstep("MetricsStep"),)),
        Spec(bootsteps=(Bootstep("app.steps.MetricsStep"),)),
        set(),
    ),
    (
        Spec(bootsteps=(Bootstep("MetricsStep"),)),
        Spec(),
        {("worker.bootstep-missing", "MetricsStep")},
    ),
    # A profile matches a deployed worker by its queues, or by name.
    (
        Spec(
            workers=(Worker("maint", queues=("maintenance",)), Worker("worker", queues=("batch",)))
        ),
        Spec(services=DEPLOYED),
        set(),
    ),
    (
        Spec(workers=(Worker("gpu", queues=("models",)),)),
        Spec(services=DEPLOYED),
        {("worker.profile-missing", "gpu")},
    ),
    # Concurrency and prefetch as deployed: `-c 4`, and the app's prefetch setting.
    (
        Spec(
            workers=(
                Worker("batch", queues=("batch", "models"), concurrency=4, prefetch_multiplier=1),
            )
        ),
        Spec(
            services=(Service("worker", "worker", queues=("batch", "models"), concurrency=4),),
            settings=(Setting("worker_prefetch_multiplier", 1),),
        ),
        set(),
    ),
    # Another concurrency; and Celery's default prefetch (4) where the docs say 1.
    (
        Spec(
            workers=(
                Worker("batch", queues=("batch", "models"), concurrency=2, prefetch_multiplier=1),
            )
        ),
        Spec(services=(Service("worker", "worker", queues=("batch", "models"), concurrency=4),)),
        {("worker.profile-mismatch", "batch")},
    ),
    # A worker without -c: its concurrency is the machine's core count, not judged.
    (
        Spec(workers=(Worker("maint", queues=("maintenance",), concurrency=1),)),
        Spec(services=DEPLOYED),
        set(),
    ),
    # A documented `celery worker` without -Q runs the default queue, as does a deployed
    # worker without -Q (or with -Q naming the default queue).
    (
        Spec(services=(Service("worker", "worker"),)),
        Spec(services=(Service("celery", "worker", queues=("celery",)),)),
        set(),
    ),
    (
        Spec(services=(Service("worker", "worker"),)),
        Spec(services=(Service("celery", "worker", queues=("emails",)),)),
        {("worker.profile-missing", "worker")},
    ),
    # No deployment read at all: profiles are not judged.
    (Spec(workers=(Worker("gpu", queues=("models",)),)), Spec(), set()),
    # Part of the deployment could not be read: the profile may be deployed there.
    (
        Spec(workers=(Worker("gpu", queues=("models",)),)),
        Spec(services=(*DEPLOYED, Service("chart/templates/worker.yaml", dynamic=True))),
        set(),
    ),
    # A documented worker without -Q and a deployed one without -Q consume the same
    # queues: every declared queue.
    (
        Spec(services=(Service("worker", "worker"),)),
        Spec(
            services=(Service("celery", "worker"),),
            queues=(Queue("tasks"), Queue("transient")),
        ),
        set(),
    ),
]


@pytest.mark.parametrize(("documented", "actual", "expected"), WORKER_CASES)
def test_worker_rules(documented: Spec, actual: Spec, expected: set[tuple[str, str]]) -> None:
    assert outcome(documented, actual, "worker.") == expected


def test_a_documented_worker_class_import_is_reported_once() -> None:
    documented = Spec(
        workers=(Worker("WorkerConfig", "class"),),
        symbols=(imp("app.workers.config.WorkerConfig"),),
    )
    found = outcome(documented, Spec(symbols=CODE))
    assert found == {("worker.class-missing", "WorkerConfig")}
    # ...and the import it came with is not listed as conforming either.
    assert conforming(documented, Spec(symbols=CODE), "symbols") == set()


def test_only_names_that_exist_conform() -> None:
    uses = (imp("app.fal.FalAIClient"), imp("app.lazy.Anything"), imp("app.base.Model.x"))
    assert conforming(Spec(symbols=uses), Spec(symbols=CODE), "symbols") == {"app.fal.FalAIClient"}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # exists, as `module.attr` or `module:attr`: nothing to say
        ("app.core.progress.RedisStore", set()),
        ("app.core.progress:RedisStore", set()),
        ("app.core.progress", set()),
        # only the last attribute of a real module (two levels deep) is missing
        (
            "app.core.progress.ProgressStore",
            {("symbol.missing", "app.core.progress.ProgressStore")},
        ),
        (
            "app.core.progress:progres_tracker",
            {("symbol.renamed", "app.core.progress:progres_tracker")},
        ),
        # not judged: a top-level package's attribute (Django's `users.User` style), a
        # settings constant, a missing module (perhaps one the scan could not read), a
        # name outside the project, a file path
        ("app.User", set()),
        ("app.core.progress.TASK_TIME_LIMIT", set()),
        ("app.core.missing.RedisStore", set()),
        ("django.conf.settings", set()),
        ("app/core/progress.py", set()),
    ],
)
def test_dotted_paths_in_sentences_are_claims_that_the_name_exists(
    written: str, expected: set[tuple[str, str]]
) -> None:
    documented = Spec(mentions=(Mention(written, Location("docs/a.md", 3)),))
    assert outcome(documented, Spec(symbols=CODE), "symbol.") == expected


def test_a_path_from_an_example_is_no_claim() -> None:
    # plane: `from plane.api.serializers import MySerializer` under "Example Unit Test"
    documented = Spec(
        mentions=(
            Mention("app.core.progress.MySerializer", Location("docs/a.md", 3), kind="example"),
        )
    )
    assert outcome(documented, Spec(symbols=CODE), "symbol.") == set()


def test_a_missing_profile_names_the_nearest_deployed_worker_and_the_difference() -> None:
    from conformance.rules import run_rules

    documented = Spec(workers=(Worker("gpu", queues=("models", "renders")),))
    deployed = (
        Service("worker", "worker", queues=("batch", "models"), source=Location("compose.yml", 9)),
        Service("mail", "worker", queues=("emails",)),
    )
    findings, _ = run_rules(documented, Spec(services=deployed))
    [finding] = [f for f in findings if f.rule == "worker.profile-missing"]
    assert finding.message.endswith(
        "; the nearest, `worker`, lacks `renders` and also consumes `batch`"
    )
    assert finding.code == Location("compose.yml", 9)
    assert finding.actual is None  # the fingerprint baselines keep is unchanged
    # no worker shares a queue: nothing to point at
    findings, _ = run_rules(Spec(workers=(Worker("x", queues=("q",)),)), Spec(services=deployed))
    [lonely] = [f for f in findings if f.rule == "worker.profile-missing"]
    assert lonely.code is None and "nearest" not in lonely.message


@pytest.mark.parametrize(
    ("documented", "deployed", "expected"),
    [
        # -P: the pool the docs give against the deployed one (prefork without -P)
        ({"pool": "gevent"}, {"pool": "gevent"}, set()),
        ({"pool": "gevent"}, {}, {("worker.profile-mismatch", "batch")}),
        ({"pool": "prefork"}, {}, set()),
        # --autoscale max,min
        ({"autoscale": "10,3"}, {"autoscale": "10,3"}, set()),
        ({"autoscale": "10,3"}, {"autoscale": "8,2"}, {("worker.profile-mismatch", "batch")}),
        ({"autoscale": "10,3"}, {}, set()),  # deployed without: not judged
    ],
)
def test_pool_and_autoscale_of_a_profile(documented: dict, deployed: dict, expected: set) -> None:
    doc = Spec(workers=(Worker("batch", queues=("batch",), **documented),))
    actual = Spec(services=(Service("batch", "worker", queues=("batch",), **deployed),))
    assert outcome(doc, actual, "worker.") == expected


def test_pool_and_autoscale_are_read_from_tables_and_commands() -> None:
    from conformance.deploy.commandline import parse_celery_command
    from conformance.extract import extract_text

    page = "# Workers\n\n| Worker | Queues | Pool | Autoscale |\n| --- | --- | --- | --- |\n"
    page += "| `io` | `mail` | Gevent | 10, 3 |\n"
    (worker,) = extract_text(page, "docs/workers.md").spec.workers
    assert (worker.pool, worker.autoscale) == ("gevent", "10,3")
    command = parse_celery_command("celery -A p worker -P gevent --autoscale=10,3")
    assert command is not None and (command.pool, command.autoscale) == ("gevent", "10,3")
