"""The per-connection pacer: bursts, the pace after them, back-off after a refusal, independent keys."""

import threading

import pytest

from shared.platform import task_pacing
from shared.platform.adapters.pacing import Pacer
from shared.platform.errors import TransientError


class Clock:
    """A fake monotonic clock; ``sleep`` moves it and records the waits."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 6))
        self.now += seconds


def pacer(clock: Clock, rate: float = 3.0, burst: int = 3, max_wait: float = 1.0) -> Pacer:
    return Pacer(rate, burst, max_wait, what="Notion", clock=clock, sleep=clock.sleep)


def test_a_burst_goes_at_once_then_one_request_per_interval() -> None:
    clock = Clock()
    p = pacer(clock)
    start = clock.now
    for _ in range(6):
        p.acquire("a")
    assert clock.waits == [pytest.approx(1 / 3)] * 3  # the 4th, 5th and 6th wait a third of a second
    assert clock.now - start == pytest.approx(1.0)  # 6 requests: 3 at once, 3 more in the next second


def test_an_idle_connection_gets_its_burst_back() -> None:
    clock = Clock()
    p = pacer(clock)
    for _ in range(3):
        p.acquire("a")
    clock.now += 1.0  # a second idle refills the burst of three
    for _ in range(3):
        p.acquire("a")
    assert clock.waits == []


def test_a_slot_beyond_max_wait_is_refused_before_any_request_and_not_reserved() -> None:
    clock = Clock()
    p = pacer(clock, rate=1.0, burst=1, max_wait=0.5)
    p.acquire("a")
    with pytest.raises(TransientError, match="Notion is paced for this connection") as caught:
        p.acquire("a")
    assert caught.value.retry_after_s == pytest.approx(1.0)
    assert clock.waits == []
    clock.now += 1.0  # the refused attempt reserved nothing: the slot is free when it said
    p.acquire("a")
    assert clock.waits == []


def test_a_task_that_has_sent_a_request_waits_its_turn_for_the_next_rather_than_be_put_back() -> None:
    """Put back after its first request went, a step would spend its next turn on that one again."""
    clock = Clock()
    p = pacer(clock, rate=1.0, burst=1, max_wait=0.5)
    with task_pacing.one_task():
        p.acquire("a")  # its first request goes at once
        p.acquire("a")  # its second waits its turn, a second, beyond max_wait
    assert clock.waits == [pytest.approx(1.0)]
    with pytest.raises(TransientError):  # outside a task, a second is too far: put back
        p.acquire("a")


def test_a_task_waits_no_longer_than_its_bound() -> None:
    waits: list[float] = []
    p = Pacer(1.0, 1, 0.5, clock=lambda: 100.0, sleep=waits.append)  # others take the slots meanwhile
    with task_pacing.one_task(), pytest.raises(TransientError):
        for _ in range(int(task_pacing.STARTED_MAX_WAIT_S) + 2):
            p.acquire("a")
    assert max(waits) == pytest.approx(task_pacing.STARTED_MAX_WAIT_S)


def test_a_refusal_closes_the_connection_for_its_retry_after_then_lets_one_request_go() -> None:
    clock = Clock()
    p = pacer(clock)
    p.acquire("a")
    p.refused("a", 30.0)
    with pytest.raises(TransientError) as caught:
        p.acquire("a")
    assert caught.value.retry_after_s == pytest.approx(30.0)
    clock.now += 30.0
    p.acquire("a")  # the first request after the back-off goes at once...
    p.acquire("a")  # ...and the next waits its interval: no burst straight after a refusal
    assert clock.waits == [pytest.approx(1 / 3)]


def test_a_short_refusal_is_waited_inline() -> None:
    clock = Clock()
    p = pacer(clock)
    p.refused("a", 0.5)
    p.acquire("a")
    assert clock.waits == [pytest.approx(0.5)]


def test_a_later_shorter_refusal_does_not_shorten_the_back_off() -> None:
    clock = Clock()
    p = pacer(clock)
    p.refused("a", 30.0)
    p.refused("a", 2.0)
    with pytest.raises(TransientError) as caught:
        p.acquire("a")
    assert caught.value.retry_after_s == pytest.approx(30.0)


def test_one_connection_never_delays_another() -> None:
    clock = Clock()
    p = pacer(clock)
    p.refused("a", 60.0)
    for _ in range(3):
        p.acquire("b")
    with pytest.raises(TransientError):
        p.acquire("a")
    assert clock.waits == []


def test_concurrent_callers_get_distinct_slots() -> None:
    # Ten threads at the same instant: three go at once, the others are spaced by the interval.
    clock = Clock()
    waits: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            waits.append(round(seconds, 6))

    p = Pacer(3.0, 3, 5.0, clock=clock, sleep=sleep)
    threads = [threading.Thread(target=p.acquire, args=("a",)) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([i / 3 for i in range(1, 8)])


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        Pacer(0.0, 3, 1.0)
    with pytest.raises(ValueError):
        Pacer(3.0, 0, 1.0)
