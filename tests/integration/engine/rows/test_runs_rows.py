"""The Runs database as the run's live view and the place the owner decides: a run's row written by
the engine's follow-up tasks, a waiting run's question shown on it, the owner's Approve in Notion
(a signed event from the sandbox) recorded once, and a member's change refused, set back and
answered. Production Container, Firestore and Cloud Tasks emulators, the Notion sandbox."""

from datetime import UTC, datetime

from shared.engine.services import run_log
from shared.engine.services.run_rows import NOT_THE_OWNER
from shared.runs.domain.events import HumanRequested, HumanResponded, PlannedStep, RunPlanned, RunStatus
from shared.runs.domain.rows_task import DecideTask, RowTask
from shared.workspace.domain.members import member_id_for
from tests.integration.notion_stack import Stack
from tests.support.engine.webhook_intake import connected
from tests.support.platform.fake_container import json_body
from tests.support.runs.run_rows import DEMO, make_home, row, run_tasks, select, set_decision
from tests.support.runs.runs import finish_head
from tests.support.team.team import put_member

REFUSED = "refused: not the owner nor a member whose role may decide it"


def _waiting_run(stack: Stack, tenant_id: str, run_id: str) -> None:
    """A run planned by the owner that now waits for their approval (written through the run log)."""
    deps, now = stack.container.engine(), datetime.now(UTC)
    steps = [PlannedStep(tool="request_approval", args={"summary": "Publish the page?"})]
    planned = RunPlanned(
        seq=1, at=now, goal="Publish the launch page", trigger="api", steps=steps, tools=["request_approval"]
    )
    asked = HumanRequested(
        seq=2, at=now, request_id="approval-1", step=1, purpose="approval", prompt="Publish the page?"
    )
    assert run_log.RunLog(deps, tenant_id, run_id).create([planned, asked])
    logged = run_log.RunLog(deps, tenant_id, run_id).read()
    assert logged is not None
    run_log.RunLog(deps, tenant_id, run_id).emit_transition(None, logged.state)


def _responses(stack: Stack, tenant_id: str, run_id: str = "run-rows-1") -> list[HumanResponded]:
    events = stack.container.runs.store.list_events(tenant_id, run_id)
    return [e for e in events if isinstance(e, HumanResponded)]


def test_the_owner_decides_in_notion_once_and_a_member_cannot(stack: Stack) -> None:
    tenant_id, _ = connected(stack)
    runs_source = make_home(stack, tenant_id)
    _waiting_run(stack, tenant_id, "run-rows-1")
    assert run_tasks(stack, RowTask) == [{"row": "created"}]
    page = row(stack, runs_source, "run-rows-1")
    assert select(page, "Status") == "Waiting for you" and select(page, "Decision") == "Waiting"
    request = "".join(t["plain_text"] for t in page["properties"]["Request"]["rich_text"])
    assert request.startswith("approval-1") and "Publish the page?" in request

    set_decision(stack, page["id"], "Approve", DEMO["teammate"])  # a member: refused, set back
    assert run_tasks(stack, DecideTask) == [{"outcome": REFUSED}]
    page = row(stack, runs_source, "run-rows-1")
    assert select(page, "Decision") == "Waiting"
    comments = stack.admin.get("/workspaces/demo/state")["comments"]
    assert any(NOT_THE_OWNER in str(c) for c in comments)
    state = run_log.RunLog(stack.container.engine(), tenant_id, "run-rows-1").read()
    assert state is not None and state.state.status == RunStatus.WAITING_FOR_HUMAN

    set_decision(stack, page["id"], "Approve", DEMO["owner"])  # the owner: recorded
    assert run_tasks(stack, DecideTask) == [{"outcome": "approved request approval-1 of run run-rows-1"}]
    state = run_log.RunLog(stack.container.engine(), tenant_id, "run-rows-1").read()
    assert state is not None and state.state.status != RunStatus.WAITING_FOR_HUMAN
    decided = _responses(stack, tenant_id)
    assert len(decided) == 1 and decided[0].via == "notion"

    again = DecideTask(tenant_id=tenant_id, page_id=page["id"], event_id="repeat", by_owner=True)
    answer = stack.client("execute_step").post(DecideTask.ROUTE, json=again.model_dump(mode="json"))
    assert json_body(answer)["outcome"].startswith("decides nothing")  # delivered twice: applied once
    assert len(_responses(stack, tenant_id)) == 1


