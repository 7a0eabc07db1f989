"""Shared by several test modules: helpers first written for ``tests/unit/engine/run_log/test_sweeper_give_up.py``."""

from datetime import UTC, datetime, timedelta

from shared.engine.planning.start import start_run
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import FINISH_PLAN, make_deps
from tests.support.platform.platform_fakes import FakeModel
from tests.support.runs.runs import queue_of as queue
from tests.support.runs.runs import store_of as store

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def runs(n: int) -> Deps:
    deps = make_deps(model=FakeModel({"PlanOut": [FINISH_PLAN] * n}), sweep_stall_s=600.0)._replace(
        clock=lambda: NOW
    )
    for i in range(n):
        start_run(PlanTask(tenant_id="t1", run_id=f"r{i}", goal="do it", trigger=Trigger(kind="api")), deps)
    queue(deps).tasks.clear()  # every step task was lost
    return deps


def last_moved(deps: Deps, run_id: str, ago: timedelta) -> None:
    key = ("t1", run_id)
    store(deps).runs[key] = store(deps).runs[key].model_copy(update={"updated_at": NOW - ago})
