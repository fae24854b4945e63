"""Claims people write in sentences: a backticked subject tied to a value by cue words.

Each reader takes one sentence (or list item) and yields :class:`Claim`\\ s. A claim
needs three things in the same clause: a subject whose shape fits (a task-like name, a
Celery setting, a signal, a CamelCase class), a cue that types the value ("soft time
limit of", "retried up to", "is routed to", "callback"), and the value itself. What
lacks any of them stays a mention: read generously as *documented*, never judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from conformance.celery_naming import SIGNAL_NAMES, is_seconds_setting, is_setting, setting_name
from conformance.extract.claims import Claim
from conformance.extract.context import Topic
from conformance.extract.values import (
    CODE_SPAN,
    NAME,
    guess_role,
    looks_like_task,
    parse_duration,
    parse_scalar,
)
from conformance.lazyre import lazy
from conformance.model import Value
from conformance.schedules import NUMBER_WORDS

# Counts people write in words ("retried three times", "a minute apart").
_NUMBER_WORDS = {**NUMBER_WORDS, "a": 1, "an": 1, "once": 1, "twice": 2}
_NUM = r"\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_UNIT = r"(?:milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)"
_DURATION = rf"(?P<n>{_NUM})\s*(?P<u>{_UNIT})\b"
_LINK = r"(?:\s+(?:of|is|=|:|set to|at))?\s+"


def _number(text: str) -> float:
    word = text.lower()
    return float(_NUMBER_WORDS[word]) if word in _NUMBER_WORDS else float(word)


def _seconds(match: re.Match[str], prefix: str = "") -> int | float:
    """The duration the match's ``n``/``u`` groups (or ``rn``/``ru``) state, in seconds."""
    number = _number(match.group(f"{prefix}n"))
    seconds = parse_duration(f"{number:g} {match.group(f'{prefix}u').lower()}")
    return seconds if seconds is not None else number


def _count(match: re.Match[str]) -> int:
    return int(_number(match.group("k")))


def _rate(match: re.Match[str]) -> str:
    return f"{_count(match)}/{match.group('per').lower()[0]}"


# (option, cue, how the value is read from the match): the cue must follow the subject
# in the same clause.
_OPTION_CUES: tuple[tuple[str, re.Pattern[str], object], ...] = (
    (
        "soft_time_limit",
        lazy(rf"\bsoft (?:time )?limit{_LINK}{_DURATION}", re.I),
        _seconds,
    ),
    (
        "time_limit",
        lazy(rf"\b(?<!soft )(?:hard (?:time )?limit|time limit){_LINK}{_DURATION}", re.I),
        _seconds,
    ),
    (
        "max_retries",
        lazy(rf"\bretried (?:up to |at most )?(?P<k>{_NUM}|once|twice)(?: times?)?\b", re.I),
        _count,
    ),
    (
        "max_retries",
        lazy(rf"\b(?:up to |at most )?(?P<k>{_NUM}) (?:retries|retry attempts)\b", re.I),
        _count,
    ),
    ("max_retries", lazy(r"\b(?:no retries|(?:is )?never retried)\b", re.I), 0),
    (
        "default_retry_delay",
        lazy(
            rf"\b{_DURATION} apart\b|\bretry delay{_LINK}{_DURATION.replace('?P<', '?P<r')}",
            re.I,
        ),
        None,  # read by _retry_delay: two alternatives, two group names
    ),
    (
        "rate_limit",
        lazy(
            rf"\brate[- ]limit(?:ed)?(?: of| to| at)?\s+(?P<k>{_NUM})\s*(?:\w+\s+)?"
            r"(?:per|a|an|/)\s*(?P<per>second|minute|hour|s|m|h)\b",
            re.I,
        ),
        _rate,
    ),
    (
        "rate_limit",
        lazy(r"\brate[- ]limit(?:ed)?(?: of| to| at| is)?\s+`(?P<code>\d+(?:\.\d+)?/[smh])`", re.I),
        lambda match: match.group("code"),
    ),
    (
        "acks_late",
        lazy(r"\b(?:acks late|acked late|acknowledged late|late acknowledg)", re.I),
        True,
    ),
    (
        "acks_late",
        lazy(r"\b(?:acks (?:early|on receipt)|acknowledged (?:early|on receipt))", re.I),
        False,
    ),
    (
        "expires",
        lazy(rf"\bexpires? (?:after|in){_LINK.rstrip('+')}?\s*{_DURATION}", re.I),
        _seconds,
    ),
    (
        "retry_backoff",
        lazy(r"\bexponential(?:ly)? back(?:s )?off\b|\bbacks? off exponentially\b", re.I),
        True,
    ),
)


# Cheap word checks first: most sentences claim nothing, and each reader's patterns
# cost more than finding out that its cue words are absent.
_OPTION_WORDS = lazy(r"limit|retr|apart|rate|ack|expir|back", re.I)


def _retry_delay(match: re.Match[str]) -> int | float:
    """ "a minute apart" or "a retry delay of 2 minutes": two alternatives, two group sets."""
    return _seconds(match) if match.group("n") is not None else _seconds(match, "r")


def _spans(text: str) -> list[re.Match[str]]:
    return list(CODE_SPAN.finditer(text))


_DASHED_TASK = lazy(r"[A-Za-z_]\w*(?:\.[A-Za-z_][\w-]*)+\Z")  # proj.rebuild-index


def _is_task_subject(name: str) -> bool:
    return (
        (looks_like_task(name, tasks_context=True) or _DASHED_TASK.match(name) is not None)
        and not is_setting(name.rpartition(".")[2])
        and name not in SIGNAL_NAMES
        and not name.endswith((".delay", ".apply_async", ".s", ".si"))
    )


def _scopes(text: str, spans: list[re.Match[str]], keep: object) -> Iterator[tuple[str, str]]:
    """``(subject, the text after it up to the next subject or clause end)``."""
    subjects = [m for m in spans if keep(m.group(1).strip().removesuffix("()"))]  # type: ignore[operator]
    for index, match in enumerate(subjects):
        end = subjects[index + 1].start() if index + 1 < len(subjects) else len(text)
        scope = text[match.end() : end]
        # A clause ends at a semicolon or a full stop inside a list item's run-on text.
        cut = re.search(r";|\.\s", scope)
        yield match.group(1).strip().removesuffix("()"), scope[: cut.start()] if cut else scope


def task_options(text: str, line: int) -> Iterator[Claim]:
    """ "`x` has a soft time limit of 10 minutes", "`x` is retried up to 3 times, a
    minute apart", "`x` is rate limited to 10 per minute", "`x` acks late"."""
    for subject, scope in _scopes(text, _spans(text), _is_task_subject):
        if not _OPTION_WORDS.search(scope):
            continue
        for option, cue, read in _OPTION_CUES:
            match = cue.search(scope)
            if match is None:
                continue
            if option == "default_retry_delay":
                value: Value = _retry_delay(match)
            else:
                value = read(match) if callable(read) else read
            yield Claim("task", subject, option, value, f"cue: {match.group(0).strip()!r}", line)


_TASK_NAMED = lazy(
    r"`(?P<a>[^`]+)`\s+(?:celery\s+|background\s+|periodic\s+)?task\b"
    r"|\btask,?\s+`(?P<b>[^`]+)`"
    r"|\benqueu(?:e|es|ed|ing)\s+(?:the\s+|a\s+)?`(?P<c>[^`]+)`",
    re.I,
)


def task_names(text: str, line: int) -> Iterator[Claim]:
    """ "the `x` task", "task `x`", "enqueues `x`": a task the sentence says exists (a
    name nothing registers is ``task.missing``, a close one ``task.renamed``)."""
    for match in _TASK_NAMED.finditer(text):
        name = (match.group("a") or match.group("b") or match.group("c")).strip()
        name = name.removesuffix("()")
        for suffix in (".delay", ".apply_async", ".s", ".si"):
            name = name.removesuffix(suffix)
        if _is_task_subject(name):
            yield Claim("task", name, "", None, f"cue: {match.group(0).strip()!r}", line)


