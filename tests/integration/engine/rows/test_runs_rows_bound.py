"""A decision in the Runs database is bound to the row the agent made and to what it wrote there
(decision 0049): a member who re-points the owner's row at her own run, makes a row of her own, or
rewrites only a row's Request gets nothing from the owner's Approve; the row is set back and the owner
told. A start and a wait written at once make one row, and a row Notion cannot read decides nothing
without a retry. Production Container, Firestore and Cloud Tasks emulators, the Notion sandbox."""

import base64
import json
import threading
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
import pytest

from shared.engine.services import run_log
from shared.engine.services.run_rows import NOT_THE_AGENTS, SET_BACK, apply_row_decision, write_row
from shared.platform.topology import Queue
from shared.runs.domain.events import HumanRequested, HumanResponded, PlannedStep, RunPlanned, RunStatus
from shared.runs.domain.rows_task import AnswerTask, DecideTask, RowTask
from shared.runs.services.deps import Deps
from tests.integration.notion_stack import Stack
from tests.support.engine.webhook_intake import connected
from tests.support.platform.fake_container import json_body
from tests.support.runs.run_rows import DEMO, make_home, run_tasks, select, set_decision

pytestmark = pytest.mark.integration
HEADERS = {"Authorization": "Bearer ntn_sandbox_demo", "Notion-Version": "2025-09-03"}


def _waiting(
    stack: Stack, tenant_id: str, run_id: str, prompt: str, *, member: bool = False, question: bool = False
) -> None:
    """Run ``run_id`` planned (a member's when ``member``) and waiting for ``approval-1`` (or, with
    ``question``, for the answer to ``question-1``)."""
    deps, now = stack.container.engine(), datetime.now(UTC)
    tool = "ask_question" if question else "request_approval"
    purpose: Literal["question", "approval"] = "question" if question else "approval"
    steps = [PlannedStep(tool=tool, args={"question" if question else "summary": prompt})]
    planned = RunPlanned(
        seq=1,
        at=now,
        goal=f"The goal of {run_id}",
        trigger="webhook" if member else "api",
        steps=steps,
        tools=[tool],
        member=member,
    )
    asked = HumanRequested(seq=2, at=now, request_id=f"{purpose}-1", step=1, purpose=purpose, prompt=prompt)
    assert run_log.RunLog(deps, tenant_id, run_id).create([planned, asked])
    logged = run_log.RunLog(deps, tenant_id, run_id).read()
    assert logged is not None
    run_log.RunLog(deps, tenant_id, run_id).emit_transition(None, logged.state)


def _rows(stack: Stack, source_id: str, run_id: str) -> list[dict[str, Any]]:
    where = {"filter": {"property": "Run id", "rich_text": {"equals": run_id}}}
    url = f"{stack.sandbox.url}/v1/data_sources/{source_id}/query"
    return list(httpx.post(url, json=where, headers=HEADERS).json()["results"])


def _page(stack: Stack, page_id: str) -> dict[str, Any]:
    return dict(httpx.get(f"{stack.sandbox.url}/v1/pages/{page_id}", headers=HEADERS).json())


def _text(page: dict[str, Any], name: str) -> str:
    prop = page["properties"][name]
    return "".join(t["plain_text"] for t in prop.get("rich_text") or prop.get("title") or [])


def _rich(text: str) -> dict[str, Any]:
    return {"rich_text": [{"text": {"content": text}}]}


