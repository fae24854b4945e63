"""URLs without their secrets, for every message and report."""

from __future__ import annotations

import re

_USERINFO = re.compile(
    r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:@/\s]*)(?P<password>:[^@/\s]*)?@"
)


# `?password=x`, `&sslpassword=x`, libpq's `password=x` keyword, `token=`/`secret=`.
_PARAMETER = re.compile(
    r"(?P<key>(?:\b|[?&])(?:ssl)?(?:password|passwd|pwd|token|secret|api_key)=)(?P<value>[^&\s'\"]+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``amqp://guest:secret@host//`` → ``amqp://guest:***@host//`` (the user is kept: it
    says which account, not how to use it), wherever a URL appears in ``text``; and the
    value of a ``password=`` (``token=``, ``secret=``…) parameter or keyword."""

    def hidden(match: re.Match[str]) -> str:
        secret = ":***" if match.group("password") is not None else ""
        return f"{match.group('scheme')}{match.group('user')}{secret}@"

    return _PARAMETER.sub(lambda m: f"{m.group('key')}***", _USERINFO.sub(hidden, text))
