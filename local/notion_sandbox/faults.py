"""Rate limits per connection and failures injected on demand."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from local.notion_sandbox.errors import NotionError, injected, rate_limited


@dataclass
class Budget:
    """At most `requests` per `window_seconds` per token; `retry_after` overrides the computed wait."""

    requests: int
    window_seconds: float
    retry_after: int | None = None


@dataclass
class Injection:
    status: int
    remaining: int
    retry_after: int | None
    token: str | None


@dataclass
class Faults:
    budget: Budget | None = None
    overloaded: bool = False
    overload_retry_after: int | None = None
    latency_s: float = 0.0  # added to every request: a slow Notion (a process killed mid-request)
    _injections: deque[Injection] = field(default_factory=deque)
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, status: int, count: int, retry_after: int | None, token: str | None) -> None:
        with self._lock:
            self._injections.append(Injection(status, count, retry_after, token))

    def reset(self) -> None:
        with self._lock:
            self.budget, self.overloaded, self.latency_s = None, False, 0.0
            self._injections.clear()
            self._windows.clear()

    def check(self, token: str) -> None:
        """Raise the error this request should get, if any (injected first, then overload, then budget),
        after ``latency_s``."""
        if self.latency_s:
            time.sleep(self.latency_s)
        with self._lock:
            for item in self._injections:
                if item.remaining > 0 and item.token in (None, token):
                    item.remaining -= 1
                    raise injected(item.status, item.retry_after)
            if self.overloaded:
                raise injected(529, self.overload_retry_after)
            if self.budget is not None:
                self._spend(token, self.budget)

    def _spend(self, token: str, budget: Budget) -> None:
        now = time.monotonic()
        start, used = self._windows.get(token, (now, 0))
        if now - start >= budget.window_seconds:
            start, used = now, 0
        if used >= budget.requests:
            wait = budget.retry_after
            if wait is None:
                wait = max(1, math.ceil(budget.window_seconds - (now - start)))
            raise rate_limited(wait)
        self._windows[token] = (start, used + 1)

    def pending(self) -> list[dict[str, object]]:
        with self._lock:
            return [vars(i).copy() for i in self._injections if i.remaining > 0]


__all__ = ["Budget", "Faults", "NotionError"]
