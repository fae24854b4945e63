"""A running ``/metrics`` endpoint, read as the metric families it exposes.

:func:`scrape_metrics` fetches the endpoint once (``urllib``, bounded by ``timeout`` as a
whole, not per read) and parses it with prometheus_client's own parser: the Prometheus
text format (``text/plain; version=0.0.4``, asked for) or OpenMetrics when a server
answers with it regardless. Each family becomes an
:class:`~conformance.model.ExposedMetric`, named as Prometheus exposes families (the
parser drops a counter's ``_total``), with the label names its samples carry (bucket
``le`` and quantile ``quantile`` left out).

What the text format cannot say is read as prometheus_client writes it: the ``X_created``
gauge next to a counter, histogram or summary ``X`` is that metric's creation time, not
a metric of its own; an ``info`` is a gauge named ``X_info`` and an ``enum`` a gauge
(the rules accept both for a documented info or enum). A family without samples (a
labelled metric nothing has recorded yet) is exposed with no label names: its labels are
unknown, not empty.

A user name and password in the URL are sent as HTTP basic authentication and never
shown: every message and location carries the URL redacted.
"""

from __future__ import annotations

import base64
import http.client
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.model import ExposedMetric, Extraction, Location, MetricType, Notice, Spec
from conformance.prometheus_naming import FAMILY_TYPES
from conformance.runtime.redact import redact

__all__ = ["exposed_families", "scrape_metrics", "within"]

T = TypeVar("T")

ACCEPT = "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5"
MAX_BYTES = 64 * 1024 * 1024
"""A larger answer is not a metrics page (a Prometheus scrape of millions of series)."""

_CHUNK = 64 * 1024
_GRACE = 0.5
_NOT_LABELS = frozenset({"le", "quantile"})
_CREATED_OF = frozenset({"counter", "histogram", "summary"})
_NOT_METRICS = ("text/html", "application/json", "application/xml", "text/xml")


def scrape_metrics(config: Config) -> Extraction:
    """The metric families ``config.metrics_url`` exposes (see the module docstring).
    Raises :class:`ConformanceError` (one line, the URL redacted) when the endpoint
    cannot be reached in ``config.timeout`` seconds, answers with an HTTP error, or does
    not answer with the Prometheus text format."""
    url = config.metrics_url.strip()
    shown = redact(url)
    text, content_type = _fetch(url, shown, config.timeout)
    try:
        families = exposed_families(text, openmetrics="openmetrics" in content_type)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise ConformanceError(
            f"metrics endpoint {shown}: not Prometheus text exposition "
            f"({_first_line(str(exc)) or type(exc).__name__})"
        ) from None
    location = Location(shown, 1)
    exposed = tuple(
        ExposedMetric(name, kind, labels, source=location) for name, kind, labels in families
    )
    notices: tuple[Notice, ...] = ()
    if not exposed:
        notices = (
            Notice(
                "not-judged",
                f"metrics endpoint {shown} exposes no metric: the documented metrics are not "
                "compared with it",
                shown,
                1,
            ),
        )
    return Extraction(Spec(exposed=exposed), notices)


def exposed_families(
    text: str, *, openmetrics: bool = False
) -> list[tuple[str, MetricType | None, tuple[str, ...]]]:
    """``(name, type, label names)`` of each family in an exposition, in order; raises
    :class:`ValueError` when ``text`` is not one."""
    from prometheus_client import parser as text_parser
    from prometheus_client.openmetrics import parser as openmetrics_parser

    parse = openmetrics_parser if openmetrics else text_parser
    read: list[tuple[str, str, tuple[str, ...]]] = []
    for family in parse.text_string_to_metric_families(text):
        labels = sorted({key for sample in family.samples for key in sample.labels} - _NOT_LABELS)
        read.append((str(family.name), str(family.type), tuple(labels)))
    created = {f"{name}_created" for name, kind, _ in read if kind in _CREATED_OF}
    return [
        (name, FAMILY_TYPES.get(kind), labels)
        for name, kind, labels in read
        if not (name in created and kind == "gauge")
    ]