def test_a_runs_row_names_the_agent_and_its_instructions_version(stack: Stack) -> None:
    tenant_id, _ = connected(stack)
    runs_source = make_home(stack, tenant_id)
    deps, now = stack.container.engine(), datetime.now(UTC)
    edited = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    planned = finish_head(
        now,
        "Summarise the week",
        "schedule",
        "done",
        tools=["finish"],
        agent_id="weekly",
        agent_name="Weekly report",
        instructions_hash="0123456789abcdef",
        instructions_edited_at=edited,
    )
    assert run_log.RunLog(deps, tenant_id, "run-rows-agent").create([planned])
    logged = run_log.RunLog(deps, tenant_id, "run-rows-agent").read()
    assert logged is not None
    run_log.RunLog(deps, tenant_id, "run-rows-agent").emit_transition(None, logged.state)
    assert run_tasks(stack, RowTask) == [{"row": "created"}]
    page = row(stack, runs_source, "run-rows-agent")

    def text(name: str) -> str:
        return "".join(t["plain_text"] for t in page["properties"][name]["rich_text"])

    assert text("Agent") == "Weekly report"
    assert text("Instructions") == "0123456789abcdef (edited 2026-11-20 09:30 UTC)"


def test_a_member_decides_in_notion_as_their_role_allows(stack: Stack) -> None:
    """A viewer's Approve is set back and answered as anyone's; once an editor, the same change decides
    the request (an approval naming no change: an editor's by default)."""
    tenant_id, _ = connected(stack)
    runs_source = make_home(stack, tenant_id)
    _waiting_run(stack, tenant_id, "run-rows-roles")
    assert run_tasks(stack, RowTask) == [{"row": "created"}]
    page = row(stack, runs_source, "run-rows-roles")
    put_member(stack.container.workspace.tenants, tenant_id, DEMO["teammate"], "viewer")
    set_decision(stack, page["id"], "Approve", DEMO["teammate"])
    assert run_tasks(stack, DecideTask) == [{"outcome": REFUSED}]
    assert select(row(stack, runs_source, "run-rows-roles"), "Decision") == "Waiting"
    assert _responses(stack, tenant_id, "run-rows-roles") == []

    put_member(stack.container.workspace.tenants, tenant_id, DEMO["teammate"], "editor")
    set_decision(stack, page["id"], "Approve", DEMO["teammate"])
    assert run_tasks(stack, DecideTask) == [{"outcome": "approved request approval-1 of run run-rows-roles"}]
    decided = _responses(stack, tenant_id, "run-rows-roles")
    assert len(decided) == 1 and decided[0].via == "notion"
    recorded = stack.container.team.audit.newest(tenant_id, before=None, since=None, limit=5)
    (entry,) = [e for e in recorded if e.target == {"run_id": "run-rows-roles"}]
    assert (entry.surface, entry.action, entry.role) == ("notion", "approve", "editor")
    assert entry.actor == member_id_for(DEMO["teammate"])


def test_a_decision_made_in_the_console_leaves_no_waiting_row(stack: Stack) -> None:
    """Decided in the console, the row kept "Decision: Waiting" and the request's text
    for good (an owner's choice is never overwritten, so nothing was). Once the run no longer waits
    for the request its row names, the row says what was decided, its request emptied."""
    from shared.engine.services import humans

    tenant_id, _ = connected(stack)
    runs_source = make_home(stack, tenant_id)
    _waiting_run(stack, tenant_id, "run-rows-console")
    assert run_tasks(stack, RowTask) == [{"row": "created"}]
    page = row(stack, runs_source, "run-rows-console")
    assert select(page, "Decision") == "Waiting"
    deps = stack.container.engine()
    humans.respond(deps, tenant_id, "run-rows-console", "approve", request_id="approval-1", via="session")
    done = run_tasks(stack, RowTask)
    assert {"row": "updated"} in done
    page = row(stack, runs_source, "run-rows-console")
    assert select(page, "Decision") == "Approve"
    assert page["properties"]["Request"]["rich_text"] == []
    assert select(page, "Status") != "Waiting for you"


def test_a_run_paused_while_it_waits_keeps_its_request_on_its_row(stack: Stack) -> None:
    """Paused while waiting, the run still holds its request: its row is not read as decided."""
    from shared.engine.services import humans

    tenant_id, _ = connected(stack)
    runs_source = make_home(stack, tenant_id)
    _waiting_run(stack, tenant_id, "run-rows-paused")
    assert run_tasks(stack, RowTask) == [{"row": "created"}]
    humans.control(stack.container.engine(), tenant_id, "run-rows-paused", "pause")
    assert {"row": "updated"} in run_tasks(stack, RowTask)
    page = row(stack, runs_source, "run-rows-paused")
    assert (select(page, "Status"), select(page, "Decision")) == ("Paused", "Waiting")
    assert page["properties"]["Request"]["rich_text"] != []
