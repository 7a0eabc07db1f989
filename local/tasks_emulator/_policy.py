"""Queue defaults, retry backoff, when to give up, and the dispatch token bucket.

Defaults are those of a queue created through the Cloud Tasks API: 500 dispatches/s, 1,000
concurrent dispatches, 100 attempts, backoff from 0.1 s to 3,600 s doubling 16 times, no retry
duration limit. proto3 cannot tell 0 from unset, so 0 means "the default", as in the real API.
"""

import math
from dataclasses import dataclass, field

from local.tasks_emulator._errors import invalid
from local.tasks_emulator._pb import Pb, duration, seconds

MAX_RATE = 500.0
MAX_CONCURRENT = 5000


def fill_rate_limits(limits: Pb) -> None:
    """Validate and default ``RateLimits`` in place; ``max_burst_size`` is derived (output only)."""
    if limits.max_dispatches_per_second < 0 or limits.max_dispatches_per_second > MAX_RATE:
        raise invalid(f"max_dispatches_per_second must be in (0, {MAX_RATE:g}]")
    if not 0 <= limits.max_concurrent_dispatches <= MAX_CONCURRENT:
        raise invalid(f"max_concurrent_dispatches must be in [1, {MAX_CONCURRENT}]")
    limits.max_dispatches_per_second = limits.max_dispatches_per_second or MAX_RATE
    limits.max_concurrent_dispatches = limits.max_concurrent_dispatches or 1000
    # Approximation of the service's choice: about one second of dispatches, 100 at most.
    limits.max_burst_size = max(1, min(100, math.ceil(limits.max_dispatches_per_second)))


def fill_retry_config(config: Pb) -> None:
    """Validate and default ``RetryConfig`` in place."""
    if config.max_attempts < -1:
        raise invalid("max_attempts must be >= -1 (-1 means unlimited)")
    if config.max_doublings < 0:
        raise invalid("max_doublings must not be negative")
    for name in ("min_backoff", "max_backoff", "max_retry_duration"):
        if seconds(getattr(config, name)) < 0:
            raise invalid(f"{name} must not be negative")
    config.max_attempts = config.max_attempts or 100
    config.max_doublings = config.max_doublings or 16
    if not seconds(config.min_backoff):
        config.min_backoff.CopyFrom(duration(0.1))
    if not seconds(config.max_backoff):
        config.max_backoff.CopyFrom(duration(3600.0))
    if seconds(config.min_backoff) > seconds(config.max_backoff):
        raise invalid("min_backoff must not exceed max_backoff")


def retry_delay(config: Pb, failed_attempts: int) -> float:
    """Delay before the next attempt after ``failed_attempts`` failures (>= 1).

    The interval starts at min_backoff, doubles max_doublings times, then grows linearly by the
    last doubled step, capped at max_backoff: with 10 s, 300 s and 3 doublings the retries come
    after 10, 20, 40, 80, 160, 240, 300, 300 ... seconds.
    """
    k = max(failed_attempts - 1, 0)
    low, high, doublings = seconds(config.min_backoff), seconds(config.max_backoff), config.max_doublings
    if k <= doublings:
        return float(min(low * 2.0**k, high))
    return float(min(low * 2.0**doublings * (1 + k - doublings), high))


def exhausted(config: Pb, attempts: int, first_attempt_at: float, now: float) -> bool:
    """True when no further attempt is due: every limit that is set has been reached.

    max_attempts = -1 and max_retry_duration = 0 each mean "no limit"; with neither set the task
    is retried forever (the real service stops at its 31-day task retention, not emulated).
    """
    limit_attempts = config.max_attempts != -1
    limit_duration = seconds(config.max_retry_duration) > 0
    if not limit_attempts and not limit_duration:
        return False
    attempts_done = not limit_attempts or attempts >= config.max_attempts
    duration_done = not limit_duration or now - first_attempt_at >= seconds(config.max_retry_duration)
    return attempts_done and duration_done


@dataclass
class TokenBucket:
    """The queue's rate limiter: ``capacity`` tokens, refilled at ``rate`` per second."""

    rate: float
    capacity: float
    tokens: float = field(default=-1.0)
    updated: float = 0.0

    def try_take(self, now: float) -> float:
        """Take a token and return 0, or return how long to wait until one is available."""
        if self.tokens < 0:
            self.tokens, self.updated = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate
