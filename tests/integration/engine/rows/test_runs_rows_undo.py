"""An ended run undone from its row in the Runs database (decision 0223): a person sets the row's
Decision to "Undo" in Notion (a signed event from the sandbox). A member who neither started nor
approved the run is refused, told why on the row, and nothing starts; the owner's ask starts the undo
run, which deletes the run's comment; the same ask again starts no second undo. Production
Container, Firestore and Cloud Tasks emulators, the Notion sandbox."""

from typing import Any

from shared.engine.planning.row_undo import STARTED
from shared.runs.domain.events import PlannedStep, RunStatus
from shared.runs.domain.rows_task import DecideTask
from shared.undo.domain.asking import UNDO_PREFIX
from tests.integration.notion_stack import Stack
from tests.support.engine.webhook_intake import connected
from tests.support.runs.run_rows import (
    DEMO,
    drive,
    make_home,
    row,
    run_tasks,
    scripted_run,
    select,
    set_decision,
)
from tests.support.team.team import put_member

RUN = "api-row-undo"
SAID = "Checked by the agent, to be undone"


def _comments(stack: Stack, page_id: str) -> list[dict[str, Any]]:
    plain = page_id.replace("-", "")
    return [
        c
        for c in stack.admin.get("/workspaces/demo/state")["comments"]
        if str(c["parent"].get("page_id", "")).replace("-", "") == plain
    ]


def _undo_runs(stack: Stack, tenant_id: str) -> list[str]:
    runs = stack.container.runs.store.list_runs(tenant_id, limit=200)
    return [r.run_id for r in runs if r.run_id.startswith(UNDO_PREFIX)]


def test_an_ended_run_is_undone_from_its_row_once_and_only_by_who_may(stack: Stack) -> None:
    tenant_id, _ = connected(stack)
    source = make_home(stack, tenant_id)
    page = DEMO["task_report"]
    steps = [
        PlannedStep(tool="add_comment", args={"page_id": page, "text": SAID}),
        PlannedStep(tool="finish", args={"summary": "Commented"}),
    ]
    scripted_run(stack.container.engine(), tenant_id, RUN, page, steps)
    drive(stack)
    assert [str(c["text"]).startswith(SAID) for c in _comments(stack, page)].count(True) == 1
    runs_row = row(stack, source, RUN)
    assert select(runs_row, "Status") == "Completed"

    put_member(stack.container.workspace.tenants, tenant_id, DEMO["teammate"], "editor")
    set_decision(stack, runs_row["id"], "Undo", DEMO["teammate"])  # neither its starter nor an approver
    [refused] = run_tasks(stack, DecideTask)
    assert refused["outcome"].startswith("refused: only the person who started this run"), refused
    assert select(row(stack, source, RUN), "Decision") is None  # answered: cleared
    assert any("Nothing was undone" in str(c["text"]) for c in _comments(stack, runs_row["id"]))
    assert _undo_runs(stack, tenant_id) == []

    set_decision(stack, runs_row["id"], "Undo", DEMO["owner"])
    [started] = run_tasks(stack, DecideTask)
    [undo] = _undo_runs(stack, tenant_id)
    assert started == {"outcome": f"undo {undo} of run {RUN} started"}
    assert select(row(stack, source, RUN), "Decision") is None
    said = STARTED.split("{who}")[0]
    assert sum(said in str(c["text"]) for c in _comments(stack, runs_row["id"])) == 1
    drive(stack)
    made = stack.container.runs.store.get_run(tenant_id, undo)
    assert made is not None and made.state.status == RunStatus.COMPLETED, made
    assert not any(str(c["text"]).startswith(SAID) for c in _comments(stack, page))  # deleted

    set_decision(stack, runs_row["id"], "Undo", DEMO["owner"])  # asked again: the same undo
    assert run_tasks(stack, DecideTask) == [
        {"outcome": f"starts nothing: undo {undo} of run {RUN} was asked already"}
    ]
    again = DecideTask(tenant_id=tenant_id, page_id=runs_row["id"], event_id="repeat", by_owner=True)
    answer = stack.client("execute_step").post(DecideTask.ROUTE, json=again.model_dump(mode="json"))
    assert answer.status_code == 200 and answer.get_json()["outcome"] == "the row asks nothing"
    assert _undo_runs(stack, tenant_id) == [undo]
    assert sum(said in str(c["text"]) for c in _comments(stack, runs_row["id"])) == 1
