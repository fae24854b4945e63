"""Secrets in URLs never reach an output."""

from __future__ import annotations

import pytest

from conformance.runtime.redact import redact


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("amqp://guest:guest@127.0.0.1:5672//", "amqp://guest:***@127.0.0.1:5672//"),
        ("redis://:pw@h:6379/0 and more", "redis://:***@h:6379/0 and more"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),  # no password, nothing to hide
        (
            "postgresql://h/db?user=u&password=s3cret&x=1",
            "postgresql://h/db?user=u&password=***&x=1",
        ),
        ("host=h dbname=d password=s3cret user=u", "host=h dbname=d password=*** user=u"),
        ("https://x/metrics?token=abc", "https://x/metrics?token=***"),
        ("http://x", "http://x"),
    ],
)
def test_secrets_are_hidden(text: str, shown: str) -> None:
    assert redact(text) == shown
