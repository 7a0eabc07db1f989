"""Each agent's record rolled up as its runs end (decision 0170), on the Firestore
emulator: runs made here end finished, refused, failed and cancelled; each end's entry lands once in
its agent's day document, also when the end is delivered again; a rating lands beside it; and the
record read back from the day documents has the figures these runs make."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shared.agents.adapters.firestore_agents import FirestoreAgents
from shared.agents.domain.records import RunEntry, day_doc_id, days_back
from shared.agents.services import feedback, records
from shared.agents.services.agents import agents_of
from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.run_log import RunLog
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.events import RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import FINISH_PLAN, make_deps
from tests.support.engine.engine_runs import drive_asking as drive
from tests.support.platform.platform_fakes import FakeModel

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
COST = 0.01  # each model call's, as the fake model bills it
ASKING = {
    "goal": "g",
    "risk": "low",
    "steps": [
        {"tool": "request_approval", "args_json": json.dumps({"summary": "May I?"})},
        {"tool": "finish", "args_json": json.dumps({"summary": "done"})},
    ],
}
BROKEN = {"goal": "g", "risk": "low", "steps": [{"tool": "no_such_tool", "args_json": "{}"}]}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _world(db: Any) -> tuple[Deps, Clock, FirestoreAgents, FakeModel]:
    clock, agents = Clock(), FirestoreAgents(db)
    model = FakeModel({"PlanOut": [FINISH_PLAN, ASKING, ASKING]}, cost_usd=COST)
    deps = make_deps(model=model)._replace(
        store=FirestoreRunStore(db), clock=clock, agents_source=lambda: agents
    )
    agents_of("t1", agents, T0)  # the default agent, whose runs these are
    return deps, clock, agents, model


def _start(deps: Deps, run_id: str) -> None:
    start_run(PlanTask(tenant_id="t1", run_id=run_id, goal="Tidy", trigger=Trigger(kind="api")), deps)


def _status(deps: Deps, run_id: str) -> RunStatus:
    run = deps.store.get_run("t1", run_id)
    assert run is not None
    return run.state.status


def _day(db: Any) -> dict[str, Any]:
    snap = db.collection("tenants").document("t1").collection("agent_days")
    return snap.document(day_doc_id("default", T0.date())).get().to_dict() or {}


def test_runs_that_end_roll_up_once_into_their_agents_day_and_record(firestore_db: Any) -> None:
    deps, clock, agents, model = _world(firestore_db)
    _start(deps, "r-done")  # planned at T0, finished 30 s later
    clock.now = T0 + timedelta(seconds=30)
    drive(deps)
    assert _status(deps, "r-done") == RunStatus.COMPLETED

    clock.now = T0 + timedelta(seconds=100)
    _start(deps, "r-refused")  # asks at once, refused two minutes later
    drive(deps)
    assert _status(deps, "r-refused") == RunStatus.WAITING_FOR_HUMAN
    clock.now = T0 + timedelta(seconds=220)
    humans.respond(deps, "t1", "r-refused", "reject", text="not now")
    assert _status(deps, "r-refused") == RunStatus.CANCELLED

    clock.now = T0 + timedelta(seconds=300)
    _start(deps, "r-stopped")  # asks, then a person cancels it 60 s later
    drive(deps)
    assert _status(deps, "r-stopped") == RunStatus.WAITING_FOR_HUMAN
    clock.now = T0 + timedelta(seconds=360)
    humans.control(deps, "t1", "r-stopped", "cancel")

    model.script["PlanOut"] = [BROKEN] * 5
    clock.now = T0 + timedelta(seconds=400)
    _start(deps, "r-failed")
    assert _status(deps, "r-failed") == RunStatus.FAILED

    kept = _day(firestore_db)
    assert set(kept["runs"]) == {"r-done", "r-refused", "r-stopped", "r-failed"}
    assert kept["agent_id"] == "default" and kept["expires_at"] > T0 + timedelta(days=31)

    # Each end delivered again (a redelivered step, a resent follow-up): nothing counts twice.
    for run_id in kept["runs"]:
        run = deps.store.get_run("t1", run_id)
        assert run is not None
        RunLog.of(deps, run).followup(run.state, tag=":again")
    entry = RunEntry.model_validate(kept["runs"]["r-done"])
    assert not agents.keep_entry(
        "t1", "default", T0.date(), "r-done", entry.model_copy(update={"duration_s": 9})
    )
    assert _day(firestore_db)["runs"] == kept["runs"]

    feedback.rate_run("t1", "r-refused", "m_1", "bad", "It asked for nothing", runs=deps.store, agents=agents)
    feedback.rate_run("t1", "r-done", "m_1", "good", "", runs=deps.store, agents=agents)
    feedback.rate_run("t1", "r-done", "m_2", "good", "", runs=deps.store, agents=agents)
    feedback.rate_run("t1", "r-done", "m_2", "bad", "Too slow", runs=deps.store, agents=agents)  # m_2's again

    shown = records.record(agents, "t1", "default", T0.date() + timedelta(days=2))
    week, month = shown["windows"]
    assert (week["runs"], week["finished"], week["failed"], week["cancelled"]) == (4, 1, 1, 2)
    assert month["runs"] == 4
    cost = {"fake/plan": round(COST * 4 + COST * 2, 6)}  # one plan each, a failed plan's repair too
    assert len(model.prompts) == 6
    assert week["cost_by"] == cost and week["cost_usd"] == cost["fake/plan"]
    assert week["cost_per_run_usd"] == round(cost["fake/plan"] / 4, 6)
    assert week["duration_p50_s"] == 30 and week["duration_p95_s"] == 120
    assert week["waiting_s"] == 120 + 60  # durations 0, 30, 60, 120: p50 30 (nearest rank), p95 120
    assert (week["approvals_asked"], week["approvals_refused"]) == (2, 1)
    assert (week["rated_good"], week["rated_bad"]) == (1, 2)
    assert week["reasons"] == ["Too slow", "It asked for nothing"]
    assert shown["daily"][-3] == {"day": "2026-11-28", "runs": 4, "failed": 1, "cost_usd": week["cost_usd"]}
    assert shown["daily"][-1]["runs"] == 0


def test_a_record_reads_its_days_by_id_and_keeps_ratings_apart_from_ends(firestore_db: Any) -> None:
    agents = FirestoreAgents(firestore_db)
    today = date(2026, 11, 28)
    early = today - timedelta(days=29)
    assert agents.keep_entry("t1", "a", early, "old", RunEntry(status="failed", duration_s=4))
    assert agents.keep_entry("t1", "a", today - timedelta(days=30), "gone", RunEntry(status="failed"))
    assert agents.keep_entry("t1", "b", today, "theirs", RunEntry(status="completed"))
    found = agents.days_of("t1", "a", days_back(today))
    assert list(found) == [early] and set(found[early]) == {"old"}
    assert agents.days_of("t2", "a", days_back(today)) == {}


def test_one_end_delivered_at_once_by_several_instances_is_kept_once(firestore_db: Any) -> None:
    agents = FirestoreAgents(firestore_db)
    day = date(2026, 11, 28)
    assert agents.keep_entry("t1", "a", day, "other", RunEntry(status="completed"))

    def keep(n: int) -> bool:
        return agents.keep_entry("t1", "a", day, "r1", RunEntry(status="failed", duration_s=n))

    with ThreadPoolExecutor(4) as pool:
        kept = list(pool.map(keep, range(4)))
    assert kept.count(True) == 1
    [entries] = agents.days_of("t1", "a", [day]).values()
    assert set(entries) == {"other", "r1"} and entries["r1"].duration_s == kept.index(True)


def test_a_run_s_end_reads_nothing_and_many_ends_of_one_day_are_all_kept(
    firestore_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A day of many runs ending at once: each end is one batched write that reads nothing (no
    transaction on the day, which every end of the agent's day would wait on; decision 0189), all
    are kept, and a repeat of a kept end changes nothing."""
    from google.cloud.firestore_v1.document import DocumentReference
    from google.cloud.firestore_v1.transaction import Transaction

    agents, day = FirestoreAgents(firestore_db), date(2026, 11, 28)
    read: list[str] = []
    monkeypatch.setattr(DocumentReference, "get", lambda ref, *a, **k: read.append(ref.path))
    monkeypatch.setattr(Transaction, "_begin", lambda *a, **k: read.append("a transaction"))

    def keep(n: int) -> bool:
        return agents.keep_entry("t1", "a", day, f"run-{n}", RunEntry(status="completed", duration_s=n))

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(keep, range(24)))
    assert not agents.keep_entry("t1", "a", day, "run-2", RunEntry(status="failed"))
    assert read == []
    [entries] = agents.days_of("t1", "a", [day]).values()
    assert set(entries) == {f"run-{i}" for i in range(24)}
    assert entries["run-2"].status == "completed" and entries["run-2"].duration_s == 2
