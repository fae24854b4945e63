"""Code → spec: the implementation as one :class:`~conformance.model.Spec`, live or static.

:func:`introspect` (in :mod:`conformance.introspect.implementation`) reads the app's
source and deployment files and, in live mode, asks the app itself from a child process
(:mod:`conformance.introspect.live`). This package module stays empty on purpose: the
live probe is started from here before the heavier readers are even imported.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # `from conformance.introspect import introspect` keeps working for library users.
    if name in ("introspect", "scan_sources", "app_package"):
        from conformance.introspect import implementation

        return getattr(implementation, name)
    raise AttributeError(f"module 'conformance.introspect' has no attribute {name!r}")
