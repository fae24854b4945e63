"""Worker set-up: documented configuration classes, bootsteps and worker profiles exist."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from conformance.celery_naming import base_name
from conformance.findings import Conforming, Finding
from conformance.model import Location, Service, Worker, queues_unknown
from conformance.rules.context import Context
from conformance.rules.registry import define, drift

CATEGORY = "workers"

CLASS_MISSING = define(
    "worker.class-missing",
    CATEGORY,
    "error",
    "a documented worker configuration class does not exist",
    why="Whoever follows the docs imports a class that is not there; the set-up it "
    "describes (profiles, limits) is not applied anywhere.",
    example="Docs: `from app.workers.config import WorkerConfig`; no such class exists.",
    fix="Write the class, or document how workers are really configured.",
)
BOOTSTEP_MISSING = define(
    "worker.bootstep-missing",
    CATEGORY,
    "error",
    "a documented custom bootstep is not registered",
    why="The behaviour the step adds to every worker (metrics, health checks) is absent.",
    example="Docs: `app.steps['worker'].add(TaskMetricsStep)`; `app.steps` is empty.",
    fix="Register the step on the app, or remove it from the docs.",
)
PROFILE_MISSING = define(
    "worker.profile-missing",
    CATEGORY,
    "warning",
    "a documented worker profile has no matching worker in deployment or code",
    why="Capacity was planned per profile: without the worker, its queues are served by "
    "another worker's concurrency, or by none.",
    example="Docs: a `gpu` worker on `model_generation` with concurrency 2; no deployed "
    "worker consumes exactly that.",
    fix="Deploy the profile (a worker with those `-Q` queues), or document the real workers.",
)


PROFILE_MISMATCH = define(
    "worker.profile-mismatch",
    CATEGORY,
    "warning",
    "the worker deployed for a documented profile runs with another concurrency or prefetch",
    why="Concurrency and prefetch decide throughput, memory and how long tasks wait behind "
    "a busy process; capacity was planned with the documented numbers.",
    example="Docs: the `gpu` profile runs `-c 2`; the deployed worker runs `-c 8`.",
    fix="Change the worker's `-c` / `--prefetch-multiplier` (or `worker_prefetch_multiplier`), "
    "or correct the documented profile.",
)


def _class_names(ctx: Context) -> dict[str, str]:
    """Last part → full name of every class in the code."""
    return {base_name(s.name): s.name for s in ctx.actual.symbols if s.kind == "class"}


def _profile_match(profile: Worker | Service, ctx: Context) -> Service | Worker | None:
    """The deployed worker (or code profile) that runs a documented profile: same name,
    or the same queues; a worker without ``-Q`` consumes every declared queue (the
    default queue when none is declared)."""
    wanted = ctx.consumes(profile)
    candidates: list[Service | Worker] = [s for s in ctx.actual.services if s.role == "worker"]
    candidates += [w for w in ctx.actual.workers if w.kind == "profile"]
    for candidate in candidates:
        if candidate.name == profile.name:
            return candidate
    for candidate in candidates:
        if ctx.consumes(candidate) == wanted:
            return candidate
    return None


def _nearest(profile: Worker | Service, ctx: Context) -> tuple[str, Location | None] | None:
    """The deployed worker sharing most queues with ``profile``: what differs (in words)
    and where it is deployed. None when no worker shares a queue."""
    wanted = ctx.consumes(profile)
    best: tuple[int, Service] | None = None
    for service in ctx.actual.services:
        if service.role != "worker" or service.dynamic:
            continue
        shared = len(wanted & ctx.consumes(service))
        if shared and (best is None or shared > best[0]):
            best = (shared, service)
    if best is None:
        return None
    service = best[1]
    has = ctx.consumes(service)
    parts = []
    if wanted - has:
        parts.append("lacks " + ", ".join(f"`{q}`" for q in sorted(wanted - has)))
    if has - wanted:
        parts.append("also consumes " + ", ".join(f"`{q}`" for q in sorted(has - wanted)))
    return f"the nearest, `{service.name}`, {' and '.join(parts)}", service.source


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    classes = _class_names(ctx)
    seen: set[str] = set()
    for worker in ctx.documented.workers:
        if worker.kind != "class" or worker.name in seen:
            continue
        seen.add(worker.name)
        found = classes.get(base_name(worker.name))
        if found is None:
            yield drift(
                CLASS_MISSING,
                worker.name,
                f"documented worker class `{worker.name}` does not exist",
                documented=worker.name,
                doc=worker.source,
            )
        else:
            yield Conforming(CATEGORY, worker.name, worker.source, None)

    registered = {base_name(b.name): b for b in ctx.actual.bootsteps}
    for step in {base_name(b.name): b for b in ctx.documented.bootsteps}.values():
        real = registered.get(base_name(step.name))
        if real is None:
            where = "" if ctx.actual.bootsteps else "; the app registers no custom steps"
            yield drift(
                BOOTSTEP_MISSING,
                step.name,
                f"documented bootstep `{step.name}` ({step.blueprint}) is not registered{where}",
                documented=step.name,
                doc=step.source,
            )
        else:
            yield Conforming(CATEGORY, step.name, step.source, real.source)

    if not ctx.actual.services and not any(w.kind == "profile" for w in ctx.actual.workers):
        return  # No deployment was read: profiles cannot be judged.
    for name, profile in ctx.documented_profiles.items():
        match = _profile_match(profile, ctx)
        if match is None and any(s.dynamic or queues_unknown(s) for s in ctx.actual.services):
            continue  # The worker may be in a deploy file we could not read.
        if match is None:
            queues = ", ".join(f"`{q}`" for q in profile.queues) or "the default queue"
            near = _nearest(profile, ctx)
            yield drift(
                PROFILE_MISSING,
                name,
                f"documented worker profile `{name}` ({queues}) matches no deployed worker"
                + (f"; {near[0]}" if near else ""),
                documented=", ".join(profile.queues) or name,
                # `actual` stays empty: it is part of the fingerprint baselines keep.
                doc=profile.source,
                code=near[1] if near else None,
            )
        else:
            differences = _profile_differences(ctx, profile, match)
            queue_gap = _queue_difference(ctx, profile, match)
            if queue_gap is not None:
                documented_queues, deployed_queues = queue_gap
                yield drift(
                    PROFILE_MISMATCH,
                    name,
                    f"worker `{name}`: the docs say it consumes {documented_queues}, the "
                    f"deployed worker `{match.name}` consumes {deployed_queues}",
                    documented=f"queues={documented_queues}",
                    actual=f"queues={deployed_queues}",
                    doc=profile.source,
                    code=match.source,
                )
            for what, documented, actual in differences:
                yield drift(
                    PROFILE_MISMATCH,
                    name,
                    f"worker profile `{name}`: documented {what} {documented}, the deployed "
                    f"worker `{match.name}` runs with {actual}",
                    documented=f"{what}={documented}",
                    actual=f"{what}={actual}",
                    doc=profile.source,
                    code=match.source,
                )
            if not differences and queue_gap is None:
                yield Conforming(CATEGORY, name, profile.source, match.source)


def _queue_difference(
    ctx: Context, profile: Worker | Service, match: Worker | Service
) -> tuple[str, str] | None:
    """(documented, deployed) queue lists when a worker matched *by name* does not
    consume a queue the docs say it does (a match by queues agrees by construction; a
    worker consuming more than the docs list is not wrong, only under-documented)."""
    if not profile.queues or match.name != profile.name:
        return None
    wanted, has = ctx.consumes(profile), ctx.consumes(match)
    if wanted <= has:
        return None
    return _listing(wanted), _listing(has)


def _listing(queues: Iterable[str]) -> str:
    return ", ".join(f"`{q}`" for q in sorted(queues)) or "no queue"


def _profile_differences(
    ctx: Context, profile: Worker | Service, match: Worker | Service
) -> list[tuple[str, int | str, int | str]]:
    """(what, documented, deployed) for concurrency, prefetch, pool and autoscale. A
    worker without `-c` runs as many processes as the machine has cores: not known here,
    not judged. Without `--prefetch-multiplier` the app's `worker_prefetch_multiplier`
    applies, without `-P` its `worker_pool`; an autoscale only the docs give is not judged."""
    found: list[tuple[str, int | str, int | str]] = []
    if (
        profile.concurrency is not None
        and match.concurrency is not None
        and profile.concurrency != match.concurrency
    ):
        found.append(("concurrency", profile.concurrency, match.concurrency))
    if profile.prefetch_multiplier is not None:
        deployed = match.prefetch_multiplier
        if deployed is None:
            setting = ctx.actual.setting("worker_prefetch_multiplier", 4)
            deployed = setting if isinstance(setting, int) else None
        if deployed is not None and deployed != profile.prefetch_multiplier:
            found.append(("prefetch multiplier", profile.prefetch_multiplier, deployed))
    if profile.pool:
        # Without -P the app's `worker_pool` applies (Celery's default: prefork).
        setting = ctx.actual.setting("worker_pool", "prefork")
        deployed_pool = match.pool or (setting if isinstance(setting, str) else None)
        if deployed_pool and deployed_pool.lower() != profile.pool.lower():
            found.append(("pool", profile.pool, deployed_pool))
    if profile.autoscale and match.autoscale and profile.autoscale != match.autoscale:
        found.append(("autoscale", profile.autoscale, match.autoscale))
    return found
