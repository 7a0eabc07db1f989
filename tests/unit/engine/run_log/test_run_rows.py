"""When a run's Runs row is written: a task at its start, when it begins to wait, at its end, and at
most one per interval between (named by time bucket), the interval growing with the workspace's
running runs so their rows keep to a share of its Notion rate; none without a Runs database. And
what a row's properties say (the Decision only when the run begins to wait)."""

from datetime import UTC, datetime

from shared.engine.services.followups import enqueue_row
from shared.engine.services.run_log import RunLog
from shared.platform.topology import Queue
from shared.runs.domain import run_rows
from shared.runs.domain.events import PlannedStep, RunStatus
from shared.runs.domain.rows_task import RowTask
from shared.runs.domain.run_rows import ROW_EVERY_S, ROW_SHARE, row_interval_s
from shared.runs.domain.state import Run, RunState, Waiting
from shared.runs.services.deps import Deps
from shared.workspace.domain.agent_home import AgentHome, HomeDatabase
from shared.workspace.domain.tenants import Tenant
from tests.engine_fakes import make_deps
from tests.fakes import FakeRunStore
from tests.support.agents.daily_planning import queued

AT = datetime(2026, 1, 5, 12, 0, 3, tzinfo=UTC)
STEPS = (PlannedStep(tool="read_page"), PlannedStep(tool="create_page"))


def _deps(home: bool = True) -> Deps:
    deps = make_deps()._replace(clock=lambda: AT)
    if home:
        runs = HomeDatabase(database_id="db-runs", data_source_id="ds-runs")

        def with_home(tenant: Tenant | None) -> Tenant:
            assert tenant is not None
            return tenant.model_copy(update={"home": AgentHome(runs=runs)})

        deps.need_tenants().update("t1", with_home)
    return deps


def _rows(deps: Deps) -> list[tuple[RowTask, str, float]]:
    return [
        (b, n, d) for q, b, n, d in queued(deps).tasks if q == Queue.EXECUTE_STEP and isinstance(b, RowTask)
    ]


def test_start_wait_and_end_each_get_a_task_and_steps_share_one_per_bucket() -> None:
    deps = _deps()
    running = RunState(goal="g", status=RunStatus.RUNNING, steps=STEPS, last_seq=3)
    enqueue_row(RunLog(deps, "t1", "r1"), None, running)
    enqueue_row(RunLog(deps, "t1", "r1"), RunStatus.RUNNING, running)
    enqueue_row(RunLog(deps, "t1", "r1"), RunStatus.RUNNING, running.model_copy(update={"cursor": 2}))
    waiting = running.model_copy(update={"status": RunStatus.WAITING_FOR_HUMAN, "last_seq": 5})
    enqueue_row(RunLog(deps, "t1", "r1"), RunStatus.RUNNING, waiting)
    enqueue_row(
        RunLog(deps, "t1", "r1"),
        RunStatus.RUNNING,
        running.model_copy(update={"status": RunStatus.COMPLETED}),
    )
    rows = _rows(deps)
    bucket = int(AT.timestamp() // ROW_EVERY_S)
    assert [n for _, n, _ in rows] == [
        "row:t1:r1:start",
        f"row:t1:r1:{ROW_EVERY_S:g}:{bucket}",
        "row:t1:r1:wait:5",
        "row:t1:r1:end",
    ]
    between = rows[1]
    assert between[0].create is False and 0 < between[2] <= ROW_EVERY_S  # written at the bucket's end
    assert rows[2][0].decision is True and not rows[0][0].decision and rows[3][0].create


def test_a_row_interval_keeps_every_run_to_a_fair_share_of_the_rate() -> None:
    assert row_interval_s(0, 3.0) == row_interval_s(10, 3.0) == ROW_EVERY_S
    for running in (1, 11, 20, 21, 100, 1000, 5000):
        for rate in (0.5, 3.0, 10.0):
            every = row_interval_s(running, rate)
            # all running runs' rows together: at most ROW_SHARE of the rate; one run: 1/running of that
            assert running / every <= ROW_SHARE * rate + 1e-9
            assert 1 / every <= ROW_SHARE * rate / running + 1e-9
            assert every == ROW_EVERY_S or running / (every / 2) > ROW_SHARE * rate  # no longer than needed
    assert row_interval_s(20, 3.0) == 2 * ROW_EVERY_S and row_interval_s(41, 3.0) == 8 * ROW_EVERY_S


def test_the_row_interval_grows_with_the_workspace_s_running_runs() -> None:
    deps = _deps()
    running = RunState(goal="g", status=RunStatus.RUNNING, steps=STEPS, last_seq=3)
    store = deps.store
    assert isinstance(store, FakeRunStore)
    for i in range(25):  # 25 running runs of t1, and some of another workspace that do not count
        store.runs[("t1", f"r{i}")] = Run(
            tenant_id="t1", run_id=f"r{i}", state=running, created_at=AT, updated_at=AT
        )
        store.runs[("t2", f"r{i}")] = Run(
            tenant_id="t2", run_id=f"r{i}", state=running, created_at=AT, updated_at=AT
        )
    enqueue_row(RunLog(deps, "t1", "r1"), RunStatus.RUNNING, running)
    ((task, name, delay),) = _rows(deps)
    every = row_interval_s(25, deps.settings.notion_rate_per_s)
    assert every == 4 * ROW_EVERY_S and name == f"row:t1:r1:{every:g}:{int(AT.timestamp() // every)}"
    assert 0 < delay <= every and task.create is False


def test_no_runs_database_no_task() -> None:
    deps = _deps(home=False)
    enqueue_row(RunLog(deps, "t1", "r1"), None, RunState(goal="g"))
    assert _rows(deps) == []


def test_the_row_shows_the_step_and_only_a_waiting_run_writes_the_decision() -> None:
    running = RunState(goal="Ship it", status=RunStatus.RUNNING, steps=STEPS, cursor=2, cost_usd=0.1234567)
    props = run_rows.properties("r1", running, "https://www.notion.so/abc", None)
    assert props["Current step"]["rich_text"][0]["text"]["content"] == "2 of 2: create_page"
    assert props["Cost"] == {"number": 0.1235} and "Decision" not in props and "Request" not in props
    asks = Waiting(request_id="approval-2", purpose="approval", prompt="Go?", step=2)
    waiting = running.model_copy(update={"status": RunStatus.WAITING_FOR_HUMAN, "waiting": asks})
    props = run_rows.properties("r1", waiting, "", None, decision=True)
    assert props["Decision"] == {"select": {"name": "Waiting"}} and "Trigger page" not in props
    row = {"properties": props | {"Decision": {"select": {"name": "Approve"}}}}
    assert run_rows.decision_of(row) == run_rows.RowDecision("r1", "approval-2", "approve")
    assert run_rows.decision_of({"properties": props}).decision == ""