def _as_member(stack: Stack, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Grace, a member, changes Notion; the signed event is not delivered yet."""
    act = {"method": method, "path": path, "body": body, "user_id": DEMO["teammate"]}
    done = stack.admin.post("/workspaces/demo/act", act)
    assert done["status"] == 200, done
    return dict(done["response"])


def _owner_sets_approve(stack: Stack, page_id: str) -> None:
    """The owner sets the row's Decision to Approve; the signed event is not delivered yet."""
    body = {"properties": {"Decision": {"select": {"name": "Approve"}}}}
    act = {"method": "PATCH", "path": f"/v1/pages/{page_id}", "body": body, "user_id": DEMO["owner"]}
    assert stack.admin.post("/workspaces/demo/act", act)["status"] == 200


def _owners_approve(stack: Stack, tenant_id: str, page_id: str) -> str:
    """The owner's Approve of the row as it stands now, its task run at once (the worst order: before
    the task of any change a member made just before)."""
    _owner_sets_approve(stack, page_id)
    task = DecideTask(tenant_id=tenant_id, page_id=page_id, event_id=f"owner-{page_id}", by_owner=True)
    answer = stack.client("execute_step").post(DecideTask.ROUTE, json=task.model_dump(mode="json"))
    assert answer.status_code == 200, json_body(answer)
    return str(json_body(answer)["outcome"])


def _decided(stack: Stack, tenant_id: str, run_id: str) -> list[HumanResponded]:
    events = stack.container.runs.store.list_events(tenant_id, run_id)
    return [e for e in events if isinstance(e, HumanResponded)]


def _waits(stack: Stack, tenant_id: str, run_id: str) -> bool:
    logged = run_log.RunLog(stack.container.engine(), tenant_id, run_id).read()
    return logged is not None and logged.state.status == RunStatus.WAITING_FOR_HUMAN


def _bots_comments(stack: Stack, page_id: str) -> list[str]:
    plain = page_id.replace("-", "")
    return [
        str(c["text"])
        for c in stack.admin.get("/workspaces/demo/state")["comments"]
        if c["created_by"] == DEMO["bot"] and str(c["parent"].get("page_id", "")).replace("-", "") == plain
    ]


def _meanwhile(stack: Stack, deps: Deps, task: RowTask | DecideTask, answers: list[Any]) -> Deps:
    """``deps`` whose Notion, as its first property update is about to be sent, has execute-step
    take ``task`` (its answer kept in ``answers``): another task's work landing meanwhile."""
    notion_for = deps.notion_for
    assert notion_for is not None

    class Meanwhile:
        def __init__(self, notion: Any) -> None:
            self._notion = notion

        def __getattr__(self, name: str) -> Any:
            return getattr(self._notion, name)

        def update_page_properties(self, page_id: str, props: dict[str, Any]) -> dict[str, Any]:
            if not answers:
                body = task.model_dump(mode="json")
                answers.append(stack.client("execute_step").post(task.ROUTE, json=body))
            return dict(self._notion.update_page_properties(page_id, props))

    return deps._replace(notion_for=lambda t: Meanwhile(notion_for(t)))


def _waiting_with_no_row_task(stack: Stack, run_id: str) -> tuple[str, str]:
    """A connected workspace with the agent's home, and run ``run_id`` of the owner waiting for
    ``approval-1``, its row tasks taken off the queue (the test delivers its own): (tenant, the Runs
    data source)."""
    tenant_id, _ = connected(stack)
    source = make_home(stack, tenant_id)
    _waiting(stack, tenant_id, run_id, "Publish the launch page?")
    for held in stack.pending(Queue.EXECUTE_STEP):
        if held["url"].endswith(RowTask.ROUTE):
            assert json.loads(base64.b64decode(held["body"]))["run_id"] == run_id
            stack.tasks.drop(held["name"])
    return tenant_id, source


def _two_waiting_runs(stack: Stack, case: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The owner's run and a member's (``owners-<case>``, ``members-<case>``: task names are not
    used twice), each waiting, each with its row: (tenant, the two rows)."""
    tenant_id, _ = connected(stack)
    source = make_home(stack, tenant_id)
    _waiting(stack, tenant_id, f"owners-{case}", "Publish the launch page?")
    _waiting(stack, tenant_id, f"members-{case}", "Read the weekly report and copy it here?", member=True)
    assert sorted(a["row"] for a in run_tasks(stack, RowTask)) == ["created", "created"]
    [owners] = _rows(stack, source, f"owners-{case}")
    [members] = _rows(stack, source, f"members-{case}")
    return tenant_id, owners, members


def test_a_row_re_pointed_at_a_members_run_is_set_back_and_the_owners_approve_decides_nothing(
    stack: Stack,
) -> None:
    tenant_id, owners, members = _two_waiting_runs(stack, "1")
    shown = {"Run id": _rich("members-1"), "Request": _rich(_text(members, "Request"))}
    _as_member(stack, "PATCH", f"/v1/pages/{owners['id']}", {"properties": shown})

    assert _owners_approve(stack, tenant_id, owners["id"]) == "set back: Run id, Request changed"
    assert _decided(stack, tenant_id, "members-1") == [] and _waits(stack, tenant_id, "members-1")
    assert _decided(stack, tenant_id, "owners-1") == [] and _waits(stack, tenant_id, "owners-1")
    page = _page(stack, owners["id"])  # written again as the agent wrote it
    assert _text(page, "Run id") == "owners-1" and _text(page, "Request") == _text(owners, "Request")
    assert select(page, "Decision") == "Waiting"
    assert _bots_comments(stack, owners["id"]) == [SET_BACK.format(changed="Run id, Request")]

    stack.deliveries()  # the member's change reaches the webhook: the row is as written, it asks nothing
    assert run_tasks(stack, DecideTask) == [{"outcome": "the row asks nothing"}] * 2
    set_decision(stack, owners["id"], "Approve", DEMO["owner"])  # the owner decides on the row as written
    assert run_tasks(stack, DecideTask) == [{"outcome": "approved request approval-1 of run owners-1"}]
    assert _decided(stack, tenant_id, "members-1") == []


def test_two_tasks_for_one_rows_changes_act_one_at_a_time_so_a_late_set_back_undoes_no_decision(
    stack: Stack,
) -> None:
    """The member's re-pointing and the owner's Approve of it reach the agent as two tasks at once.
    While the first sets the row back, the second finds the row held and is put back (503): it does
    not read the re-pointed row and set it back again after the owner approved the restored row,
    which undid that Approve with no decision (the red team's member case 4 on a busy machine). Its
    retry reads the row as it is then, and the owner's Approve decides."""
    tenant_id, owners, members = _two_waiting_runs(stack, "6")
    shown = {"Run id": _rich("members-6"), "Request": _rich(_text(members, "Request"))}
    _as_member(stack, "PATCH", f"/v1/pages/{owners['id']}", {"properties": shown})
    _owner_sets_approve(stack, owners["id"])  # on the re-pointed row
    first = DecideTask(tenant_id=tenant_id, page_id=owners["id"], event_id="member-6", by_owner=False)
    second = DecideTask(tenant_id=tenant_id, page_id=owners["id"], event_id="owner-6", by_owner=True)
    answers: list[Any] = []
    meanwhile = _meanwhile(stack, stack.container.engine(), second, answers)
    assert apply_row_decision(first, meanwhile) == "set back: Run id, Request changed"
    held = [(a.status_code, a.headers.get("Retry-After")) for a in answers]
    assert held == [(503, "2")]  # put back, to read the row again soon
    assert _bots_comments(stack, owners["id"]) == [SET_BACK.format(changed="Run id, Request")]

    _owner_sets_approve(stack, owners["id"])  # the row as restored
    again = stack.client("execute_step").post(DecideTask.ROUTE, json=second.model_dump(mode="json"))
    assert again.status_code == 200
    assert json_body(again) == {"outcome": "approved request approval-1 of run owners-6"}
    assert select(_page(stack, owners["id"]), "Decision") == "Approve"
    assert _decided(stack, tenant_id, "members-6") == []


def test_the_owners_comment_on_a_row_re_pointed_at_a_members_question_answers_nothing(
    stack: Stack,
) -> None:
    tenant_id, _ = connected(stack)
    source = make_home(stack, tenant_id)
    _waiting(stack, tenant_id, "owners-5", "Publish the launch page?")
    _waiting(stack, tenant_id, "members-5", "Which page should I copy here?", member=True, question=True)
    assert [a["row"] for a in run_tasks(stack, RowTask)] == ["created", "created"]
    [owners], [members] = _rows(stack, source, "owners-5"), _rows(stack, source, "members-5")
    shown = {"Run id": _rich("members-5"), "Request": _rich(_text(members, "Request"))}
    _as_member(stack, "PATCH", f"/v1/pages/{owners['id']}", {"properties": shown})
    body = {"parent": {"page_id": owners["id"]}, "rich_text": [{"text": {"content": "The weekly report"}}]}
    act = {"method": "POST", "path": "/v1/comments", "body": body, "user_id": DEMO["owner"]}
    assert stack.admin.post("/workspaces/demo/act", act)["status"] == 200
    stack.deliveries()
    assert run_tasks(stack, AnswerTask) == [{"outcome": "set back: Run id, Request changed"}]
    assert _decided(stack, tenant_id, "members-5") == [] and _waits(stack, tenant_id, "members-5")
    assert _text(_page(stack, owners["id"]), "Run id") == "owners-5"


def test_a_members_change_of_a_rows_goal_is_set_back_at_once(stack: Stack) -> None:
    tenant_id, owners, _ = _two_waiting_runs(stack, "2")
    title = {"Goal": {"title": [{"text": {"content": "Approve: nothing but a spelling fix"}}]}}
    _as_member(stack, "PATCH", f"/v1/pages/{owners['id']}", {"properties": title})
    stack.deliveries()
    assert run_tasks(stack, DecideTask) == [{"outcome": "set back: Goal changed"}]
    assert _text(_page(stack, owners["id"]), "Goal") == "The goal of owners-2"
    assert _bots_comments(stack, owners["id"]) == [SET_BACK.format(changed="Goal")]
    assert _waits(stack, tenant_id, "owners-2")


def test_a_row_a_member_made_gets_nothing_from_the_owners_approve_and_is_never_taken_for_the_runs(
    stack: Stack,
) -> None:
    tenant_id, _ = connected(stack)
    source = make_home(stack, tenant_id)
    _waiting(stack, tenant_id, "members-3", "Deploy to production?", member=True)
    forged = {
        "Goal": {"title": [{"text": {"content": "Fix a typo"}}]},
        "Run id": _rich("members-3"),
        "Request": _rich("approval-1 · Fix a typo in the footer?"),
        "Decision": {"select": {"name": "Waiting"}},
    }
    made = _as_member(
        stack, "POST", "/v1/pages", {"parent": {"data_source_id": source}, "properties": forged}
    )
    assert run_tasks(stack, RowTask) == [{"row": "created"}]  # the agent's own row: not the member's
    assert len(_rows(stack, source, "members-3")) == 2
    assert _text(_page(stack, made["id"]), "Request") == "approval-1 · Fix a typo in the footer?"

    assert _owners_approve(stack, tenant_id, made["id"]) == "decides nothing: not a row the agent made"
    assert _decided(stack, tenant_id, "members-3") == [] and _waits(stack, tenant_id, "members-3")
    assert _bots_comments(stack, made["id"]) == [NOT_THE_AGENTS]


def test_a_request_rewritten_on_a_members_own_row_is_set_back_before_the_owner_approves(
    stack: Stack,
) -> None:
    tenant_id, _, members = _two_waiting_runs(stack, "4")
    hidden = {"Request": _rich("approval-1 · Add a heading to my notes page?")}
    _as_member(stack, "PATCH", f"/v1/pages/{members['id']}", {"properties": hidden})

    assert _owners_approve(stack, tenant_id, members["id"]) == "set back: Request changed"
    assert _decided(stack, tenant_id, "members-4") == [] and _waits(stack, tenant_id, "members-4")
    page = _page(stack, members["id"])
    assert _text(page, "Request") == "approval-1 · Read the weekly report and copy it here?"
    assert select(page, "Decision") == "Waiting"
    assert _bots_comments(stack, members["id"]) == [SET_BACK.format(changed="Request")]


def test_a_decision_on_a_row_notion_cannot_read_decides_nothing_and_is_not_retried(stack: Stack) -> None:
    tenant_id, _ = connected(stack)
    make_home(stack, tenant_id)
    task = DecideTask(tenant_id=tenant_id, page_id="f" * 32, event_id="gone", by_owner=True)
    answer = stack.client("execute_step").post(DecideTask.ROUTE, json=task.model_dump(mode="json"))
    assert answer.status_code == 200  # acknowledged: a retry could not read it either
    assert json_body(answer) == {"outcome": "decides nothing: the row could not be read"}


def test_a_start_and_a_wait_written_at_once_make_one_row(stack: Stack) -> None:
    """The start's and the wait's row tasks of a run that waits right after starting, delivered at
    once while Notion is slow: one makes the row, the other is retried and updates it."""
    tenant_id, source = _waiting_with_no_row_task(stack, "quick-wait")
    start = RowTask(tenant_id=tenant_id, run_id="quick-wait", create=True, note=False)
    wait = RowTask(tenant_id=tenant_id, run_id="quick-wait", create=True, decision=True)
    stack.admin.post("/faults", {"latency_s": 0.4})
    answers: list[tuple[int, str | None]] = []

    def deliver(task: RowTask) -> None:
        answer = stack.client("execute_step").post(RowTask.ROUTE, json=task.model_dump(mode="json"))
        answers.append((answer.status_code, answer.headers.get("Retry-After")))

    threads = [threading.Thread(target=deliver, args=(t,)) for t in (start, wait)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stack.admin.delete("/faults")
    # The second waits for the first's row, and looks again soon, not when the lease would end.
    assert sorted(answers, key=lambda a: a[0]) == [(200, None), (503, "2")]
    for task in (start, wait):  # the queue's retry
        assert (
            stack.client("execute_step").post(RowTask.ROUTE, json=task.model_dump(mode="json")).status_code
            == 200
        )
    [made] = _rows(stack, source, "quick-wait")
    assert select(made, "Decision") == "Waiting" and _text(made, "Request").startswith("approval-1")


def test_a_step_s_row_write_that_found_the_row_keeps_the_request_the_wait_wrote(stack: Stack) -> None:
    """A step's row task finds the row by its Run id before its maker kept it (no page id kept yet);
    while the step's update is on its way to Notion, the wait's row task writes the row's Request
    and keeps it. The step's keeping then adds only what it wrote, so the owner's Approve of the
    untouched row decides. Before, the step kept an empty Request over the wait's, and the Approve
    was answered "set back: Request changed" (twice in the red team's member cases on CI)."""
    tenant_id, source = _waiting_with_no_row_task(stack, "overlap")
    start = RowTask(tenant_id=tenant_id, run_id="overlap", create=True)
    answer = stack.client("execute_step").post(RowTask.ROUTE, json=start.model_dump(mode="json"))
    assert (answer.status_code, json_body(answer)) == (200, {"row": "created"})  # no Request yet
    [made] = _rows(stack, source, "overlap")
    assert _text(made, "Request") == ""

    wait = RowTask(tenant_id=tenant_id, run_id="overlap", create=True, decision=True)
    deps = stack.container.engine()
    landed: list[Any] = []

    class BeforeItWasKept:
        """The store as the step read it: the row's page id not kept yet (its maker still at work)."""

        def __init__(self, store: Any) -> None:
            self._store, self._read = store, False

        def __getattr__(self, name: str) -> Any:
            return getattr(self._store, name)

        def row_page(self, tenant_id: str, run_id: str) -> Any:
            first, self._read = not self._read, True
            return None if first else self._store.row_page(tenant_id, run_id)

    step = RowTask(tenant_id=tenant_id, run_id="overlap", create=False)
    meanwhile = _meanwhile(stack, deps, wait, landed)._replace(store=BeforeItWasKept(deps.store))
    assert write_row(step, meanwhile) == "updated"
    assert [json_body(a) for a in landed] == [{"row": "updated"}]
    [now] = _rows(stack, source, "overlap")
    assert now["id"] == made["id"] and _text(now, "Request").startswith("approval-1 · ")

    assert _owners_approve(stack, tenant_id, made["id"]) == "approved request approval-1 of run overlap"
    assert _bots_comments(stack, made["id"]) == []


def test_a_row_task_that_fails_while_making_the_row_lets_its_retry_make_it_at_once(stack: Stack) -> None:
    tenant_id, source = _waiting_with_no_row_task(stack, "failed-make")
    task = RowTask(tenant_id=tenant_id, run_id="failed-make", create=True, decision=True)
    stack.admin.post("/faults", {"status": 500, "count": 2})  # the next read, and its retry inline
    first = stack.client("execute_step").post(RowTask.ROUTE, json=task.model_dump(mode="json"))
    assert first.status_code == 503
    again = stack.client("execute_step").post(RowTask.ROUTE, json=task.model_dump(mode="json"))
    assert (again.status_code, json_body(again)) == (200, {"row": "created"})  # not held for 2 minutes
    [made] = _rows(stack, source, "failed-make")
    assert select(made, "Decision") == "Waiting"
