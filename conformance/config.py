"""``[tool.conformance]`` in ``pyproject.toml``: read, validated, resolved."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from conformance.errors import ConformanceError
from conformance.fileio import project_path
from conformance.nesting import REPORTED_DEPTH, too_deep_line

Mode = Literal["auto", "live", "static"]
FailOn = Literal["error", "warning", "info", "never"]
RuleLevel = Literal["error", "warning", "info", "off"]

MODES: tuple[str, ...] = ("auto", "live", "static")
FAIL_ON: tuple[str, ...] = ("error", "warning", "info", "never")
RULE_LEVELS: tuple[str, ...] = ("error", "warning", "info", "off")


@dataclass(frozen=True)
class Config:
    """The resolved configuration. Paths are absolute; ``root`` is the config's folder.

    ``app`` is the (first) Celery app; ``apps`` every app when the configuration names
    several (``app = ["a.celery:app", "b.celery:app"]``), see :attr:`app_list`.
    """

    root: Path
    app: str | None = None
    docs: tuple[str, ...] = ("docs/**/*.md",)
    specs: tuple[str, ...] = ("specs/*.yaml",)
    mode: Mode = "auto"
    search_paths: tuple[str, ...] = (".",)
    python: str = ""
    monitoring: tuple[str, ...] = ()
    deploy: tuple[str, ...] = ()
    fail_on: FailOn = "error"
    baseline: str = ""
    timeout: float = 30.0
    # The running system (all optional): a broker URL whose workers are asked (`auto`:
    # the app's own `broker_url`), a django-celery-beat database, a /metrics endpoint.
    workers: str = ""
    beat_db: str = ""
    metrics_url: str = ""
    # `.conformance_cache/`: pages and the static analysis reused while their files stay
    # the same (off unless asked: `cache = true` or `check --cache`).
    cache: bool = False
    rules: Mapping[str, RuleLevel] = field(default_factory=dict)
    source: Path | None = None
    apps: tuple[str, ...] = ()
    # The line of each key in `source`, for notices about a configured value.
    key_lines: Mapping[str, int] = field(default_factory=dict, compare=False)
    # Paths as `rel` showed them: the probe names the same few files for every task, and
    # resolving a path walks the file system.
    _shown: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # ``app`` and ``apps`` always agree: ``app`` is the first of ``apps``; an ``app``
        # that is not in ``apps`` (``replace(config, app=...)``) replaces the list.
        if self.app is None and self.apps:
            object.__setattr__(self, "app", self.apps[0])
        elif self.app and self.app not in self.apps:
            object.__setattr__(self, "apps", (self.app,))
        elif not self.app:
            object.__setattr__(self, "app", None)
            object.__setattr__(self, "apps", ())

    @property
    def app_list(self) -> tuple[str, ...]:
        """Every configured Celery app, in the configured order."""
        return self.apps

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with the CLI's options applied (``None`` means: not given). An ``app``
        given here replaces the whole list of apps."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if "app" in given and "apps" not in given:
            given["apps"] = (given["app"],) if given["app"] else ()
        return replace(self, **given)

    def rel(self, path: Path | str) -> str:
        """A path as reports show it: relative to the root, POSIX separators."""
        key = str(path)
        shown = self._shown.get(key)
        if shown is None:
            shown = self._shown[key] = project_path(path, self.root)
        return shown

    @property
    def search_dirs(self) -> tuple[Path, ...]:
        return tuple((self.root / p).resolve() for p in self.search_paths)


_LIST_KEYS = ("docs", "specs", "search_paths", "monitoring", "deploy")
_STR_KEYS = ("python", "baseline", "workers", "beat_db", "metrics_url")
KNOWN_KEYS = (
    *_LIST_KEYS,
    "app",
    *_STR_KEYS,
    "mode",
    "fail_on",
    "timeout",
    "cache",
    "rules",
)


def find_pyproject(start: Path) -> Path | None:
    """The ``pyproject.toml`` in ``start`` or its nearest parent that has one."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None = None, cwd: Path | None = None) -> Config:
    """Read the configuration from ``path`` or the nearest ``pyproject.toml``.

    Without any file the defaults apply with the current directory as root.
    """
    cwd = (cwd or Path.cwd()).resolve()
    if path is None:
        path = find_pyproject(cwd)
        if path is None:
            return Config(root=cwd)
    path = path.resolve()
    if not path.is_file():
        raise ConformanceError("configuration file not found", str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConformanceError(f"cannot read: {exc}", str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = re.sub(r" \(at line \d+, column \d+\)$", "", str(exc))
        raise ConformanceError(f"not valid TOML: {message}", str(path), _toml_line(exc)) from None
    except RecursionError:
        raise ConformanceError(
            f"not valid TOML: nested more than {REPORTED_DEPTH} levels deep",
            str(path),
            too_deep_line(text, comments=True),
        ) from None
    if path.name == "pyproject.toml":
        section = data.get("tool", {}).get("conformance", {})
    else:
        # A dedicated file (conformance.toml) may hold the keys at the top level.
        section = data.get("tool", {}).get("conformance", data)
    lines = key_lines(text)
    return config_from_mapping(section, root=path.parent, source=path, lines=lines)


_TABLE = re.compile(r"^\s*\[(?P<name>[^\[\]]+)\]\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_\-]+|\"[^\"]+\")\s*=")


def key_lines(text: str) -> dict[str, int]:
    """The line of each key of the ``[tool.conformance]`` table (or of the top level of
    a dedicated file), for ``path:line`` errors."""
    found: dict[str, int] = {}
    table: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE.match(line)
        if header:
            table = header.group("name").strip()
            continue
        key = _KEY.match(line)
        if key and table in (None, "tool.conformance"):
            found.setdefault(key.group("key").strip('"'), number)
    return found


MAX_TIMEOUT = 24 * 3600.0
"""The longest import the live probe may be given: longer is a typo, not a setting."""


def config_from_mapping(
    section: Mapping[str, Any],
    root: Path,
    source: Path | None = None,
    lines: Mapping[str, int] | None = None,
) -> Config:
    """Validate one ``[tool.conformance]`` table; ``lines`` locates its keys."""
    if not isinstance(section, Mapping):
        raise ConformanceError("[tool.conformance] must be a table", str(source or "configuration"))
    values: dict[str, Any] = {}
    for key, value in section.items():
        # Errors name the key's line: `pyproject.toml:12: ...`.
        line = (lines or {}).get(key)
        where = f"{source or 'configuration'}" + (f":{line}" if line else "")
        if key not in KNOWN_KEYS:
            raise ConformanceError(f"unknown key `{key}`{_did_you_mean(key, KNOWN_KEYS)}", where)
        if key in _LIST_KEYS:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConformanceError(f"`{key}` must be a list of strings", where)
            values[key] = tuple(value)
        elif key == "app":
            values["apps"] = _check_apps(value, where)
        elif key in _STR_KEYS:
            if not isinstance(value, str):
                raise ConformanceError(f"`{key}` must be a string", where)
            values[key] = value
        elif key == "mode":
            values[key] = check_choice("mode", value, MODES, where)
        elif key == "fail_on":
            values[key] = check_choice("fail_on", value, FAIL_ON, where)
        elif key == "timeout":
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or not 0 < value <= MAX_TIMEOUT
            ):
                raise ConformanceError(
                    f"`timeout` must be a number of seconds above 0 and at most "
                    f"{MAX_TIMEOUT:.0f}, not {value!r}",
                    where,
                )
            values[key] = float(value)
        elif key == "cache":
            if not isinstance(value, bool):
                raise ConformanceError("`cache` must be true or false", where)
            values[key] = value
        elif key == "rules":
            values[key] = _check_rules(value, where)
    return Config(root=root.resolve(), source=source, key_lines=dict(lines or {}), **values)


def _check_apps(value: Any, where: str) -> tuple[str, ...]:
    """``app``: one ``MODULE:ATTRIBUTE`` string or a list of them (several Celery apps
    in one repository; the implementation is the union of their specs)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ConformanceError("`app` must be a string or a list of strings", where)
    apps = tuple(dict.fromkeys(v for v in items if v))
    for app in apps:
        check_app_spec(app, where)
    return apps


def check_choice(key: str, value: Any, choices: tuple[str, ...], where: str) -> str:
    if value not in choices:
        raise ConformanceError(
            f"`{key}` must be one of {', '.join(choices)}, not {value!r}"
            f"{_did_you_mean(str(value), choices)}",
            where,
        )
    return str(value)


def check_app_spec(app: str, where: str = "configuration") -> str:
    """``MODULE:ATTRIBUTE`` or a bare ``MODULE`` (resolved like ``celery -A``)."""
    module, _, attr = app.partition(":")
    if (
        not module
        or not all(_module_part(part) for part in module.split("."))
        or (attr and not all(part.isidentifier() for part in attr.split(".")))
    ):
        raise ConformanceError(f"`app` must look like MODULE:ATTRIBUTE, not {app!r}", where)
    return app


def _module_part(part: str) -> bool:
    # Import by name accepts a folder called `adhocracy-plus` (real projects have them,
    # and `celery -A adhocracy-plus` works), so a hyphen is allowed in module names.
    return part.replace("-", "_").isidentifier()


def _check_rules(value: Any, where: str) -> dict[str, RuleLevel]:
    # Imported here: the registry imports every rule module, config must stay light.
    from conformance.rules import RULES

    if not isinstance(value, Mapping):
        raise ConformanceError("[tool.conformance.rules] must be a table", where)
    levels: dict[str, RuleLevel] = {}
    for rule_id, level in value.items():
        if rule_id not in RULES:
            raise ConformanceError(
                f"unknown rule `{rule_id}`{_did_you_mean(rule_id, tuple(RULES))}", where
            )
        levels[rule_id] = check_choice(f"rules.{rule_id}", level, RULE_LEVELS, where)  # type: ignore[assignment]
    return levels


def _did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    import difflib  # only for a misspelt key

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _toml_line(exc: tomllib.TOMLDecodeError) -> int | None:
    """The error's line: ``lineno`` from Python 3.14, the message's "(at line N, column M)"
    before it."""
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
    return int(found.group(1)) if found else None
