"""Shared by several test modules: helpers first written for ``tests/infra/terraform/test_task_retries.py``."""


def seconds(value: str) -> float:
    assert value.endswith("s"), value
    return float(value[:-1])


def attempt_times(queue: dict[str, object]) -> list[float]:
    """Seconds after the first attempt of each attempt: the interval starts at min_backoff, doubles
    max_doublings times, then grows by the last doubled interval up to max_backoff (Cloud Tasks'
    RetryConfig); it stops once max_attempts AND max_retry_duration are reached."""
    low, high = seconds(str(queue["min_backoff"])), seconds(str(queue["max_backoff"]))
    doublings, window = int(str(queue["max_doublings"])), seconds(str(queue["max_retry_duration"]))
    times, now = [0.0], 0.0
    while not (len(times) >= int(str(queue["max_attempts"])) and now >= window):
        k = len(times) - 1
        step = low * 2.0**k if k <= doublings else low * 2.0**doublings * (1 + k - doublings)
        now += min(step, high)
        times.append(now)
    return times