_ROUTED = lazy(
    r"^[^`.;]*?\b(?:is |are )?(?:routed|sent|goes|go|runs|run|queued)\s+(?:on|to|in|into)\s+"
    r"(?:the\s+|its own\s+|their own\s+)?(?P<before>queue,?\s+)?`(?P<queue>[A-Za-z0-9_.:-]+)`"
    r"(?P<word>\s+queue\b)?",
    re.I,
)


_OWN_QUEUE = lazy(
    r"\b(?:on|to|in)\s+(?:its|their)\s+own\s+queue,?\s+`(?P<queue>[A-Za-z0-9_.:-]+)`,?\s+"
    r"(?:by|for)\s+`(?P<task>[^`]+)`",
    re.I,
)


def task_queues(text: str, line: int) -> Iterator[Claim]:
    """ "`x` is routed to `q`", "`x` goes to the `q` queue", "`x` runs on the `q` queue":
    the subject is the task the clause names. Without the word "routed" the word
    "queue" must say what `q` is."""
    for own in _OWN_QUEUE.finditer(text):
        # "... run on their own queue, `reports`, by `tasks.build`": the task comes last.
        task = own.group("task").strip().removesuffix("()")
        if _is_task_subject(task):
            cue = f"cue: {own.group(0).strip()!r}"
            yield Claim("task", task, "queue", own.group("queue"), cue, line)
    for subject, scope in _scopes(text, _spans(text), _is_task_subject):
        match = _ROUTED.search(scope)
        if match is None:
            continue
        typed = match.group("word") or match.group("before")
        if typed is None and "routed" not in match.group(0).lower():
            continue
        yield Claim(
            "task", subject, "queue", match.group("queue"), f"cue: {match.group(0).strip()!r}", line
        )


_SETTING_VALUE = lazy(
    r"\s*(?:is|=|:|defaults to|is set to|of|is set at)\s+"
    r"(?:(?P<code>`[^`]+`)|(?P<duration>" + _DURATION + r")|(?P<number>-?\d+(?:\.\d+)?)\b"
    r"|(?P<bool>enabled|disabled|on|off|true|false|yes|no)\b)",
    re.I,
)
_TRUE_WORDS = frozenset({"enabled", "on", "true", "yes"})


def settings(text: str, line: int) -> Iterator[Claim]:
    """ "`task_time_limit` is 3600 seconds", "`CELERY_WORKER_CONCURRENCY` defaults to 8",
    "`task_acks_late` is enabled": a Celery setting (Django's ``CELERY_`` spelling too)
    followed at once by a value."""
    for span in _spans(text):
        written = span.group(1).strip()
        name = setting_name(written) or setting_name(written, "CELERY")
        if name is None:
            continue
        match = _SETTING_VALUE.match(text, span.end())
        if match is None:
            continue
        value: Value
        if match.group("code"):
            value = parse_scalar(match.group("code"))
        elif match.group("duration"):
            value = _seconds(match) if is_seconds_setting(name) else None
        elif match.group("number"):
            value = parse_scalar(match.group("number"))
        else:
            value = match.group("bool").lower() in _TRUE_WORDS
        if value is None:
            continue
        yield Claim("setting", name, "value", value, f"cue: {match.group(0).strip()!r}", line)


_RECORDS = lazy(
    r"\b(?:records?|observes?|increments?|counts?|updates?|sets?|exports?|tracks?|"
    r"measures?|bumps?)\b",
    re.I,
)


def signal_metrics(text: str, line: int) -> Iterator[Claim]:
    """ "the `task_postrun` handler records the `task_duration` histogram": the metrics a
    signal's handler records are the names after a recording verb, up to the next signal."""
    spans = _spans(text)
    signals = [m for m in spans if _signal(m.group(1)) is not None]
    for index, match in enumerate(signals):
        end = signals[index + 1].start() if index + 1 < len(signals) else len(text)
        verb = _RECORDS.search(text, match.end(), end)
        if verb is None:
            continue
        metrics = [
            m.group(1).strip()
            for m in spans
            if verb.end() <= m.start() < end and NAME.match(m.group(1).strip())
        ]
        if metrics:
            signal = _signal(match.group(1))
            assert signal is not None
            yield Claim(
                "signal", signal, "metrics", tuple(metrics), f"cue: {verb.group(0)!r}", line
            )


