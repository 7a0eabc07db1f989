"""The stored kinds of the golden fixtures: each one's example and how it is read and written.

An example is built once, by the code of the day the fixtures were written (``make_golden``); the
fixture holds it as stored (a document, an event, a task body, a secret's JSON). The test
(``tests/unit/runs/test_golden.py``) reads every fixture with today's models and writes it back: a stored
document that today's code could not read, or would rewrite, fails it.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from shared.agents.domain.agents import Agent, InstructionsVersion, Reach
from shared.agents.domain.day_plan_task import DayPlanTask
from shared.agents.domain.digest_task import DigestTask
from shared.agents.domain.schedule_task import ScheduleTask
from shared.code.domain.code import CodeChange, DeployRequest, FileChange
from shared.notify.domain.notifications import NotificationRecord, NotificationStatus
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.domain.dead_letters import DeadLetter
from shared.runs.domain import events as ev
from shared.runs.domain.digest import Digest
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.rows_task import AnswerTask, DecideTask, RowTask
from shared.runs.domain.state import Pending, Run, RunState, Waiting
from shared.runs.domain.step_task import StepTask
from shared.team.domain.api_keys import ApiKey
from shared.workspace.domain.agent_home import AgentHome, HomeDatabase
from shared.workspace.domain.connecting.connection import NotionTokens
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant, TenantStatus
from shared.workspace.domain.triggers import (
    AssignedToAgent,
    Mentioned,
    PageCreated,
    PropertyChanged,
    PropertyCheck,
    Schedule,
)

AT = datetime(2026, 11, 26, 4, 30, 15, 123456, tzinfo=UTC)
LATER = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
STEP = ev.PlannedStep(tool="read_page", args={"page_id": "p1"}, rationale="read it first")


def _settings() -> TenantSettings:
    return TenantSettings(
        timezone="Europe/Paris",
        planning_hour=7,
        digest=True,
        trigger_page_notes="every_step",
        data_source_ids=["ds-1", "ds-2"],
        daily_plan_sources=["ds-1"],
        page_ids=["page-1"],
        triggers={
            "ds-1": [
                PageCreated(),
                Mentioned(),
                PropertyChanged(property="Status", to="Done", property_id="st%3D", property_type="status"),
                AssignedToAgent(property="Owner", property_id="ow", property_type="people"),
            ]
        },
        react_to_mentions=False,
        notification_channels=["slack", "email"],
        notification_email="someone@example.com",
        slack_channel_id="C0123ABCD",
        quiet_hours=(22, 7),
        max_cost_per_run_usd=2.5,
        max_cost_per_day_usd=10.0,
        max_cost_per_month_usd=100.0,
        github_repositories=["acme/site"],
        vercel_projects=["site"],
        vercel_team_id="team_abc",
    )


def _tenant() -> Tenant:
    home = AgentHome(
        parent_page_id="home-page",
        runs=HomeDatabase(database_id="db-runs", data_source_id="ds-runs"),
        daily_plans=HomeDatabase(database_id="db-plans", data_source_id="ds-plans"),
        tasks=HomeDatabase(database_id="db-tasks", data_source_id="ds-tasks", chosen=True),
        claim="claim-1",
        claim_until=LATER,
    )
    return Tenant(
        tenant_id="t-1",
        workspace_id="ws-1",
        token_secret="notion-token-t-1-abc",
        created_at=AT,
        updated_at=LATER,
        workspace_name="Acme",
        bot_id="bot-1",
        owner_email="owner@example.com",
        owner_user_id="user-1",
        status=TenantStatus.NEEDS_RECONNECT,
        settings=_settings(),
        token_refresh_until=LATER,
        session_epoch="epoch-1",
        signed_out_at=AT,
        confirmed_email="someone@example.com",
        confirmations_asked=("20261126:0123456789abcdef",),
        owner_since=AT,
        home=home,
    )


_PLANNED = ev.RunPlanned(
    seq=1,
    at=AT,
    goal="Tidy the page",
    trigger="webhook",
    steps=[STEP],
    tools=["read_page", "update_page"],
    risk=ev.Risk.MEDIUM,
    on_reject="replan",
    prompt_version="v7",
    page_id="page-1",
    member=True,
    sources=["ds-1"],
)
_REQUESTED = ev.HumanRequested(
    seq=5,
    at=AT,
    request_id="req-1",
    step=2,
    purpose="approval",
    prompt="Approve writing the page?",
    budget=False,
    effects=("write:page-1",),
    call={"page_id": "page-1", "text": "new"},
)

# Each stored kind: an example, how it is read (a stored dict to a model) and written (as stored).
EVENTS: dict[str, Any] = {
    "run_planned": _PLANNED,
    "run_planned_by_agent": ev.RunPlanned(
        seq=1,
        at=AT,
        goal="Summarise the week",
        trigger="schedule",
        steps=[STEP],
        tools=["read_page"],
        agent_id="weekly",
        agent_name="Weekly report",
        instructions_hash="0123456789abcdef",
        instructions_edited_at=LATER,
    ),
    "run_planned_before_member": ev.RunPlanned(
        seq=1, at=AT, goal="Tidy the page", trigger="api", steps=[STEP], tools=["read_page"]
    ),
    "tool_intent": ev.ToolIntent(
        seq=2,
        at=AT,
        step=1,
        tool="read_page",
        key="tag-run-1:1:1",
        lease_until=LATER,
        args={"page_id": "p1"},
        attempt=2,
    ),
    "tool_result": ev.ToolResult(
        seq=3, at=AT, step=1, tool="read_page", args={"page_id": "p1"}, output={"text": "hi"}, reconciled=True
    ),
    "error_recorded": ev.ErrorRecorded(
        seq=4, at=AT, step=2, error=ev.ErrorKind.TRANSIENT, message="Notion said 503", retry_at=LATER
    ),
    "error_recorded_before_retry_at": ev.ErrorRecorded(
        seq=4, at=AT, step=0, error=ev.ErrorKind.MODEL_FIXABLE, message="bad args"
    ),
    "human_requested": _REQUESTED,
    "human_requested_before_effects": ev.HumanRequested(
        seq=5, at=AT, request_id="req-2", step=1, purpose="question", prompt="Which one?"
    ),
    "human_responded": ev.HumanResponded(
        seq=6, at=AT, request_id="req-1", decision="approve", text="ok", via="link"
    ),
    "model_used": ev.ModelUsed(
        seq=7,
        at=AT,
        purpose="plan",
        model="gemini-2.5-flash",
        input_tokens=1200,
        output_tokens=300,
        cost_usd=0.0021,
    ),
    "run_replanned": ev.RunReplanned(
        seq=8, at=AT, step=2, phase=2, steps=[STEP], cost_usd=0.0004, tokens=900
    ),
    "run_paused": ev.RunPaused(seq=8, at=AT),
    "run_resumed": ev.RunResumed(seq=9, at=AT),
    "run_retried": ev.RunRetried(seq=9, at=AT, step=2),
    "run_cancelled": ev.RunCancelled(seq=10, at=AT, reason="not needed"),
    "run_finished": ev.RunFinished(
        seq=11, at=AT, status=ev.RunStatus.COMPLETED, summary="Done.", replanned_as="run-2"
    ),
}

_STATE = RunState(
    goal="Tidy the page",
    trigger="webhook",
    page_id="page-1",
    status=ev.RunStatus.WAITING_FOR_HUMAN,
    steps=(STEP,),
    tools=("read_page", "update_page"),
    risk=ev.Risk.HIGH,
    on_reject="replan",
    prompt_version="v7",
    cursor=2,
    last_seq=5,
    started_at=AT,
    pending=Pending(
        step=2,
        tool="update_page",
        args={"page_id": "p1"},
        key="k",
        attempt=1,
        lease_until=LATER,
        released=True,
    ),
    waiting=Waiting(
        request_id="req-1",
        purpose="approval",
        prompt="Approve?",
        step=2,
        budget=False,
        effects=("write:page-1",),
        call={"page_id": "p1"},
    ),
    resume_to=ev.RunStatus.RUNNING,
    consecutive_errors=1,
    last_error="Notion said 503",
    approved=("write:page-1",),
    granted={"2": {"page_id": "p1"}},
    created_pages=("page-9",),
    member=True,
    sources=("ds-1",),
    retry_at=LATER,
    failing_since=AT,
    repeat_sig="sig",
    repeat_count=1,
    budget_grants=1,
    cost_usd=0.25,
    tokens=1500,
    outputs={"1": {"text": "hi"}},
    keep_outputs=(1,),
    last_page={"id": "p1", "text": "hi"},
    digest=Digest(recent=('{"seq":1}',), older=2, tool_counts={"read_page": 1}, errors=1, notes=("note",)),
)

_TRIGGER = Trigger(
    kind="webhook",
    event_id="ev-1",
    event_type="page.properties_updated",
    page_id="page-1",
    data_source_id="ds-1",
    comment_id="c-1",
    changed_before=AT,
    by_owner=False,
    checks=[PropertyCheck(property_id="st", type="status", to="Done", agent=False)],
)

TASKS: dict[str, Any] = {
    "plan_task": PlanTask(tenant_id="t-1", run_id="run-1", trigger=_TRIGGER, goal="Tidy", admitted=True),
    "plan_task_plain": PlanTask(tenant_id="t-1", run_id="run-1", trigger=Trigger(kind="api")),
    "plan_task_for_agent": PlanTask(
        tenant_id="t-1",
        run_id="routine-weekly-0-2026112616",
        trigger=Trigger(kind="schedule"),
        agent_id="weekly",
    ),
    "step_task": StepTask(tenant_id="t-1", run_id="run-1", step=3, paced=2),
    "notify_task": NotifyTask(
        notification_id="n-1",
        tenant_id="t-1",
        subject="Run finished",
        text="All done.",
        run_id="run-1",
        channel="slack",
        priority="urgent",
        data={"page_id": "page-1"},
        run_started_at=AT,
    ),
    "schedule_task": ScheduleTask(tick=LATER, after="t-0", since=AT),
    "schedule_task_empty": ScheduleTask(),
    "row_task": RowTask(tenant_id="t-1", run_id="run-1", create=True, decision=True, note=True),
    "decide_task": DecideTask(
        tenant_id="t-1", page_id="row-1", event_id="ev-1", by_owner=True, authors=["u-1"]
    ),
    "answer_task": AnswerTask(
        tenant_id="t-1", page_id="row-1", comment_id="c-1", event_id="ev-1", by_owner=True
    ),
    "digest_task": DigestTask(tenant_id="t-1", day=date(2026, 11, 26)),
    "day_plan_task": DayPlanTask(tenant_id="t-1", day=date(2026, 11, 26)),
}

DOCUMENTS: dict[str, Any] = {
    "agent": Agent(
        agent_id="weekly",
        name="Weekly report",
        created_at=AT,
        updated_at=LATER,
        instructions_page_id="page-9",
        instructions_url="https://www.notion.so/page9",
        triggers={
            "ds-1": [
                PageCreated(),
                PropertyChanged(property="Status", property_id="st", property_type="status"),
            ]
        },
        schedules=(
            Schedule(every="weekly", hour=16, days=["fri"]),
            Schedule(every="monthly", hour=8, day_of_month=1),
        ),
        reach=Reach(read=["a" * 32], change=["b" * 32]),
        tools=("read_page", "finish"),
        model_tier="fast",
        max_cost_per_run_usd=1.5,
        reports_to="notion_comment",
        paused=True,
        accepted=InstructionsVersion(
            content_hash="0123456789abcdef", edited_at=AT, edited_by=("c" * 32,), text="Summarise the week."
        ),
    ),
    "run_state": _STATE,
    "run_state_fresh": RunState(),
    "run": Run(tenant_id="t-1", run_id="run-1", state=_STATE, created_at=AT, updated_at=LATER),
    "tenant": _tenant(),
    "tenant_settings": _settings(),
    "tenant_plain": Tenant(
        tenant_id="t-2", workspace_id="ws-2", token_secret="s", created_at=AT, updated_at=AT
    ),
    "notification": NotificationRecord(
        notification_id="n-1",
        subject="Run finished",
        text="All done.",
        status=NotificationStatus.SENT,
        lease_until=LATER,
        created_at=AT,
        updated_at=LATER,
        run_id="run-1",
        page_id="page-1",
        priority="urgent",
        reason="",
        channel="slack",
        where="C0123ABCD",
        comment_id="",
        message_ts="1700000000.000100",
        message_id="",
        attempts=2,
    ),
    "dead_letter": DeadLetter(
        letter_id="plan-abc",
        queue="plan",
        tenant_id="t-1",
        reason="body: step: Expected `int`",
        body_sha256="ab" * 32,
        received_at=AT,
        expires_at=LATER,
    ),
    "api_key": ApiKey(
        key_id="k1",
        tenant_id="t-1",
        name="ci",
        secret_sha256="cd" * 32,
        created_at=AT,
        epoch="epoch-1",
        scopes=("runs:read", "runs:write"),
    ),
    "api_key_before_scopes": ApiKey(
        key_id="k0", tenant_id="t-1", name="old", secret_sha256="ef" * 32, created_at=AT, epoch="epoch-1"
    ),
    "notion_tokens": NotionTokens(access_token="secret-access", refresh_token="secret-refresh"),
    "code_change": CodeChange(
        repository="acme/site",
        base="main",
        branch="agent/fix",
        title="Fix the typo",
        body="A typo.",
        commit_message="Fix the typo",
        files=[FileChange(path="README.md", content="hello\n", executable=False)],
    ),
    "deploy_request": DeployRequest(
        project="site",
        repository="acme/site",
        ref="main",
        target="preview",
        key="run-1:4:1",
        team_id="team_abc",
    ),
}


def _read(model: Any) -> Callable[[dict[str, Any]], Any]:
    read: Callable[[dict[str, Any]], Any] = model.model_validate
    return read


def kinds() -> dict[str, tuple[Any, Callable[[dict[str, Any]], Any]]]:
    """Each fixture's name, its example and how a stored one is read."""
    found: dict[str, tuple[Any, Callable[[dict[str, Any]], Any]]] = {}
    for name, event in EVENTS.items():
        found[f"event.{name}"] = (event, ev.event_of)
    for name, task in TASKS.items():
        found[f"task.{name}"] = (task, _read(type(task)))
    for name, doc in DOCUMENTS.items():
        found[f"doc.{name}"] = (doc, _read(type(doc)))
    return found


def stored(model: Any) -> dict[str, Any]:
    """``model`` as stored: its JSON (Firestore documents, task bodies and secrets all hold it so)."""
    dumped: dict[str, Any] = model.model_dump(mode="json")
    return dumped
