"""CPU time from /proc (Linux): of a process group (user + system of every process in it) and of the
whole machine, read before and after a benchmark's slice. Time a process spent waiting for a core is
not CPU time, so these figures hardly move with the machine's other load, unlike latencies. Also
whether a group loaded a shared library (:func:`group_maps`)."""

import os
from pathlib import Path

PROC = Path("/proc")
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def parse_stat(line: str) -> tuple[int, float]:
    """(process group, user + system seconds) from a ``/proc/<pid>/stat`` line; the command name in
    parentheses may itself hold spaces and parentheses, so the fields are counted from its last ')'."""
    fields = line[line.rindex(")") + 2 :].split()
    # after the name: state, ppid, pgrp (index 2), ..., utime (11), stime (12)
    return int(fields[2]), (int(fields[11]) + int(fields[12])) * TICK_S


def group_cpu_s(groups: dict[str, int], proc: Path = PROC) -> dict[str, float]:
    """CPU seconds used so far by each named process group (by its leader's pid, the group id), summed
    over its live processes (a process's own threads, also ended ones, are in its figure)."""
    totals = dict.fromkeys(groups, 0.0)
    by_id = {pgid: name for name, pgid in groups.items()}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            pgrp, seconds = parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile
        if pgrp in by_id:
            totals[by_id[pgrp]] += seconds
    return totals


def own_cpu_s(proc: Path = PROC) -> float:
    """CPU seconds of this process (all its threads)."""
    return parse_stat((proc / "self" / "stat").read_text())[1]


def machine_busy_s(proc: Path = PROC) -> float:
    """CPU seconds all cores spent on anything but idle and I/O wait since boot."""
    ticks = [int(v) for v in (proc / "stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) * TICK_S  # user..steal; guest time is counted within user


def group_maps(pgid: int, needle: str, proc: Path = PROC) -> bool:
    """Whether a live process of group ``pgid`` has a file whose path holds ``needle`` mapped in its
    memory (a shared library it loaded: ``_pydantic_core``, say)."""
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if parse_stat((entry / "stat").read_text())[0] == pgid and needle in (entry / "maps").read_text():
                return True
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile
    return False
