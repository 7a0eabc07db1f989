"""What the tests of a revision by comment share (tests/integration/code, tests/redteam/code): a comment
made on the sandbox's pull request as a given login, its delivery signed as GitHub signs it, and a
driver that plans and steps a revision run, recording what its owner was asked."""

import hashlib
import hmac
import json
from typing import Any

import httpx

from local.code_sandbox.testing import Admin
from shared.code.domain import webhooks
from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.step_task import StepTask
from tests.support.engine.deploy_steps import Pair

KEY = "platform-signing-key-for-tests"


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
    secret = webhooks.webhook_secret(KEY, "t1")
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
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
