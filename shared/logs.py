"""Structured logs in Cloud Logging's JSON format, with trace, tenant and run, and no secrets.

Each record is one JSON line on stdout: ``severity``, ``message``, ``logging.googleapis.com/trace``
and ``logging.googleapis.com/labels`` (tenant, run). Every secret value this instance has read is
registered with :func:`register_secret` and masked in every line, as are bearer tokens, Notion-style
tokens and our API keys (``na_...``) that reach a message by accident.
"""

import contextvars
import json
import logging
import re
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

_trace: contextvars.ContextVar[str] = contextvars.ContextVar("trace", default="")
_labels: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "labels", default=MappingProxyType({})
)
_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_PATTERNS = re.compile(
    r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}|\b(secret_|ntn_|ghp_|xox[bp]-|na_)[A-Za-z0-9_-]{8,}"
)
REDACTED = "[REDACTED]"


def register_secret(value: str) -> None:
    """Mask ``value`` in every later log line of this instance."""
    if len(value) >= 6:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for value in known:
        text = text.replace(value, REDACTED)
    return _PATTERNS.sub(lambda m: (m.group(1) or "") + REDACTED, text)


def trace_id(cloud_trace_context: str, traceparent: str) -> str:
    """The trace id from ``X-Cloud-Trace-Context`` (TRACE/SPAN;o=1), else W3C ``traceparent``."""
    if cloud_trace_context:
        return cloud_trace_context.split("/", 1)[0].split(";", 1)[0].strip()
    parts = traceparent.split("-")
    return parts[1] if len(parts) == 4 and len(parts[1]) == 32 else ""


@contextmanager
def log_context(trace: str | None = None, **labels: str) -> Iterator[None]:
    """Attach a trace id and labels (tenant, run) to every record logged inside the block."""
    trace_token = _trace.set(trace) if trace is not None else None
    label_token = _labels.set({**_labels.get(), **{k: v for k, v in labels.items() if v}})
    try:
        yield
    finally:
        _labels.reset(label_token)
        if trace_token is not None:
            _trace.reset(trace_token)


def add_labels(**labels: str) -> None:
    """Add labels to the current context (e.g. once the tenant of a request is known)."""
    _labels.set({**_labels.get(), **{k: v for k, v in labels.items() if v}})


class CloudLoggingFormatter(logging.Formatter):
    def __init__(self, project: str) -> None:
        super().__init__()
        self.project = project

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        entry: dict[str, Any] = {
            "severity": record.levelname if record.levelname != "WARN" else "WARNING",
            "message": redact(message),
            "logger": record.name,
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
        }
        trace = _trace.get()
        if trace:
            entry["logging.googleapis.com/trace"] = f"projects/{self.project}/traces/{trace}"
        labels = _labels.get()
        if labels:
            entry["logging.googleapis.com/labels"] = {k: redact(v) for k, v in labels.items()}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry["fields"] = json.loads(redact(json.dumps(fields, default=str)))
        return json.dumps(entry, ensure_ascii=False)


def configure(project: str, level: str = "INFO") -> None:
    """Route the root logger to stdout as Cloud Logging JSON; idempotent."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, CloudLoggingFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(CloudLoggingFormatter(project))
    root.handlers[:] = [handler]
    root.setLevel(level)
