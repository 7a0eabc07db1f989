"""Linear and GitLab deliveries signed or tokened as their intake checks them, to an intake whose events
start agents' runs (decision 0121): the trigger rules' unit and red team tests."""

import json
from datetime import UTC, datetime
from typing import Any, cast

from shared.agents.domain.agents import Agent, Reach
from shared.agents.domain.tracker_rules import TrackerRule
from shared.agents.services.tracker_triggers import start_runs
from shared.runs.domain.plan_task import PlanTask
from shared.sync.domain import gitlab_events
from shared.sync.domain.connection import GitLabConnection, LinearConnection, hook_secret
from shared.sync.domain.linear_events import DELIVERY_HEADER, SIGNATURE_HEADER, sign
from shared.sync.ports import GitLabStore
from shared.sync.services.intake import GitLabIntake, Intake, LinearIntake, ingest_gitlab, ingest_linear
from tests.support.agents.agent_fakes import FakeAgents
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.sync.sync_fakes import FakeSyncStore
from tests.support.workspace.workspace_fakes import FakeWebhookEvents

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SECRET = "s" * 64
BOT = "user-bot"  # the agent's Linear user


def agent(rules: list[TrackerRule], reach: list[str] | None = None, **more: Any) -> Agent:
    return Agent(
        agent_id="triage", name="Triage", created_at=NOW, updated_at=NOW, tracker_triggers=tuple(rules),
        reach=Reach(trackers=reach or []), **more,
    )  # fmt: skip


ASSIGNED = TrackerRule(on="assigned", target="linear:team-1", user=BOT)
MENTIONED = TrackerRule(on="mentioned", target="linear:team-1", user="triage-bot")


def linear_body(kind: str = "Issue", action: str = "update", **data: Any) -> dict[str, Any]:
    entity = {"id": "iss-1", "teamId": "team-1", "identifier": "ENG-1", "title": "Crash", "description": "d"}
    entity |= {"updatedAt": "2026-11-27T08:59:00.000Z"}
    return {
        "action": action,
        "type": kind,
        "data": entity | data,
        "webhookTimestamp": int(NOW.timestamp() * 1000),
    }


def assigned_update(**more: Any) -> dict[str, Any]:
    return linear_body(assigneeId=BOT) | {"updatedFrom": {"assigneeId": None}} | more


def comment(
    comment_id: str = "c-1", body: str = "@triage-bot please look", team: str = "team-1"
) -> dict[str, Any]:
    issue = {"id": "iss-1", "identifier": "ENG-1", "teamId": team, "title": "Crash", "url": "u"}
    data = {"id": comment_id, "body": body, "issueId": "iss-1", "issue": issue}
    return {
        "action": "create",
        "type": "Comment",
        "data": data,
        "webhookTimestamp": int(NOW.timestamp() * 1000),
    }


class World:
    """Tenant t1 with Linear's team-1 and GitLab's project 77 (demo/tasks) connected, and ``agents``."""

    def __init__(self, *agents: Agent) -> None:
        self.store, self.secrets, self.queue = FakeSyncStore(), FakeSecrets(), FakeQueue()
        self.agents = FakeAgents()
        for a in agents:
            self.agents.create("t1", a)
        self.store.save_connection(
            "t1", LinearConnection(data_source_id="ds", connected_at=NOW, team_id="team-1")
        )
        self.secrets.put(hook_secret("t1", "linear"), SECRET)
        self.secrets.put(hook_secret("t1", "gitlab"), SECRET)
        ledger, triggers = FakeWebhookEvents(), lambda t, s: start_runs(t, s, self.agents, self.queue)
        self.intake: LinearIntake = Intake(
            self.store, self.secrets, ledger, self.queue, 3600.0, now=lambda: NOW, triggers=triggers
        )
        lab = cast("GitLabStore", OneConnection(LAB))  # the intake reads only the connection
        self.lab: GitLabIntake = Intake(
            lab, self.secrets, ledger, self.queue, 3600.0, now=lambda: NOW, triggers=triggers
        )
        self.n = 0

    def deliver(self, data: dict[str, Any], delivery: str | None = None) -> dict[str, str]:
        """Linear's delivery of ``data``, signed, under a new delivery id unless given one."""
        self.n += 1
        raw = json.dumps(data).encode()
        headers = {SIGNATURE_HEADER: sign(SECRET, raw), DELIVERY_HEADER: delivery or f"delivery-{self.n:04}"}
        return ingest_linear("t1", raw, headers, self.intake)

    def gitlab(self, data: dict[str, Any]) -> dict[str, str]:
        """GitLab's delivery of ``data`` with our token, under a new event id."""
        self.n += 1
        headers = {gitlab_events.TOKEN_HEADER: SECRET, "X-Gitlab-Event-UUID": f"uuid-{self.n:08}"}
        return ingest_gitlab("t1", json.dumps(data).encode(), headers, self.lab)

    def runs(self) -> list[PlanTask]:
        """The runs queued (plan tasks), in order."""
        return [b for _, b, _, _ in self.queue.tasks if isinstance(b, PlanTask)]


LAB = GitLabConnection(
    data_source_id="ds", connected_at=NOW, base_url="https://gitlab.example", project_id=77,
    project_path="demo/tasks", user_id=5,
)  # fmt: skip
PROJECT = {"id": 77, "path_with_namespace": "demo/tasks"}


def gitlab_opened(assignee: str = "bot", project: dict[str, Any] | None = None) -> dict[str, Any]:
    """An Issue Hook: the project's issue of iid 4 opened, assigned to ``assignee``."""
    attributes = {"iid": 4, "action": "open", "title": "t", "description": "x", "updated_at": "u"}
    users = [{"id": 9, "username": assignee}]
    return {
        "object_kind": "issue",
        "project": project or PROJECT,
        "assignees": users,
        "object_attributes": attributes,
    }


def gitlab_note(text: str = "hi @bot", project: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Note Hook: note 31 on the project's issue of iid 4."""
    attributes = {"id": 31, "note": text, "noteable_type": "Issue"}
    return {
        "object_kind": "note",
        "project": project or PROJECT,
        "issue": {"iid": 4, "title": "t"},
        "object_attributes": attributes,
    }


class OneConnection:
    """A store holding one GitLab connection, of tenant t1."""

    def __init__(self, connection: GitLabConnection) -> None:  # says nothing more
        self.held = connection

    def connection(self, tenant_id: str) -> GitLabConnection | None:
        return self.held if tenant_id == "t1" else None
