"""The running workers, asked over the broker through Celery's remote control.

``workers = "BROKER_URL"`` (``--workers``) broadcasts ``active_queues``, ``registered``
and ``stats`` to every worker listening on that broker and turns each answer into a
:class:`~conformance.model.RunningWorker`. ``workers = "auto"`` takes the URL Celery
would: ``CELERY_BROKER_URL`` from the environment, else the app's ``broker_url`` as its
source sets it (read statically: the user's app is never imported here).

Control-plane settings come from the app's source when an app is configured, because
the workers only hear a broadcast made the way their app makes it: ``control_exchange``
(the ``<name>.pidbox`` exchange), ``broker_transport_options`` (a Redis
``global_keyprefix``, Sentinel's ``master_name``) and ``broker_use_ssl``. Only literal
values are taken; a value computed at run time leaves Celery's default.

Every step is bounded. The connection gets ``min(timeout, 10)`` seconds and one retry;
an unreachable broker is one line, ``cannot reach the broker at URL: why`` (exit 2). The
first broadcast waits that long for answers (Celery cannot know how many workers there
are); the next ones stop as soon as every worker that answered has answered again. A
broker that stops answering half-way is cut off by a watchdog. Messages are JSON both
ways: a reply in another serializer (pickle) is refused, never deserialized. Every URL
in a message is redacted (:func:`conformance.runtime.redact.redact`).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.model import Extraction, Notice, Origin, RunningWorker, Setting, Spec
from conformance.runtime.redact import redact

__all__ = [
    "DEFAULT_CONTROL_EXCHANGE",
    "MAX_CALL_SECONDS",
    "BrokerTarget",
    "ask_workers",
    "broker_targets",
    "call_timeout",
    "inspect_workers",
    "pool_alias",
]

DEFAULT_CONTROL_EXCHANGE = "celery"
"""Celery's ``control_exchange`` default: workers listen on ``celery.pidbox``."""

MAX_CALL_SECONDS = 10.0
"""The longest one broker step may take, whatever the configured ``timeout``."""

CONTROL_SETTINGS = ("control_exchange", "broker_transport_options", "broker_use_ssl")
"""App settings that decide whether the workers hear a broadcast at all."""

_T = TypeVar("_T")


@dataclass(frozen=True)
class BrokerTarget:
    """Where to broadcast: a broker URL and the app's control-plane settings.

    ``settings`` holds the other literal values of :data:`CONTROL_SETTINGS` read from
    the app's source, as ``(name, JSON text)`` pairs: hashable, so equal targets are
    asked once.
    """

    url: str
    control_exchange: str = DEFAULT_CONTROL_EXCHANGE
    settings: tuple[tuple[str, str], ...] = field(default=())

    @property
    def shown(self) -> str:
        """The URL as messages show it: without its password."""
        return redact(self.url)

    @property
    def options(self) -> dict[str, Any]:
        """The settings as Celery takes them."""
        return {name: json.loads(text) for name, text in self.settings}


def call_timeout(config: Config) -> float:
    """Seconds one broker step may take: the configured timeout, at most 10 s."""
    return min(config.timeout, MAX_CALL_SECONDS)


def inspect_workers(config: Config) -> Extraction:
    """What the running workers report, as implementation-side items sorted by name.

    Raises :class:`ConformanceError` (exit 2) when a broker cannot be reached or no
    worker answers on it: the running workers were asked for explicitly.
    """
    targets, notices = broker_targets(config)
    timeout = call_timeout(config)
    running: dict[str, RunningWorker] = {}
    for target in targets:
        found, partial = ask_workers(target, timeout=timeout)
        if not found:
            where = (
                f" (control exchange `{target.control_exchange}`)"
                if target.control_exchange != DEFAULT_CONTROL_EXCHANGE
                else ""
            )
            raise ConformanceError(
                redact(f"no worker answered at {target.shown}{where} within {timeout:g} s")
            )
        for worker in found:
            running.setdefault(worker.name, worker)
        notices += [
            Notice(
                "not-judged",
                redact(
                    f"worker `{name}` at {target.shown} answered once, then not within "
                    f"{timeout:g} s: what it did not report is not judged"
                ),
            )
            for name in partial
        ]
    spec = Spec(running=tuple(sorted(running.values(), key=lambda w: w.name)))
    return Extraction(spec, tuple(notices))


