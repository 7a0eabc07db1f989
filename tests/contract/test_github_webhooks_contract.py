"""The GitHub stand-in's deliveries (local/code_sandbox) against GitHub's published webhook schemas
(``@octokit/webhooks-schemas``, pinned in tests/provider_schemas/package.json): a
completed check run, a commit status, a comment on a pull request's conversation and one on a line of
its diff each validate as the event and action they are sent as. Validated with ``jsonschema_rs``
(draft 7), already in the venv (schemathesis'). GitLab publishes no schema of its webhooks (its docs
give examples only); Linear's payload types are in its GraphQL schema (local/linear_sandbox's copy),
checked in tests/contract/test_linear_webhooks_contract.py."""

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from local.code_sandbox.testing import Admin
from shared.code.adapters.github import GitHubCodeHost
from shared.code.domain.code import CodeChange, FileChange
from tests.support.code.revision_steps import comment
from tests.support.engine.deploy_steps import admin, sandbox

__all__ = ["admin", "sandbox"]
pytestmark = pytest.mark.integration

TOOLING = Path(__file__).resolve().parents[1] / "provider_schemas"
SCHEMA = TOOLING / "node_modules" / "@octokit" / "webhooks-schemas" / "schema.json"
TOKEN = "ghp_test_sandbox_schemas"


@pytest.fixture(scope="module")
def definitions() -> dict[str, Any]:
    """GitHub's schema's definitions, installed from the lock file first if they are not yet."""
    if not SCHEMA.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=TOOLING, check=True)
    found: dict[str, Any] = json.loads(SCHEMA.read_text())["definitions"]
    return found


def problems(definitions: dict[str, Any], event: str, payload: dict[str, Any]) -> list[str]:
    """Where ``payload`` breaks GitHub's schema of ``event`` (its action's, if it has actions)."""
    name = f"{event}${payload['action']}" if "action" in payload else f"{event}$event"
    validator = jsonschema_rs.Draft7Validator({"$ref": f"#/definitions/{name}", "definitions": definitions})
    return sorted(
        f"{'/'.join(map(str, e.instance_path))}: {e.message[:160]}" for e in validator.iter_errors(payload)
    )


def _deliveries(admin: Admin, count: int) -> list[dict[str, Any]]:
    for _ in range(300):
        found = admin.deliveries()
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} deliveries: {admin.deliveries()}")


def test_the_stand_ins_deliveries_validate_against_githubs_published_schemas(
    sandbox: tuple[str, Admin], admin: Admin, definitions: dict[str, Any]
) -> None:
    url = sandbox[0]
    admin.grant_github(TOKEN, ["acme/site"])
    passes = [sys.executable, "-c", "pass"]
    admin.set_checks(
        "acme/site",
        [{"name": "tests", "command": passes}, {"name": "lint", "command": passes, "kind": "status"}],
    )
    admin.add_hook("acme/site", "http://127.0.0.1:9/unreachable", "unused")  # deliveries recorded
    files = [FileChange(path="VERSION", content="2\n")]
    change = CodeChange(
        repository="acme/site", branch="fix", title="Bump", commit_message="Bump", files=files
    )
    GitHubCodeHost(url + "/github", 5.0).open_pull_request(TOKEN, change)
    admin.checks_done("acme/site")
    comment(admin, url, "alice", "on the conversation", permission="write")
    comment(admin, url, "alice", "on a line", path="VERSION", permission="write")
    found = {d["event"]: d["payload"] for d in _deliveries(admin, 4)}
    assert set(found) == {"check_run", "status", "issue_comment", "pull_request_review_comment"}, set(found)
    broken = {event: problems(definitions, event, payload) for event, payload in found.items()}
    assert not any(broken.values()), json.dumps(broken, indent=1)[:6000]


def test_the_check_catches_a_delivery_off_the_schema(definitions: dict[str, Any]) -> None:
    """The check can fail: the old stand-in's repository (3 fields of the 77 GitHub sends) is refused."""
    thin = {"action": "completed", "check_run": {}, "repository": {"id": 1, "full_name": "a/b", "name": "b"}}
    found = problems(definitions, "check_run", thin | {"sender": {"login": "x"}})
    assert any(p.startswith("repository:") for p in found) and any(p.startswith("sender:") for p in found)
