"""The owner answers a run's question by commenting on its row in the Runs database, and decides a
production deploy there as any approval. Signed events from the Notion sandbox into notion-webhook,
the production Container's execute-step and deploy, the Firestore and Cloud Tasks emulators, the code
sandbox for Vercel. A member's comment, a repeat, an older request and an approval decide nothing."""

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from functions._http import app
from local.code_sandbox.testing import Admin, RunningSandbox
from shared import bootstrap
from shared.engine.services import humans, run_log
from shared.engine.services.row_answers import ONLY_THE_OWNER, USE_DECISION
from shared.engine.services.run_rows import NOT_THE_OWNER
from shared.platform.topology import Queue
from shared.runs.domain.events import HumanResponded, PlannedStep, RunPlanned, RunStatus
from shared.runs.domain.rows_task import AnswerTask, DecideTask, RowTask
from shared.runs.domain.step_task import StepTask
from shared.workspace.domain.integrations import Integration, code_token_secret
from tests.integration.notion_stack import Stack
from tests.support.engine.webhook_intake import connected
from tests.support.platform.fake_container import json_body
from tests.support.runs.run_rows import DEMO, make_home, row, run_tasks, select, set_decision
from tests.support.team.team import put_member

pytestmark = pytest.mark.integration
REFUSED = "refused: not the owner nor a member whose role may answer it"

QUESTION = [
    PlannedStep(tool="ask_question", args={"question": "What should the launch page be called?"}),
    PlannedStep(tool="finish", args={"summary": "Called it ${steps.1.answer}"}),
]


def _started(stack: Stack, tenant_id: str, run_id: str, steps: list[PlannedStep]) -> None:
    """A run planned by the owner, started (its start row task and its first step enqueued)."""
    deps = stack.container.engine()
    tools = sorted({s.tool for s in steps})
    planned = RunPlanned(
        seq=1, at=datetime.now(UTC), goal="Name the page", trigger="api", steps=steps, tools=tools
    )
    assert run_log.RunLog(deps, tenant_id, run_id).create([planned])
    logged = run_log.RunLog(deps, tenant_id, run_id).read()
    assert logged is not None
    run_log.RunLog(deps, tenant_id, run_id).emit_transition(None, logged.state)


def _steps(stack: Stack, deploy: Any = None) -> list[dict[str, Any]]:
    """Deliver the held step tasks: execute-step's to execute-step, deploy's to ``deploy``."""
    answers = []
    for held in stack.pending(Queue.EXECUTE_STEP) + stack.pending(Queue.DEPLOY):
        body = json.loads(base64.b64decode(held["body"]))
        if not {"tenant_id", "run_id", "step"} <= set(body) <= set(StepTask.model_fields):
            continue  # not a step's task (a field at its default, such as ``woken``, is left out)
        target = deploy if held["queue_id"] == Queue.DEPLOY.value else stack.client("execute_step")
        answer = target.post("/", json=body)
        assert answer.status_code == 200, json_body(answer)
        answers.append(json_body(answer))
        stack.tasks.drop(held["name"])
    return answers


def _waiting_on_row(stack: Stack, run_id: str, steps: list[PlannedStep]) -> tuple[str, dict[str, Any]]:
    """Connected, with a Runs database; run ``run_id`` started, its row written, its first step run
    and waiting for a person, the row showing it (found by the wait's row task, so noted)."""
    tenant_id, _ = connected(stack)
    source = make_home(stack, tenant_id)
    _started(stack, tenant_id, run_id, steps)
    assert run_tasks(stack, RowTask) == [{"row": "created"}]
    _steps(stack)
    assert run_tasks(stack, RowTask) == [{"row": "updated"}]
    page = row(stack, source, run_id)
    assert select(page, "Decision") == "Waiting"
    return tenant_id, page


def _comment(stack: Stack, page_id: str, text: str, person: str) -> str:
    """``person`` comments on the page in Notion; the sandbox's signed event reaches notion-webhook."""
    body = {"parent": {"page_id": page_id}, "rich_text": [{"text": {"content": text}}]}
    act = {"method": "POST", "path": "/v1/comments", "body": body, "user_id": person}
    answer = stack.admin.post("/workspaces/demo/act", act)
    assert answer["status"] == 200, answer
    stack.deliveries()
    return str(answer["response"]["id"])


def _responses(stack: Stack, tenant_id: str, run_id: str) -> list[HumanResponded]:
    return [
        e for e in stack.container.runs.store.list_events(tenant_id, run_id) if isinstance(e, HumanResponded)
    ]


def _status(stack: Stack, tenant_id: str, run_id: str) -> RunStatus:
    logged = run_log.RunLog(stack.container.engine(), tenant_id, run_id).read()
    assert logged is not None
    return logged.state.status


