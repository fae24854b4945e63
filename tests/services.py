"""Real services for the runtime tests: Redis and RabbitMQ on this machine, and Celery
workers started against them as child processes.

A test asks for a broker with the ``redis_url`` / ``rabbitmq_url`` fixtures (import the
``*_fixture`` functions: ``from services import redis_url_fixture  # noqa: F401``). When
the service does not answer within 1 s the test is skipped with one line saying how to
start it, or fails under CI (``CI=true``), where a missing service is a broken build.

Isolation: tests run in parallel and share the servers (RabbitMQ's guest only has the
``/`` virtual host), so every test names its own things with a unique :func:`run_id`:
its queues and its app's ``control_exchange`` (remote control broadcasts on
``<control_exchange>.pidbox``: a worker on another exchange never hears them, and
answers nobody else's). :func:`forget_broker_state` removes what a test left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
RABBITMQ_HOST, RABBITMQ_PORT = "127.0.0.1", 5672
REDIS_DB = 15
"""Out of the way of a developer's own data in database 0."""

HOW_TO_START = {
    "redis": "`docker run -p 6379:6379 redis` or `apt-get install redis-server`",
    "rabbitmq": "`docker run -p 5672:5672 rabbitmq` or `apt-get install rabbitmq-server`",
    "postgresql": (
        "`docker run -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres` or "
        "`apt-get install postgresql`"
    ),
}


def require_service(name: str, host: str, port: int) -> None:
    """Skip the test (fail it under CI) unless ``host:port`` accepts a TCP connection
    within 1 s."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return
    except OSError:
        pass
    how = HOW_TO_START.get(name, f"start {name}")
    message = f"{name} not reachable at {host}:{port}: start it with {how}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(name="redis_url")
def redis_url_fixture() -> str:
    require_service("redis", REDIS_HOST, REDIS_PORT)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"


@pytest.fixture(name="rabbitmq_url")
def rabbitmq_url_fixture() -> str:
    require_service("rabbitmq", RABBITMQ_HOST, RABBITMQ_PORT)
    return f"amqp://guest:guest@{RABBITMQ_HOST}:{RABBITMQ_PORT}//"


def run_id() -> str:
    """A name prefix no other test (or earlier run) uses: `rw` and 10 hex digits."""
    return f"rw{uuid.uuid4().hex[:10]}"


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """The port of a local listener that accepts and holds every connection and never
    says a word: for timeouts that must end however long the peer stays quiet."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield silent.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        silent.close()


# --- workers -----------------------------------------------------------------------------


class CeleryWorkers:
    """Celery workers started as child processes, each in its own process group, and
    stopped (the whole group) by :meth:`stop_all`: the ``celery_workers`` fixture does it
    whatever the test's outcome."""

    def __init__(self) -> None:
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(
        self,
        project: Path,
        app: str,
        node: str,
        queues: Sequence[str],
        *options: str,
    ) -> None:
        """``celery -A app worker -Q queues -n node`` in ``project``, solo pool, one
        process, no gossip/mingle/heartbeat (nothing but remote control on the broker);
        its output goes to ``<project>/<node>.log``."""
        log = project / f"{node.partition('@')[0]}.log"
        # The app's own broker_url must win: Celery prefers CELERY_BROKER_URL over it.
        env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            "-Q",
            ",".join(queues),
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "-n",
            node,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "warning",
            *options,
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=project,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.started.append((process, log))

    def wait_ready(
        self, url: str, control_exchange: str, nodes: Iterable[str], deadline: float = 20.0
    ) -> None:
        """Until every node in ``nodes`` (``name@host``, host as ``%h`` expands) answers a
        ping on ``control_exchange``; fails with the workers' output otherwise."""
        from kombu import Connection
        from kombu.pidbox import Mailbox

        wanted = {node.partition("@")[0] for node in nodes}
        end = time.monotonic() + deadline
        answered: set[str] = set()
        with Connection(url, connect_timeout=2) as connection:
            mailbox = Mailbox(control_exchange, type="fanout", accept=["json"])(connection)
            while time.monotonic() < end:
                replies: list[dict[str, Any]] = mailbox.multi_call("ping", timeout=0.5) or []
                answered |= {name.partition("@")[0] for reply in replies for name in reply}
                if wanted <= answered:
                    return
                if any(process.poll() is not None for process, _ in self.started):
                    break
        logs = "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')}" for _, log in self.started
        )
        pytest.fail(
            f"workers {sorted(wanted - answered)} did not answer a ping within {deadline:g} s\n{logs}"
        )

    def stop_all(self) -> None:
        """Cold shutdown of every worker's process group, SIGKILL after 1 s (a worker on
        RabbitMQ takes ~10 s to close its connection, whatever the signal; the broker
        drops its exclusive queues when the socket closes anyway)."""
        for process, _ in self.started:
            _signal_group(process, signal.SIGQUIT)
        for process, _ in self.started:
            try:
                process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=5)
        self.started.clear()


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


@pytest.fixture(name="celery_workers")
def celery_workers_fixture() -> Iterator[CeleryWorkers]:
    workers = CeleryWorkers()
    try:
        yield workers
    finally:
        workers.stop_all()


# --- broker state --------------------------------------------------------------------------


def forget_broker_state(url: str, run: str, queues: Sequence[str] = ()) -> None:
    """Remove what a test's workers and broadcasts left on the broker, by its ``run`` id:
    on Redis every key holding it (and its entries in kombu's shared sorted sets); on RabbitMQ ``queues`` and the exchanges named after
    them, and the control exchanges (``<run>-control.pidbox``, ``reply.<run>-control.pidbox``).
    Best effort: a broker that went away has nothing left to clean."""
    if url.startswith("redis"):
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2)
        try:
            keys = list(client.scan_iter(match=f"*{run}*", count=500))
            if keys:
                client.delete(*keys)
            # Kombu's shared bookkeeping (`_kombu.binding_deadlines`) names them too.
            for shared in client.scan_iter(match="_kombu.*", _type="zset"):
                members = [m for m, _ in client.zscan_iter(shared, match=f"*{run}*")]
                if members:
                    client.zrem(shared, *members)
        except redis.RedisError:
            pass
        finally:
            client.close()
        return
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=2) as connection:
            channel = connection.channel()
            for queue in queues:
                channel.queue_delete(queue)
            for exchange in (*queues, f"{run}-control.pidbox", f"reply.{run}-control.pidbox"):
                channel.exchange_delete(exchange)
    except Exception:  # best effort: the test's outcome is already decided
        pass
