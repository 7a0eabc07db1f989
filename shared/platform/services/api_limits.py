"""The api's pace per person and per API key, shared by every api instance: requests are counted in
fixed windows of ``burst / rate`` seconds, at most ``burst`` in each (Firestore counters, decision
0075). A request past either count is a 429 with Retry-After (the window's end) and does nothing; a
key's requests count against their person's pace too. One write per request, two with a key."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from shared.platform.errors import TooManyRequests

if TYPE_CHECKING:
    from shared.platform.config import Settings
    from shared.platform.ports import PaceCounters

KEEP_S = 60.0  # a window's counter is kept this long past its end, then expires (TTL)


class Window(NamedTuple):
    counter: str  # the counter's name: what, who and the window's number
    ends_at: float  # epoch seconds


def window(kind: str, who: str, per_min: float, burst: int, now: float) -> Window:
    """The window ``now`` falls in for ``who``'s pace of ``per_min`` a minute, ``burst`` at a time."""
    length = burst * 60.0 / per_min
    number = math.floor(now / length)
    return Window(f"{kind}:{who}:{length:g}:{number}", (number + 1) * length)


class ApiLimits:
    def __init__(
        self, settings: Settings, counters: PaceCounters, clock: Callable[[], float] = time.time
    ) -> None:
        self._settings, self._counters, self._clock = settings, counters, clock

    def admit(self, person: str, key_id: str = "") -> None:
        """Count one request of ``person`` (tenant and member id), with API key ``key_id`` if any;
        TooManyRequests (429, seconds to the window's end) when either count is past its burst."""
        s, now = self._settings, self._clock()
        windows = [window("person", person, s.api_person_per_min, s.api_burst, now)]
        if key_id:
            windows.append(window("key", key_id, s.api_key_per_min, s.api_burst, now))
        last = max(w.ends_at for w in windows)
        counts = self._counters.add([w.counter for w in windows], datetime.fromtimestamp(last + KEEP_S, UTC))
        past = [w for w, n in zip(windows, counts, strict=True) if n > s.api_burst]
        if not past:
            return
        wait = max(1.0, math.ceil(max(w.ends_at for w in past) - now))
        if past[0].counter.startswith("person:"):
            reason = f"too many requests from you (at most {s.api_burst} in {_span(s.api_burst, s.api_person_per_min)})"
        else:
            reason = f"too many requests with this API key (at most {s.api_burst} in {_span(s.api_burst, s.api_key_per_min)})"
        raise TooManyRequests(f"{reason}: wait {wait:.0f} s (Retry-After), then go on", wait)


def _span(burst: int, per_min: float) -> str:
    return f"{burst * 60.0 / per_min:g} s"
