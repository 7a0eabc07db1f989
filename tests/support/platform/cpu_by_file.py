"""CPU seconds per test file, what ``make test``'s stage table names beside the wall seconds (decision
0209): a test's process time (every thread of it) plus the CPU of the child processes it reaped (a
stack's functions, its Firestore emulator's JVM, a browser), summed by file; tests/conftest.py holds
the hooks, pytest-xdist's workers hand their sums to the controller, which prints the one line
:func:`line` makes and tools/test_stages.py reads."""

import resource
from collections.abc import Mapping

PREFIX = "cpu s by test file:"
# What the last test's teardown spent: the session's fixtures stopped there (a worker's Firestore
# emulator, the web suite's browser, whose CPU is reaped only then), apart from the last file's.
SESSION_END = "(session-teardown)"
SHOWN = 8  # files on the line, the costliest first


def cpu_now() -> float:
    """CPU seconds so far of this process (its every thread) and of the children it has reaped."""
    own, reaped = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime


def file_of(nodeid: str) -> str:
    """The test file of ``nodeid``."""
    return nodeid.split("::", 1)[0]


def add(spent: dict[str, float], more: Mapping[str, float]) -> None:
    """``more``'s seconds added to ``spent``'s, file by file."""
    for path, seconds in more.items():
        spent[path] = spent.get(path, 0.0) + seconds


def line(spent: Mapping[str, float], shown: int = SHOWN) -> str:
    """``spent`` as one line: the total and the ``shown`` costliest files, most first."""
    top = sorted(spent.items(), key=lambda kv: (-kv[1], kv[0]))[:shown]
    files = ", ".join(f"{path} {seconds:.0f}" for path, seconds in top)
    return f"{PREFIX} total {sum(spent.values()):.0f}; {files}"
