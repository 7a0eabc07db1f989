"""A seeded workspace on the local stack with every tool connected as its owner would:
Linear and GitLab by OAuth at their sandboxes (each makes a webhook there), Motion by key, Vercel, Slack
and Discord by token (GitHub's token is the seed's), and GitHub's webhook secret asked for. Then, after
an erasure, a delivery to every webhook route signed with what the workspace's secrets were."""

import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any, NamedTuple

import httpx

from local.code_sandbox import SEED as CODE
from local.demo import http
from local.gitlab_sandbox.app import PROJECT_PATH
from local.linear_sandbox.app import TEAM_ID
from local.motion_sandbox.app import KEY as MOTION_KEY
from local.motion_sandbox.app import WORKSPACE_ID as MOTION_WORKSPACE
from local.seeding import Seeded
from local.stack import LocalStack, discord_webhook_url
from shared.platform.config import PlatformSecret
from shared.platform.topology import Target
from shared.sync.domain.connection import hook_secret
from shared.workspace.domain.integrations import github_hook_secret
from tests.support.sync.oauth_flow import authorize


class Hooks(NamedTuple):
    """What the workspace's webhooks were signed with, read before the erasure."""

    github: str
    linear: str
    gitlab: str


def secrets_of(stack: LocalStack, tenant_id: str) -> list[str]:
    """The names of the local Secret Manager's secrets that belong to ``tenant_id`` (named for it)."""
    return sorted(name for name in json.loads(stack.secrets_file.read_text()) if tenant_id in name)


def connect_every_tool(stack: LocalStack, seeded: Seeded) -> Hooks:
    """Connect every tool for ``seeded`` through the api as its owner; its webhooks' secrets."""
    api, auth = stack.url_of_api(), seeded.auth

    def call(method: str, path: str, body: Any = None) -> Any:
        status, answer, _ = http(method, api + path, body, auth)
        assert status == 200, (method, path, status, answer)
        return answer

    source = call("GET", "/settings")["settings"]["data_source_ids"][0]
    for tool, body in (
        ("linear", {"team_id": TEAM_ID, "data_source_id": source}),
        ("gitlab", {"project": PROJECT_PATH, "data_source_id": source}),
    ):
        back = authorize(call("POST", f"/sync/{tool}/oauth", body)["authorize_url"])
        answered = httpx.get(
            f"{api}/sync/{tool}/oauth/callback", params=back, headers=auth, follow_redirects=False, timeout=30
        )
        where = answered.headers.get("Location", "")
        assert answered.status_code in (302, 303) and "connected=true" in where, (
            answered.status_code,
            where,
            answered.text,
        )
    call(
        "PUT",
        "/sync/motion",
        {"api_key": MOTION_KEY, "workspace_id": MOTION_WORKSPACE, "data_source_id": source},
    )
    for name, token in (
        ("vercel", CODE["vercel_token"]),
        ("slack", CODE["slack_token"]),
        ("discord", discord_webhook_url()),
    ):
        call("PUT", f"/integrations/{name}", {"token": token})
    github = call("GET", "/github/webhook")["secret"]
    kept = json.loads(stack.secrets_file.read_text())
    t = seeded.tenant_id
    assert kept[github_hook_secret(t)] == github  # drawn and kept in Secret Manager
    return Hooks(github, kept[hook_secret(t, "linear")], kept[hook_secret(t, "gitlab")])


def _hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver_to_every_route(stack: LocalStack, seeded: Seeded, hooks: Hooks) -> dict[str, tuple[int, str]]:
    """One delivery to each webhook route for ``seeded``, signed as the tool would sign it with the
    workspace's former secrets: each route's status and result (or reason). ``notion-webhook`` is one
    route for every workspace: it acknowledges (200, ``dropped``) an event it drops, so Notion does not
    send it again."""
    api, t, now = stack.url_of_api(), seeded.tenant_id, int(time.time() * 1000)
    check = {
        "action": "completed",
        "repository": {"full_name": CODE["repository"]},
        "check_run": {"head_sha": "a" * 40, "check_suite": {"head_branch": "main"}, "pull_requests": []},
    }
    github = json.dumps(check).encode()
    linear = json.dumps(
        {
            "action": "update",
            "type": "Issue",
            "data": {"id": "issue-after-erasure", "teamId": TEAM_ID},
            "webhookId": "hook-1",
            "webhookTimestamp": now,
        }
    ).encode()
    gitlab = json.dumps(
        {"object_kind": "issue", "project": {"id": 4242}, "object_attributes": {"iid": 1, "action": "update"}}
    ).encode()
    sent = {
        "github": httpx.post(
            f"{api}/github/webhook/{t}",
            content=github,
            headers={
                "X-Hub-Signature-256": "sha256=" + _hex(hooks.github, github),
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "X-GitHub-Event": "check_run",
            },
        ),
        "linear": httpx.post(
            f"{api}/sync/linear/webhook/{t}",
            content=linear,
            headers={"Linear-Signature": _hex(hooks.linear, linear), "Linear-Delivery": str(uuid.uuid4())},
        ),
        "gitlab": httpx.post(
            f"{api}/sync/gitlab/webhook/{t}",
            content=gitlab,
            headers={"X-Gitlab-Token": hooks.gitlab, "X-Gitlab-Event-UUID": str(uuid.uuid4())},
        ),
    }
    sent["notion"] = _notion(stack, seeded)
    return {route: (answer.status_code, _said(answer)) for route, answer in sent.items()}


def _said(answer: httpx.Response) -> str:
    try:
        said = answer.json()
    except ValueError:
        return answer.text[:200]
    return str(said.get("result") or said.get("reason") or "")


def _notion(stack: LocalStack, seeded: Seeded) -> httpx.Response:
    token = json.loads(stack.secrets_file.read_text())[PlatformSecret.NOTION_WEBHOOK_TOKEN.value]
    event = {
        "id": str(uuid.uuid4()),
        "type": "page.content_updated",
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "workspace_id": seeded.workspace_id,
        "authors": [{"id": "person-1", "type": "person"}],
        "entity": {"id": str(uuid.uuid4()), "type": "page"},
        "data": {},
    }
    body = json.dumps(event).encode()
    return httpx.post(
        stack.url(Target.NOTION_WEBHOOK),
        content=body,
        headers={"X-Notion-Signature": "sha256=" + _hex(token, body), "Content-Type": "application/json"},
    )
