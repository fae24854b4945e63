"""Deployment files read as what they start: one module per format.

Only the shell reader lives here so far; Compose, Kubernetes, Procfile, supervisord and
systemd are still read by :mod:`conformance.commands`, Dockerfiles by
:mod:`conformance.introspect.dockerfile` (moving them is the rest of issue 13).
"""