def _bots_comments(stack: Stack, page_id: str) -> list[str]:
    """The texts of our bot's comments on the page, oldest first."""
    comments = stack.admin.get("/workspaces/demo/state")["comments"]
    plain = page_id.replace("-", "")
    return [
        str(c["text"])
        for c in comments
        if c["created_by"] == DEMO["bot"] and str(c["parent"].get("page_id", "")).replace("-", "") == plain
    ]


def test_the_owner_answers_by_comment_once_and_the_run_goes_on_with_the_answer(stack: Stack) -> None:
    stack.admin.post("/webhook/switches", {"duplicates": 1})  # Notion delivers the comment twice
    tenant_id, page = _waiting_on_row(stack, "run-answer-1", QUESTION)
    comment = _comment(stack, page["id"], "Northwind", DEMO["owner"])
    assert [d["status"] for d in stack.deliveries() if d["entity_id"] == comment] == [200, 200]
    assert run_tasks(stack, AnswerTask) == [{"outcome": "answered request question-1 of run run-answer-1"}]
    [answered] = _responses(stack, tenant_id, "run-answer-1")
    assert (answered.decision, answered.text, answered.via) == ("answer", "Northwind", "notion")
    assert _status(stack, tenant_id, "run-answer-1") == RunStatus.RUNNING

    # The task delivered again, as Cloud Tasks may: applied once.
    again = AnswerTask(
        tenant_id=tenant_id,
        page_id=page["id"].replace("-", ""),
        comment_id="c" * 32,
        event_id="again",
        by_owner=True,
    )
    answer = stack.client("execute_step").post(AnswerTask.ROUTE, json=again.model_dump(mode="json"))
    assert json_body(answer)["outcome"].startswith("decides nothing")
    assert len(_responses(stack, tenant_id, "run-answer-1")) == 1

    _steps(stack)  # the next step runs with the answer
    logged = run_log.RunLog(stack.container.engine(), tenant_id, "run-answer-1").read()
    assert logged is not None and logged.state.status == RunStatus.COMPLETED
    assert logged.state.summary == "Called it Northwind"
    assert _bots_comments(stack, page["id"]) == []  # nothing to reply to


def test_a_members_comment_on_the_row_is_refused_and_answered_and_the_reply_does_not_loop(
    stack: Stack,
) -> None:
    tenant_id, page = _waiting_on_row(stack, "run-answer-2", QUESTION)
    _comment(stack, page["id"], "Call it Contoso", DEMO["teammate"])
    assert run_tasks(stack, AnswerTask) == [{"outcome": REFUSED}]
    assert _responses(stack, tenant_id, "run-answer-2") == []
    assert _status(stack, tenant_id, "run-answer-2") == RunStatus.WAITING_FOR_HUMAN
    assert _bots_comments(stack, page["id"]) == [ONLY_THE_OWNER]
    assert ONLY_THE_OWNER.startswith(NOT_THE_OWNER.split(":", 1)[0])

    delivered = stack.deliveries()  # our reply's own comment.created reached notion-webhook
    assert any(d["type"] == "comment.created" and d["status"] == 200 for d in delivered)
    assert run_tasks(stack, AnswerTask) == []  # and was ignored: no task, no second reply
    assert _bots_comments(stack, page["id"]) == [ONLY_THE_OWNER]


def test_an_editor_s_comment_answers_and_a_viewer_s_does_not(stack: Stack) -> None:
    tenant_id, page = _waiting_on_row(stack, "run-answer-5", QUESTION)
    put_member(stack.container.workspace.tenants, tenant_id, DEMO["teammate"], "viewer")
    _comment(stack, page["id"], "Call it Contoso", DEMO["teammate"])
    assert run_tasks(stack, AnswerTask) == [{"outcome": REFUSED}]
    assert _responses(stack, tenant_id, "run-answer-5") == []
    put_member(stack.container.workspace.tenants, tenant_id, DEMO["teammate"], "editor")
    _comment(stack, page["id"], "Call it Contoso", DEMO["teammate"])
    assert run_tasks(stack, AnswerTask) == [{"outcome": "answered request question-1 of run run-answer-5"}]
    (answered,) = _responses(stack, tenant_id, "run-answer-5")
    assert answered.decision == "answer" and answered.text == "Call it Contoso" and answered.via == "notion"


def test_a_comment_for_an_older_request_decides_nothing(stack: Stack) -> None:
    two = [QUESTION[0], PlannedStep(tool="ask_question", args={"question": "And its subtitle?"}), QUESTION[1]]
    tenant_id, page = _waiting_on_row(stack, "run-answer-3", two)
    deps = stack.container.engine()
    humans.respond(deps, tenant_id, "run-answer-3", "answer", text="Northwind", request_id="question-1")
    _steps(stack)  # now waiting for question-2; the row still names question-1 (its task not run yet)
    _comment(stack, page["id"], "Fresh and calm", DEMO["owner"])
    outcome = "decides nothing: the run does not wait for that request"
    assert run_tasks(stack, AnswerTask) == [{"outcome": outcome}]
    logged = run_log.RunLog(deps, tenant_id, "run-answer-3").read()
    assert logged is not None and logged.state.waiting is not None
    assert logged.state.waiting.request_id == "question-2"
    assert [r.request_id for r in _responses(stack, tenant_id, "run-answer-3")] == ["question-1"]