def _signal(span: str) -> str | None:
    name = span.strip().removeprefix("celery.signals.").removesuffix(".connect")
    return name if name in SIGNAL_NAMES else None


_CHORD = lazy(r"`?\bchord\b`?", re.I)  # `chord` written as code too
_CALLBACK = lazy(
    r"\bcallback,?\s+(?:is\s+|task\s+)?`(?P<cb>[^`]+)`|`(?P<cb2>[^`]+)`\s+as\s+(?:its|the)\s+callback",
    re.I,
)


def chords(text: str, line: int) -> Iterator[Claim]:
    """ "`a` fans out as a chord of `b` tasks, and the chord's callback `c` ...": the task
    named before "chord" builds it, the tasks between "chord" and the callback are its
    header. Read over a whole paragraph: people tell a flow in several sentences."""
    chord = _CHORD.search(text)
    callback = _CALLBACK.search(text, chord.end()) if chord else None
    if chord is None or callback is None:
        return
    name = callback.group("cb") or callback.group("cb2")
    before = [m.group(1).strip() for m in _spans(text[: chord.start()])]
    builders = [n for n in before if _is_task_subject(n)]
    header = [
        m.group(1).strip()
        for m in _spans(text[chord.end() : callback.start()])
        if _is_task_subject(m.group(1).strip())
    ]
    if not builders or not _is_task_subject(name):
        return
    cue = f"cue: 'chord' … {callback.group(0).strip()!r}"
    builder = builders[-1]
    yield Claim("canvas", builder, "primitive", "chord", cue, line)
    yield Claim("canvas", builder, "callback", name, cue, line)
    if header:
        yield Claim("canvas", builder, "header", tuple(header), cue, line)


_CLASS = lazy(r"\bthe\s+`(?P<a>[A-Z]\w*)`\s+class\b|\bclass\s+`(?P<b>[A-Z]\w*)`")
_BOOTSTEP = lazy(
    r"`(?P<a>[A-Z]\w*)`\s+(?:worker\s+)?bootstep\b|\bbootstep,?\s+(?:called\s+)?`(?P<b>[A-Z]\w*)`",
    re.I,
)


def worker_parts(text: str, line: int, topics: frozenset[Topic]) -> Iterator[Claim]:
    """ "the `TaskMetricsStep` bootstep" anywhere; "the `WorkerConfig` class" in a
    section about workers."""
    for match in _BOOTSTEP.finditer(text):
        name = match.group("a") or match.group("b")
        yield Claim("bootstep", name, "", None, f"cue: {match.group(0)!r}", line)
    if Topic.WORKERS in topics:
        for match in _CLASS.finditer(text):
            name = match.group("a") or match.group("b")
            yield Claim("worker", name, "kind", "class", f"cue: {match.group(0)!r}", line)


_SPAN_LIST = r"`[A-Za-z0-9_.:-]+`(?:\s*(?:,|,?\s+and)\s+`[A-Za-z0-9_.:-]+`)*"
_WORKER_CONSUMES = lazy(
    r"`(?P<worker>[A-Za-z0-9_.@-]+)`\s+worker\s+(?:consumes|listens (?:to|on)|serves)\s+"
    r"(?:the\s+)?(?P<queues>" + _SPAN_LIST + r")(?:\s+queues?)?"
    r"(?P<rest>[^.;]*)",
    re.I,
)
_CONSUMED_BY = lazy(
    r"(?P<queues>" + _SPAN_LIST + r")(?:\s+queues?)?\s+(?:is|are)\s+consumed\s+by\s+"
    r"(?:the\s+)?`(?P<worker>[A-Za-z0-9_.@-]+)`\s+worker",
    re.I,
)
_CONCURRENCY = lazy(r"\bconcurrency of (?P<n>\d+)|\b(?P<m>\d+) (?:processes|threads)\b", re.I)
_PREFETCH = lazy(r"\bprefetch(?: multiplier)? of (?P<n>\d+)", re.I)


