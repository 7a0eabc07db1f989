"""The whole local stack with the attacker as its model, for the red team's stack modules: the
module-scoped ``attacker`` and ``stack`` fixtures, a fresh workspace connected by its owner
(:func:`new_tenant`), a member's call to Notion (:func:`act`) and a bounded wait (:func:`wait`)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from local.code_sandbox import SEED as CODE
from local.demo import connect, http, wait_for
from local.stack import LocalStack
from tests.redteam.attacker import Attacker
from tests.support.platform.google_credentials import service_account_file

REPO, PROJECT = CODE["repository"], CODE["project"]


@pytest.fixture(scope="module")
def attacker() -> Iterator[Attacker]:
    model = Attacker()
    yield model
    model.stop()


@pytest.fixture(scope="module")
def stack(attacker: Attacker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    credentials = service_account_file(tmp_path_factory.mktemp("adc") / "sa.json", attacker.url + "/token")
    env = {
        "NA_MODEL_BACKEND": "vertex",
        "NA_MODEL_BASE_URL": attacker.url,
        "GOOGLE_APPLICATION_CREDENTIALS": str(credentials),
    }
    with LocalStack(extra_env=env) as running:
        yield running


@dataclass
class Tenant:
    key: str
    ids: dict[str, str]
    auth: dict[str, str]
    key_auth: dict[str, str]


def new_tenant(stack: LocalStack, key: str, data_sources: list[str]) -> Tenant:
    """A fresh workspace connected by its owner (Ada), with code tools allowed and an API key."""
    info = stack.sandbox_admin("POST", "/workspaces", {"key": key, "seed": "demo"})
    stack.sandbox_admin("POST", "/oauth", {"workspace": key})
    auth = connect(stack)  # the console's browser: cookie, Origin, CSRF token
    api, ids = stack.url_of_api(), info["ids"]
    # A Priority change in Tasks starts a run (the property placement's webhook); other sources keep
    # the default trigger rules (created, mentioned).
    edits = [
        {"kind": "page_created"},
        {"kind": "mentioned"},
        {"kind": "property_changed", "property": "Priority"},
    ]
    chosen = {
        "data_source_ids": [ids[d] for d in data_sources],
        "triggers": {ids[d]: edits for d in data_sources if d == "tasks_data_source"},
        "github_repositories": [REPO],
        "vercel_projects": [PROJECT],
    }
    assert http("PATCH", api + "/settings", chosen, auth)[0] == 200
    for name, token in (("github", CODE["github_token"]), ("vercel", CODE["vercel_token"])):
        assert http("PUT", api + f"/integrations/{name}", {"token": token}, auth)[0] == 200
    scopes = ["read", "runs:start", "runs:decide", "runs:control"]
    status, made, _ = http("POST", api + "/api-keys", {"name": "script", "scopes": scopes}, auth)
    assert status == 201, made
    return Tenant(key, ids, auth, {"Authorization": f"Bearer {made['key']}"})


def act(stack: LocalStack, t: Tenant, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A call to Notion as Grace, a member of the workspace (not its owner)."""
    call = {"method": method, "path": path, "body": body, "user_id": t.ids["teammate"]}
    done = stack.sandbox_admin("POST", f"/workspaces/{t.key}/act", call)
    assert done["status"] == 200, done
    result: dict[str, Any] = done["response"]
    return result


def wait(check: Callable[[], Any], what: str, timeout_s: float = 90.0) -> Any:
    """What ``check`` returns once it is truthy (local.demo's poll, with the red team's longer wait)."""
    return wait_for(check, what, timeout_s)
