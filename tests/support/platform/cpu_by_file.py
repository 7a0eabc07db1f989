"""CPU seconds per test file, what ``make test``'s stage table names beside the wall seconds (decision
0209): what a test's process (every thread of it) and its child processes (a stack's functions, a
Firestore emulator's JVM, a browser), running or reaped, spent meanwhile, summed by file;
tests/conftest.py holds the hooks, pytest-xdist's workers hand their sums to the controller, which
prints the one line :func:`line` makes and tools/test_stages.py reads."""

import os
import resource
from collections.abc import Mapping
from pathlib import Path

PREFIX = "cpu s by test file:"
# What the last test's teardown spent: the session's fixtures stopped there, and what a grandchild
# spent before (the web suite's browser, under Playwright's driver), apart from the last file's.
SESSION_END = "(session-teardown)"
SHOWN = 8  # files on the line, the costliest first
TABLES = Path("build/cpu-by-file")  # every file's seconds, a table per pytest session (:func:`write`)


TICK = os.sysconf("SC_CLK_TCK")


def cpu_now() -> float:
    """CPU seconds so far of this process (its every thread), of the children it has reaped and of
    those still running (a session's emulator serves many files: each is counted what it used)."""
    own, reaped = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime + running_children()


def running_children() -> float:
    """CPU seconds of this process's children not yet reaped (with what they reaped themselves), from
    /proc; 0 where the kernel lists no children (then a child counts once reaped)."""
    spent = 0
    for task in Path("/proc/self/task").glob("*/children"):
        try:
            pids = task.read_text().split()
        except OSError:
            continue
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # reaped meanwhile: RUSAGE_CHILDREN holds it next time
                continue
            spent += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return spent / TICK


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


def write(spent: Mapping[str, float], argv: list[str], folder: Path = TABLES) -> Path:
    """Every file's seconds of ``spent``, costliest first, in a table under ``folder`` named by this
    process (a line of ``argv`` first): where a stage's CPU went, past the line's ``SHOWN`` files."""
    folder.mkdir(parents=True, exist_ok=True)
    table = folder / f"{os.getpid()}.tsv"
    rows = sorted(spent.items(), key=lambda kv: (-kv[1], kv[0]))
    lines = ["# pytest " + " ".join(argv), *(f"{seconds:.1f}\t{path}" for path, seconds in rows)]
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return table
