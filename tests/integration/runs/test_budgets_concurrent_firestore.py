"""No budget is ever passed (decisions 0084 and 0102), on the Firestore emulator:
200 runs of one workspace at once on one day, then 100 more at once the next day (the month's budget
then binds), each making model calls through the step's own recorder (``stepping.Recorder``) until a
budget stops it. The model is hostile: most calls try to write far more than any budget allows
(30,000 to 300,000 output tokens), and the service holds them to the output cap the call was sent
with, as Vertex AI does (``max_output_tokens``: tests/integration/platform/test_output_caps.py), so
they come back cut (paid, unusable); some answer short; some fail before anything is paid (a 429:
the reservation is released). What the model was paid is counted beside the code, by the model
itself, and each run's, each day's and the month's total is compared with its budget, each call's
cost with what the budgets reserved for it.

Prints ``RESULT overspent_runs=0 overspent_days=0 overspent_months=0 calls_over_reserve=0 ...`` (run
with ``-s`` to see it) and asserts it.
"""

import functools
import json
import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from shared.engine.services.model_recorder import Recorder
from shared.engine.services.step_outcomes import OverBudget
from shared.platform.domain.call_caps import current_limit
from shared.platform.domain.model_calls import ModelReply, ModelUsage
from shared.platform.domain.model_replies import Draft
from shared.platform.errors import TransientError, UnusableReply
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.state import RunState
from shared.runs.services import spend as spend_service
from shared.runs.services.deps import Deps, RunRef
from tests.support.engine.engine_fakes import make_deps
from tests.support.workspace.workspace_fakes import connected_tenants

pytestmark = pytest.mark.integration
RUNS = 200  # at once, on the first day; then LATER more on the second, at once
LATER = 100
RESERVE = 0.02  # the fixed reservation of NA_MODEL_CALL_RESERVE_USD (what calls reserved before 0102)
PRICES = (0.5, 1.0)  # USD per million input and output tokens of the hostile model
RUN_BUDGET, DAY_BUDGET, MONTH_BUDGET, CAP = 0.07, 3.0, 4.5, 1000.0
AGENT_CAP = 0.04  # every other run's agent has its own, lower run budget
DAYS = (datetime(2026, 11, 20, 9, tzinfo=UTC), datetime(2026, 11, 21, 9, tzinfo=UTC))
ATTEMPTS = 40  # a run's calls when no budget stops it: 40 calls of ~0.006 passes every run budget
# Every RESUMED-th run resumes having spent all but SEED_ROOM of its budget (as one does after its
# instance restarted): too little for a call's prompt alone, so the run's budget stops it unless the
# day's race filled the day first (a refusal names the tightest budget). Without them, which budget
# binds first in the race is left to timing (the run's bound in none of one run's 300).
RESUMED, SEED_ROOM = 25, 0.0001


def _cap(n: int) -> float:
    return AGENT_CAP if n % 2 else RUN_BUDGET


def _seed(n: int) -> float:
    """What run ``n`` had spent before this test's calls."""
    return _cap(n) - SEED_ROOM if n % RESUMED == 0 else 0.0


