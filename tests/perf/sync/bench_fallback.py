"""``make bench-sync``'s model-fallback part: agent runs through the real engine on
the bench's Firestore emulator while Gemini's stand-in fails each run's plan or its draft (a later
step's call) with an error, a time-out, a 429, unavailable or retired, mixed by the seed, so the
Claude-on-Vertex stand-in answers. It counts the runs completed and failed, and checks every run
completed, each switch is on its run's log and each call is priced at the answering family's rates.
Alone: ``python -m tests.perf.sync.bench_fallback --runs 3`` (an emulator of its own)."""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

from google.cloud import firestore

from local.claude_vertex import ClaudeVertexStandIn
from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.platform.errors import AgentError
from shared.runs.domain.events import ModelUsed, RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.perf.emulator import firestore_emulator
from tests.support.engine.fallback_runs import (
    CLAUDE,
    DRAFT_THEN_FINISH,
    GEMINI,
    PRICES,
    Plans,
    fallback_deps,
    model_stand_ins,
)
from tests.support.platform.gemini_server import GeminiServer
from tests.support.platform.platform_fakes import FakeQueue

TIMEOUT_S = 5.0  # the least NA_MODEL_TIMEOUT_S allows; a time-out holds Gemini's answer past it
# How Gemini's stand-in fails (an HTTP status; 0: its answer held past the time-out), and the words the
# switch's note in the run's log must carry for it (shared.platform.services.model_routing.switch_note).
FAILURES = {
    "error": (500, "HTTP 500"),
    "429": (429, "HTTP 429"),
    "unavailable": (503, "HTTP 503"),
    "retired": (404, "was not available"),
    "timeout": (0, "Timeout"),
}
WHERE = {"plan": "gemini-3.5-flash-lite", "draft": "gemini-3.5-flash"}  # the call, the model that fails


@dataclass
class FallbackFigures:
    """What the part measured: runs completed and failed, switches seen by where and how, and every
    check it missed (empty: every goal met)."""

    completed: int = 0
    failed: int = 0
    switches: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)


def schedule(runs: int, seed: int) -> list[tuple[str, str]]:
    """Each run's failure as (where, how): every pair once in each batch of pairs, in the seed's order."""
    pairs = [(where, how) for where in WHERE for how in FAILURES]
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    while len(out) < runs:
        batch = list(pairs)
        rng.shuffle(batch)
        out += batch
    return out[:runs]


def arm(where: str, how: str, gemini: GeminiServer, plans: Plans, claude: ClaudeVertexStandIn) -> None:
    """Make Gemini's next model call fail ``how``; at the plan, Claude is given the same plan to answer."""
    status = FAILURES[how][0]
    if status:
        gemini.failures.append(status)
    else:
        plans.delays.append(TIMEOUT_S + 1.5)
    if where == "plan":
        claude.answers.append(DRAFT_THEN_FINISH)


def one_run(run_id: str, deps: Deps, fail: Callable[[], None], at_plan: bool) -> None:
    """Plan ``run_id`` and deliver each step task the engine queues, once, until none is left; ``fail``
    Gemini's next call before the plan (``at_plan``) or before the first step's."""
    queue = cast(FakeQueue, deps.queue)
    if at_plan:
        fail()
    start_run(PlanTask(tenant_id="t1", run_id=run_id, goal="a note", trigger=Trigger(kind="api")), deps)
    if not at_plan:
        fail()
    for _ in range(10):
        tasks = [t for _, t, _, _ in queue.tasks if isinstance(t, StepTask)]
        queue.tasks.clear()
        if not tasks:
            return
        for task in tasks:
            run_step(task, deps)


def check(run_id: str, where: str, how: str, deps: Deps) -> list[str]:
    """The run's misses: not completed; not exactly one switch, at ``where``, from the model that failed
    ``how`` to Claude; a call not priced at its model's rates, or by the wrong family; spend not the sum."""
    run = deps.store.get_run("t1", run_id)
    if run is None or run.state.status != RunStatus.COMPLETED:
        return [f"{run_id} ({where}, {how}) did not complete: {run.state.summary if run else 'no run'}"]
    used = [e for e in deps.store.list_events("t1", run_id) if isinstance(e, ModelUsed)]
    misses = []
    switched = [u for u in used if u.fallback]
    words = FAILURES[how][1]
    if [(u.purpose, u.fallback.startswith(f"{WHERE[where]} "), words in u.fallback) for u in switched] != [
        (where, True, True)
    ]:
        misses.append(
            f"{run_id}: its switch at {where} ({how}) is not on its log: {[u.fallback for u in used]}"
        )
    for u in used:
        family = CLAUDE if u.fallback else GEMINI
        price_in, price_out = PRICES.get(u.model, (-1.0, -1.0))
        priced = (u.input_tokens * price_in + u.output_tokens * price_out) / 1e6
        if u.model not in family or abs(u.cost_usd - priced) > 1e-9:
            misses.append(f"{run_id}: {u.purpose} by {u.model} cost {u.cost_usd}, not its family's {priced}")
    if abs(run.state.cost_usd - sum(u.cost_usd for u in used)) > 1e-9:
        misses.append(
            f"{run_id}: spend {run.state.cost_usd} is not its calls' {sum(u.cost_usd for u in used)}"
        )
    return misses


def bench_fallback(db: Any, runs: int, seed: int) -> FallbackFigures:
    """``runs`` runs on ``db`` (the emulator's client), each with its failure; the figures, printed."""
    figures, plans, started = FallbackFigures(), Plans(), time.monotonic()
    with model_stand_ins(plans) as (gemini, claude):
        deps = fallback_deps(db, gemini, claude, model_timeout_s=TIMEOUT_S)
        for i, (where, how) in enumerate(schedule(runs, seed)):
            run_id = f"fallback-{seed}-{i}"
            try:
                one_run(run_id, deps, partial(arm, where, how, gemini, plans, claude), where == "plan")
            except AgentError as failed:
                figures.misses.append(f"{run_id} ({where}, {how}) raised {failed.code}: {failed.reason}")
            figures.misses += check(run_id, where, how, deps)
            run = deps.store.get_run("t1", run_id)
            done = run is not None and run.state.status == RunStatus.COMPLETED
            figures.completed += int(done)
            figures.failed += int(not done)
            figures.switches[f"{where}:{how}"] = figures.switches.get(f"{where}:{how}", 0) + 1
        claude_calls = len(claude.calls)
    print(
        f"part=fallback runs={runs} claude_calls={claude_calls} seconds={time.monotonic() - started:.1f} "
        f"switched={','.join(f'{k}={v}' for k, v in sorted(figures.switches.items()))}"
    )
    if figures.completed != runs or claude_calls != runs:
        figures.misses.append(f"{figures.completed} of {runs} runs completed; Claude answered {claude_calls}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=69)
    args = parser.parse_args()
    with firestore_emulator() as host:
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        figures = bench_fallback(firestore.Client(project="notion-agent-bench"), args.runs, args.seed)
    print(f"RESULT fallback_runs_completed={figures.completed} fallback_runs_failed={figures.failed}")
    for miss in figures.misses:
        print(f"MISSED {miss}", file=sys.stderr)
    sys.exit(1 if figures.misses else 0)


if __name__ == "__main__":
    main()
