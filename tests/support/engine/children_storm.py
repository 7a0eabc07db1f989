"""Parents whose runs start children, in a Notion fault storm with lost step tasks then the sweeper:
the storm's parallel-map and debate cases share it (tests/reliability)."""

import random
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from shared.runs.domain.events import RunStatus, ToolResult
from tests.reliability.harness import (
    Stack,
    duplicated_effects,
    engine_stack,
    notion_storm,
    outcome_counts,
    sound,
)


def storm_stack(tmp_path: Path, monkeypatch: Any, model: Any) -> AbstractContextManager[Stack]:
    """The engine stack the storms run on: no stall before the sweeper acts, short inline waits on
    Notion and a short fan-in wait, so lost tasks and slow children show within a test's time."""
    return engine_stack(
        tmp_path, monkeypatch, model=model, sweep_stall_s=0.0, notion_max_inline_wait_s=1.0, fan_in_wait_s=0.5
    )


def tool_results(stack: Stack, tenant_id: str, run: str, tool: str) -> list[ToolResult]:
    """The results ``tool`` recorded in ``run``'s log, in order (a parent's fan-in or settle)."""
    events = stack.deps.store.list_events(tenant_id, run)
    return [e for e in events if isinstance(e, ToolResult) and e.tool == tool]


def storm_parents(
    stack: Stack,
    monkeypatch: Any,
    rng: random.Random,
    parents: dict[str, str],
    children: int,
    sweeps: int = 8,
) -> tuple[dict[str, int], dict[str, str]]:
    """Start each parent (goal ``parent|<run>|<page>``) in a storm, settle losing 5% of step tasks,
    then sweep ``sweeps`` times. Returns the outcome counts of parents and their children
    (``<run>-m1-<i>``, ``children`` each) with duplicated effects, and those runs with their pages."""
    notion_storm(stack, monkeypatch, rng)
    for run, page in parents.items():
        stack.start(run, page, goal=f"parent|{run}|{page}")
    stack.settle(drop=0.05)
    for _ in range(sweeps):  # the sweeper finds what lost tasks left behind; fan-ins look again
        stack.sweep()
        stack.settle(drop=0.0)
    runs = dict(parents) | {f"{run}-m1-{i}": page for run, page in parents.items() for i in range(children)}
    return tally(stack, runs), runs


def tally(stack: Stack, runs: dict[str, str]) -> dict[str, int]:
    """The outcome counts of ``runs`` (run -> page) with their duplicated effects; when they are not
    sound, the runs that did not complete are described on stdout (pytest shows it on a failure)."""
    states = {run: stack.state(run) for run in runs}
    result = outcome_counts(states, {RunStatus.COMPLETED}) | {
        "duplicated_effects": duplicated_effects(stack, runs)
    }
    if result != sound(len(runs)):
        print(stack.describe([r for r, s in states.items() if s is None or s.status != RunStatus.COMPLETED]))
    return result
