"""The dispatcher: a scheduler thread that starts due attempts within the queues' limits, and a
thread pool that sends them. RunTask and test deliveries bypass the limits, as RunTask does.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from local.tasks_emulator._dispatch import Attempt, begin_attempt, finish_attempt
from local.tasks_emulator._http import AttemptOutcome, send
from local.tasks_emulator._pb import QUEUE_RUNNING, Pb, epoch
from local.tasks_emulator._state import State
from local.tasks_emulator._tasks import view_of

IDLE_WAIT_S = 1.0  # upper bound between scans; every state change also wakes the scheduler


class Dispatcher:
    def __init__(self, state: State, max_workers: int) -> None:
        self._state = state
        self._executor = ThreadPoolExecutor(max_workers, thread_name_prefix="tasks-emulator-attempt")
        self._thread = threading.Thread(target=self._loop, name="tasks-emulator-scheduler", daemon=True)
        self._stopping = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop dispatching; attempts in flight are abandoned (their tasks stay as they were)."""
        with self._state.cond:
            self._stopping = True
            self._state.cond.notify_all()
        if self._thread.ident is not None:
            self._thread.join(timeout=5)
        self._executor.shutdown(wait=False, cancel_futures=True)

    def run_task(self, request: Pb) -> Pb:
        """RunTask: dispatch now whatever the queue's state and limits; return the dispatched task."""
        with self._state.cond:
            record = self._state.task(request.name)
            attempt = begin_attempt(self._state, record, time.time())
            self._executor.submit(self._attempt, attempt)
            return view_of(record.task, request.response_view)

    def deliver(self, name: str, keep: bool) -> AttemptOutcome:
        """Test control: one attempt now, in the caller's thread; ``keep`` leaves the task queued."""
        with self._state.cond:
            attempt = begin_attempt(self._state, self._state.resolve(name), time.time())
        return self._attempt(attempt, keep)

    def _attempt(self, attempt: Attempt, keep: bool = False) -> AttemptOutcome:
        outcome = send(attempt.request)
        with self._state.cond:
            finish_attempt(self._state, attempt, outcome, keep)
        return outcome

    def _loop(self) -> None:
        with self._state.cond:
            while not self._stopping:
                self._state.cond.wait(self._dispatch_due(time.time()))

    def _dispatch_due(self, now: float) -> float:
        """Start every attempt that is due and allowed; return how long until one may next be."""
        state, next_at = self._state, now + IDLE_WAIT_S
        for record in sorted(state.tasks.values(), key=lambda r: epoch(r.task.schedule_time)):
            queue = record.queue
            if record.running or queue.queue.state != QUEUE_RUNNING or state.is_held(queue.queue.name):
                continue
            if (eta := epoch(record.task.schedule_time)) > now:
                next_at = min(next_at, eta)
                continue
            if queue.running >= queue.queue.rate_limits.max_concurrent_dispatches:
                continue  # an attempt finishing wakes the scheduler
            if wait := queue.bucket.try_take(now):
                next_at = min(next_at, now + wait)
                continue
            self._executor.submit(self._attempt, begin_attempt(state, record, now))
        return max(0.0, next_at - now)
