"""Whether the task being served has already sent a paced request (a context variable): the use case
marks its task's start, the pacing adapter reads it. Within a task that has sent one, a later request
waits its turn longer rather than put the task back, which would spend its next turn on the earlier
requests again (docs/engine.md, "Transient")."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

STARTED_MAX_WAIT_S = 10.0  # how long a request of a task that has sent some may wait for its turn
_sent: ContextVar[list[int] | None] = ContextVar("task_pacing_sent", default=None)


@contextmanager
def one_task() -> Iterator[None]:
    """The requests made within count as one task's."""
    token = _sent.set([0])
    try:
        yield
    finally:
        _sent.reset(token)


def started() -> bool:
    """Whether a request of the current task has gone."""
    sent = _sent.get()
    return bool(sent and sent[0])


def count_sent() -> None:
    """A request of the current task (if any) goes."""
    sent = _sent.get()
    if sent is not None:
        sent[0] += 1