def worker_profiles(text: str, line: int) -> Iterator[Claim]:
    """ "the `gpu` worker consumes `model_generation` with a concurrency of 2",
    "`mail` and `reports` are consumed by the `io` worker": a worker's profile."""
    for match in _WORKER_CONSUMES.finditer(text):
        worker, cue = match.group("worker"), f"cue: {match.group(0).strip()!r}"
        queues = tuple(CODE_SPAN.findall(match.group("queues")))
        yield Claim("worker", worker, "queues", queues, cue, line)
        if concurrency := _CONCURRENCY.search(match.group("rest")):
            count = int(concurrency.group("n") or concurrency.group("m"))
            yield Claim("worker", worker, "concurrency", count, cue, line)
        if prefetch := _PREFETCH.search(match.group("rest")):
            yield Claim("worker", worker, "prefetch_multiplier", int(prefetch["n"]), cue, line)
    for match in _CONSUMED_BY.finditer(text):
        queues = tuple(CODE_SPAN.findall(match.group("queues")))
        cue = f"cue: {match.group(0).strip()!r}"
        yield Claim("worker", match.group("worker"), "queues", queues, cue, line)


_SERVICE = lazy(
    r"\bthe\s+`(?P<a>[A-Za-z0-9_.-]+)`\s+(?:service|container)\b"
    r"|\b(?:service|container)\s+`(?P<b>[A-Za-z0-9_.-]+)`",
    re.I,
)


_PROCESS = lazy(
    r"`(?P<name>[A-Za-z0-9_.{},-]+)`\s+(?:process(?:es)?|process\s+types?|dynos?)\b", re.I
)
_BRACES = lazy(r"\{([^{}]*,[^{}]*)\}")


def expand_braces(name: str) -> list[str]:
    """``pulse_listener_{pushes,jobs}`` → both names, as the shell expands them."""
    match = _BRACES.search(name)
    if match is None:
        return [name]
    head, tail = name[: match.start()], name[match.end() :]
    return [n for part in match.group(1).split(",") for n in expand_braces(head + part + tail)]


def services(text: str, line: int) -> Iterator[Claim]:
    """ "the `flower` service", "service `celery-beat`": a deployed process, claimed only
    when its name says it is a worker, beat or Flower (other services are mentions).
    "the `web` process", "the `pulse_listener_{pushes,tasks}` dynos": a deployed process
    of that name, whatever it runs (Procfile and entrypoint names)."""
    for match in _SERVICE.finditer(text):
        name = match.group("a") or match.group("b")
        role = guess_role(name, None, "")
        if role != "other":
            yield Claim("service", name, "role", role, f"cue: {match.group(0)!r}", line)
    for match in _PROCESS.finditer(text):
        for name in expand_braces(match.group("name")):
            if re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                role = guess_role(name, None, "")
                yield Claim("service", name, "role", role, f"cue: {match.group(0)!r}", line)


