"""Deterministic ids and Notion-style timestamps."""

from __future__ import annotations

import itertools
import threading
import uuid
from datetime import UTC, datetime

NAMESPACE = uuid.UUID("6f1c2a4e-8b0d-4a57-9a43-5b0e8c1f0d11")


def stable_id(*parts: str) -> str:
    """A UUID derived only from `parts`: the same seed always yields the same ids."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


class IdFactory:
    """Sequential ids per workspace, deterministic for a given order of creation."""

    def __init__(self, scope: str) -> None:
        self._scope = scope
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def next(self, kind: str) -> str:
        with self._lock:
            n = next(self._counter)
        return stable_id(self._scope, kind, str(n))


def now_iso() -> str:
    """Notion's timestamp format: ISO 8601 in UTC with milliseconds and a Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def compact(object_id: str) -> str:
    return object_id.replace("-", "")


def normalize_id(raw: str) -> str:
    """Accept ids with or without dashes, as Notion does; unknown shapes pass through unchanged."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return raw