def test_a_comment_on_an_approval_decides_nothing_and_says_to_set_decision(stack: Stack) -> None:
    steps = [
        PlannedStep(tool="request_approval", args={"summary": "Publish the page?"}),
        PlannedStep(tool="finish", args={"summary": "done"}),
    ]
    tenant_id, page = _waiting_on_row(stack, "run-answer-4", steps)
    _comment(stack, page["id"], "yes, go ahead", DEMO["owner"])
    assert run_tasks(stack, AnswerTask) == [
        {"outcome": "decides nothing: the request needs Approve or Reject"}
    ]
    assert _responses(stack, tenant_id, "run-answer-4") == []
    assert _bots_comments(stack, page["id"]) == [USE_DECISION]


def test_a_comment_on_a_page_that_is_no_row_is_unchanged_and_reads_nothing_in_the_webhook(
    stack: Stack,
) -> None:
    tenant_id, ws = connected(stack)
    make_home(stack, tenant_id)
    tenant = stack.container.workspace.tenants.get(tenant_id, fresh=True)
    assert tenant is not None and tenant.bot_id
    page = ws["ids"]["idea_newsletter"]
    stack.admin.delete("/requests")
    body = {
        "parent": {"page_id": page},
        "rich_text": [
            {"type": "mention", "mention": {"type": "user", "user": {"id": tenant.bot_id}}},
            {"text": {"content": " list three headline ideas"}},
        ],
    }
    act = {"method": "POST", "path": "/v1/comments", "body": body, "user_id": DEMO["owner"]}
    comment = stack.admin.post("/workspaces/demo/act", act)["response"]["id"]
    delivered = [d for d in stack.deliveries() if d["type"] == "comment.created"]
    assert [d["status"] for d in delivered if d["entity_id"] == comment] == [200]
    assert stack.admin.get("/requests") == []  # notion-webhook asked Notion nothing
    assert [t.trigger.comment_id for t in stack.plan_tasks()] == [comment]  # a mention starts a run
    assert run_tasks(stack, AnswerTask) == []


def test_a_production_deploy_is_approved_on_its_row_and_then_deploys(
    stack: Stack, sandbox: RunningSandbox, admin: Admin
) -> None:
    tenant_id, _ = connected(stack)
    source = make_home(stack, tenant_id)
    token = "vercel_token_row_decisions"
    admin.grant_vercel(token, ["site"])
    stack.container.platform.secrets.put(code_token_secret(tenant_id, Integration.VERCEL), token)
    allowed = {"github_repositories": ["acme/site"], "vercel_projects": ["site"]}
    tenant = stack.container.workspace.tenants.get(tenant_id, fresh=True)
    assert tenant is not None
    chosen = tenant.settings.model_copy(update=allowed)
    stack.container.workspace.tenants.save(tenant.model_copy(update={"settings": chosen}))
    deploy_args = {"project": "site", "repository": "acme/site", "ref": "main", "target": "production"}
    steps = [
        PlannedStep(tool="deploy_vercel", args=deploy_args),
        PlannedStep(tool="finish", args={"summary": "live"}),
    ]
    settings = stack.settings.replace(
        github_api_base_url=sandbox.github_url, vercel_api_base_url=sandbox.vercel_url
    )
    deploy = app("deploy", bootstrap.Container(settings)).test_client()
    _started(stack, tenant_id, "run-deploy-1", steps)
    assert run_tasks(stack, RowTask) == [{"row": "created"}]
    _steps(stack, deploy)  # deploy asks the owner before a production deployment
    assert run_tasks(stack, RowTask) == [{"row": "updated"}]
    page = row(stack, source, "run-deploy-1")
    request = "".join(t["plain_text"] for t in page["properties"]["Request"]["rich_text"])
    assert select(page, "Decision") == "Waiting" and "to production" in request
    assert admin.get("/vercel/deployments") == []

    set_decision(stack, page["id"], "Approve", DEMO["owner"])
    [decided] = run_tasks(stack, DecideTask)
    assert decided["outcome"].startswith("approved request")
    _steps(stack, deploy)  # the deploy step, now approved
    _steps(stack, deploy)  # finish
    [deployment] = admin.get("/vercel/deployments")
    assert deployment["target"] == "production"
    assert _status(stack, tenant_id, "run-deploy-1") == RunStatus.COMPLETED
