"""MCP calls in the storm: runs whose one step calls the MCP sandbox's ``create_note`` (an effect the
owner allowed) through the real SDK client, on the Firestore emulator's run store. Every step task is
delivered twice, shuffled, killed once per run around the call's intent or after its result, and late
again at the end. No note is made twice and no run loses its call's outcome (a call a kill may have
cut is recorded unknown, never made again), and each call made has one entry in the workspace's audit
log, never two. Prints ``RESULT mcp_calls= duplicated_calls= lost=``."""

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any, cast

import pytest

from local.mcp_sandbox.server import McpSandbox
from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.engine.services.run_log import StepHeld
from shared.mcp.domain.policy import Policy
from shared.mcp.services.watch import Watch
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.events import RunStatus, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.team.adapters.firestore_audit import FirestoreAudit
from shared.team.services import audit
from tests.reliability.conftest import TOTALS, scale
from tests.reliability.harness import Crash, StepCrashes, crashing_store, outcome_counts
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.fallback_runs import plan_of
from tests.support.mcp.mcp_runs import with_sandbox
from tests.support.platform.platform_fakes import FakeModel, FakeQueue

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
KILLS = ((1, "before_intent"), (1, "intent_effect"), (1, "result_enqueue"))


def storm(tasks: list[StepTask], deps: Any, rng: random.Random) -> None:
    """Deliver each task and each step the engine queues twice, in a shuffled order; a killed or held
    delivery comes again later, as the queue's retry would."""
    queue = cast(FakeQueue, deps.queue)
    pending = tasks + tasks
    for _ in range(400):
        if not pending:
            return
        task = pending.pop(rng.randrange(len(pending)))
        try:
            run_step(task, deps)
        except (Crash, StepHeld):
            pending.append(task)
        pending += [t for _, t, _, _ in queue.tasks if isinstance(t, StepTask)] * 2
        queue.tasks.clear()
    raise AssertionError("deliveries never settled")


@pytest.fixture
def sandbox() -> Iterator[McpSandbox]:
    with McpSandbox("storm-mcp-token-123") as served:
        yield served


def test_mcp_calls_are_made_at_most_once_and_never_lost_in_the_storm(
    firestore_db: Any, sandbox: McpSandbox
) -> None:
    rng = random.Random(82)
    runs = [f"mcp-{i}" for i in range(scale(6, 15))]
    plans: list[Any] = [
        plan_of(
            (
                "call_mcp",
                {"server": "sandbox", "tool": "create_note", "arguments": {"title": r, "body": "b"}},
            ),
            ("finish", {"summary": "noted"}),
        )
        for r in runs
    ]
    deps = make_deps(model=FakeModel({"PlanOut": plans}), step_lease_s=0.5)
    log = FirestoreAudit(firestore_db)
    watch = Watch(lambda: log, deps.tenants, deps.queue)
    allowed = {"create_note": Policy.ALLOWED}
    deps = with_sandbox(deps._replace(store=FirestoreRunStore(firestore_db)), sandbox, allowed, watch=watch)
    store = cast(FirestoreRunStore, deps.store)
    crashes = StepCrashes({run: KILLS[i % len(KILLS)] for i, run in enumerate(runs)})
    deps = deps._replace(store=crashing_store(store, crashes))
    for run in runs:
        start_run(PlanTask(tenant_id="t1", run_id=run, goal="a note", trigger=Trigger(kind="api")), deps)
    queue = cast(FakeQueue, deps.queue)
    first = [t for _, t, _, _ in queue.tasks if isinstance(t, StepTask)]
    queue.tasks.clear()
    storm(first, deps, rng)
    storm([StepTask(tenant_id="t1", run_id=r, step=s) for r in runs for s in (1, 2)], deps, rng)  # late

    made = Counter(n["title"] for n in sandbox.state.notes)
    states = {run: (r.state if (r := store.get_run("t1", run)) else None) for run in runs}
    results = {
        run: [e for e in store.list_events("t1", run) if isinstance(e, ToolResult) and e.tool == "call_mcp"]
        for run in runs
    }
    duplicated = sum(max(0, n - 1) for n in made.values())
    lost = sum(1 for run in runs if len(results[run]) != 1)  # no outcome recorded (or two)
    unknown = [run for run in runs if results[run] and results[run][0].output.get("outcome") == "unknown"]
    TOTALS.update(outcome_counts(states, {RunStatus.COMPLETED}))
    print(f"\nRESULT mcp_calls={sum(made.values())} duplicated_calls={duplicated} lost={lost}")
    assert (duplicated, lost) == (0, 0), results
    assert len(crashes.done) == len(runs)
    assert all(s is not None and s.status == RunStatus.COMPLETED for s in states.values())
    # A note made for every run whose call was not cut before its result was known; only a kill
    # between the intent and the call leaves an unknown outcome, and then no note.
    assert set(made) == set(runs) - set(unknown) and unknown
    entries = audit.page(log, "t1", audit.Filters(surface="agent"), 200, None)["entries"]
    audited = Counter(e["target"]["run_id"] for e in entries if e["target"]["outcome"] == "ok")
    assert audited == made  # an entry per call made, none twice (each run's note is titled by its id)
