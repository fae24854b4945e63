"""Reading deployment files (Compose, Kubernetes, Procfile, supervisord, systemd, shell)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance.deploy.read import deploy_format, read_deploy_files
from conformance.errors import ConformanceError
from conformance.model import Location, Origin

FIXTURES = Path(__file__).parent / "fixtures" / "deploy"
APP = "app.workers.celery_app"

# (name, role, app, queues, concurrency, prefetch, "path:line")
Expected = tuple[str, str, str | None, tuple[str, ...], int | None, int | None, str]

FORMAT_ROWS: list[tuple[str, list[Expected]]] = [
    # Compose: anchors merged, entrypoint script + list command, sh -c, flower by image
    (
        "docker-compose.yml",
        [
            ("redis", "other", None, (), None, None, "docker-compose.yml:7"),
            ("worker-default", "worker", APP, ("default", "emails"), 4, 1, "docker-compose.yml:10"),
            ("worker-batch", "worker", APP, ("batch",), None, None, "docker-compose.yml:14"),
            ("scheduler", "beat", APP, (), None, None, "docker-compose.yml:19"),
            ("flower", "flower", None, (), None, None, "docker-compose.yml:24"),
        ],
    ),
    # Kubernetes: multi-document; init containers, kind Service and non-celery jobs ignored
    (
        "k8s/*.yaml",
        [
            (
                "celery-worker",
                "worker",
                APP,
                ("batch", "maintenance"),
                2,
                None,
                "k8s/workers.yaml:22",
            ),
            ("beat", "beat", APP, (), None, None, "k8s/workers.yaml:50"),
            ("flower", "flower", None, (), None, None, "k8s/workers.yaml:53"),
        ],
    ),
    # Procfile: every process line, with ${VAR:-default}
    (
        "Procfile",
        [
            ("web", "other", None, (), None, None, "Procfile:2"),
            ("worker", "worker", APP, ("default", "emails"), 3, None, "Procfile:3"),
            ("clock", "beat", APP, (), None, None, "Procfile:4"),
        ],
    ),
    # supervisord: continuation lines and inline comments
    (
        "supervisord.conf",
        [
            ("api", "other", None, (), None, None, "supervisord.conf:5"),
            ("celery-batch", "worker", APP, ("batch",), 2, None, "supervisord.conf:10"),
            ("flower", "flower", APP, (), None, None, "supervisord.conf:15"),
        ],
    ),
    # systemd: Celery-docs style units with Environment= and sh -c
    (
        "systemd/*.service",
        [
            ("celery", "worker", APP, ("default", "emails"), 8, None, "systemd/celery.service:10"),
            ("celerybeat", "beat", APP, (), None, None, "systemd/celerybeat.service:5"),
        ],
    ),
    # shell script: one service per worker line, named by -n; inspect ping is not a service
    (
        "start-workers.sh",
        [
            ("default", "worker", APP, ("default",), None, None, "start-workers.sh:4"),
            ("maintenance", "worker", APP, ("maintenance",), None, None, "start-workers.sh:5"),
        ],
    ),
]


@pytest.mark.parametrize(("pattern", "expected"), FORMAT_ROWS)
def test_each_format(pattern: str, expected: list[Expected]) -> None:
    extraction = read_deploy_files([pattern], FIXTURES)
    got = [
        (s.name, s.role, s.app, s.queues, s.concurrency, s.prefetch_multiplier, str(s.source))
        for s in extraction.spec.services
    ]
    assert got == expected
    assert all(s.origin is Origin.STATIC for s in extraction.spec.services)
    assert extraction.notices == ()


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("docker-compose.prod.yml", "", "compose"),  # by name
        ("compose.yaml", "", "compose"),  # the newer default name
        ("stack.yml", "services:\n  w: {}\n", "compose"),  # by content
        ("worker.yaml", "apiVersion: v1\nkind: Pod\n", "kubernetes"),  # by content
        ("values.yaml", "replicas: 2\n", None),  # plain YAML
        ("Procfile.dev", "", "procfile"),  # Procfile variants
        ("celery.conf", "[program:w]\ncommand=celery\n", "supervisord"),
        ("celery.ini", "[program:w]\ncommand=celery\n", "supervisord"),
        ("celery.conf", "[Service]\nExecStart=celery\n", "systemd"),  # a drop-in
        ("nginx.conf", "server {}\n", None),  # some other .conf
        ("w@.service", "", "systemd"),
        ("run.sh", "", "shell"),
        ("entrypoint", '#!/bin/sh\nexec "$@"\n', "shell"),  # shebang, no suffix
        ("README", "hello\n", None),
    ],
)
def test_deploy_format(name: str, text: str, kind: str | None) -> None:
    assert deploy_format(name, text) == kind


def test_all_patterns_merge_in_order_and_a_file_is_read_once() -> None:
    extraction = read_deploy_files(["Procfile", "*", "Procfile"], FIXTURES, origin=Origin.DOCS)
    paths = [s.source.path for s in extraction.spec.services if s.source]
    assert paths[:3] == ["Procfile"] * 3
    assert paths.count("Procfile") == 3
    assert "docker-compose.yml" in paths
    assert {s.origin for s in extraction.spec.services} == {Origin.DOCS}
    # notes.txt matched the glob but is no deploy format
    assert [(n.kind, n.path) for n in extraction.notices] == [("skipped", "notes.txt")]


def test_recursive_glob_and_relative_paths(tmp_path: Path) -> None:
    deep = tmp_path / "deploy" / "prod"
    deep.mkdir(parents=True)
    shutil.copy(FIXTURES / "Procfile", deep / "Procfile")
    extraction = read_deploy_files(["**/Procfile"], tmp_path)
    assert {str(s.source) for s in extraction.spec.services} == {
        "deploy/prod/Procfile:2",
        "deploy/prod/Procfile:3",
        "deploy/prod/Procfile:4",
    }


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConformanceError) as raised:
        read_deploy_files(["docker-compose.yml"], tmp_path)
    assert raised.value.line_text() == "docker-compose.yml: deploy file not found"


def test_a_glob_that_matches_nothing_is_a_notice(tmp_path: Path) -> None:
    extraction = read_deploy_files(["k8s/*.yaml"], tmp_path)
    assert extraction.spec.services == ()
    [notice] = extraction.notices
    assert notice.kind == "not-found"
    assert "k8s/*.yaml" in notice.message


@pytest.mark.parametrize(
    ("name", "text", "line", "problem"),
    [
        # a broken Compose file
        (
            "docker-compose.yml",
            "services:\n  w:\n    command: [celery\n  x: 1\n",
            4,
            "expected ','",
        ),
        # a Kubernetes manifest with a bad second document
        ("k8s.yaml", "kind: Pod\napiVersion: v1\n---\nkind: [\n", 5, "expected"),
        # Compose with Jinja tags, as project templates ship it
        ("docker-compose.yml", "services:\n{% if use_celery %}\n  w: {}\n", 2, "'%'"),
    ],
)
def test_yaml_that_does_not_parse_is_a_notice_and_an_unknown_service(
    tmp_path: Path, name: str, text: str, line: int, problem: str
) -> None:
    # A project's own file (Compose with Jinja tags, a Helm template) must not end the run.
    (tmp_path / name).write_text(text, encoding="utf-8")
    extraction = read_deploy_files([name], tmp_path)
    [notice] = extraction.notices
    assert (notice.kind, notice.path, notice.line) == ("unreadable", name, line)
    assert notice.message.startswith("yaml does not parse: ")
    assert problem in notice.message
    # What the file starts is unknown, not absent: one service marked dynamic.
    [unknown] = extraction.spec.services
    assert unknown.dynamic and unknown.source == Location(name, line)


def test_python_tags_are_refused_and_nothing_is_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "constructed"
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  w:\n"
        f"    command: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{marker}']]\n",
        encoding="utf-8",
    )
    extraction = read_deploy_files(["docker-compose.yml"], tmp_path)
    [notice] = extraction.notices
    assert (notice.path, notice.line) == ("docker-compose.yml", 3)
    assert "could not determine a constructor" in notice.message
    assert not marker.exists()


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "Procfile").write_bytes(b"worker: celery \xff\xfe\n")
    with pytest.raises(ConformanceError) as raised:
        read_deploy_files(["Procfile"], tmp_path)
    assert raised.value.path == "Procfile"
    assert raised.value.message.startswith("cannot read: ")


def test_example_project_compose_file() -> None:
    root = Path(__file__).parents[1] / "examples" / "background-tasks"
    services = read_deploy_files(["docker-compose.yml"], root).spec.services
    workers = {s.name: s.queues for s in services if s.role == "worker"}
    assert workers == {
        "worker": ("batch_processing", "model_generation"),
        "worker-maintenance": ("maintenance",),
    }
    assert [s.name for s in services if s.role == "beat"] == ["beat"]


@pytest.mark.parametrize(
    ("text", "role", "queues", "line"),
    [
        # exec form: ENTRYPOINT receives CMD as arguments
        (
            'FROM python:3.12\nENTRYPOINT ["celery", "-A", "proj"]\nCMD ["worker", "-Q", "a,b", "-c", "4"]\n',
            "worker",
            ("a", "b"),
            2,
        ),
        # shell form over continued lines, in the last stage of a multi-stage build
        (
            "FROM python:3.12 AS build\nCMD echo build\nFROM build\n"
            "CMD celery -A proj worker \\\n    -Q emails\n",
            "worker",
            ("emails",),
            4,
        ),
        # a stage built on an earlier stage inherits its command
        (
            "FROM python:3.12 AS worker\nCMD celery -A proj worker -Q emails\n"
            "FROM worker\nRUN pip install extra\n",
            "worker",
            ("emails",),
            2,
        ),
        # a shell-form ENTRYPOINT ignores CMD
        ("FROM x\nENTRYPOINT celery -A proj beat\nCMD worker -Q a\n", "beat", (), 2),
        # the image starts something else: a service that is not a worker
        ('FROM x\nCMD ["gunicorn", "proj.wsgi"]\n', "other", (), 2),
    ],
)
def test_a_dockerfile_starts_the_process_of_its_entrypoint_and_cmd(
    tmp_path: Path, text: str, role: str, queues: tuple[str, ...], line: int
) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text(text, encoding="utf-8")
    extraction = read_deploy_files(["docker/Dockerfile"], tmp_path)
    [service] = extraction.spec.services
    assert (service.role, service.queues) == (role, queues)
    assert service.source == Location("docker/Dockerfile", line)
    assert service.name == "Dockerfile"
    # read from memory: nothing written next to it
    assert sorted(p.name for p in (tmp_path / "docker").iterdir()) == ["Dockerfile"]


def test_a_dockerfile_without_a_command_starts_nothing(tmp_path: Path) -> None:
    # the build stage's command does not carry over to a stage built on an image
    (tmp_path / "Dockerfile.worker").write_text(
        "FROM python:3.12 AS build\nCMD celery -A proj worker\nFROM python:3.12\nRUN pip install x\n"
    )
    assert deploy_format("Dockerfile.worker", "") == "dockerfile"
    assert read_deploy_files(["Dockerfile.worker"], tmp_path).spec.services == ()


def test_a_helm_chart_reads_its_values_and_multi_line_actions() -> None:
    # `{{ .Values.worker.queues | quote }}` from the chart's values.yaml; an `include`
    # spread over three lines is blanked, not a parse error.
    found = read_deploy_files(["chart/templates/*.yaml"], FIXTURES / "helm")
    assert found.notices == ()
    (worker,) = found.spec.services
    assert (worker.role, worker.queues, worker.concurrency, worker.dynamic) == (
        "worker",
        ("mail", "reports"),
        4,
        False,
    )
    assert worker.source is not None and worker.source.line == 15


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        # copied to a path of its own
        ('COPY docker/run.sh /run.sh\nENTRYPOINT ["/run.sh"]\n', "ctx/docker/run.sh"),
        # inside a copied folder, named relative to the WORKDIR
        ("WORKDIR /app\nCOPY . .\nENTRYPOINT ./bin/start.sh\n", "ctx/bin/start.sh"),
        # options of COPY are not sources
        (
            'COPY --chown=app:app scripts/ /opt/\nENTRYPOINT ["/opt/entry.sh", "x"]\n',
            "ctx/scripts/entry.sh",
        ),
        # not a script, or not from the context
        ('ENTRYPOINT ["celery", "-A", "p"]\n', None),
        ('ENTRYPOINT ["/usr/bin/tini.sh"]\n', None),
    ],
)
def test_the_entrypoint_script_an_image_runs(dockerfile: str, expected: str | None) -> None:
    from pathlib import PurePosixPath

    from conformance.deploy.dockerfile import entrypoint_script

    found = entrypoint_script(f"FROM python:3.12\n{dockerfile}", PurePosixPath("ctx"))
    assert (str(found) if found is not None else None) == expected
