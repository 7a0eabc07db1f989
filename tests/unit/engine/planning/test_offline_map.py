"""The offline model's parallel map: a goal ending "for each of: a, b" plans one child run per item
(``map_rows``), a fan-in and the end; a child's own goal (its item appended) maps nothing."""

from shared.engine.planning.start import start_run
from shared.platform.adapters.offline_model import plan_for
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunStatus
from tests.engine_fakes import make_deps
from tests.fakes import FakeQueue
from tests.support.engine.engine_runs import run_until_held


def test_a_goal_for_each_of_its_items_maps_them_as_child_runs() -> None:
    planned = plan_for({}, "Greet the team for each of: Ana, Bo; Cy")
    assert [s["tool"] for s in planned["steps"]] == ["map_rows", "fan_in", "finish"]
    assert '"items": ["Ana", "Bo", "Cy"]' in planned["steps"][0]["args_json"]
    child = plan_for({}, "Greet the team\n\nItem: Ana")
    assert [s["tool"] for s in child["steps"]] == ["draft_text", "send_notification", "finish"]
    deps = make_deps()
    goal = "Greet the team for each of: Ana, Bo"
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal=goal, trigger=Trigger(kind="api")), deps)
    state = run_until_held(deps)
    assert state.status == RunStatus.RUNNING and state.cursor == 2, state.last_error  # the fan-in waits
    queue = deps.queue
    assert isinstance(queue, FakeQueue)
    children = [b for q, b, _, _ in queue.tasks if q == Queue.PLAN and isinstance(b, PlanTask)]
    assert [(c.run_id, c.parent_run_id) for c in children] == [("r1-m1-0", "r1"), ("r1-m1-1", "r1")]
