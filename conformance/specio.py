"""Spec YAML: write a :class:`Spec` and read it back unchanged.

The format (``version: 1`` and the contract's sections) is what ``extract`` and
``introspect`` print and what hand-written ``specs/*.yaml`` files contain. Fields are the
dataclass fields of each item; locations are written ``path:line``; schedules as cron
(``"0 * * * *"``), an interval (``every: 600``) or words (``"daily at 02:00"``).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import ConformanceError
from conformance.model import SECTIONS, Location, Origin, Schedule, Spec, Task, Timing
from conformance.schedules import from_yaml, to_yaml
from conformance.yamlsafe import BoundedLoader
from conformance.yamlsafe import load as bounded_load

VERSION = 1


# --- writing -----------------------------------------------------------------------------


def spec_to_data(spec: Spec) -> dict[str, Any]:
    data: dict[str, Any] = {"version": VERSION}
    for section in SECTIONS:
        items = getattr(spec, section)
        if items:
            data[section] = [_item_to_data(item) for item in items]
    return data


def dump_spec(spec: Spec) -> str:
    return yaml.safe_dump(spec_to_data(spec), sort_keys=False, allow_unicode=True, width=100)


def _item_to_data(item: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(item):
        value = getattr(item, f.name)
        if isinstance(item, Schedule) and f.name == "timing":
            if value is not None:
                written = to_yaml(value)
                if isinstance(written, dict):
                    out.update(written)
                else:
                    out["schedule"] = written
            continue
        # `source` is always written (null when unknown): a missing one would be read
        # back as the YAML line of the item, as it is for hand-written files.
        if _is_default(f, value) and f.name not in ("name", "origin", "source"):
            continue
        out[f.name] = _value_to_data(value)
    return out


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return bool(value == f.default)
    if f.default_factory is not dataclasses.MISSING:
        return bool(value == f.default_factory())
    return False


def _value_to_data(value: Any) -> Any:
    if isinstance(value, Location):
        return str(value)
    if isinstance(value, Origin):
        return value.value
    if isinstance(value, tuple | list):
        return [_value_to_data(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _value_to_data(v) for k, v in value.items()}
    return value


# --- reading -----------------------------------------------------------------------------


class _LineLoader(BoundedLoader):
    """A safe loader whose mappings remember their line, for ``path:line`` errors."""


class _LinedDict(dict[Any, Any]):
    line: int = 0


def _construct_lined_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LinedDict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key is not None and key in seen:
            # YAML would keep the last silently; a spec that says a thing twice is a typo.
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key `{key}`", key_node.start_mark
            )
        seen.add(key)
    mapping = _LinedDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(  # type: ignore[type-var]  # the stubs list PyYAML's loaders only
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_lined_mapping
)


def load_spec_text(text: str, path: str, *, default_origin: Origin = Origin.SPEC) -> Spec:
    try:
        data = bounded_load(text, _LineLoader)
    except (RecursionError, MemoryError):
        raise ConformanceError("not valid YAML: nested too deeply", path, None) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConformanceError(f"not valid YAML: {problem}", path, line) from None
    if not isinstance(data, dict):
        raise ConformanceError("a spec file must be a mapping with `version: 1`", path, 1)
    version = data.get("version")
    if isinstance(version, bool) or version != VERSION:  # `version: true` is not 1
        raise ConformanceError(
            f"unsupported spec version {data.get('version')!r} (expected {VERSION})",
            path,
            getattr(data, "line", 1),
        )
    sections: dict[str, tuple[Any, ...]] = {}
    for key, items in data.items():
        if key == "version":
            continue
        if key not in SECTIONS:
            raise ConformanceError(f"unknown section `{key}`", path, getattr(data, "line", 1))
        if not isinstance(items, list):
            raise ConformanceError(
                f"section `{key}` must be a list", path, getattr(data, "line", 1)
            )
        cls = SECTIONS[key]
        sections[key] = tuple(_item_from_data(cls, item, path, default_origin) for item in items)
    return Spec(**sections)


def load_spec_file(path: Path, display: str | None = None) -> Spec:
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConformanceError(f"cannot read spec file: {exc}", shown) from None
    return load_spec_text(text, shown)


def _item_from_data(cls: type[Any], raw: Any, path: str, default_origin: Origin) -> Any:
    line = getattr(raw, "line", None)
    if not isinstance(raw, dict):
        raise ConformanceError(f"a {cls.__name__.lower()} must be a mapping", path, line)
    raw = dict(raw)
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    if cls is Schedule:
        kwargs["timing"] = _timing_from_data(raw, path, line)
    names = {f.name for f in dataclasses.fields(cls)}
    for key, value in raw.items():
        if key not in names:
            raise ConformanceError(f"unknown field `{key}` in {cls.__name__.lower()}", path, line)
        try:
            kwargs[key] = _convert(hints[key], value)
        except (TypeError, ValueError) as exc:
            raise ConformanceError(f"field `{key}`: {exc}", path, line) from None
    if cls is Task:
        _check_options(kwargs.get("options") or {}, path, line)
    kwargs.setdefault("origin", default_origin)
    if "source" not in kwargs and line is not None:
        kwargs["source"] = Location(path, line)
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConformanceError(f"{cls.__name__.lower()}: {exc}", path, line) from None


# Task options that are counts or durations: a finite number, not negative.
_NUMERIC_OPTIONS = frozenset(
    {"time_limit", "soft_time_limit", "max_retries", "default_retry_delay", "expires",
     "retry_backoff_max", "countdown", "priority"}
)  # fmt: skip


def _check_options(options: Mapping[str, Any], path: str, line: int | None) -> None:
    for key, value in options.items():
        if key not in _NUMERIC_OPTIONS or value is None:
            continue
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < 0:
            raise ConformanceError(
                f"field `options.{key}`: must be a finite number of at least 0, not {value!r}",
                path,
                line,
            )


def _timing_from_data(raw: dict[str, Any], path: str, line: int | None) -> Timing | None:
    value: Any = None
    if "every" in raw:
        value = {"every": raw.pop("every")}
    elif "schedule" in raw:
        value = raw.pop("schedule")
    raw.pop("timing", None)
    if value is None:
        return None
    try:
        return from_yaml(value)
    except ValueError as exc:
        raise ConformanceError(f"unreadable schedule {value!r}: {exc}", path, line) from None


def _convert(hint: Any, value: Any) -> Any:
    """Turn YAML data into the field's type (only the shapes the model uses)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, value)
            except (TypeError, ValueError) as exc:
                errors.append(str(exc))
        raise ValueError("; ".join(errors) or f"unexpected {value!r}")
    if hint is Location:
        if not isinstance(value, str):
            raise ValueError(f"expected `path:line`, got {value!r}")
        return Location.parse(value)
    if hint is Origin:
        return Origin(value)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            else:
                raise ValueError(f"expected a list, got {value!r}")
        inner = args[0] if args else Any
        return tuple(_convert(inner, v) for v in value)
    if origin is typing.Literal:
        if value not in args:
            raise ValueError(f"expected one of {', '.join(map(str, args))}, got {value!r}")
        return value
    if origin in (Mapping, dict) or hint is Mapping:
        if not isinstance(value, dict):
            raise ValueError(f"expected a mapping, got {value!r}")
        return dict(value)
    if hint is str:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValueError(f"expected text, got {value!r}")
        return str(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {value!r}")
        return float(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    return value
