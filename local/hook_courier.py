"""The trackers' webhook deliveries, sent as the real tools send them: the Linear and GitLab sandboxes
keep each signed delivery they build in an outbox (the suites deliver those late, doubled or out of
order themselves); on the local stack this courier takes each one as it appears and POSTs it, headers
and body as built, to the URL its webhook names (the api's ``/sync/<tool>/webhook/<tenant>``). The Calendar sandbox's
channel notifications, bodiless (``(address, headers)``), are posted the same way to the api's
``/calendar/push``.

As the tools do, a delivery the receiver did not take (no answer, or a 5xx or 429) is tried again
after a pause (Linear retries a failed delivery, GitLab too), at most :data:`ATTEMPTS` times; a 4xx
other than 429 is the receiver's refusal and is not repeated. Each outcome is kept in
:attr:`HookCourier.sent` for a test to read."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

ATTEMPTS = 4
BACKOFF_S = (1.0, 3.0, 10.0)  # the pauses before the 2nd, 3rd and 4th tries (the tools wait longer)
Outbox = list[tuple[str, dict[str, str], bytes]] | list[tuple[str, dict[str, str]]]


@dataclass
class Sent:
    """One delivery's outcome: where it went, its event header, the statuses of its tries (0: no answer)."""

    tool: str
    url: str
    event: str
    statuses: list[int] = field(default_factory=list)

    @property
    def taken(self) -> bool:
        return bool(self.statuses) and 200 <= self.statuses[-1] < 300


@dataclass
class _Due:
    tool: str
    url: str
    headers: dict[str, str]
    body: bytes
    sent: Sent
    at: float = 0.0


class HookCourier:
    """Drains ``outboxes`` (each a tool's name, its outbox and the lock its sandbox appends under) from a
    daemon thread every ``poll_s``; :meth:`stop` ends it. ``clock``: seconds, for the retries' pauses."""

    def __init__(
        self,
        outboxes: Sequence[tuple[str, Outbox, Any]],
        poll_s: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.outboxes = list(outboxes)
        self.poll_s, self.clock = poll_s, clock
        self.sent: list[Sent] = []
        self._due: list[_Due] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hook-courier", daemon=True)

    def start(self) -> HookCourier:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.deliver_due()

    def deliver_due(self) -> None:
        """Take what the outboxes hold, then send each delivery whose time has come (once each)."""
        for tool, outbox, lock in self.outboxes:
            with lock:
                taken, outbox[:] = list(outbox), []
            for delivery in taken:
                url, headers, body = _parts(delivery)
                event = (
                    headers.get("Linear-Event")
                    or headers.get("X-Gitlab-Event")
                    or headers.get("X-Goog-Resource-State")
                    or ""
                )
                sent = Sent(tool, url, event)
                self.sent.append(sent)
                self._due.append(_Due(tool, url, headers, body, sent))
        now = self.clock()
        ready = [d for d in self._due if d.at <= now]
        self._due = [d for d in self._due if d.at > now]
        for due in ready:
            status = _post(due.url, due.headers, due.body)
            due.sent.statuses.append(status)
            tries = len(due.sent.statuses)
            if (status in {0, 429} or status >= 500) and tries < ATTEMPTS:
                due.at = self.clock() + BACKOFF_S[tries - 1]
                self._due.append(due)


def _parts(delivery: tuple[Any, ...]) -> tuple[str, dict[str, str], bytes]:
    """A delivery's URL, headers and body (a channel notification's: empty)."""
    url, headers, *body = delivery
    return str(url), dict(headers), bytes(body[0]) if body else b""


def _post(url: str, headers: dict[str, str], body: bytes) -> int:
    """POST ``body`` with ``headers`` to ``url``: the answer's status, 0 when none came."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)
    except (urllib.error.URLError, OSError):
        return 0
