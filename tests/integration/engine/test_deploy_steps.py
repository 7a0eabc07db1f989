"""GitHub and Vercel steps of a run: routed to the deploy queue, performed once by the real adapters
against the code sandbox (over HTTP), reconciled after a crash, limited to what the owner allowed,
production only after a person approved. The engine's store and queue are fakes here; the whole
stack (Firestore and Cloud Tasks emulators, every function) runs them in tests/e2e."""

import json
from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.code.domain.code import DeployRequest
from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.platform.topology import Queue
from shared.runs.domain.events import RunStatus, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.tools.base import idempotency_key
from shared.tools.code.pull_request import branch_for
from shared.workspace.domain.settings import TenantSettings
from tests.engine_fakes import FakeModel
from tests.support.engine.deploy_steps import (
    DRAFT,
    FINISH,
    GITHUB_TOKEN,
    PULL,
    VERCEL_TOKEN,
    Pair,
    admin,
    plan,
    sandbox,
    start,
)

pytestmark = pytest.mark.integration

__all__ = ["admin", "sandbox"]  # fixtures the tests here ask for


def planned_start(pair: Pair) -> None:
    """The run planned through ``plan`` (its approvals inserted)."""
    task = PlanTask(tenant_id=pair.tenant, run_id="r1", goal="ship it", trigger=Trigger(kind="api"))
    start_run(task, pair.step)


