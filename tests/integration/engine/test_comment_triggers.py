"""A person's comment starts a run only when it mentions the agent: signed comment.created deliveries
from the Notion sandbox into notion-webhook (Firestore emulator, local Cloud Tasks emulator), then the
plan tasks planned for real (the production Notion adapter reading the comment, the offline model)."""

from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.runs.domain.plan_task import PlanTask
from tests.integration.notion_stack import Stack
from tests.support.engine.webhook_intake import connected, flush

pytestmark = pytest.mark.integration


def comment_as_person(stack: Stack, page_id: str, rich_text: list[dict[str, Any]]) -> str:
    body = {"parent": {"page_id": page_id}, "rich_text": rich_text}
    answer = stack.admin.post(
        "/workspaces/demo/act", {"method": "POST", "path": "/v1/comments", "body": body}
    )
    assert answer["status"] == 200, answer
    return str(answer["response"]["id"])


def test_only_a_comment_that_mentions_the_agent_starts_a_run_and_the_model_reads_it(stack: Stack) -> None:
    tenant_id, ws = connected(stack)
    tenant = stack.container.workspace.tenants.get(tenant_id)
    assert tenant is not None and tenant.bot_id
    page = ws["ids"]["idea_newsletter"]
    flush(stack)
    chatter = comment_as_person(stack, page, [{"text": {"content": "lunch at noon?"}}])
    asked = comment_as_person(
        stack,
        page,
        [
            {"type": "mention", "mention": {"type": "user", "user": {"id": tenant.bot_id}}},
            {"text": {"content": " please list three headline ideas"}},
        ],
    )
    delivered = [d for d in flush(stack) if d["type"] == "comment.created"]
    assert {d["event"]["entity"]["id"] for d in delivered} == {chatter, asked}
    tasks: list[PlanTask] = [t for t in stack.plan_tasks() if t.trigger.comment_id in {chatter, asked}]
    assert {t.trigger.comment_id for t in tasks} == {chatter, asked}  # intake cannot tell them apart

    deps = stack.container.engine()
    started = {t.trigger.comment_id: start_run(t, deps) for t in tasks}
    assert started == {chatter: False, asked: True}
    [run] = deps.store.list_runs(tenant_id)
    assert run.run_id == next(t.run_id for t in tasks if t.trigger.comment_id == asked)
    assert "please list three headline ideas" in run.state.goal  # the comment's words reached the plan
