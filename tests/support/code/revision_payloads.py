"""What the unit tests of a revision by comment share (tests/unit/code): a GitHub delivery of a comment
shaped as GitHub documents it, a completed code run that opened pull request #1, and its agent."""

import json
from datetime import UTC, datetime
from typing import Any

from shared.agents.domain.agents import Agent
from shared.runs.domain.events import PlannedStep
from shared.runs.domain.state import Run, RunState, RunStatus
from shared.tools.base import idempotency_key
from shared.tools.code.pull_request import branch_for
from tests.fakes import FakeRunStore

BRANCH = branch_for(idempotency_key("t1", "r1", 1))


def delivery(
    event: str,
    *,
    association: str = "COLLABORATOR",
    body: str = "Notion Agent: say 3",
    login: str = "alice",
    action: str = "created",
    on_pull: bool = True,
    merged: bool = False,
    state: str = "open",
) -> bytes:
    """A delivery of ``event`` shaped as GitHub documents it (the fields read here)."""
    user = {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"}
    said = {
        "id": 77,
        "user": user,
        "body": body,
        "author_association": association,
        "html_url": "https://github.com/acme/site/pull/1#c77",
    }
    payload: dict[str, Any] = {"action": action, "repository": {"full_name": "acme/site"}, "sender": user}
    merged_at = "2026-11-27T10:00:00Z" if merged else None
    shut = "closed" if merged else state
    pull = {"number": 1, "head": {"ref": BRANCH}, "body": "", "state": shut, "merged_at": merged_at}
    if event == "issue_comment":
        payload |= {
            "comment": said,
            "issue": {"number": 1, "state": shut}
            | ({"pull_request": {"url": "u", "merged_at": merged_at}} if on_pull else {}),
        }
    elif event == "pull_request_review":
        payload |= {"review": said, "pull_request": pull}
    else:
        payload |= {"comment": said, "pull_request": pull}
    return json.dumps(payload).encode()


def completed(store: FakeRunStore, run_id: str = "r1", status: RunStatus = RunStatus.COMPLETED) -> None:
    """A code run that opened pull request #1 on ``BRANCH`` and ended, with an agent and a reach."""
    now = datetime.now(UTC)
    state = RunState(
        status=status,
        steps=(PlannedStep(tool="open_pull_request"), PlannedStep(tool="finish")),
        outputs={
            "1": {"repository": "acme/site", "number": 1, "branch": BRANCH, "url": "u", "head_sha": "s"}
        },
        agent_id="builder",
        agent_name="Builder",
        reach_read=("p1",),
        reach_change=("p2",),
        chain=("planner",),
        bounds=({"read": ("p0",), "change": ()},),
        page_id="page1",
    )
    store.runs[("t1", run_id)] = Run(
        tenant_id="t1", run_id=run_id, state=state, created_at=now, updated_at=now
    )


def builder(paused: bool = False) -> Agent:
    """The agent of the run :func:`completed` makes, paused or not."""
    now = datetime.now(UTC)
    return Agent(agent_id="builder", name="Builder", created_at=now, updated_at=now, paused=paused)