def test_a_pull_request_and_a_preview_run_on_deploy_once_and_the_run_completes(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    deploy = ("deploy_vercel", {"project": "site", "repository": "acme/site", "ref": "${steps.2.branch}"})
    model = FakeModel({"PlanOut": [plan(DRAFT, PULL, deploy, FINISH)]})
    pair = Pair(sandbox[0], model)
    start(pair)
    pair.drive()
    state = pair.state()
    assert state.status == RunStatus.COMPLETED, state.last_error
    assert pair.taken == [
        (Queue.EXECUTE_STEP, 1),
        (Queue.DEPLOY, 2),  # asks the owner first (a code step), then runs once approved
        (Queue.DEPLOY, 2),
        (Queue.DEPLOY, 3),
        (Queue.DEPLOY, 3),
        (Queue.EXECUTE_STEP, 4),
    ]
    branch = branch_for(idempotency_key("t1", "r1", 2))
    pulls = admin.repo("acme/site")["pulls"]
    assert [(p["head"], p["base"]) for p in pulls] == [(branch, "main")]
    commits = admin.commits("acme/site", branch)
    assert len(commits) == 2  # the initial commit and ours, holding both files
    deployments = admin.get("/vercel/deployments")
    assert len(deployments) == 1
    assert deployments[0]["meta"]["notionAgentKey"] == idempotency_key("t1", "r1", 3)
    assert state.summary.startswith("Opened http")


def test_a_crash_after_the_pull_request_is_reconciled_not_repeated(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    model = FakeModel({"PlanOut": [plan(("draft_text", {"instructions": "x"}), PULL, FINISH)]})
    pair = Pair(sandbox[0], model)
    start(pair)
    pair.drive(limit=1)  # step 1 (draft) done; step 2's task waits on deploy
    code = pair.abandoned_intent(2, "open_pull_request")  # its holder died after opening the pull request
    from shared.code.domain.code import CodeChange, FileChange

    code.host.open_pull_request(
        GITHUB_TOKEN,
        CodeChange(
            repository="acme/site",
            branch=branch_for("r1:2:1"),
            title="Add the launch note",
            commit_message="Add the launch note",
            files=[FileChange(path="VERSION", content="2\n")],
        ),
    )
    pair.drive()
    assert pair.state().status == RunStatus.COMPLETED
    assert len(admin.repo("acme/site")["pulls"]) == 1
    assert pair.reconciled_once(2)


def test_two_workspaces_sharing_a_repository_and_a_project_each_get_their_own(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    """Run ids are unique only within a tenant (every tenant's daily run is ``daily-YYYYMMDD``): the
    same run id in two workspaces allowed on one repository and one project makes two pull requests
    and two deployments, neither found as the other's."""
    deploy = ("deploy_vercel", {"project": "site", "repository": "acme/site", "ref": "${steps.2.branch}"})
    outputs: list[dict[int, dict[str, Any]]] = []
    for tenant in ("t1", "t2"):
        pair = Pair(sandbox[0], FakeModel({"PlanOut": [plan(DRAFT, PULL, deploy, FINISH)]}), tenant=tenant)
        start(pair)
        pair.drive()
        assert pair.state().status == RunStatus.COMPLETED, pair.state().last_error
        events = pair.step.store.list_events(tenant, "r1")
        outputs.append({e.step: e.output for e in events if isinstance(e, ToolResult)})
    pulls = admin.repo("acme/site")["pulls"]
    assert len(pulls) == 2 and len({p["head"] for p in pulls}) == 2
    assert outputs[0][2]["number"] != outputs[1][2]["number"]
    deployments = admin.get("/vercel/deployments")
    assert len({d["meta"]["notionAgentKey"] for d in deployments}) == 2
    assert outputs[0][3]["id"] != outputs[1][3]["id"]


TEAM = "team_acme42"
TEAM_DEPLOY = ("deploy_vercel", {"project": "team-site", "repository": "acme/site", "ref": "main"})


def team_project(admin: Admin) -> None:
    """A Vercel project ``team-site`` owned by the team TEAM, which the tenant's token can reach."""
    admin.vercel_project("team-site", "acme/site", team_id=TEAM)
    admin.grant_vercel(VERCEL_TOKEN, ["site", "team-site"])


def test_a_team_project_is_deployed_in_the_team_and_found_there_after_a_crash(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    team_project(admin)
    allowed = TenantSettings(vercel_projects=["team-site"], vercel_team_id=TEAM)
    model = FakeModel({"PlanOut": [plan(DRAFT, TEAM_DEPLOY, FINISH)]})
    pair = Pair(sandbox[0], model, allowed=allowed)
    start(pair)
    pair.drive(limit=1)  # step 1 done; step 2's task waits on deploy
    code = pair.abandoned_intent(2, "deploy_vercel")  # its holder died after Vercel took the deployment
    request = DeployRequest(
        project="team-site",
        repository="acme/site",
        ref="main",
        target="preview",
        key="r1:2:1",
        team_id=TEAM,
    )
    created = code.deployer.create_deployment(VERCEL_TOKEN, request)

    pair.drive()

    assert pair.state().status == RunStatus.COMPLETED, pair.state().last_error
    [deployment] = admin.get("/vercel/deployments")
    assert (deployment["id"], deployment["name"]) == (created.id, "team-site")
    assert pair.reconciled_once(2)


def test_a_team_project_without_its_team_id_in_the_settings_fails_the_run_saying_so(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    team_project(admin)
    model = FakeModel({"PlanOut": [plan(TEAM_DEPLOY, ("finish", {"summary": "done"}))]})
    pair = Pair(sandbox[0], model, allowed=TenantSettings(vercel_projects=["team-site"]))
    start(pair)
    pair.drive()
    state = pair.state()
    assert state.status == RunStatus.FAILED
    assert "Vercel project team-site was not found or the token cannot see it" in state.summary
    assert admin.get("/vercel/deployments") == []


def test_only_allowed_repositories_and_connected_integrations(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    other = (PULL[0], PULL[1] | {"repository": "acme/other"})
    model = FakeModel(
        {
            "PlanOut": [plan(DRAFT, other, FINISH)],
            "ArgsFix": [{"args_json": json.dumps(PULL[1] | {"files": [{"path": "a.md", "content": "a"}]})}],
        }
    )
    pair = Pair(sandbox[0], model)
    start(pair)
    pair.drive()
    assert pair.state().status == RunStatus.COMPLETED
    assert any("'acme/other' is not one the owner allowed" in p for _, p in model.prompts)
    assert len(admin.repo("acme/site")["pulls"]) == 1

    admin.reset()
    pair = Pair(sandbox[0], FakeModel({"PlanOut": [plan(DRAFT, PULL, FINISH)]}), connected=False)
    start(pair)
    pair.drive()
    state = pair.state()
    assert state.status == RunStatus.FAILED
    assert "GitHub is not connected for this workspace" in state.summary
    assert admin.repo("acme/site")["pulls"] == []


def test_a_preview_builds_only_an_allowed_repository(sandbox: tuple[str, Admin], admin: Admin) -> None:
    other = ("deploy_vercel", {"project": "site", "repository": "acme/other", "ref": "main"})
    fixed = {"args_json": json.dumps(other[1] | {"repository": "acme/site"})}
    model = FakeModel({"PlanOut": [plan(other, ("finish", {"summary": "ok"}))], "ArgsFix": [fixed]})
    pair = Pair(sandbox[0], model)
    start(pair)
    pair.drive()
    assert pair.state().status == RunStatus.COMPLETED
    assert any("'acme/other' is not one the owner allowed" in p for _, p in model.prompts)
    [deployment] = admin.get("/vercel/deployments")  # the allowed source only, once
    assert "acme/other" not in json.dumps(deployment)


def test_production_is_deployed_only_after_a_person_approved(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    production = (
        "deploy_vercel",
        {"project": "site", "repository": "acme/site", "ref": "main", "target": "production"},
    )
    pair = Pair(sandbox[0], FakeModel({"PlanOut": [plan(production, ("finish", {"summary": "live"}))]}))
    planned_start(pair)
    state = pair.state()
    assert [s.tool for s in state.steps] == ["request_approval", "deploy_vercel", "finish"]
    pair.drive(approve=False)
    assert pair.state().status == RunStatus.WAITING_FOR_HUMAN
    assert admin.get("/vercel/deployments") == []


def test_execute_step_hands_a_code_step_to_deploy(sandbox: tuple[str, Admin], admin: Admin) -> None:
    pair = Pair(sandbox[0], FakeModel({"PlanOut": [plan(DRAFT, PULL, FINISH)]}))
    start(pair)
    pair.drive(limit=1)
    [(q, body, _, _)] = pair.queue.tasks
    assert q == Queue.DEPLOY and isinstance(body, StepTask) and body.step == 2
    outcome = run_step(body, pair.step)  # delivered to execute-step all the same (an old task, a sweep)
    assert not outcome.acted and outcome.reason == "handed to deploy"
    assert admin.repo("acme/site")["pulls"] == []
    pair.queue.names.clear()
    pair.drive()
    assert pair.state().status == RunStatus.COMPLETED
    assert len(admin.repo("acme/site")["pulls"]) == 1
