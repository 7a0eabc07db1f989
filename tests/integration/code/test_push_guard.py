"""Nothing secret or forbidden leaves, against the code sandbox
over HTTP with the real GitHub adapter and the real scanner (detect-secrets): a change holding a secret
is never shown for approval nor pushed, and the owner is told its kind and place, never its value; a workflow or dependency file is pushed
only after an approval that names it; a file outside the repository's policy is never pushed, however
often a hostile model asks."""

import json
from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.runs.domain.events import ErrorRecorded, HumanRequested, RunStatus
from shared.workspace.domain.code_policy import CodePolicy
from shared.workspace.domain.settings import TenantSettings
from tests.support.engine.deploy_steps import Pair, admin, plan, sandbox, start
from tests.support.platform.platform_fakes import FakeModel

pytestmark = pytest.mark.integration

__all__ = ["admin", "sandbox"]  # fixtures the tests here ask for

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example key id: the shape of a real one
GITHUB_PAT = "ghp_" + "Z8yX7wV6uT5sR4qP3oN2mL1kJ0iH9gF8eD7c"
FINISH = ("finish", {"summary": "done"})


def pull(files: list[dict[str, Any]], **extra: Any) -> tuple[str, dict[str, Any]]:
    args = {"repository": "acme/site", "title": "Add settings", "files": files} | extra
    return ("open_pull_request", args)


def everything_stored(pair: Pair) -> str:
    """Every event of the run and the run's document, as JSON: where a secret must never appear."""
    events = [e.model_dump(mode="json") for e in pair.step.store.list_events(pair.tenant, "r1")]
    return json.dumps(events) + json.dumps(pair.state().model_dump(mode="json"))


def nothing_pushed(admin: Admin) -> bool:
    repo = admin.repo("acme/site")
    return repo["pulls"] == [] and list(repo["branches"]) == ["main"]


@pytest.mark.parametrize(
    ("files", "extra", "where"),
    [
        (
            [{"path": "config/settings.py", "content": f'import os\n\nAWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'}],
            {},
            "AWS Access Key in config/settings.py line 3",
        ),
        (
            [{"path": "README.md", "content": "# Site\n", "rewrite": True, "why": "a title"}],
            {"body": f"Deploy with token {GITHUB_PAT} please"},
            "GitHub Token in the description line 1",
        ),
    ],
    ids=["in-a-file", "in-the-description"],
)
def test_a_secret_stops_the_push_and_the_owner_is_told_kind_and_place_never_the_value(
    sandbox: tuple[str, Admin], admin: Admin, files: list[dict[str, Any]], extra: dict[str, Any], where: str
) -> None:
    pair = Pair(sandbox[0], FakeModel({"PlanOut": [plan(pull(files, **extra), FINISH)]}))
    start(pair)
    pair.drive()  # the owner would approve the change: the scan stops it before she is asked
    events = pair.step.store.list_events(pair.tenant, "r1")
    assert not [e for e in events if isinstance(e, HumanRequested) and e.purpose == "approval"]
    errors = [e.message for e in events if isinstance(e, ErrorRecorded)]
    stopped = "the secret scan stopped the push to acme/site before anyone was asked to approve it"
    assert errors and all(f"{stopped}, nothing was pushed" in m and where in m for m in errors)
    waiting = pair.state().waiting  # the model was told at each try; it stopped after three in a row
    assert waiting is not None and waiting.purpose == "limit" and where in waiting.prompt
    assert nothing_pushed(admin)
    stored_after_scan = everything_stored(pair).split("the secret scan stopped")[1]
    assert AWS_KEY not in stored_after_scan and GITHUB_PAT not in stored_after_scan  # told, never shown
    assert all(AWS_KEY not in r.get("body", "") for r in admin.requests())  # never reached GitHub


WORKFLOW = {"path": ".github/workflows/ci.yml", "content": "on: push\njobs: {}\n"}


def test_a_workflow_file_waits_for_an_approval_that_names_it_and_is_pushed_only_then(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    pair = Pair(sandbox[0], FakeModel({"PlanOut": [plan(pull([WORKFLOW]), FINISH)]}))
    start(pair)
    pair.drive(approve=False)
    waiting = pair.state().waiting
    assert waiting is not None and waiting.purpose == "approval"
    assert ".github/workflows/ci.yml" in waiting.prompt
    assert "a workflow file: it runs in CI with the repository's secrets" in waiting.prompt
    assert nothing_pushed(admin)

    pair.drive()  # now the owner approves the request that named it
    assert pair.state().status == RunStatus.COMPLETED, pair.state().last_error
    [pr] = admin.repo("acme/site")["pulls"]
    assert ".github/workflows/ci.yml" in admin.files("acme/site", pr["head"])


def test_a_dependency_file_is_named_in_the_approval_as_one() -> None:
    from shared.engine.agent.approvals import describe

    shown = describe("open_pull_request", pull([{"path": "web/package.json", "content": "{}"}])[1])
    assert "a dependency file: what it names is fetched and run" in shown


def test_a_hostile_model_cannot_push_outside_the_policy_even_with_the_owners_approval(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    hostile = pull([WORKFLOW | {"content": "on: push\njobs: {steal: {run: env}}\n"}])
    fix = {"args_json": json.dumps(hostile[1])}  # asked to repair, the model asks again, and again
    model = FakeModel({"PlanOut": [plan(hostile, FINISH)], "ArgsFix": [fix] * 10})
    policy = CodePolicy(allowed_paths=["src/*", "tests/*"])
    allowed = TenantSettings(github_repositories=["acme/site"], code_policies={"acme/site": policy})
    pair = Pair(sandbox[0], model, allowed=allowed)
    start(pair)
    pair.drive(limit=80)  # the owner approves every request: the policy still holds
    assert nothing_pushed(admin)
    assert any("lies outside the paths this repository's policy allows" in p for _, p in model.prompts)
    assert pair.state().status != RunStatus.COMPLETED


def test_a_file_larger_than_the_policy_allows_is_refused_before_github(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    big = pull([{"path": "src/data.txt", "content": "x" * 2_001}])
    small = {"args_json": json.dumps(pull([{"path": "src/data.txt", "content": "x" * 10}])[1])}
    model = FakeModel({"PlanOut": [plan(big, FINISH)], "ArgsFix": [small]})
    policy = CodePolicy(max_file_bytes=2_000)
    allowed = TenantSettings(github_repositories=["acme/site"], code_policies={"acme/site": policy})
    pair = Pair(sandbox[0], model, allowed=allowed)
    start(pair)
    pair.drive()
    assert pair.state().status == RunStatus.COMPLETED, pair.state().last_error
    assert any("src/data.txt is 2001 bytes; the policy allows at most 2000" in p for _, p in model.prompts)
    [pr] = admin.repo("acme/site")["pulls"]
    assert admin.files("acme/site", pr["head"])["src/data.txt"] == "x" * 10
