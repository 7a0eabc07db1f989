"""Pacing of one connection's requests to a rate-limited API, within an instance, and its back-off
after the API refuses one (429/529 with Retry-After).

Notion allows each connection about three requests a second with short bursts. Without pacing, a
step reading a large data source or appending a long page runs into that limit, and so does every
other run of the workspace while it is refused. The state is per instance: two instances working for
one workspace may together exceed the limit, and Notion's 429 then closes the key on each.
"""

import threading
import time
from collections.abc import Callable

from shared.platform import task_pacing
from shared.platform.errors import NothingSent

_MAX_KEYS = 1024  # beyond this many connections, forget the idle ones


class Pacer:
    """Per connection key, the time its next request conforms (the generic cell rate algorithm:
    ``burst`` at once, then one per ``1 / rate_per_s`` seconds). After a refusal the key is closed
    until its Retry-After has passed, then starts again with one request. A request that conforms
    within ``max_wait_s`` waits for its slot (longer in a task that has sent some: ``task_pacing``).
    A later one gets NothingSent (a TransientError) with ``retry_after_s`` and makes no request: the
    task is put back for its turn. One connection's pace never delays another's."""

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
        """Wait for ``key``'s next slot, or raise NothingSent(retry_after_s) when it is too far."""
        with self._lock:
            now = self._clock()
            due = self._next.get(key, now)
            at = max(now, due - self._tolerance, self._closed.get(key, now))
            wait = at - now
            limit = (
                max(self._max_wait, task_pacing.STARTED_MAX_WAIT_S)
                if task_pacing.started()
                else self._max_wait
            )
            if wait > limit:
                reason = f"{self._what} is paced for this connection: its next request may go in {wait:.1f} s"
                raise NothingSent(reason, retry_after_s=wait)
            self._next[key] = max(due, at) + self._interval
            if len(self._next) > _MAX_KEYS:
                self._forget_idle(now)
        task_pacing.count_sent()
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