_ENV_NAME = lazy(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\Z")
# The value must end the clause (or be followed by a bracketed gloss or a conjunction):
# "Defaults to 1 MiB" (a unit we do not read) and "Default is listed in the file ..."
# claim nothing.
_DEFAULT_VALUE = (
    r"(?:(?P<code>`[^`]+`)|" + _DURATION + r"|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<word>[A-Za-z][\w/:-]*(?:\.[\w/:-]+)*))"
    r"(?=\s*(?:$|[.,;:!?)]|\(|(?:and|or|but|if|unless|when|so|which)\b))"
)
_ENV_DEFAULT = lazy(
    r"\s*(?:\(\s*)?(?:defaults? (?:to|is)|default(?: value)?(?: is|:)|by default(?: is|:))\s+"
    + _DEFAULT_VALUE,
    re.I,
)
_DEFAULT_SENTENCE = lazy(
    r"\s*(?:it\s+|this\s+)?(?:defaults? (?:to|is)|the default (?:value )?is|default(?: value)?:)\s+"
    + _DEFAULT_VALUE,
    re.I,
)
_NOT_VALUES = frozenset({"the", "a", "an", "whatever", "none", "empty", "unset", "not", "no"})


def env_name(span: str) -> str | None:
    """The variable a code span names: `WORKERS`, `WORKERS=<num>`, `$WORKERS`; not a
    Celery setting (those are settings claims)."""
    name = span.strip().lstrip("$").split("=", 1)[0].strip("{}")
    if not _ENV_NAME.match(name) or setting_name(name) or setting_name(name, "CELERY"):
        return None
    return name


def _default(match: re.Match[str]) -> Value:
    if match.group("code"):
        return parse_scalar(match.group("code"))
    if match.group("n") is not None:
        return _seconds(match)
    if match.group("number") is not None:
        return parse_scalar(match.group("number"))
    word = match.group("word").rstrip(".:")
    return None if word.lower() in _NOT_VALUES else parse_scalar(word)


def env_defaults(text: str, line: int) -> Iterator[Claim]:
    """ "`WORKERS` defaults to 4", "`BROKER_URL` (default: `redis://`)"."""
    for span in _spans(text):
        name = env_name(span.group(1))
        if name is None:
            continue
        match = _ENV_DEFAULT.match(text, span.end())
        if match is None:
            continue
        value = _default(match)
        if value is not None:
            yield Claim("env", name, "default", value, f"cue: {match.group(0).strip()!r}", line)


_ENV_CUE = lazy(r"\benv(?:ironment)?(?:\s+|-)?var(?:iable)?s?\b|\bvariables?\b", re.I)


def env_mentions(text: str, line: int) -> Iterator[Claim]:
    """ "the `PULSE_URL` env variable", "set the environment variables `A` and `B`": a
    variable named where the sentence says it is one claims that the code reads it."""
    cue = _ENV_CUE.search(text)
    if cue is None:
        return
    for span in _spans(text):
        name = env_name(span.group(1))
        if name is not None and "=" not in span.group(1):
            yield Claim("env", name, "", None, f"cue: {cue.group(0)!r}", line)


def section_default(text: str, line: int, variable: str) -> Iterator[Claim]:
    """ "Defaults to 4." in the section a variable's heading opens (mkdocs pages document
    one variable per heading)."""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        match = _DEFAULT_SENTENCE.match(sentence)
        if match is None:
            continue
        value = _default(match)
        if value is not None:
            evidence = f"heading: {variable}; cue: {match.group(0).strip()!r}"
            yield Claim("env", variable, "default", value, evidence, line)
            return


_QUEUE_LIST = lazy(
    r"(?:the\s+)?(?P<names>`[A-Za-z0-9_.:-]+`(?:\s*(?:,|,?\s+and|,?\s+or)\s+`[A-Za-z0-9_.:-]+`)*)"
    r"\s+queues?\b"
    r"|\bqueues?\s+(?P<after>`[A-Za-z0-9_.:-]+`(?:\s*(?:,|,?\s+and|,?\s+or)\s+`[A-Za-z0-9_.:-]+`)*)",
    re.I,
)


def queue_names(text: str, line: int) -> Iterator[Claim]:
    """ "the `store_pulse_jobs` queue", "the `a` and `b` queues", "queues `a`, `b`": the
    word "queue" next to the names types them."""
    for match in _QUEUE_LIST.finditer(text):
        names = match.group("names") or match.group("after")
        for name in CODE_SPAN.findall(names):
            yield Claim("queue", name.strip(), "", None, f"cue: {match.group(0).strip()!r}", line)


def unit_claims(text: str, line: int, topics: frozenset[Topic]) -> Iterator[Claim]:
    """Every claim one sentence or list item makes."""
    if "`" not in text:
        return
    low = text.lower()
    if _OPTION_WORDS.search(text):
        yield from task_options(text, line)
    if "task" in low or "enqueu" in low:
        yield from task_names(text, line)
    if "queue" in low or "routed" in low:
        yield from task_queues(text, line)
        yield from queue_names(text, line)
    yield from settings(text, line)
    if "_" in text:
        yield from signal_metrics(text, line)
    if "worker" in low and ("consum" in low or "listens" in low or "serves" in low):
        yield from worker_profiles(text, line)
    if "bootstep" in low or ("class" in low and Topic.WORKERS in topics):
        yield from worker_parts(text, line, topics)
    if "service" in low or "container" in low or "process" in low or "dyno" in low:
        yield from services(text, line)