# --- which broker, which control settings ------------------------------------------------


def broker_targets(config: Config) -> tuple[list[BrokerTarget], list[Notice]]:
    """The brokers to ask (one per distinct URL and control settings) and notices.

    ``auto`` needs each app's ``broker_url`` (``CELERY_BROKER_URL`` from the environment
    wins, as in Celery); a missing or computed one is a :class:`ConformanceError` asking
    for the URL. With a URL given, the apps' control settings are still read; when the
    source cannot be read, Celery's defaults are used and a notice says so.
    """
    auto = config.workers.strip().lower() == "auto"
    notices: list[Notice] = []
    environment_url = os.environ.get("CELERY_BROKER_URL", "").strip()
    per_app: list[tuple[str, dict[str, Setting]]] = []
    if config.app_list:
        try:
            per_app = _app_settings(config)
        except ConformanceError as error:
            if auto and not environment_url:
                raise ConformanceError(
                    f"--workers auto: cannot read the app's broker_url ({error.line_text()}); "
                    "pass the broker URL: --workers BROKER_URL"
                ) from None
            notices.append(
                Notice(
                    "not-judged",
                    f"the app's control settings could not be read ({error.line_text()}): "
                    "the workers are asked with Celery's defaults",
                )
            )
    if auto and not per_app and not environment_url:
        raise ConformanceError(
            "--workers auto needs an app whose source sets broker_url; "
            "pass the broker URL: --workers BROKER_URL"
        )
    targets: dict[BrokerTarget, None] = {}
    for app, settings in per_app or [("", {})]:
        url = config.workers.strip()
        if auto:
            url = environment_url or _app_broker_url(app, settings)
        exchange = settings.get("control_exchange")
        control = (
            exchange.value
            if exchange is not None and not exchange.dynamic and isinstance(exchange.value, str)
            else DEFAULT_CONTROL_EXCHANGE
        )
        extra = tuple(
            sorted(
                (name, json.dumps(settings[name].value, sort_keys=True, default=str))
                for name in CONTROL_SETTINGS[1:]
                if name in settings
                and not settings[name].dynamic
                and settings[name].value not in (None, {}, False)
            )
        )
        targets.setdefault(BrokerTarget(url, control or DEFAULT_CONTROL_EXCHANGE, extra), None)
    return list(targets), notices


def _app_broker_url(app: str, settings: Mapping[str, Setting]) -> str:
    setting = settings.get("broker_url")
    if setting is None:
        raise ConformanceError(
            f"--workers auto: app `{app}` sets no broker_url in its source "
            "(nor is CELERY_BROKER_URL set); pass the broker URL: --workers BROKER_URL"
        )
    where = setting.source
    if setting.dynamic or not isinstance(setting.value, str) or not setting.value.strip():
        raise ConformanceError(
            f"--workers auto: app `{app}` computes its broker_url at run time; "
            "pass the broker URL: --workers BROKER_URL",
            where.path if where else None,
            where.line if where else None,
        )
    return setting.value.strip()


def _app_settings(config: Config) -> list[tuple[str, dict[str, Setting]]]:
    """Each configured app and its settings as its source leaves them (the last
    assignment of each name wins, a computed one included), read statically."""
    from conformance.introspect.implementation import scan_sources
    from conformance.introspect.static import app_extraction

    source = scan_sources(config)
    found = []
    for app in config.app_list:
        spec = app_extraction(config, source, app).spec
        found.append((app, {setting.name: setting for setting in spec.settings}))
    return found


# --- asking the workers --------------------------------------------------------------------


