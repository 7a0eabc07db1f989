"""Failures injected on demand: the next N matching requests answer an error, or are slowed down.

An injection matches a service (``github``, ``vercel``, ``slack``, ``discord`` or any), optionally a method and a path
fragment. ``when="before"`` refuses the request (nothing happens); ``when="after"`` carries it out and
then answers the error instead of the result, like a crash or a lost response after the effect.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

SERVICES = ("github", "vercel", "slack", "discord")


@dataclass
class Injection:
    status: int | None  # None: only the delay
    remaining: int
    service: str | None = None
    method: str | None = None
    path: str | None = None  # a fragment of the path after /github, /vercel or /slack/api
    when: str = "before"  # before | after
    retry_after: int | None = None
    reset_only: bool = False  # rate limits: X-RateLimit-Reset without Retry-After
    message: str | None = None
    delay_s: float = 0.0

    def matches(self, service: str, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and self.service in (None, service)
            and self.method in (None, method)
            and (self.path is None or self.path in path)
        )


@dataclass
class Faults:
    _items: list[Injection] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, body: dict[str, Any]) -> Injection:
        """Add an injection from an admin request's JSON (raises ValueError when it makes no sense)."""
        status = body.get("status")
        item = Injection(
            status=None if status is None else int(status),
            remaining=int(body.get("count", 1)),
            service=body.get("service"),
            method=str(body["method"]).upper() if body.get("method") else None,
            path=body.get("path"),
            when=str(body.get("when", "before")),
            retry_after=None if body.get("retry_after") is None else int(body["retry_after"]),
            reset_only=bool(body.get("reset_only", False)),
            message=body.get("message"),
            delay_s=float(body.get("delay_s", 0.0)),
        )
        if item.status is not None and not 400 <= item.status <= 599:
            raise ValueError("status must be an error status (403, 429, 500, 502, ...)")
        if item.status is None and item.delay_s <= 0:
            raise ValueError("give a status, a delay_s, or both")
        if item.service not in (None, *SERVICES) or item.when not in ("before", "after"):
            raise ValueError("service must be github, vercel, slack or discord; when must be before or after")
        with self._lock:
            self._items.append(item)
        return item

    def take(self, service: str, method: str, path: str) -> Injection | None:
        """The first injection matching this request, one use of it consumed."""
        with self._lock:
            for item in self._items:
                if item.matches(service, method, path):
                    item.remaining -= 1
                    return item
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(i) for i in self._items if i.remaining > 0]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
