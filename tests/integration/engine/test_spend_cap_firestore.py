"""The deployment's daily spend cap on the Firestore emulator, under concurrency: calls at the cap
reserve on one counter at once, and only as many as fit go ahead (never one more); the refused ones'
runs wait, saying why, and the counter ends at what was paid."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from shared.engine.planning.start import start_run
from shared.platform.domain.model_calls import ModelReply, ModelUsage
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.events import RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.services import spend
from shared.runs.services.spend import SPEND_CAP_REACHED
from tests.support.engine.engine_fakes import FINISH_PLAN, make_deps
from tests.support.platform.platform_fakes import FakeModel
from tests.support.workspace.workspace_fakes import connected_tenants

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
DAY = "2026-11-21"
CALLS, FIT = 12, 4


def total(db: Any) -> float:
    snap = db.collection("spend_days").document(DAY).get()
    return float(snap.get("usd")) if snap.exists else 0.0


def test_concurrent_reservations_at_the_cap_let_exactly_those_that_fit(firestore_db: Any) -> None:
    store = FirestoreRunStore(firestore_db)
    store.settle_spend(DAY, 0.6)  # spent so far today; the cap leaves room for four calls of 0.1
    start = threading.Barrier(CALLS, timeout=30)

    def reserve(_: int) -> bool:
        start.wait()
        return store.reserve_spend(DAY, 0.1, 1.0)

    with ThreadPoolExecutor(CALLS) as pool:
        granted = list(pool.map(reserve, range(CALLS)))
    assert granted.count(True) == FIT
    assert total(firestore_db) == pytest.approx(1.0)  # the refused ones took theirs back
    assert store.day_spend(DAY) == pytest.approx(1.0) and store.day_spend("2026-11-22") == 0.0


@dataclass
class LockedModel(FakeModel):
    """The fake model, one call at a time (its records are lists); the reservations before the calls
    still race each other."""

    lock: threading.Lock = field(default_factory=threading.Lock)

    def generate[T: BaseModel](self, tier: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        with self.lock:
            return super().generate(tier, prompt, schema)


def test_concurrent_runs_at_the_cap_plan_as_many_as_fit_and_the_rest_say_why(firestore_db: Any) -> None:
    model = LockedModel({"PlanOut": [FINISH_PLAN] * CALLS}, cost_usd=0.1)
    tenant_ids = [f"t{n}" for n in range(CALLS)]  # one run in each of many workspaces
    deps = make_deps(model=model, spend_cap_day_usd=FIT * 0.1, model_call_reserve_usd=0.1)
    deps = deps._replace(
        store=FirestoreRunStore(firestore_db),
        tenants=connected_tenants(deps.settings, *tenant_ids),
        clock=lambda: T0,
    )
    start = threading.Barrier(CALLS, timeout=30)

    def plan(tenant_id: str) -> RunStatus:
        start.wait()
        task = PlanTask(tenant_id=tenant_id, run_id="r1", goal="Tidy", trigger=Trigger(kind="api"))
        start_run(task, deps)
        run = deps.store.get_run(tenant_id, "r1")
        assert run is not None
        if run.state.status == RunStatus.WAITING_FOR_HUMAN:
            assert run.state.waiting is not None and SPEND_CAP_REACHED in run.state.waiting.prompt
        return run.state.status

    with ThreadPoolExecutor(CALLS) as pool:
        statuses = list(pool.map(plan, tenant_ids))
    assert statuses.count(RunStatus.RUNNING) == FIT
    assert statuses.count(RunStatus.WAITING_FOR_HUMAN) == CALLS - FIT
    assert len(model.prompts) == FIT  # no model call past the cap
    assert total(firestore_db) == pytest.approx(FIT * 0.1)


def test_two_instances_racing_at_the_cap_with_shares_never_pass_it(firestore_db: Any) -> None:
    """Decision 0061: each instance reserves a share of the cap a chunk at a time (here 0.1: two calls
    of 0.05) and spends it locally. At the cap's edge, racing, they pay for no more than it leaves."""
    store = FirestoreRunStore(firestore_db)
    store.settle_spend(DAY, 9.5)  # spent so far today: the cap of 10 leaves room for ten calls of 0.05
    tenant_ids = [f"t{n}" for n in range(CALLS)]
    instances = []
    for _ in range(2):  # each its own SpendCache: its own share
        deps = make_deps(spend_cap_day_usd=10.0, model_call_reserve_usd=0.05)
        instances.append(
            deps._replace(
                store=store, tenants=connected_tenants(deps.settings, *tenant_ids), clock=lambda: T0
            )
        )
    start = threading.Barrier(2 * CALLS, timeout=30)

    def call(n: int) -> bool:
        deps = instances[n % 2]
        start.wait()
        with spend.model_call(deps, tenant_ids[n // 2], 0.0, 0) as made:
            if made.problem:
                assert made.problem == SPEND_CAP_REACHED
                return False
            made.paid(0.05)
            return True

    with ThreadPoolExecutor(2 * CALLS) as pool:
        made = list(pool.map(call, range(2 * CALLS))).count(True)
    held = sum(d.spend.cap_held.get(DAY, 0.0) for d in instances)
    assert total(firestore_db) <= 10.0 + 1e-9  # the counter never passes the cap ...
    assert total(firestore_db) == pytest.approx(9.5 + made * 0.05 + held)  # ... and holds what was paid
    assert made <= 10 and held <= 2 * 0.1 + 1e-9  # an instance holds at most a chunk unspent
    start = threading.Barrier(1)  # then one call at a time: the shares held fund calls, nothing is lost
    more = [call(n) for n in range(2 * CALLS)].count(True)
    assert made + more == 10 and total(firestore_db) == pytest.approx(10.0)


def test_an_embedding_calls_usage_is_summed_with_the_runs_ledger_once(firestore_db: Any) -> None:
    store = FirestoreRunStore(firestore_db)
    used = ModelUsage("gemini-embedding-001", 4000, 0, 0.0006)
    before = store.spend("t-embed", DAY, DAY[:7])
    store.record_usage("t-embed", "u1", T0, "embed_document", used)
    store.record_usage("t-embed", "u1", T0, "embed_document", used)  # a retried write: counted once
    store.record_usage("t-other", "u2", T0, "embed_document", used)
    day_usd, month_usd = store.spend("t-embed", DAY, DAY[:7])
    assert round(day_usd - before[0], 9) == 0.0006 and round(month_usd - before[1], 9) == 0.0006
    assert store.spend_days("t-embed", [DAY])[0] == day_usd