@dataclass
class HostileModel:
    """Bills as Vertex AI does: the prompt's tokens (at most one a byte, plus the request's framing)
    and the output it wrote, never more than the cap the call was sent with (none sent: all it
    wanted). One call in seven fails unpaid (a 429); one in four answers short; the others try to
    write 30,000 to 300,000 tokens and are cut at the cap (paid, and unusable, as the adapters say).
    Counts what each paid call cost by run (its prompt names it) and day, and each call whose cost
    passed what the budgets reserved for it (``over_reserve``)."""

    day: str
    paid: dict[tuple[str, str], float]
    calls: list[float]
    over_reserve: list[float]
    lock: threading.Lock
    dice: dict[str, random.Random] = field(default_factory=dict)

    def generate[T: BaseModel](self, tier: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        dice = self.dice.setdefault(prompt, random.Random(prompt))
        roll = dice.random()
        if roll < 1 / 7:
            raise TransientError("model: HTTP 429")
        limit = current_limit()  # what the service was asked to hold the call to (None: nothing)
        wanted = dice.randint(200, 900) if roll < 1 / 7 + 1 / 4 else dice.randint(30_000, 300_000)
        written = wanted if limit is None else min(wanted, limit.output_tokens)
        tokens_in = len(prompt.encode()) + len(json.dumps(schema.model_json_schema())) + 300
        cost = (tokens_in * PRICES[0] + written * PRICES[1]) / 1e6
        reserved = RESERVE if limit is None else limit.reserved_usd
        with self.lock:
            self.paid[(prompt, self.day)] = self.paid.get((prompt, self.day), 0.0) + cost
            self.calls.append(cost)
            if cost > reserved + 1e-12:
                self.over_reserve.append(cost - reserved)
        usage = ModelUsage("hostile", tokens_in, written, cost)
        if written < wanted:
            raise UnusableReply(f"the answer was cut at {written} output tokens", usage)
        return ModelReply(schema.model_validate({"text": "ok"}), usage)


def _at(day: datetime) -> datetime:
    return day


def _instances(
    db: Any, paid: dict[tuple[str, str], float], calls: list[float], over: list[float]
) -> list[Deps]:
    """One instance a day (each its own spend cache), one store, one workspace."""
    store, lock, instances = FirestoreRunStore(db), threading.Lock(), []
    for day in DAYS:
        deps = make_deps(
            model=HostileModel(day.strftime("%Y-%m-%d"), paid, calls, over, lock),
            model_backend="vertex",
            model_plan="hostile",
            model_draft="hostile",
            model_fallback=False,
            model_prices={"hostile": PRICES},
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
    state = RunState(goal="g", trigger="api", run_budget_usd=AGENT_CAP if n % 2 else None, cost_usd=_seed(n))
    start.wait()
    for _ in range(ATTEMPTS):
        recorder = Recorder(deps, "t1", state, run=RunRef(deps, "t1", run_id))
        try:
            recorder.generate("strong", run_id, Draft)
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
    over: list[float] = []
    instances = _instances(firestore_db, paid, calls, over)
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
    cap = {f"run-{n:03}": _cap(n) - _seed(n) for n in range(RUNS + LATER)}  # what each had left
    overspent_runs = sum(usd > cap[run_id] + 1e-9 for run_id, usd in per_run.items())
    overspent_days = sum(usd > DAY_BUDGET + 1e-9 for usd in per_day.values())
    month = sum(per_day.values())
    stopped_by = {kind: sum(kind in s for s in stops) for kind in ("run spent", "daily", "monthly")}
    print(
        f"RESULT overspent_runs={overspent_runs} overspent_days={overspent_days} "
        f"overspent_months={int(month > MONTH_BUDGET + 1e-9)} calls_over_reserve={len(over)} "
        f"runs={RUNS + LATER} calls_paid={len(calls)} "
        f"month_usd={month:.4f} stopped_by_run={stopped_by['run spent']} "
        f"stopped_by_day={stopped_by['daily']} stopped_by_month={stopped_by['monthly']}"
    )
    assert overspent_runs == 0 and overspent_days == 0 and month <= MONTH_BUDGET + 1e-9
    assert over == [], f"{len(over)} calls cost more than their reservation, by up to ${max(over):.4f}"
    # Each budget did stop runs here (the test reaches every one of them; the run's, the resumed runs) ...
    assert all(stopped_by.values()), stopped_by
    assert "ran out of calls" not in stops
    # ... and the counters end at what was paid once the sweeper has passed: every reservation
    # settled, or given back by the sweeper (decision 0101) when its settle failed under contention.
    later = instances[-1]._replace(clock=lambda: DAYS[-1] + timedelta(hours=2))
    released = spend_service.release_stale_holds(later, limit=1000)
    print(f"RESULT released_by_sweeper={released}")
    spend = firestore_db.collection("tenants").document("t1").collection("spend")
    for day, usd in per_day.items():
        assert spend.document(f"day-{day}").get().get("usd") == pytest.approx(usd)
    assert spend.document("month-2026-11").get().get("usd") == pytest.approx(month)
    for run_id, usd in per_run.items():
        seed = _seed(int(run_id.removeprefix("run-")))
        assert spend.document(f"run-{run_id}").get().get("usd") == pytest.approx(seed + usd)
    # ... with no reservation's record left for the sweeper (decision 0101).
    assert list(firestore_db.collection("tenants").document("t1").collection("spend_holds").stream()) == []
