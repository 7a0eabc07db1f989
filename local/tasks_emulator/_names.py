"""Resource names of queues and tasks, validated as the real service does, and page tokens."""

import re
import secrets
from collections.abc import Sequence

from local.tasks_emulator._errors import invalid

_LOCATION = re.compile(r"^projects/[A-Za-z0-9:.\-]+/locations/[A-Za-z0-9\-]+$")
_QUEUE_ID = re.compile(r"^[A-Za-z0-9\-]{1,100}$")
_TASK_ID = re.compile(r"^[A-Za-z0-9_\-]{1,500}$")
MAX_PAGE_SIZE = 1000


def check_location(parent: str) -> str:
    if not _LOCATION.match(parent):
        raise invalid(f"Invalid resource field value in the request: parent {parent!r}")
    return parent


def check_queue_name(name: str, parent: str | None = None) -> str:
    """``projects/P/locations/L/queues/Q``, optionally within ``parent``."""
    location, sep, queue_id = name.rpartition("/queues/")
    if not sep or not _QUEUE_ID.match(queue_id) or not _LOCATION.match(location):
        raise invalid(f"Invalid queue name {name!r}: expected projects/P/locations/L/queues/QUEUE_ID")
    if parent is not None and location != parent:
        raise invalid(f"Queue name {name!r} is not in parent {parent!r}")
    return name


def check_task_name(name: str, queue: str | None = None) -> str:
    """``<queue>/tasks/T``, optionally within ``queue``."""
    queue_name, sep, task_id = name.rpartition("/tasks/")
    if not sep or not _TASK_ID.match(task_id):
        raise invalid(f"Invalid task name {name!r}: expected <queue>/tasks/TASK_ID ([A-Za-z0-9_-]{{1,500}})")
    check_queue_name(queue_name)
    if queue is not None and queue_name != queue:
        raise invalid(f"Task name {name!r} is not in queue {queue!r}")
    return name


def queue_of(task_name: str) -> str:
    return task_name.rpartition("/tasks/")[0]


def short_id(name: str) -> str:
    """The last path segment: the queue id or the task id that Cloud Tasks puts in its headers."""
    return name.rpartition("/")[2]


def new_task_id() -> str:
    """A system-generated task id; the real service also generates long decimal ids."""
    return str(secrets.randbits(63))


def page[T](items: Sequence[T], page_size: int, page_token: str) -> tuple[list[T], str]:
    """One page of ``items`` and the token of the next page ("" when this is the last)."""
    if page_size < 0:
        raise invalid("page_size must not be negative")
    try:
        start = int(page_token) if page_token else 0
    except ValueError:
        raise invalid(f"Invalid page_token {page_token!r}") from None
    size = min(page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    end = start + size
    return list(items[start:end]), (str(end) if end < len(items) else "")
