"""Budget warnings: a paid model call that takes a run's, its agent's, the day's or
the month's budget past 80 % queues one notification named from the budget and its period, so it is
sent once per budget and period (notify keeps one record per id); a new day warns again."""

from datetime import UTC, datetime, timedelta

from shared.agents.domain.agents import Agent, InstructionsVersion
from shared.engine.planning.start import start_run
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.domain.tasks import TaskBody
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.run_limits import Budget, BudgetWarning, Spend, budget_warnings
from shared.runs.services.deps import Deps
from shared.runs.services.spend_cache import SpendCache
from tests.support.agents.agent_fakes import FakeAgents
from tests.support.engine.engine_fakes import FINISH_PLAN, make_deps, raise_budget
from tests.support.engine.engine_runs import drive, plan
from tests.support.platform.platform_fakes import FakeModel, FakeQueue

T0 = datetime(2026, 11, 28, 9, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Kept(FakeQueue):
    """The queue, keeping every notification queued (the runs' drive takes tasks out as they run)."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[NotifyTask] = []

    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        queued = super().enqueue(queue, body, task_id, delay_s)
        if queued and isinstance(body, NotifyTask) and body.data.get("kind") == "budget_warning":
            self.notes.append(body)
        return queued


def warnings(deps: Deps) -> list[str]:
    """The notification ids of the budget warnings queued so far."""
    assert isinstance(deps.queue, Kept)
    return [note.notification_id for note in deps.queue.notes]


def test_the_80_percent_line_of_each_budget() -> None:
    budget = Budget(run_usd=1.0, day_usd=10.0, month_usd=100.0)
    when = ("20261128", "202611")
    assert budget_warnings(Spend(0.79, 7.9, 79.0), budget, when, ("r1", 0, None)) == []
    assert budget_warnings(Spend(0.8, 8.0, 80.0), budget, when, ("r1", 0, None)) == [
        BudgetWarning("run", "r1-0", 0.8, 1.0),
        BudgetWarning("day", "20261128", 8.0, 10.0),
        BudgetWarning("month", "202611", 80.0, 100.0),
    ]
    # An approved stop gives the run another budget (another period); an agent's lower one is its own.
    assert budget_warnings(Spend(0.9, 0, 0), budget, when, ("r1", 1, None)) == []
    assert budget_warnings(Spend(0.4, 0, 0), budget, when, ("r1", 0, 0.5)) == [
        BudgetWarning("agent", "r1-0", 0.4, 0.5)
    ]
    assert budget_warnings(Spend(5.0, 0, 0), budget, when) == []  # a call of no run: no run budget
    assert BudgetWarning("day", "20261128", 8.0, 10.0).key == "budget-80-day-20261128"
    assert "(80 %)" in BudgetWarning("day", "20261128", 8.0, 10.0).words()


def _runs(deps: Deps, first: int, count: int) -> None:
    for n in range(first, first + count):
        task = PlanTask(tenant_id="t1", run_id=f"r{n}", goal="Tidy", trigger=Trigger(kind="api"))
        start_run(task, deps)
        drive(deps)


def test_the_day_budget_warns_once_a_day_however_many_calls_pass_80_percent() -> None:
    clock = Clock()
    model = FakeModel({"PlanOut": [FINISH_PLAN] * 20}, cost_usd=0.01)  # one plan, one call, a run
    deps = make_deps(model=model)._replace(clock=clock, queue=Kept())
    raise_budget(deps, max_cost_per_day_usd=0.05, max_cost_per_month_usd=100.0, max_cost_per_run_usd=1.0)
    _runs(deps, 1, 3)  # $0.03 of $0.05: under 80 %
    assert warnings(deps) == []
    _runs(deps, 4, 1)  # $0.04: 80 %
    assert warnings(deps) == ["budget-80-day-20261128"]
    # Another instance (its own cache) names the same notification: notify sends it once.
    other = deps._replace(spend=SpendCache(), queue=Kept())
    _runs(other, 5, 1)  # $0.05
    assert warnings(other) == ["budget-80-day-20261128"]
    _runs(deps, 6, 3)  # past it (and stopped at the budget): warned no more
    assert warnings(deps) == ["budget-80-day-20261128"]
    clock.now = T0 + timedelta(days=1)  # a new day: a new period
    _runs(deps, 20, 4)
    assert warnings(deps) == ["budget-80-day-20261128", "budget-80-day-20261129"]


def test_an_agents_run_budget_warns_once_for_its_run() -> None:
    agents = FakeAgents()
    words = InstructionsVersion(content_hash="0" * 16, text="Write the week's note.")
    agent = Agent(
        agent_id="w", name="W", created_at=T0, updated_at=T0, max_cost_per_run_usd=0.035, accepted=words
    )
    agents.create("t1", agent)
    steps = plan(*[("draft_text", {"instructions": f"note {n}"}) for n in range(6)], ("finish", {}))
    model = FakeModel(script={"PlanOut": [steps]}, cost_usd=0.01)
    deps = make_deps(model=model)._replace(agents_source=lambda: agents, clock=Clock(), queue=Kept())
    run = "routine-w-0-2026112809"
    start_run(PlanTask(tenant_id="t1", run_id=run, trigger=Trigger(kind="schedule"), agent_id="w"), deps)
    drive(deps)  # the plan and two drafts: $0.03 is past 80 % of $0.035
    assert warnings(deps) == [f"budget-80-agent-{run}-0"]
    assert isinstance(deps.queue, Kept)
    [note] = deps.queue.notes
    assert note.run_id == run and "its agent's run budget of $0.04" in note.text
