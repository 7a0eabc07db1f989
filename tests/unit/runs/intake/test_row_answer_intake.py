"""notion-webhook and comments on Runs rows: a person's comment on a noted row becomes one answer
task named by the event, for one read of the row index; our bot's comments and comments elsewhere
are never looked up and keep their meaning (mentions start runs). Through ``ingest_webhook``, fakes."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.platform.config import PlatformSecret
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.rows_task import AnswerTask
from shared.runs.services.notion_intake import Intake, ingest_webhook
from shared.workspace.domain.agent_home import AgentHome, HomeDatabase
from shared.workspace.domain.tenants import Tenant
from tests.fakes import FakeQueue, FakeSecrets, FakeTenantStore, FakeWebhookEvents

TOKEN = "secret_verification"
ROW = "3b4c5d6e-0000-4000-8000-00000000000a"
PAGE = "3b4c5d6e-0000-4000-8000-00000000000b"
OWNER, MEMBER, BOT = "owner-1", "member-1", "bot-1"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
RUNS = HomeDatabase(database_id="db-runs", data_source_id="ds-runs")


def _intake(home: bool = True) -> tuple[Intake, FakeTenantStore, FakeQueue]:
    tenants, queue = FakeTenantStore(), FakeQueue()
    tenants.save(
        Tenant(
            tenant_id="t1",
            workspace_id="ws1",
            token_secret="notion-token-t1",
            owner_user_id=OWNER,
            bot_id=BOT,
            home=AgentHome(runs=RUNS) if home else None,
            created_at=T0,
            updated_at=T0,
        )
    )
    tenants.note_run_row("t1", ROW.replace("-", ""), "run-1")
    secrets = FakeSecrets({PlatformSecret.NOTION_WEBHOOK_TOKEN: TOKEN})
    return Intake(tenants, FakeWebhookEvents(), queue, secrets, 86400.0), tenants, queue


def _comment(event_id: str, page: str, *authors: tuple[str, str]) -> tuple[bytes, str]:
    event: dict[str, Any] = {
        "id": event_id,
        "type": "comment.created",
        "timestamp": T0.isoformat(),
        "workspace_id": "ws1",
        "authors": [{"id": a, "type": t} for a, t in authors],
        "entity": {"id": "c0ffee00-0000-4000-8000-000000000001", "type": "comment"},
        "data": {"page_id": page, "parent": {"id": page, "type": "page"}},
    }
    body = json.dumps(event).encode()
    return body, "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()


def _ingest(intake: Intake, signed: tuple[bytes, str]) -> str:
    return ingest_webhook(*signed, intake, now=T0 + timedelta(seconds=5)).result


def test_a_persons_comment_on_a_row_is_one_answer_task_for_one_index_read() -> None:
    intake, tenants, queue = _intake()
    assert _ingest(intake, _comment("e-1", ROW, (OWNER, "person"))) == "enqueued"
    assert _ingest(intake, _comment("e-2", ROW, (MEMBER, "person"))) == "enqueued"
    assert tenants.row_reads == 2  # one per comment, and no Notion: Intake has none to call
    [(q1, owner, name, _), (q2, member, _, _)] = queue.tasks
    assert q1 == q2 == Queue.EXECUTE_STEP and name == "answer:t1:e-1"
    assert isinstance(owner, AnswerTask) and isinstance(member, AnswerTask)
    assert owner.by_owner and not member.by_owner
    assert owner.page_id == ROW.replace("-", "") and owner.comment_id.startswith("c0ffee00")


def test_our_bots_comment_on_a_row_is_ignored_without_a_read() -> None:
    intake, tenants, queue = _intake()
    assert _ingest(intake, _comment("e-1", ROW, (BOT, "bot"))) == "ignored"
    assert tenants.row_reads == 0 and queue.tasks == []


def test_a_comment_elsewhere_keeps_its_meaning_a_run_if_it_mentions_the_agent() -> None:
    intake, tenants, queue = _intake()
    assert _ingest(intake, _comment("e-1", PAGE, (OWNER, "person"))) == "enqueued"
    [(q, body, _, _)] = queue.tasks
    assert q == Queue.PLAN and isinstance(body, PlanTask) and body.trigger.comment_id
    assert tenants.row_reads == 1


def test_without_a_runs_database_a_comment_costs_no_read() -> None:
    intake, tenants, queue = _intake(home=False)
    assert _ingest(intake, _comment("e-1", ROW, (OWNER, "person"))) == "enqueued"
    assert tenants.row_reads == 0 and isinstance(queue.tasks[0][1], PlanTask)
