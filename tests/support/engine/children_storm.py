"""Parents whose runs start children, in a Notion fault storm with lost step tasks then the sweeper:
the storm's parallel-map and debate cases share it (tests/reliability)."""

import random
from typing import Any

from shared.runs.domain.events import RunStatus
from tests.reliability.harness import Stack, duplicated_effects, notion_storm, outcome_counts, sound


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
    states = {run: stack.state(run) for run in runs}
    result = outcome_counts(states, {RunStatus.COMPLETED}) | {
        "duplicated_effects": duplicated_effects(stack, runs)
    }
    if result != sound(len(runs)):
        print(stack.describe([r for r, s in states.items() if s is None or s.status != RunStatus.COMPLETED]))
    return result, runs
