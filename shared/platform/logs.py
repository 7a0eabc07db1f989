"""Structured logs in Cloud Logging's JSON format, with trace, tenant and run, and no secrets.

Each record is one JSON line on stdout: ``severity``, ``message``, ``time`` (RFC 3339, microseconds,
UTC), the request's ``trace``, ``spanId`` and ``trace_sampled``, and ``labels`` (tenant, run, the
framework's execution_id), and a record's ``fields`` under ``fields`` (``jsonPayload.fields.<key>``
for a log metric). Every secret value this instance has read (:func:`register_secret`), bearer
tokens, our keys and the token shapes of Notion, GitHub, GitLab, Linear and Slack are masked.
"""

import contextvars
import json
import logging
import re
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, NamedTuple


class TraceContext(NamedTuple):
    """A request's trace: the trace id, its span (16 hex digits) and whether it is sampled."""

    trace: str
    span: str = ""
    sampled: bool = False


_NO_TRACE = TraceContext("")
_trace: contextvars.ContextVar[TraceContext] = contextvars.ContextVar("trace", default=_NO_TRACE)
_labels: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "labels", default=MappingProxyType({})
)
_secrets: set[str] = set()
_secrets_lock = threading.Lock()
# The token shapes masked whatever registered them. A bearer token; Notion's (secret_, ntn_); ours
# (na_). GitHub's classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained (github_pat_). GitLab's
# (glpat-, and its OAuth, deploy, runner, trigger, feed and other gl*- forms). Linear's (lin_api_,
# lin_oauth_). Slack's (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-, xapp-). Motion's keys have no shape of
# their own: the value beside an API-key name (``X-API-Key: ...``, ``"api_key": "..."``) is masked.
_PREFIXES = (
    r"secret_|ntn_|na_|gh[pousr]_|github_pat_|lin_(?:api|oauth)_|xox[abeprs]-|xapp-"
    r"|gl(?:pat|oas|dt|rt|ptt|ft|imt|agent|soat|cbt|ffct|sst|wt)-"
)
_PATTERNS = re.compile(
    r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"
    rf"|\b({_PREFIXES})[A-Za-z0-9_-]{{8,}}"
    r"|(\b(?:x-)?api[-_]?key[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._~+/=-]{8,}"
)
REDACTED = "[REDACTED]"
ERROR_EVENT_TYPE = "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent"


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
    return _PATTERNS.sub(lambda m: (m.group(1) or m.group(3) or "") + REDACTED, text)


_CLOUD_TRACE = re.compile(r"^([0-9a-fA-F]+)(?:/(\d+))?(?:;o=([01]))?$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_W3C_TRACE_ID = re.compile(r"(?!0{32})[0-9a-f]{32}")


def trace_context(cloud_trace_context: str, traceparent: str) -> TraceContext:
    """The trace from ``X-Cloud-Trace-Context`` (TRACE/SPAN;o=1, the span in decimal), else W3C
    ``traceparent`` (00-TRACE-SPAN-FLAGS); an unreadable header gives no trace."""
    cloud = _CLOUD_TRACE.match(cloud_trace_context.strip())
    if cloud:
        span = f"{int(cloud.group(2)):016x}" if cloud.group(2) else ""
        return TraceContext(cloud.group(1), span[-16:], cloud.group(3) == "1")
    parent = _TRACEPARENT.match(traceparent.strip())
    if parent:
        return TraceContext(parent.group(1), parent.group(2), bool(int(parent.group(3), 16) & 1))
    return _NO_TRACE


def trace_headers() -> dict[str, str]:
    """The current request's trace as the headers a call it makes carries on (a task it enqueues):
    W3C ``traceparent`` and Cloud Trace's ``X-Cloud-Trace-Context``, the same trace, span and sampling;
    {} outside a traced request. The receiving function reads them (:func:`trace_context`), so its
    log lines join the same trace."""
    current = _trace.get()
    if not current.trace:
        return {}
    span = current.span if current.span and int(current.span, 16) else "0" * 15 + "1"  # never all zero
    headers = {"X-Cloud-Trace-Context": f"{current.trace}/{int(span, 16)};o={int(current.sampled)}"}
    if _W3C_TRACE_ID.fullmatch(current.trace):  # traceparent takes 32 lower-case hex digits only
        headers["traceparent"] = f"00-{current.trace}-{span}-{'01' if current.sampled else '00'}"
    return headers


@contextmanager
def log_context(trace: TraceContext | str | None = None, **labels: str) -> Iterator[None]:
    """Attach a trace and labels (tenant, run, execution_id) to every record logged inside the block."""
    if isinstance(trace, str):
        trace = TraceContext(trace)
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
        stack = self.formatException(record.exc_info) if record.exc_info else ""
        if stack:
            message = f"{message}\n{stack}"
        entry: dict[str, Any] = {
            "severity": record.levelname if record.levelname != "WARN" else "WARNING",
            "message": redact(message),
            "logger": record.name,
            "time": rfc3339(record.created),
        }
        if stack and record.levelno >= logging.ERROR:
            # Error Reporting reads stack_trace first, in Python's own format; the @type makes it
            # take the entry as an error event whatever else the entry holds.
            entry["@type"] = ERROR_EVENT_TYPE
            entry["stack_trace"] = redact(stack)
        trace = _trace.get()
        if trace.trace:
            entry["logging.googleapis.com/trace"] = f"projects/{self.project}/traces/{trace.trace}"
            entry["logging.googleapis.com/trace_sampled"] = trace.sampled
            if trace.span:
                entry["logging.googleapis.com/spanId"] = trace.span
        labels = _labels.get()
        if labels:
            entry["logging.googleapis.com/labels"] = {k: redact(v) for k, v in labels.items()}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry["fields"] = json.loads(redact(json.dumps(fields, default=str)))
        return json.dumps(entry, ensure_ascii=False)


def rfc3339(timestamp: float) -> str:
    """``timestamp`` as RFC 3339 in UTC with microseconds, e.g. 2026-11-23T14:05:09.123456Z."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def configure(project: str, level: str = "INFO") -> None:
    """Route the root logger to stdout as Cloud Logging JSON; idempotent."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, CloudLoggingFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(CloudLoggingFormatter(project))
    root.handlers[:] = [handler]
    root.setLevel(level)
