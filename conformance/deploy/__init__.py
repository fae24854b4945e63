"""Deployment files read as what they start, one module per format.

:mod:`~conformance.deploy.read` tells a file's format and reads it;
:mod:`~conformance.deploy.commandline` is the one Celery command-line parser every format
(and the docs' shell and YAML blocks) goes through; :mod:`~conformance.deploy.shell`
(entrypoint scripts, with tree-sitter-bash), :mod:`~conformance.deploy.manifests`
(Compose, Kubernetes), :mod:`~conformance.deploy.helm` (chart values),
:mod:`~conformance.deploy.procfile`, :mod:`~conformance.deploy.ini` (supervisord,
systemd) and :mod:`~conformance.deploy.dockerfile` each read one format. Nothing is
executed; YAML is safe-loaded.
"""
