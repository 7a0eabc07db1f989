"""The api's pace per person and per API key: the generic cell rate algorithm of the Notion pacer
(``shared.adapters.pacing``), per api instance. A request past a pace is a 429 with Retry-After and
does nothing; a key's requests count against their person's pace too. Per instance, so N instances
may together admit up to N times a pace (the api's ``max_instances`` bounds that)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.adapters.pacing import Pacer
from shared.errors import NothingSent, TooManyRequests

if TYPE_CHECKING:
    from shared.config import Settings


class ApiLimits:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        burst = settings.api_burst
        self._people = Pacer(settings.api_person_per_min / 60, burst, 0.0, what="the api", clock=clock)
        self._keys = Pacer(settings.api_key_per_min / 60, burst, 0.0, what="the api", clock=clock)

    def admit(self, person: str, key_id: str = "") -> None:
        """Count one request of ``person`` (a member id), with API key ``key_id`` if any; TooManyRequests
        (429, its Retry-After) when either is past its pace."""
        try:
            self._people.acquire(person)
        except NothingSent as exc:
            raise TooManyRequests(
                "too many requests from you: wait for Retry-After seconds, then go on",
                exc.retry_after_s or 1.0,
            ) from None
        if not key_id:
            return
        try:
            self._keys.acquire(key_id)
        except NothingSent as exc:
            raise TooManyRequests(
                "too many requests with this API key: wait for Retry-After seconds, then go on",
                exc.retry_after_s or 1.0,
            ) from None
