"""No budget is ever passed (issue 65, point 2; decision 0084), on the Firestore emulator: 200 runs
of one workspace at once on one day, then 100 more at once the next day (the month's budget then
binds), each making model calls through the step's own recorder (``stepping.Recorder``) until a
budget stops it. Calls cost different amounts up to
their reservation; some fail before anything is paid (a 429: the reservation is released), some
are paid and unusable. What the model was paid is counted beside the code, by the model itself,
and each run's, each day's and the month's total is compared with its budget.

Prints ``RESULT overspent_runs=0 overspent_days=0 ...`` (run with ``-s`` to see it) and asserts it.
"""

import functools
import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from shared.engine.services.step_state import OverBudget, Recorder
from shared.platform.domain.model_calls import ModelReply, ModelUsage
from shared.platform.domain.model_replies import Draft
from shared.platform.errors import TransientError, UnusableReply
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.runs import RunState
from shared.runs.services.deps import Deps, RunRef
from tests.engine_fakes import connected_tenants, make_deps

pytestmark = pytest.mark.integration
RUNS = 200  # at once, on the first day; then LATER more on the second, at once
LATER = 100
RESERVE = 0.02  # each call's reservation; a call costs at most this
RUN_BUDGET, DAY_BUDGET, MONTH_BUDGET, CAP = 0.07, 3.0, 4.5, 1000.0
AGENT_CAP = 0.04  # every other run's agent has its own, lower run budget
DAYS = (datetime(2026, 11, 20, 9, tzinfo=UTC), datetime(2026, 11, 21, 9, tzinfo=UTC))
ATTEMPTS = 40  # a run's calls when no budget stops it: 40 calls of ~0.013 passes every run budget


@dataclass
class CountingModel:
    """Answers every call; counts what each paid call cost, by run (its prompt names it) and day.
    One in seven calls fails unpaid (a 429), one in eleven is paid and off the schema."""

    day: str
    paid: dict[tuple[str, str], float]
    calls: list[float]
    lock: threading.Lock
    dice: dict[str, random.Random] = field(default_factory=dict)

    def generate[T: BaseModel](self, purpose: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        dice = self.dice.setdefault(prompt, random.Random(prompt))
        roll = dice.random()
        if roll < 1 / 7:
            raise TransientError("model: HTTP 429")
        cost = round(dice.uniform(0.005, RESERVE), 6)
        with self.lock:
            self.paid[(prompt, self.day)] = self.paid.get((prompt, self.day), 0.0) + cost
            self.calls.append(cost)
        usage = ModelUsage("counting", 100, 10, cost)
        if roll < 1 / 7 + 1 / 11:
            raise UnusableReply("the answer did not match the Draft schema", usage)
        return ModelReply(schema.model_validate({"text": "ok"}), usage)


def _at(day: datetime) -> datetime:
    return day


def _instances(db: Any, paid: dict[tuple[str, str], float], calls: list[float]) -> list[Deps]:
    """One instance a day (each its own spend cache), one store, one workspace."""
    store, lock, instances = FirestoreRunStore(db), threading.Lock(), []
    for day in DAYS:
        deps = make_deps(
            model=CountingModel(day.strftime("%Y-%m-%d"), paid, calls, lock),
            default_run_budget_usd=RUN_BUDGET,
            default_day_budget_usd=DAY_BUDGET,
            default_month_budget_usd=MONTH_BUDGET,
            spend_cap_day_usd=CAP,
            model_call_reserve_usd=RESERVE,
            spend_cache_ttl_s=60.0,  # as deployed: the cached sums alone would let calls past
        )
        tenants = connected_tenants(deps.settings, "t1")
        instances.append(deps._replace(store=store, tenants=tenants, clock=functools.partial(_at, day)))
    return instances


def _run(deps: Deps, n: int, start: threading.Barrier) -> str:
    """Model calls of run ``n``, each a step's, until a budget stops it; what stopped it."""
    run_id = f"run-{n:03}"
    state = RunState(goal="g", trigger="api", run_budget_usd=AGENT_CAP if n % 2 else None)
    start.wait()
    for _ in range(ATTEMPTS):
        recorder = Recorder(deps, "t1", state, run=RunRef(deps, "t1", run_id))
        try:
            recorder.generate("draft", run_id, Draft)
        except OverBudget as exc:
            return exc.reason
        except (TransientError, UnusableReply):
            pass  # the step is tried again; a paid call counts all the same
        cost = sum(u.cost_usd for _, u in recorder.usage)
        state = state.model_copy(update={"cost_usd": state.cost_usd + cost})
    return "ran out of calls"


def test_concurrent_runs_of_one_workspace_never_pass_a_budget(firestore_db: Any) -> None:
    paid: dict[tuple[str, str], float] = {}
    calls: list[float] = []
    instances = _instances(firestore_db, paid, calls)
    stops = []
    for deps, runs in zip(instances, (range(RUNS), range(RUNS, RUNS + LATER)), strict=True):
        start = threading.Barrier(len(runs), timeout=120)
        with ThreadPoolExecutor(len(runs)) as pool:
            stops += list(pool.map(lambda n, d=deps, b=start: _run(d, n, b), runs))

    per_run: dict[str, float] = defaultdict(float)
    per_day: dict[str, float] = defaultdict(float)
    for (run_id, day), usd in paid.items():
        per_run[run_id] += usd
        per_day[day] += usd
    cap = {f"run-{n:03}": AGENT_CAP if n % 2 else RUN_BUDGET for n in range(RUNS + LATER)}
    overspent_runs = sum(usd > cap[run_id] + 1e-9 for run_id, usd in per_run.items())
    overspent_days = sum(usd > DAY_BUDGET + 1e-9 for usd in per_day.values())
    month = sum(per_day.values())
    stopped_by = {kind: sum(kind in s for s in stops) for kind in ("run spent", "daily", "monthly")}
    print(
        f"RESULT overspent_runs={overspent_runs} overspent_days={overspent_days} "
        f"overspent_months={int(month > MONTH_BUDGET + 1e-9)} runs={RUNS + LATER} calls_paid={len(calls)} "
        f"month_usd={month:.4f} stopped_by_run={stopped_by['run spent']} "
        f"stopped_by_day={stopped_by['daily']} stopped_by_month={stopped_by['monthly']}"
    )
    assert overspent_runs == 0 and overspent_days == 0 and month <= MONTH_BUDGET + 1e-9
    # Each budget did stop runs here (the test reaches every one of them) ...
    assert all(stopped_by.values()), stopped_by
    assert "ran out of calls" not in stops and max(calls) <= RESERVE
    # ... and the counters end at what was paid: every reservation settled or released.
    spend = firestore_db.collection("tenants").document("t1").collection("spend")
    for day, usd in per_day.items():
        assert spend.document(f"day-{day}").get().get("usd") == pytest.approx(usd)
    assert spend.document("month-2026-11").get().get("usd") == pytest.approx(month)
    for run_id, usd in per_run.items():
        assert spend.document(f"run-{run_id}").get().get("usd") == pytest.approx(usd)
    # ... with no reservation's record left for the sweeper (decision 0101).
    assert list(firestore_db.collection("tenants").document("t1").collection("spend_holds").stream()) == []
