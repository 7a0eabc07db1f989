"""A model family failing mid-run, in the storm: runs planned on Gemini, then Gemini
down (429s, 5xx) for their drafts, which Claude on Vertex answers, through the model the deployment
builds (both real SDKs against their stand-ins) and the run store on the Firestore emulator. Every step
task is delivered twice, shuffled, killed once per run at a planned boundary, and late again at the end:
each run completes through the fallback with one draft, one model switch and one write."""

import random
import time
from collections.abc import Iterator
from typing import Any, cast

import pytest

from local.claude_vertex import ClaudeVertexStandIn
from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.engine.services.run_log import StepHeld
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.events import ModelUsed, RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from tests.reliability.conftest import TOTALS, scale
from tests.reliability.harness import Crash, StepCrashes, crashing_store, outcome_counts, sound
from tests.support.engine.fallback_runs import Plans, fallback_deps, model_stand_ins, plan_of
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.gemini_server import GeminiServer
from tests.support.platform.platform_fakes import FakeQueue

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
# Where a run is killed (harness.crashing_store): the draft (no intent: a model call) after its result;
# the write before its intent, between its intent and effect, after its result.
KILLS = ((1, "result_enqueue"), (2, "before_intent"), (2, "intent_effect"), (2, "result_enqueue"))
# Gemini's plan: a draft, appended to the trigger page, then finish.
PLAN = plan_of(
    ("draft_text", {"instructions": "Write a short launch note"}),
    ("append_blocks", {"page_id": "page-0", "text": "${steps.1.text}"}),
    ("finish", {"summary": "noted"}),
)


@pytest.fixture
def stand_ins() -> Iterator[tuple[GeminiServer, ClaudeVertexStandIn]]:
    with model_stand_ins(Plans(PLAN)) as pair:
        yield pair


def deliver(tasks: list[StepTask], deps: Any, rng: random.Random) -> int:
    """Each task twice, shuffled; a killed or held delivery is delivered again (the queue's retry),
    with every step the engine queues meanwhile. The deliveries made."""
    pending, made = [t for t in tasks for _ in range(2)], 0
    while pending:
        rng.shuffle(pending)
        task = pending.pop()
        made += 1
        try:
            run_step(task, deps)
        except (Crash, StepHeld):
            time.sleep(0.1)
            pending.append(task)
        queued = [t for _, t, _, _ in deps.queue.tasks if isinstance(t, StepTask)]
        deps.queue.tasks.clear()
        pending += [t for t in queued for _ in range(2)]
        assert made < 400, "deliveries never settled"
    return made


def test_runs_whose_gemini_fails_mid_run_complete_on_claude_once_in_the_storm(
    firestore_db: Any, stand_ins: tuple[GeminiServer, ClaudeVertexStandIn]
) -> None:
    gemini, claude = stand_ins
    rng, notion = random.Random(125), FakeNotion()
    page = notion.add_page("Launch")
    assert page == "page-0"
    deps = fallback_deps(firestore_db, gemini, claude, notion, step_lease_s=0.5)
    runs = [f"fallback-{i}" for i in range(scale(4, 10))]
    crashes = StepCrashes({run: KILLS[i % len(KILLS)] for i, run in enumerate(runs)})
    store = cast(FirestoreRunStore, deps.store)
    deps = deps._replace(store=crashing_store(store, crashes))
    for run in runs:  # planned on Gemini
        trigger = Trigger(kind="webhook", page_id=page)
        start_run(PlanTask(tenant_id="t1", run_id=run, goal="a note", trigger=trigger), deps)
    queue = cast(FakeQueue, deps.queue)
    first = [t for _, t, _, _ in queue.tasks if isinstance(t, StepTask)]
    queue.tasks.clear()
    gemini.failures += [rng.choice([429, 500, 503]) for _ in range(4 * len(runs))]  # Gemini goes down
    deliver(first, deps, rng)
    deliver([StepTask(tenant_id="t1", run_id=r, step=s) for r in runs for s in (1, 2)], deps, rng)  # late

    states = {run: (r.state if (r := store.get_run("t1", run)) else None) for run in runs}
    used = {run: [e for e in store.list_events("t1", run) if isinstance(e, ModelUsed)] for run in runs}
    drafts = {run: [u for u in found if u.purpose == "draft"] for run, found in used.items()}
    written = notion.writes["append_blocks"]
    counts = outcome_counts(states, {RunStatus.COMPLETED})
    counts["duplicated_effects"] = max(0, written - len(runs)) + sum(
        max(0, len(d) - 1) for d in drafts.values()
    )
    TOTALS.update(counts)
    assert counts == sound(len(runs)), [s.summary for s in states.values() if s]
    assert len(crashes.done) == len(runs) and written == len(runs)
    for run, found in drafts.items():  # each draft once, by Claude, the switch recorded
        [draft] = found
        assert draft.model.startswith("claude-") and draft.fallback.startswith("gemini-"), (run, draft)
    assert len(claude.calls) == len(runs)  # no draft paid twice
