"""Heading context: what a section is about decides what its prose, lists and tables mean."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Topic(enum.StrEnum):
    TASKS = "tasks"
    QUEUES = "queues"
    SCHEDULES = "schedules"
    SIGNALS = "signals"
    METRICS = "metrics"
    WORKERS = "workers"
    SERVICES = "services"
    SETTINGS = "settings"


# Word stems matched inside the lower-cased heading text. "Route" alone is not about
# queues: paperless-ngx's install guide has a "Bare Metal Route" of package lists.
TOPIC_WORDS: dict[Topic, tuple[str, ...]] = {
    Topic.TASKS: ("task",),
    Topic.QUEUES: ("queue", "routing", "task route", "routes"),
    Topic.SCHEDULES: ("beat", "schedul", "periodic", "cron"),
    Topic.SIGNALS: ("signal",),
    Topic.METRICS: ("metric", "monitoring", "prometheus"),
    Topic.WORKERS: ("worker",),
    Topic.SERVICES: ("deploy", "compose", "service"),
    Topic.SETTINGS: ("config", "setting"),
}


def heading_topics(text: str) -> frozenset[Topic]:
    """The topics a heading's words name ("Queues and Routing" -> queues)."""
    lowered = text.lower()
    return frozenset(
        topic for topic, stems in TOPIC_WORDS.items() if any(s in lowered for s in stems)
    )


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    topics: frozenset[Topic]


_ILLUSTRATIVE = re.compile(
    r"\b(?:examples?|sample|tutorial|adding an? new|how to (?:add|write|create))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Section:
    """The open headings, outermost first."""

    headings: tuple[Heading, ...] = ()

    @property
    def illustrative(self) -> str | None:
        """The open heading that makes this an example ("Example", "Adding a new task"),
        whose names are mentions, not claims; ``None`` elsewhere."""
        for heading in reversed(self.headings):
            if _ILLUSTRATIVE.search(heading.text):
                return heading.text
        return None

    def enter(self, level: int, text: str) -> Section:
        """The section after a heading of ``level``: deeper headings are closed."""
        kept = tuple(h for h in self.headings if h.level < level)
        return Section((*kept, Heading(level, text, heading_topics(text))))

    @property
    def topics(self) -> frozenset[Topic]:
        """The topics of the innermost heading that names any.

        A page title (level 1) only counts while no deeper heading is open: "Background
        Tasks" as a title must not make every section of the page a tasks section.
        """
        innermost = len(self.headings) - 1
        for index in range(innermost, -1, -1):
            heading = self.headings[index]
            if heading.level == 1 and index != innermost:
                continue
            if heading.topics:
                return heading.topics
        return frozenset()