def ask_workers(
    target: BrokerTarget, *, timeout: float
) -> tuple[tuple[RunningWorker, ...], tuple[str, ...]]:
    """The workers answering on ``target`` (sorted by name), and the names of those that
    answered the first broadcast but not a later one.

    Raises :class:`ConformanceError` when the broker cannot be reached or used, or stops
    answering: each step gets ``timeout`` seconds, the whole conversation five of them.
    """
    state = {"phase": "connect"}
    budget = 5 * timeout + 2.0

    def converse() -> tuple[tuple[RunningWorker, ...], tuple[str, ...]]:
        return _converse(target, timeout, state)

    try:
        return _bounded(converse, budget)
    except TimeoutError:
        if state["phase"] == "connect":
            reason = f"no answer within {timeout:g} s"
            raise ConformanceError(
                redact(f"cannot reach the broker at {target.shown}: {reason}")
            ) from None
        raise ConformanceError(
            redact(f"the broker at {target.shown} stopped answering within {budget:g} s")
        ) from None


def _bounded(work: Callable[[], _T], seconds: float) -> _T:
    """``work()`` in a daemon thread, given up on (``TimeoutError``) after ``seconds``:
    a broker that accepts a connection and then never answers must not hang the run."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the caller's thread as is
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="conformance-workers", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError(seconds)
    if "error" in outcome:
        raise outcome["error"]
    value: _T = outcome["value"]
    return value


def _converse(
    target: BrokerTarget, timeout: float, state: dict[str, str]
) -> tuple[tuple[RunningWorker, ...], tuple[str, ...]]:
    from celery import Celery
    from kombu.exceptions import KombuError
    from kombu.pidbox import Mailbox as KombuMailbox

    # An app of our own, for Celery's way of building a connection from settings; the
    # URL is passed explicitly, so `CELERY_BROKER_URL` in the environment cannot replace it.
    app = Celery("conformance-inspect", set_as_current=False)
    app.conf.update(
        broker_connection_timeout=timeout,
        broker_connection_retry=False,
        broker_connection_retry_on_startup=False,
        broker_connection_max_retries=0,
        broker_pool_limit=1,
        **_bounded_options(target, timeout),
    )
    shown = target.shown
    try:
        connection = app.connection_for_write(target.url)
        fanout = connection.supports_exchange_type("fanout")
    except KeyError as exc:
        raise ConformanceError(
            redact(f"cannot reach the broker at {shown}: {_reason(exc)}")
        ) from None
    except ImportError as exc:
        raise ConformanceError(
            redact(f"cannot reach the broker at {shown}: its transport needs {exc.name or exc}")
        ) from None
    try:
        if not fanout:
            raise ConformanceError(
                redact(
                    f"cannot ask the workers at {shown}: its transport has no broadcast "
                    "(fanout), which Celery's remote control needs (use Redis or RabbitMQ)"
                )
            )
        errors = (OSError, KombuError, *connection.connection_errors, *connection.channel_errors)
        try:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=timeout
            )
        except errors as exc:
            raise ConformanceError(
                redact(f"cannot reach the broker at {shown}: {_reason(exc)}")
            ) from None
        state["phase"] = "inspect"
        # What `app.control` would build, but publishing on our own connection (Celery's
        # producer pool would connect to `CELERY_BROKER_URL` when that is set) and JSON only.
        Mailbox: Any = KombuMailbox  # kombu's class is untyped
        mailbox = Mailbox(
            target.control_exchange,
            type="fanout",
            accept=["json"],
            serializer="json",
            queue_ttl=app.conf.control_queue_ttl,
            reply_queue_ttl=app.conf.control_queue_ttl,
            queue_expires=app.conf.control_queue_expires,
            reply_queue_expires=app.conf.control_queue_expires,
        )(connection)

        def ask(command: str, limit: int | None) -> dict[str, Any]:
            try:
                replies = mailbox.multi_call(command, timeout=timeout, limit=limit)
            except errors as exc:
                raise ConformanceError(
                    redact(f"the broker at {shown} failed during `{command}`: {_reason(exc)}")
                ) from None
            return _by_node(replies)

        queues = ask("active_queues", None)
        if not queues:
            return (), ()
        names = sorted(queues)
        registered = ask("registered", len(names))
        stats = ask("stats", len(names))
    finally:
        connection.release()
    partial = tuple(n for n in names if n not in registered or n not in stats)
    workers = tuple(
        _running_worker(name, queues[name], registered.get(name), stats.get(name)) for name in names
    )
    return workers, partial


_REDIS_SCHEMES = ("redis", "rediss", "sentinel")


def _bounded_options(target: BrokerTarget, timeout: float) -> dict[str, Any]:
    """The target's settings, with socket timeouts for Redis: redis-py otherwise waits
    for ever on a server that accepts the connection and never answers (the app's own
    timeouts, when it sets them, are kept)."""
    options = target.options
    if target.url.partition("://")[0].lower() in _REDIS_SCHEMES:
        transport = dict(options.get("broker_transport_options") or {})
        transport.setdefault("socket_timeout", timeout)
        transport.setdefault("socket_connect_timeout", timeout)
        options["broker_transport_options"] = transport
    return options


def _reason(exc: BaseException) -> str:
    # A KeyError's text is its key's repr: `'No such transport: foo'`.
    raw = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    text = " ".join(str(raw).split())
    return text or type(exc).__name__


def _by_node(replies: Iterable[Any] | None) -> dict[str, Any]:
    """``[{node: reply}, ...]`` as ``{node: reply}`` (a node answering twice: the first)."""
    nodes: dict[str, Any] = {}
    for item in replies or ():
        if isinstance(item, Mapping):
            for node, reply in item.items():
                nodes.setdefault(str(node), reply)
    return nodes


def _running_worker(name: str, queues: Any, registered: Any, stats: Any) -> RunningWorker:
    consumed = sorted(
        {str(q["name"]) for q in _list(queues) if isinstance(q, Mapping) and q.get("name")}
    )
    # `registered` lists `name [rate_limit=10/m ...]`; Celery's own tasks are left out.
    tasks = sorted({str(t).partition(" [")[0] for t in _list(registered) if str(t).strip()})
    concurrency: int | None = None
    pool: str | None = None
    prefetch: int | None = None
    if isinstance(stats, Mapping):
        info = stats.get("pool")
        if isinstance(info, Mapping):
            concurrency = _int(info.get("max-concurrency"))
            implementation = info.get("implementation")
            pool = pool_alias(implementation) if isinstance(implementation, str) else None
        prefetch = _prefetch_multiplier(_int(stats.get("prefetch_count")), concurrency, info)
    return RunningWorker(
        name=name,
        queues=tuple(consumed),
        tasks=tuple(tasks),
        concurrency=concurrency,
        pool=pool,
        prefetch_multiplier=prefetch,
        origin=Origin.RUNTIME,
    )


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _prefetch_multiplier(count: int | None, concurrency: int | None, info: Any) -> int | None:
    """The worker's prefetch multiplier: its prefetch count is the multiplier times its
    processes (``--prefetch-multiplier`` and ``worker_prefetch_multiplier`` alike). A
    count that divides by neither the process count nor the concurrency (being restored
    after a reconnection) is not guessed at."""
    if count is None:
        return None
    divisors = []
    if isinstance(info, Mapping) and isinstance(info.get("processes"), list):
        divisors.append(len(info["processes"]))
    if concurrency:
        divisors.append(concurrency)
    for divisor in divisors:
        if divisor > 0 and count % divisor == 0:
            return count // divisor
    return None


def pool_alias(implementation: str) -> str:
    """``celery.concurrency.prefork:TaskPool`` → ``prefork`` (as ``-P`` names it); a
    custom pool stays its dotted path."""
    from celery.concurrency import ALIASES

    for alias, path in ALIASES.items():  # `prefork` comes before its alias `processes`
        if path == implementation:
            return str(alias)
    return implementation
