"""Guards on our own source: the calls that could run or render doc text are absent.

The behavioural tests (test_hostile_docs, test_hostile_report) show that hostile pages
run nothing; these catch a future change that adds a dangerous call somewhere else.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from conformance.specio import _LineLoader
from conformance.yamlsafe import BoundedLoader, PureBoundedLoader

PACKAGE = Path(__file__).resolve().parents[1] / "conformance"
# The probe runs in the child and imports the user's app on purpose.
PROBE = PACKAGE / "introspect" / "probe.py"


def calls() -> list[tuple[str, int, str]]:
    """Every call in the package as (file, line, dotted callee); an import of one of our
    own modules by a constant name is left out."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PROBE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and not imports_our_own(node):
                found.append((path.relative_to(PACKAGE).as_posix(), node.lineno, dotted(node)))
    return found


def imports_our_own(call: ast.Call) -> bool:
    first = call.args[0] if call.args else None
    return (
        dotted(call) == "importlib.import_module"
        and isinstance(first, ast.Constant)
        and str(first.value).startswith("conformance.")
    )


def dotted(call: ast.Call) -> str:
    parts = []
    node: ast.expr = call.func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


FORBIDDEN = {
    "eval",
    "exec",
    "compile",
    "__import__",
    "importlib.import_module",
    "yaml.unsafe_load",
    "yaml.full_load",
    "pickle.loads",
    "pickle.load",
    "marshal.loads",
    "os.system",
    "os.popen",
    "jinja2.Template",
    "Template",
    "from_string",
}


def test_no_call_can_run_or_render_doc_text() -> None:
    bad = [c for c in calls() if c[2] in FORBIDDEN or c[2].endswith(".from_string")]
    assert bad == []


def test_yaml_is_only_read_with_safe_loaders() -> None:
    # yamlsafe.py drives its loaders itself; nothing calls PyYAML's load functions.
    loads = [c for c in calls() if c[2].startswith("yaml.") and "load" in c[2]]
    assert loads == []
    assert [c for c in calls() if c[2] == "yaml.compose_all"] == []
    # One budgeted loader with PyYAML's safe constructor (no python/* tags), and
    # specio's line-numbering subclass of it.
    assert issubclass(_LineLoader, BoundedLoader)
    for loader in (BoundedLoader, PureBoundedLoader):
        assert issubclass(loader, yaml.constructor.SafeConstructor)
        assert not issubclass(loader, yaml.constructor.FullConstructor)
        assert not any("python" in str(tag) for tag in loader.yaml_constructors)
        assert not loader.yaml_multi_constructors


def test_files_are_written_only_by_write_atomic() -> None:
    writers = {"write_text", "write_bytes", "mkstemp", "os.replace", "os.rename"}
    found = [c for c in calls() if c[2].rpartition(".")[2] in writers or c[2] in writers]
    assert {c[0] for c in found} == {"fileio.py"}
    opened = [c for c in calls() if c[2] in ("open", "os.fdopen", "io.open")]
    assert {c[0] for c in opened} <= {"fileio.py"}


def test_subprocesses_are_only_the_probe_and_git() -> None:
    spawns = [c for c in calls() if c[2].startswith("subprocess.")]
    # The probe, and git (for --diff-base, and for the history of drifted lines).
    assert sorted({c[0] for c in spawns}) == [
        "diffbase.py",
        "introspect/launch.py",
        "reports/history.py",
    ]
