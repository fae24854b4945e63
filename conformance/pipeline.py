"""The whole check: docs → spec, code → spec, rules, waivers and baseline → result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.fileio import shown_path, why_unreadable
from conformance.findings import CheckResult, Finding
from conformance.gcpause import no_cyclic_gc
from conformance.model import Extraction, Introspection, Location, Notice, Spec, Waiver

if TYPE_CHECKING:
    from conformance.cache import Cache
    from conformance.introspect.launch import LaunchedProbe


def find_files(
    root: Path,
    patterns: Sequence[str],
    *,
    what: str,
    required: bool,
    skipped: list[Notice] | None = None,
) -> list[Path]:
    """Files matching the globs (relative to ``root``), sorted, without duplicates.

    A pattern without wildcards names one file, which must exist. A glob match that is
    not a readable regular file (a FIFO, a socket, a symlink that loops or dangles, a
    file we may not read) is left out; with ``skipped`` given, each one is a notice there
    instead of silence (folders are not content and are passed over).
    """
    found: dict[Path, None] = {}
    for pattern in patterns:
        if not any(ch in pattern for ch in "*?["):
            path = root / pattern
            if not path.is_file():
                raise ConformanceError(f"{what} not found", pattern)
            found[path.resolve()] = None
            continue
        for path in sorted(root.glob(pattern)):
            why = why_unreadable(path)
            if why is None:
                found[path.resolve()] = None
            elif why and skipped is not None:
                skipped.append(Notice("skipped", f"{what} {why}: skipped", shown_path(path, root)))
    if required and not found:
        raise ConformanceError(
            f"no {what} matches {', '.join(patterns) or '(nothing configured)'}",
            str(root),
        )
    return list(found)


def documented_spec(config: Config) -> Extraction:
    """What the docs and the hand-written spec files say."""
    # `docs = []` is a choice: check the implementation against itself only.
    skipped: list[Notice] = []
    doc_paths = find_files(
        config.root, config.docs, what="Markdown doc", required=bool(config.docs), skipped=skipped
    )
    from conformance.extract import extract_docs

    documented = extract_docs(doc_paths, config.root, _cache(config))
    if skipped:
        documented = replace(documented, notices=documented.notices + tuple(skipped))
    spec_paths = find_files(config.root, config.specs, what="spec file", required=False)
    if spec_paths:
        from conformance.specio import load_spec_file  # PyYAML, only for spec files

        for path in spec_paths:
            documented = documented.merge(Extraction(load_spec_file(path, config.rel(path))))
    return documented


def run_check(config: Config, launched: Sequence[LaunchedProbe] | None = None) -> CheckResult:
    """The whole check on ``config``: docs and specs, the app, rules, waivers, baseline.

    ``launched``: the live probes already started for ``config``
    (:func:`~conformance.introspect.launch.launch_probes`; used and closed here); live
    and auto modes start their own when none are given.
    """
    with no_cyclic_gc():
        return _run_check(config, launched)


_INTERRUPT_GRACE = 5.0


def _run_check(config: Config, launched: Sequence[LaunchedProbe] | None) -> CheckResult:
    if config.mode == "static":
        documented = documented_spec(config)
        actual = _static_introspection(config)
    else:
        # The live probe spends its time in a child process importing the app: it starts
        # before the readers are even imported (the CLI starts it right after reading the
        # config), and the docs are read meanwhile. A docs error wins: the child is
        # stopped, and the error is raised as soon as the worker thread has let go.
        from concurrent.futures import Future, ThreadPoolExecutor
        from concurrent.futures import wait as wait_for

        if launched is None:
            from conformance.introspect.launch import launch_probes

            launched = launch_probes(config)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="introspect")
        pending: Future[Introspection] | None = None
        try:
            from conformance.introspect.implementation import introspect

            pending = pool.submit(introspect, config, launched)
            documented = documented_spec(config)
            actual = pending.result()
        except KeyboardInterrupt:
            # Interrupted: the probe's group is already killed, and the worker ends at
            # once (it kills a child it started late). Waited for a few seconds, not for
            # ever: the run must end whatever the worker does.
            if pending is not None:
                wait_for([pending], timeout=_INTERRUPT_GRACE)
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        except BaseException:
            # A docs error ends the run: the app's import is not waited for.
            for probe in launched:
                probe.stop()
            pool.shutdown()
            raise
        finally:
            for probe in launched:
                probe.close()
        pool.shutdown()
    implementation = actual.extraction
    if config.workers or config.beat_db or config.metrics_url:
        from conformance.runtime import runtime_extraction

        implementation = implementation.merge(runtime_extraction(config))
    return judge(config, documented, implementation, mode=actual.mode, extra_notices=actual.notices)


def _cache(config: Config) -> Cache | None:
    if not config.cache:
        return None
    from conformance.cache import Cache
    from conformance.reports._common import tool_version

    return Cache(config.root, tool_version())


def _static_introspection(config: Config) -> Introspection:
    """The static analysis, or with the cache on, what it gave for these very files (then
    the analysis is not even imported)."""
    cache = _cache(config)
    if cache is None:
        from conformance.introspect.implementation import introspect

        return introspect(config)
    from conformance.cache import digest, files_digest, project_files

    settings = repr(
        (config.app_list, config.search_paths, config.monitoring, config.deploy, config.mode)
    )
    key = digest(settings, files_digest(project_files(config.root), config.root))
    found = cache.get("static", key)
    if found is not None:
        extraction, mode, notices = found
        return Introspection(extraction, mode, notices)
    from conformance.introspect.implementation import introspect

    result = introspect(config)
    cache.put("static", key, (result.extraction, result.mode, result.notices))
    return result


def judge(
    config: Config,
    documented: Extraction,
    actual: Extraction,
    *,
    mode: str,
    extra_notices: Sequence[Notice] = (),
) -> CheckResult:
    from conformance.rules import run_rules

    findings, conforming = run_rules(documented.spec, actual.spec, config.rules)
    counted, waived, waiver_notices = apply_waivers(findings, documented.waivers)
    fixed: tuple[str, ...] = ()
    baseline_notices: list[Notice] = []
    if config.baseline:
        from conformance.baseline import fixed_entry_notice, load_baseline

        known = load_baseline(config.root / config.baseline, config.baseline)
        in_baseline = [f for f in counted if f.fingerprint in known]
        counted = [f for f in counted if f.fingerprint not in known]
        waived = waived + in_baseline
        # Matched against every finding, waived ones too: an entry is only fixed when
        # its drift is really gone, so the baseline only ever shrinks.
        present = {f.fingerprint for f in findings}
        fixed = tuple(sorted(fp for fp in known if fp not in present))
        baseline_notices = [fixed_entry_notice(known[fp], config.baseline) for fp in fixed]
    notices = (
        *extra_notices,
        *documented.notices,
        *actual.notices,
        *waiver_notices,
        *baseline_notices,
    )
    return CheckResult(
        mode=mode,
        findings=tuple(counted),
        conforming=conforming,
        notices=_unique(notices),
        documented=documented.spec,
        actual=actual.spec,
        fail_on=config.fail_on,
        app=", ".join(config.app_list) or None,
        docs=tuple(sorted({loc.path for loc in _doc_paths(documented.spec)})),
        waived=tuple(waived),
        fixed=fixed,
    )


def apply_waivers(
    findings: Sequence[Finding], waivers: Sequence[Waiver]
) -> tuple[list[Finding], list[Finding], list[Notice]]:
    """Split findings into counted and waived; an unused waiver is a notice."""
    counted: list[Finding] = []
    waived: list[Finding] = []
    used: set[int] = set()
    for finding in findings:
        hit = None
        for i, waiver in enumerate(waivers):
            if finding.doc is None or finding.doc.path != waiver.path:
                continue
            if waiver.start <= finding.doc.line <= waiver.end and (
                not waiver.rules or finding.rule in waiver.rules
            ):
                hit = i
                break
        if hit is None:
            counted.append(finding)
        else:
            used.add(hit)
            waived.append(finding)
    notices = [
        Notice(
            "unused-waiver",
            f"waiver `ignore {' '.join(w.rules)}` matches no finding",
            w.path,
            w.line,
        )
        for i, w in enumerate(waivers)
        if i not in used
    ]
    return counted, waived, notices


def _doc_paths(spec: Spec) -> list[Location]:
    return [item.source for _section, item in spec.items() if item.source is not None]


def _unique(notices: Sequence[Notice]) -> tuple[Notice, ...]:
    return tuple(dict.fromkeys(notices))