def within(seconds: float, work: Callable[[], T], late: Callable[[], ConformanceError]) -> T:
    """``work()``, waited for at most ``seconds``: then ``late()`` is raised and the work
    is left to its own (shorter-lived) socket timeouts in a daemon thread. A bound on the
    whole of a call, DNS look-up and slow servers included, that per-socket timeouts
    cannot give."""
    done: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(work())
        except BaseException as exc:  # re-raised in the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=run, name="conformance-runtime", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise late()
    if failed:
        raise failed[0]
    return done[0]


def _fetch(url: str, shown: str, timeout: float) -> tuple[str, str]:
    """The body (decoded) and Content-Type of one GET, within ``timeout`` seconds (and a
    moment, so that the socket's own timeout is the one that tells a silent server)."""
    request = _request(url, shown)

    def late() -> ConformanceError:
        return ConformanceError(
            f"metrics endpoint {shown}: no complete answer within {timeout:g} s"
        )

    return within(timeout + _GRACE, lambda: _get(request, shown, timeout), late)


def _get(request: urllib.request.Request, shown: str, timeout: float) -> tuple[str, str]:
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = str(response.headers.get("Content-Type") or "").lower()
            if content_type.startswith(_NOT_METRICS):
                raise ConformanceError(
                    f"metrics endpoint {shown}: not Prometheus text exposition "
                    f"(Content-Type {content_type.split(';')[0]})"
                )
            body = _read(response, shown, deadline, timeout)
            charset = response.headers.get_content_charset() or "utf-8"
    except urllib.error.HTTPError as exc:
        raise ConformanceError(
            f"metrics endpoint {shown}: HTTP {exc.code} {exc.reason}".rstrip()
        ) from None
    except urllib.error.URLError as exc:
        raise ConformanceError(
            f"metrics endpoint {shown}: {_reason(exc.reason, timeout)}"
        ) from None
    except (OSError, http.client.HTTPException) as exc:
        raise ConformanceError(f"metrics endpoint {shown}: {_reason(exc, timeout)}") from None
    try:
        return body.decode(charset), content_type
    except (UnicodeDecodeError, LookupError):
        raise ConformanceError(
            f"metrics endpoint {shown}: not Prometheus text exposition (not {charset} text)"
        ) from None


def _reason(reason: object, timeout: float) -> str:
    """Why a fetch failed, in a few words."""
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, http.client.HTTPException):
        return f"not an HTTP answer ({type(reason).__name__})"
    if isinstance(reason, OSError) and reason.strerror:
        return f"cannot connect: {reason.strerror}"
    return f"cannot connect: {_first_line(str(reason)) or type(reason).__name__}"


def _request(url: str, shown: str) -> urllib.request.Request:
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConformanceError(f"--metrics-url {shown}: not a URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConformanceError(
            f"--metrics-url {shown}: not an http(s) URL (http://host:9100/metrics)"
        )
    headers = {"Accept": ACCEPT, "User-Agent": "conformance"}
    if parts.username is None and parts.password is None:
        return urllib.request.Request(url, headers=headers)
    # urllib does not send a URL's credentials: send them as basic auth (never to the
    # target of a redirect), and take them out of the URL it connects to.
    user = urllib.parse.unquote(parts.username or "")
    password = urllib.parse.unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if port is not None:
        netloc += f":{port}"
    request = urllib.request.Request(
        urllib.parse.urlunsplit(parts._replace(netloc=netloc)), headers=headers
    )
    request.add_unredirected_header("Authorization", f"Basic {token}")
    return request


def _read(response: Any, shown: str, deadline: float, timeout: float) -> bytes:
    """The whole body, by chunks: the socket timeout bounds each read, the deadline the
    total (a server that trickles bytes does not hold the run)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(_CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BYTES:
            raise ConformanceError(
                f"metrics endpoint {shown}: the answer is larger than {MAX_BYTES >> 20} MiB"
            )
        if time.monotonic() > deadline:
            raise ConformanceError(
                f"metrics endpoint {shown}: no complete answer within {timeout:g} s"
            )
    return b"".join(chunks)


def _first_line(text: str) -> str:
    lines: Iterable[str] = (line.strip() for line in text.splitlines())
    return redact(next((line for line in lines if line), ""))
