"""What the tests of a revision by comment share (tests/integration/code, tests/redteam/code): a comment
made on the sandbox's pull request as a given login, its delivery signed as GitHub signs it, and a
driver that plans and steps a revision run, recording what its owner was asked. In Notion: the run's
page with the agent's comment on it, and a reply in its thread as Notion's event plans it."""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import httpx

from local.code_sandbox.testing import Admin
from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.notion.services.notion_access import NotionForTenant
from shared.platform.topology import Queue
from shared.runs.domain.events import RunStatus
from shared.runs.domain.notion_events import NotionEvent, plan_task
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.step_task import StepTask
from shared.workspace.domain.integrations import github_hook_secret
from shared.workspace.domain.members import Member
from tests.support.code.release_steps import OPEN, drive, start
from tests.support.engine.deploy_steps import Pair
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.runs.run_store import FakeRunStore

HOOK_SECRET = "t1-github-webhook-secret-for-tests"  # workspace t1's, as GET /github/webhook draws one


def hook_secrets() -> FakeSecrets:
    """Secrets holding the GitHub webhook secrets of workspaces t1 (:data:`HOOK_SECRET`) and t2."""
    return FakeSecrets({github_hook_secret("t1"): HOOK_SECRET, github_hook_secret("t2"): "t2-" + HOOK_SECRET})


def comment(
    admin: Admin, url: str, login: str, body: str, number: int = 1, path: str = "", permission: str = "read"
) -> None:
    """``login`` comments on the pull request (on its conversation, or on ``path`` of its diff)."""
    token = f"ghp_{login.replace('[bot]', '_bot')}"
    admin.grant_github(token, ["acme/site"], permission, login=login)
    where = "pulls" if path else "issues"
    sent = {"body": body} | ({"path": path, "line": 1} if path else {})
    headers = {"Authorization": f"Bearer {token}", "X-GitHub-Api-Version": "2022-11-28"}
    answer = httpx.post(f"{url}/github/repos/acme/site/{where}/{number}/comments", json=sent, headers=headers)
    assert answer.status_code == 201, answer.text


def signed(delivery: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    """A recorded delivery's headers and body, signed with workspace t1's webhook secret."""
    body = json.dumps(delivery["payload"]).encode()
    signature = "sha256=" + hmac.new(HOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "X-Hub-Signature-256": signature,
        "X-GitHub-Delivery": delivery["guid"],
        "X-GitHub-Event": delivery["event"],
    }
    return headers, body


def drive_revision(pair: Pair, run_id: str, *, approve: bool = True, limit: int = 40) -> list[int]:
    """Deliver the queued tasks (a plan task through the real planner), approving what run ``run_id``
    asks if ``approve``: the steps it asked for."""
    asked: list[int] = []
    for _ in range(limit):
        run = pair.step.store.get_run("t1", run_id)
        waiting = run.state.waiting if run is not None else None
        if waiting is not None and waiting.purpose == "approval":
            if waiting.step not in asked:
                asked.append(waiting.step)
            if not approve:
                return asked
            humans.respond(pair.step, "t1", run_id, "approve", request_id=waiting.request_id)
        if not pair.queue.tasks:
            break
        q, body, _, _ = pair.queue.take()
        if q == Queue.PLAN:
            assert isinstance(body, PlanTask)
            start_run(body, pair.step)
        elif q in (Queue.EXECUTE_STEP, Queue.DEPLOY):
            assert isinstance(body, StepTask)
            run_step(body, pair.deploy if q == Queue.DEPLOY else pair.step)
    return asked


PAGE = "0f0e0d0c-0b0a-4909-8807-060504030201"  # the idea page the code run started from
BOT, EDITOR, VIEWER = "bot-1", "1a1a1a1a-0000-4000-8000-00000000e0e0", "2b2b2b2b-0000-4000-8000-00000000f1f1"


def on_a_page(pair: Pair) -> FakeNotion:
    """Run r1 opened pull request #1 from PAGE and completed; the workspace has an editor and a viewer."""
    notion = FakeNotion()
    made = notion.add_page("Launch idea", text="Make the site say its version")
    notion.pages[PAGE] = notion.pages.pop(made) | {"id": PAGE}
    notion.children[PAGE] = notion.children.pop(made)
    pair.step = pair.step._replace(notion_for=lambda _t: NotionForTenant(notion, lambda op: op("token")))
    opened_from(pair, PAGE, BOT, "owner-1", [(EDITOR, "editor"), (VIEWER, "viewer")])
    notion.comments[PAGE.replace("-", "")] = [
        {
            "id": "c-end",
            "discussion_id": "d-1",
            "created_by": {"id": BOT},
            "rich_text": [{"plain_text": "Completed"}],
        },
    ]
    return notion


def opened_from(pair: Pair, page: str, bot: str, owner: str, people: list[tuple[str, str]]) -> None:
    """Run r1 opened pull request #1 from ``page`` and completed. The workspace's bot, owner and
    members (Notion user id, role) are as given."""
    members = [
        Member(member_id=f"m{n}", notion_user_id=who, role=role, added_at=datetime.now(UTC))
        for n, (who, role) in enumerate(people)
    ]
    for tenants in {
        id(pair.step.tenants): pair.step.tenants,
        id(pair.deploy.tenants): pair.deploy.tenants,
    }.values():
        assert tenants is not None
        tenant = tenants.get("t1")
        assert tenant is not None
        tenants.save(
            tenant.model_copy(update={"bot_id": bot, "owner_user_id": owner, "members": tuple(members)})
        )
    clock = start(
        pair, [OPEN, ("finish", {"summary": "opened"})], ["open_pull_request", "push_revision", "finish"]
    )
    run = pair.step.store.get_run("t1", "r1")
    assert run is not None
    assert isinstance(pair.step.store, FakeRunStore)
    pair.step.store.runs[("t1", "r1")] = run.model_copy(
        update={"state": run.state.model_copy(update={"page_id": page})}
    )
    drive(pair, clock)
    assert pair.state().status == RunStatus.COMPLETED and pair.state().page_id == page


def reply(notion: FakeNotion, comment_id: str, who: str, text: str, discussion: str = "d-1") -> PlanTask:
    """``who`` comments in ``discussion`` on PAGE: the plan task Notion's comment.created event makes."""
    said = {"id": comment_id, "discussion_id": discussion, "created_by": {"id": who}}
    notion.comments[PAGE.replace("-", "")].append(
        said | {"rich_text": [{"plain_text": text}], "parent": {"page_id": PAGE}}
    )
    event = NotionEvent.model_validate(
        {
            "id": f"ev-{comment_id}",
            "type": "comment.created",
            "timestamp": datetime.now(UTC).isoformat(),
            "workspace_id": "w-t1",
            "entity": {"id": comment_id, "type": "comment"},
            "authors": [{"id": who, "type": "person"}],
            "data": {"page_id": PAGE, "parent": {"id": PAGE, "type": "page"}},
        }
    )
    return plan_task(event, "t1").task
