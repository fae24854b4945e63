"""The command line: ``conformance check | extract | introspect | diff | rules``.

Every command is a plain function returning its exit status: 0 nothing at or above
``fail_on``, 1 drift, 2 the run could not be judged (one ``path:line: what`` line per
problem on standard error, never a traceback, never a partial report).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from conformance import __version__
from conformance.config import FAIL_ON, MODES, Config, check_app_spec, load_config
from conformance.errors import ConformanceError, ConformanceErrors
from conformance.fileio import write_atomic
from conformance.gcpause import no_cyclic_gc
from conformance.interrupts import Interrupted, exit_status, signals_as_interrupts
from conformance.runtime.redact import redact

if TYPE_CHECKING:
    from conformance.introspect.launch import LaunchedProbe

FORMATS = ("text", "markdown", "json", "sarif", "github", "junit", "pr-comment")


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="pyproject.toml (or TOML file) with [tool.conformance]",
    )
    parser.add_argument(
        "--root",
        type=Path,
        metavar="DIR",
        help="project folder (default: the config file's folder)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conformance",
        description="Keep a Celery backend's documentation honest.",
    )
    parser.add_argument("--version", action="version", version=f"conformance {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="compare the docs with the code and report drift")
    _add_config_options(check)
    check.add_argument("--app", metavar="MODULE:ATTR", help="the Celery app")
    check.add_argument("--docs", action="append", metavar="GLOB", help="Markdown docs")
    check.add_argument("--spec", action="append", metavar="GLOB", help="spec YAML files")
    check.add_argument("--mode", choices=MODES, help="live import, static analysis, or auto")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("--output", "-o", type=Path, metavar="FILE")
    check.add_argument("--fail-on", choices=FAIL_ON)
    check.add_argument("--baseline", metavar="FILE")
    check.add_argument("--write-baseline", type=Path, metavar="FILE")
    check.add_argument(
        "--diff-base", metavar="REV", help="only drift introduced since this git revision"
    )
    check.add_argument(
        "--template", type=Path, metavar="FILE", help="Jinja2 template for --format markdown"
    )
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.add_argument(
        "--workers", metavar="BROKER_URL", help="ask the running workers (or `auto`: the app's)"
    )
    check.add_argument("--beat-db", metavar="URL", help="django-celery-beat's database")
    check.add_argument("--metrics-url", metavar="URL", help="a running /metrics endpoint")
    check.add_argument(
        "--cache",
        action="store_true",
        default=None,
        help="reuse what unchanged files gave last time (.conformance_cache/)",
    )
    check.add_argument(
        "--no-history",
        dest="history",
        action="store_false",
        help="do not read git history to say which side of a drift moved (markdown)",
    )

    extract = sub.add_parser("extract", help="documented spec of some pages, as spec YAML")
    extract.add_argument("docs", nargs="+", type=Path, metavar="DOC.md")
    extract.add_argument("--output", "-o", type=Path, metavar="FILE")
    extract.add_argument(
        "--root",
        type=Path,
        metavar="DIR",
        help="paths in the spec are relative to this (default: .)",
    )

    intro = sub.add_parser("introspect", help="the implementation's spec, as spec YAML")
    _add_config_options(intro)
    intro.add_argument("--app", metavar="MODULE:ATTR")
    intro.add_argument("--mode", choices=MODES)
    intro.add_argument("--output", "-o", type=Path, metavar="FILE")

    diff = sub.add_parser("diff", help="run the rules on two spec files")
    diff.add_argument("expected", type=Path, metavar="EXPECTED.yaml")
    diff.add_argument("actual", type=Path, metavar="ACTUAL.yaml")
    diff.add_argument("--format", choices=FORMATS, default="text")
    diff.add_argument("--output", "-o", type=Path, metavar="FILE")
    diff.add_argument("--fail-on", choices=FAIL_ON, default="error")

    init = sub.add_parser(
        "init", help="find the Celery app, docs and deploy files; write [tool.conformance]"
    )
    init.add_argument("--root", type=Path, metavar="DIR", help="the repository (default: .)")
    init.add_argument("--app", metavar="MODULE:ATTR", help="the Celery app, when several exist")
    init.add_argument("--force", action="store_true", help="replace an existing table")
    init.add_argument(
        "--yes", action="store_true", help="never ask: take the first candidate and say so"
    )
    init.add_argument("--no-check", action="store_true", help="do not run a check afterwards")

    fix = sub.add_parser("fix", help="edit the docs to match the code (the code is the truth)")
    _add_config_options(fix)
    mode = fix.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff (default)")
    mode.add_argument("--write", action="store_true", help="apply the edits to the doc files")
    mode.add_argument(
        "--suggestions",
        action="store_true",
        help="print the edits as a GitHub review (JSON) with one-click suggestions",
    )

    rules = sub.add_parser("rules", help="every rule, or one rule's page")
    rules.add_argument("rule", nargs="?", metavar="ID")
    rules.add_argument(
        "--write-pages",
        type=Path,
        metavar="DIR",
        help="write one Markdown page per rule (and an index) into DIR",
    )
    return parser


def _config(args: argparse.Namespace) -> Config:
    if args.root is not None and not args.root.is_dir():
        raise ConformanceError("--root: directory not found", str(args.root))
    config = load_config(args.config, cwd=args.root)
    if args.root is not None and args.config is not None:
        config = config.with_overrides(root=args.root.resolve())
    app = getattr(args, "app", None)
    if app is not None:
        check_app_spec(app, "--app")
    return config.with_overrides(
        app=app,
        mode=getattr(args, "mode", None),
        docs=tuple(args.docs) if getattr(args, "docs", None) else None,
        specs=tuple(args.spec) if getattr(args, "spec", None) else None,
        fail_on=getattr(args, "fail_on", None),
        workers=getattr(args, "workers", None),
        beat_db=getattr(args, "beat_db", None),
        metrics_url=getattr(args, "metrics_url", None),
        cache=getattr(args, "cache", None),
        baseline=_cli_baseline(config, getattr(args, "baseline", None)),
    )


def _cli_baseline(config: Config, given: str | None) -> str | None:
    # A path typed on the command line is relative to the current folder; the config's
    # `baseline` is relative to the config's folder (judge joins it to the root).
    if given is None:
        return None
    return config.rel(Path(given).resolve())


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(output, text)


def _use_color(choice: str, output: Path | None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or output is not None or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def cmd_check(args: argparse.Namespace) -> int:
    config = _config(args)
    if not config.app:
        raise ConformanceError(
            "no app configured: set `app` in [tool.conformance] or pass --app MODULE:ATTR",
            str(config.source or config.root),
        )
    if args.template is not None and not args.template.is_file():
        raise ConformanceError("template not found", str(args.template))
    # Live and auto modes: the app imports in a child process while we read the docs.
    # It is the longest part of the run, so it starts before the rest is even imported
    # (a static run does not even load the launcher: subprocess and friends).
    launched: tuple[LaunchedProbe, ...] = ()
    if config.mode != "static":
        from conformance.introspect.launch import launch_probes

        launched = launch_probes(config)
    try:
        from conformance.pipeline import run_check
        from conformance.reports import render

        result = run_check(config, launched)
    finally:
        for probe in launched:
            probe.close()
    if args.diff_base:
        from conformance.diffbase import subtract_base

        result = subtract_base(config, args.diff_base, result)
    text = render(
        result,
        args.format,
        template=args.template,
        color=_use_color(args.color, args.output),
        history_root=config.root if args.history else None,
    )
    if args.write_baseline is not None:
        from conformance.baseline import write_baseline

        write_baseline(args.write_baseline, (*result.findings, *result.waived))
    _emit(text, args.output)
    return 1 if result.failed else 0


def cmd_extract(args: argparse.Namespace) -> int:
    from conformance.extract import extract_docs
    from conformance.specio import dump_spec

    if args.root is not None and not args.root.is_dir():
        raise ConformanceError("--root: directory not found", str(args.root))
    root = (args.root or Path.cwd()).resolve()
    missing = [p for p in args.docs if not p.is_file()]
    if missing:
        raise ConformanceErrors([ConformanceError("doc file not found", str(p)) for p in missing])
    extraction = extract_docs([p.resolve() for p in args.docs], root)
    for notice in extraction.notices:
        print(f"{notice.location}: note: {notice.message}", file=sys.stderr)
    _emit(dump_spec(extraction.spec), args.output)
    return 0


def cmd_introspect(args: argparse.Namespace) -> int:
    from conformance.introspect.implementation import introspect
    from conformance.specio import dump_spec

    config = _config(args)
    if not config.app:
        raise ConformanceError(
            "no app configured: pass --app MODULE:ATTR", str(config.source or config.root)
        )
    result = introspect(config)
    for notice in (*result.notices, *result.extraction.notices):
        print(f"{notice.location or '-'}: note: {notice.message}", file=sys.stderr)
    _emit(dump_spec(result.extraction.spec), args.output)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from conformance.findings import CheckResult
    from conformance.reports import render
    from conformance.rules import run_rules
    from conformance.specio import load_spec_file

    expected = load_spec_file(args.expected, str(args.expected))
    actual = load_spec_file(args.actual, str(args.actual))
    findings, conforming = run_rules(expected, actual)
    result = CheckResult(
        mode="spec",
        findings=findings,
        conforming=conforming,
        documented=expected,
        actual=actual,
        fail_on=args.fail_on,
    )
    _emit(render(result, args.format), args.output)
    return 1 if result.failed else 0


def cmd_rules(args: argparse.Namespace) -> int:
    from conformance.rules import RULES
    from conformance.rules.pages import rule_page, write_rule_pages

    if args.write_pages is not None:
        if args.rule:
            raise ConformanceError("--write-pages writes every rule's page; give no ID")
        written = write_rule_pages(args.write_pages, RULES)
        print(f"wrote {len(written)} pages to {args.write_pages}", file=sys.stderr)
        return 0
    if args.rule:
        rule = RULES.get(args.rule)
        if rule is None:
            import difflib

            close = difflib.get_close_matches(args.rule, list(RULES), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise ConformanceError(f"unknown rule `{args.rule}`{hint}")
        sys.stdout.write(rule_page(rule))
        return 0
    width = max(len(r) for r in RULES)
    for rule in sorted(RULES.values(), key=lambda r: r.id):
        print(f"{rule.id:<{width}}  {rule.category:<9}  {rule.severity.value:<7}  {rule.summary}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from conformance.adopt import run_init

    return run_init(args)


def cmd_fix(args: argparse.Namespace) -> int:
    from conformance.fixes import run_fix

    return run_fix(_config(args), write=args.write, suggestions=args.suggestions)


COMMANDS = {
    "check": cmd_check,
    "init": cmd_init,
    "fix": cmd_fix,
    "extract": cmd_extract,
    "introspect": cmd_introspect,
    "diff": cmd_diff,
    "rules": cmd_rules,
}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        # The collector off for the whole command: the imports and the data of a run
        # hold no cycles worth a collection (see gcpause), and the process is short.
        with signals_as_interrupts(), no_cyclic_gc():
            args = build_parser().parse_args(argv)
            return COMMANDS[args.command](args)
    except ConformanceErrors as errors:
        for error in errors.errors:
            print(f"conformance: error: {redact(error.line_text())}", file=sys.stderr)
        return 2
    except ConformanceError as error:
        print(f"conformance: error: {redact(error.line_text())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        # Everything started has been stopped and no file is half-written by now.
        name = interrupt.signal_name if isinstance(interrupt, Interrupted) else "SIGINT"
        print(f"conformance: interrupted ({name})", file=sys.stderr)
        return exit_status(interrupt)
    except Exception as exc:  # A bug of ours: one line, and the traceback only on request.
        if os.environ.get("CONFORMANCE_DEBUG"):
            traceback.print_exc()
        print(
            f"conformance: internal error: {type(exc).__name__}: {exc} "
            "(set CONFORMANCE_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 2


def run() -> NoReturn:
    """The ``conformance`` command: :func:`main`, then leave without interpreter shutdown.

    Tearing down every object of a large run takes time for nothing, and while it runs a
    signal would no longer be ours to handle. Output is flushed first; an output pipe
    closed by the reader (``| head``) is not an error of the run.
    """
    status = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
