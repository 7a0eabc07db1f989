"""Pacing of one connection's requests to a rate-limited API, within an instance, and its back-off
after the API refuses one (429/529 with Retry-After).

Notion allows each connection an average of three requests per second with short bursts, and refuses
the excess with 429 and Retry-After. Without pacing, one step that reads a large data source (a
request per 100 rows) or appends a long page (a request per 100 blocks) runs into that limit, and so
does every other run of the same workspace while one of them is being refused.

:class:`Pacer` keeps, per connection key, the time its next request conforms (the generic cell rate
algorithm: ``burst`` requests at once, then one per ``1 / rate_per_s`` seconds), and after a refusal
closes the key until the Retry-After has passed and lets it start again with a single request:

- a request that conforms within ``max_wait_s`` gets its slot and waits for it (a short sleep);
- a later one gets :class:`TransientError` with ``retry_after_s``, without a request being made, so
  the engine schedules the step for later instead of holding an instance (and the queue's dispatch
  slot) for one workspace's backlog while other workspaces wait.

Keys are independent: one connection's pace or back-off never delays another's. The state is per
instance; two instances working for one workspace at once may still together exceed its limit, and
then Notion's 429 closes the key on each of them.
"""

import threading
import time
from collections.abc import Callable

from shared.errors import TransientError

_MAX_KEYS = 1024  # beyond this many connections, forget the idle ones


class Pacer:
    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        max_wait_s: float,
        *,
        what: str = "the API",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_s <= 0 or burst < 1 or max_wait_s < 0:
            raise ValueError("rate_per_s must be > 0, burst >= 1 and max_wait_s >= 0")
        self._interval = 1.0 / rate_per_s
        self._tolerance = (burst - 1) * self._interval
        self._max_wait = max_wait_s
        self._what = what
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}  # key → theoretical arrival time of its next request
        self._closed: dict[str, float] = {}  # key → end of its back-off after a refusal

    def acquire(self, key: str) -> None:
        """Wait for ``key``'s next slot, or raise TransientError(retry_after_s) when it is too far."""
        with self._lock:
            now = self._clock()
            due = self._next.get(key, now)
            at = max(now, due - self._tolerance, self._closed.get(key, now))
            wait = at - now
            if wait > self._max_wait:
                reason = f"{self._what} is paced for this connection: its next request may go in {wait:.1f} s"
                raise TransientError(reason, retry_after_s=wait)
            self._next[key] = max(due, at) + self._interval
            if len(self._next) > _MAX_KEYS:
                self._forget_idle(now)
        if wait > 0:
            self._sleep(wait)

    def refused(self, key: str, retry_after_s: float) -> None:
        """The API refused a request of ``key``: no request before ``retry_after_s``, then one at a time."""
        with self._lock:
            until = max(self._closed.get(key, 0.0), self._clock() + max(0.0, retry_after_s))
            self._closed[key] = until
            self._next[key] = max(self._next.get(key, until), until + self._tolerance)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, due in self._next.items() if due <= now and self._closed.get(k, 0.0) <= now]:
            self._next.pop(key, None)
            self._closed.pop(key, None)
