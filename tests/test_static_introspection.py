"""Static introspection: which modules Celery loads, configuration precedence, dynamic
values, bad input. Each case is a small real project written to tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.introspect.implementation import introspect
from conformance.model import Extraction

CELERY = "from celery import Celery, shared_task\n"


def project(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    for folder in {p.parent for p in root.rglob("*.py")}:
        if folder != root and not (folder / "__init__.py").exists():
            (folder / "__init__.py").write_text("")


def static(root: Path, app: str | tuple[str, ...] = "proj.worker:app") -> Extraction:
    apps = (app,) if isinstance(app, str) else app
    return introspect(Config(root=root, apps=apps, mode="static")).extraction


WORKER = CELERY + 'app = Celery("proj", include=["proj.jobs"])\n'
JOB = "from proj.worker import app\n\n@app.task\ndef {0}():\n    pass\n"


@pytest.mark.parametrize(
    ("files", "app", "expected"),
    [
        # include= loads proj.jobs; proj.unused is never imported, so never registered
        (
            {
                "proj/worker.py": WORKER,
                "proj/jobs.py": JOB.format("run"),
                "proj/unused.py": JOB.format("ghost"),
            },
            "proj.worker:app",
            {"proj.jobs.run"},
        ),
        # what the app module imports at import time counts, with its parent packages
        (
            {
                "proj/worker.py": CELERY + "app = Celery('p')\nimport proj.sub.more\n",
                "proj/sub/more.py": "from celery import shared_task\n"
                "@shared_task\ndef deep():\n    pass\n",
            },
            "proj.worker:app",
            {"proj.sub.more.deep"},
        ),
        # autodiscover_tasks([...]) imports <pkg>.tasks
        (
            {
                "proj/worker.py": CELERY
                + "app = Celery('p')\napp.autodiscover_tasks(['proj.a'])\n",
                "proj/a/tasks.py": "from celery import shared_task\n@shared_task\ndef a():\n    pass\n",
                "proj/b/tasks.py": "from celery import shared_task\n@shared_task\ndef b():\n    pass\n",
            },
            "proj.worker:app",
            {"proj.a.tasks.a"},
        ),
        # autodiscover_tasks() without Django settings finds nothing, as Celery does
        (
            {
                "proj/worker.py": CELERY + "app = Celery('p')\napp.autodiscover_tasks()\n",
                "proj/tasks.py": "from celery import shared_task\n@shared_task\ndef t():\n    pass\n",
            },
            "proj.worker:app",
            set(),
        ),
        # Django's INSTALLED_APPS with a part only the environment knows (`*extra`): the
        # written entries are followed (the AppConfig path names its package)
        (
            {
                "proj/worker.py": CELERY
                + "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n"
                "app = Celery('p')\n"
                "app.config_from_object('django.conf:settings', namespace='CELERY')\n"
                "app.autodiscover_tasks()\n",
                "proj/settings.py": "import os\nextra = os.environ['APPS'].split()\n"
                "INSTALLED_APPS = ['django.contrib.auth', 'shop.apps.ShopConfig', *extra]\n"
                "INSTALLED_APPS.append('mail')\n",
                "shop/apps.py": "class ShopConfig:\n    name = 'shop'\n",
                "shop/tasks.py": "from celery import shared_task\n@shared_task\ndef s():\n    pass\n",
                "mail/tasks.py": "from celery import shared_task\n@shared_task\ndef m():\n    pass\n",
                "other/tasks.py": "from celery import shared_task\n@shared_task\ndef o():\n    pass\n",
            },
            "proj.worker:app",
            {"shop.tasks.s", "mail.tasks.m"},
        ),
        # INSTALLED_APPS only known at run time (settings assembled by a star import and a
        # run-time `+=`): every package with a `tasks` module stands in for it, so a task
        # that is registered is never reported missing (found on a real Django project)
        (
            {
                "proj/worker.py": CELERY
                + "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n"
                "app = Celery('p')\n"
                "app.config_from_object('django.conf:settings', namespace='CELERY')\n"
                "app.autodiscover_tasks()\n",
                "proj/settings/__init__.py": "from .dev import *\n",
                "proj/settings/dev.py": "import os\n"
                "INSTALLED_APPS = tuple(os.environ['APPS'].split())\n",
                "apps/__init__.py": "",
                "apps/notify/tasks.py": "from celery import shared_task\n"
                "@shared_task\ndef n():\n    pass\n",
                "tests/helpers/tasks.py": "from celery import shared_task\n"
                "@shared_task\ndef t():\n    pass\n",
            },
            "proj.worker:app",
            {"apps.notify.tasks.n"},
        ),
        # the `imports` setting of a config module loads task modules too
        (
            {
                "proj/worker.py": CELERY
                + "app = Celery('p')\napp.config_from_object('proj.cfg')\n",
                "proj/cfg.py": "imports = ['proj.jobs']\n",
                "proj/jobs.py": "from celery import shared_task\n@shared_task\ndef j():\n    pass\n",
            },
            "proj.worker:app",
            {"proj.jobs.j"},
        ),
        # -A proj: proj.celery holds the app (celery -A resolution)
        (
            {
                "proj/celery.py": CELERY + "app = Celery('p', include=['proj.jobs'])\n",
                "proj/jobs.py": "from celery import shared_task\n@shared_task\ndef j():\n    pass\n",
            },
            "proj",
            {"proj.jobs.j"},
        ),
        # class-based task registered with register_task, name from another module
        (
            {
                "proj/worker.py": WORKER,
                "proj/names.py": "class T:\n    SYNC = 'sync.accounts'\n",
                "proj/jobs.py": "from celery import Task\nfrom proj.names import T\n"
                "from proj.worker import app\nclass Sync(Task):\n    name = T.SYNC\n"
                "    def run(self):\n        pass\napp.register_task(Sync())\n",
            },
            "proj.worker:app",
            {"sync.accounts"},
        ),
    ],
)
def test_only_modules_celery_loads_register_tasks(
    tmp_path: Path, files: dict[str, str], app: str, expected: set[str]
) -> None:
    project(tmp_path, files)
    assert {t.name for t in static(tmp_path, app).spec.tasks} == expected


def test_explicit_settings_override_the_config_module(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "proj/worker.py": CELERY + "app = Celery('p', include=['proj.jobs'])\n"
            "app.config_from_object('proj.cfg')\napp.conf.update(task_time_limit=50)\n",
            "proj/cfg.py": "task_time_limit = 10\ntask_soft_time_limit = 5\n"
            "task_routes = {'proj.jobs.run': 'slow'}\n",
            "proj/jobs.py": JOB.format("run"),
        },
    )
    spec = static(tmp_path).spec
    assert spec.setting("task_time_limit") == 50
    (task,) = spec.tasks
    assert (task.options["time_limit"], task.options["soft_time_limit"], task.queue) == (
        50,
        5,
        "slow",
    )


def test_config_class_with_a_base_class(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "proj/worker.py": CELERY + "from proj.cfg import Config\n"
            "app = Celery('p', include=['proj.jobs'])\napp.config_from_object(Config)\n",
            "proj/cfg.py": "import os\nclass Base:\n    task_default_queue = os.getenv('Q', 'base')\n"
            "class Config(Base):\n    task_acks_late = True\n",
            "proj/jobs.py": JOB.format("run"),
        },
    )
    (task,) = static(tmp_path).spec.tasks
    assert (task.queue, task.options["acks_late"]) == ("base", True)


@pytest.mark.parametrize(
    ("schedule_source", "expected"),
    [
        # a list of dicts turned into entries by a comprehension
        (
            "E = [{'n': 'a', 's': 60}, {'n': 'b', 's': 120}]\n"
            "beat_schedule = {e['n']: {'task': 't', 'schedule': e['s']} for e in E}\n",
            {"a": 60.0, "b": 120.0},
        ),
        # a function that builds the dict in a loop and under flags
        (
            "import os\nON = os.getenv('ON', '1') == '1'\nOFF = False\n"
            "def build():\n    d = {}\n    for n in ['x', 'y']:\n"
            "        d[n] = {'task': 't', 'schedule': 30}\n"
            "    if ON:\n        d['on'] = {'task': 't', 'schedule': 10}\n"
            "    if OFF:\n        d['off'] = {'task': 't', 'schedule': 10}\n    return d\n"
            "beat_schedule = build()\n",
            {"x": 30.0, "y": 30.0, "on": 10.0},
        ),
        # a module-level `if` with a known flag keeps only the branch that runs
        (
            "import os\nbeat_schedule = {'a': {'task': 't', 'schedule': 5}}\n"
            "if os.getenv('EXTRA', 'no') == 'yes':\n"
            "    beat_schedule['extra'] = {'task': 't', 'schedule': 5}\n",
            {"a": 5.0},
        ),
        # {**base} and a later d["k"] = ... update
        (
            "base = {'a': {'task': 't', 'schedule': 5}}\nbeat_schedule = {**base}\n"
            "beat_schedule['b'] = {'task': 't', 'schedule': 7}\n",
            {"a": 5.0, "b": 7.0},
        ),
    ],
)
def test_beat_schedules_built_by_code(
    tmp_path: Path, schedule_source: str, expected: dict[str, float]
) -> None:
    project(
        tmp_path,
        {
            "proj/worker.py": CELERY + "app = Celery('p')\napp.config_from_object('proj.cfg')\n",
            "proj/cfg.py": schedule_source,
        },
    )
    schedules = static(tmp_path).spec.schedules
    assert {s.name: s.timing.every if s.timing else None for s in schedules} == expected


def test_what_only_run_time_knows_is_dynamic_with_a_notice(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "proj/worker.py": CELERY + "import os\n"
            "def router(name, args, kwargs, options, task=None, **kw):\n    return None\n"
            "app = Celery('p', include=['proj.jobs'])\n"
            "app.conf.task_routes = (router,)\n"
            "app.conf.task_time_limit = int(os.environ['LIMIT'])\n",
            "proj/jobs.py": JOB.format("run"),
        },
    )
    result = static(tmp_path)
    (task,) = result.spec.tasks
    assert task.queue is None
    (limit,) = [s for s in result.spec.settings if s.name == "task_time_limit"]
    assert limit.dynamic
    messages = [n.message for n in result.notices if n.kind == "not-judged"]
    assert any("queue of task `proj.jobs.run`" in m for m in messages)
    assert any("task_time_limit" in m for m in messages)


def test_a_module_that_does_not_parse_is_a_notice_and_the_rest_goes_on(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "proj/worker.py": CELERY + "app = Celery('p', include=['proj.jobs', 'proj.bad'])\n",
            "proj/jobs.py": JOB.format("run"),
            "proj/bad.py": "x = 1\ndef broken(:\n",
        },
    )
    result = static(tmp_path)
    assert [t.name for t in result.spec.tasks] == ["proj.jobs.run"]
    assert [(n.kind, n.path, n.line) for n in result.notices if n.kind == "syntax-error"] == [
        ("syntax-error", "proj/bad.py", 2)
    ]


@pytest.mark.parametrize(
    ("files", "app", "named"),
    [
        # config_from_object names a module that is not there
        (
            {
                "proj/worker.py": CELERY
                + "app = Celery('p')\napp.config_from_object('missing.mod')\n"
            },
            "proj.worker:app",
            "missing.mod",
        ),
        # the app module itself is not there
        ({"proj/worker.py": CELERY + "app = Celery('p')\n"}, "proj.nothing:app", "proj.nothing"),
    ],
)
def test_a_module_that_is_not_there_is_an_error(
    tmp_path: Path, files: dict[str, str], app: str, named: str
) -> None:
    project(tmp_path, files)
    with pytest.raises(ConformanceError, match=named.replace(".", r"\.")):
        static(tmp_path, app)


def test_several_apps_give_the_union_each_with_its_own_settings(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "a/worker.py": CELERY + "app = Celery('a', include=['a.jobs'])\n"
            "app.conf.task_default_queue = 'qa'\n",
            "a/jobs.py": "from a.worker import app\n@app.task\ndef ja():\n    pass\n",
            "b/worker.py": CELERY + "app = Celery('b', include=['b.jobs'])\n"
            "app.conf.task_default_queue = 'qb'\n",
            "b/jobs.py": "from b.worker import app\n@app.task\ndef jb():\n    pass\n",
        },
    )
    spec = static(tmp_path, ("a.worker:app", "b.worker:app")).spec
    assert {(t.name, t.queue) for t in spec.tasks} == {("a.jobs.ja", "qa"), ("b.jobs.jb", "qb")}


@pytest.mark.parametrize(
    ("module_text", "refused"),
    [
        ('from celery import Celery\napp = Celery("p")\n', True),  # `missing` assigned nowhere
        ('from celery import Celery\nmissing = Celery("p")\n', False),
        ("from p.other import *\n", False),  # may come from the star import
        ("def __getattr__(name):\n    return name\n", False),  # a module __getattr__
        ('globals()["missing"] = 1\n', False),  # made at run time
        ("for missing in range(2):\n    pass\n", False),  # bound by a loop
    ],
)
def test_static_mode_stops_on_an_app_attribute_the_module_never_binds(
    tmp_path: Path, module_text: str, refused: bool
) -> None:
    from clirun import run_cli

    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "__init__.py").write_text("")
    (tmp_path / "p" / "other.py").write_text("")
    (tmp_path / "p" / "celery.py").write_text(module_text)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.conformance]\napp = "p.celery:missing"\ndocs = []\nmode = "static"\n'
    )
    done = run_cli(tmp_path, "check")
    if refused:
        assert done.returncode == 2
        assert done.stderr.strip() == (
            "conformance: error: p.celery:missing: module 'p.celery' has no attribute 'missing'"
        )
    else:
        assert done.returncode == 0, done.stderr
