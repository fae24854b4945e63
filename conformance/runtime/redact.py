"""URLs without their secrets, for every message and report."""

from __future__ import annotations

import re

_USERINFO = re.compile(
    r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:@/\s]*)(?P<password>:[^@/\s]*)?@"
)


def redact(text: str) -> str:
    """``amqp://guest:secret@host//`` → ``amqp://guest:***@host//`` (the user is kept: it
    says which account, not how to use it), wherever a URL appears in ``text``."""

    def hidden(match: re.Match[str]) -> str:
        secret = ":***" if match.group("password") is not None else ""
        return f"{match.group('scheme')}{match.group('user')}{secret}@"

    return _USERINFO.sub(hidden, text)
