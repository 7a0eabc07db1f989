"""The stand-ins a release relies on, through the production adapters:
Vercel's deployment states as its "Get a deployment" reference lists them (QUEUED, BUILDING, then
READY, ERROR with its reason, or CANCELED), production domains assigned to a ready production
deployment and moved by promotion, the deployments' sites answering a health check; GitHub's
squash merge of one head sha only; a project linked to GitLab deployed from Vercel's ``gitlab``
gitSource (its ``projectId``), the ref read from the GitLab sandbox (decision 0133)."""

import pytest

from local.code_sandbox.testing import Admin
from local.gitlab_sandbox import GitLabServer
from local.gitlab_sandbox.app import PROJECT_ID, TOKEN
from shared.code.adapters.github import GitHubApiError, GitHubCodeHost
from shared.code.adapters.vercel import VercelApiError, VercelDeployer
from shared.code.domain.code import CodeChange, DeployRequest, FileChange
from tests.support.engine.deploy_steps import GITHUB_TOKEN, VERCEL_TOKEN, admin, sandbox

pytestmark = pytest.mark.integration

__all__ = ["admin", "sandbox"]  # fixtures the tests here ask for


def _vercel(url: str) -> VercelDeployer:
    return VercelDeployer(url + "/vercel", 5.0, sites_url=url + "/vercel/_sites")


def _deploy(vercel: VercelDeployer, key: str, target: str = "preview") -> str:
    request = DeployRequest(project="site", repository="acme/site", ref="main", target=target, key=key)
    return vercel.create_deployment(VERCEL_TOKEN, request).id


@pytest.mark.parametrize(
    ("outcome", "states", "error"),
    [
        ("READY", ["BUILDING", "BUILDING", "READY", "READY"], ""),
        ("ERROR", ["BUILDING", "BUILDING", "ERROR", "ERROR"], 'Command "npm run build" exited with 1'),
        ("CANCELED", ["BUILDING", "BUILDING", "CANCELED", "CANCELED"], ""),
    ],
)
def test_a_deployment_goes_from_queued_through_building_to_its_end(
    sandbox: tuple[str, Admin], admin: Admin, outcome: str, states: list[str], error: str
) -> None:
    admin.builds(reads_to_ready=3, outcome=outcome)
    vercel = _vercel(sandbox[0])
    made = vercel.create_deployment(
        VERCEL_TOKEN,
        DeployRequest(project="site", repository="acme/site", ref="main", target="preview", key="k-1"),
    )
    assert made.state == "QUEUED" and made.created_ms > 0 and made.project == "site"
    seen = [vercel.get_deployment(VERCEL_TOKEN, made.id) for _ in range(4)]
    assert [d.state for d in seen] == states
    assert seen[-1].error == error and seen[-1].key == "k-1" and len(seen[-1].sha) == 40


def test_production_follows_a_ready_production_deployment_and_promotion_moves_it_back(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.builds(reads_to_ready=1)
    vercel = _vercel(sandbox[0])
    assert vercel.production(VERCEL_TOKEN, "site") is None
    first = _deploy(vercel, "k-1", "production")
    preview = _deploy(vercel, "k-2")
    assert vercel.get_deployment(VERCEL_TOKEN, first).state == "READY"
    assert vercel.get_deployment(VERCEL_TOKEN, preview).state == "READY"
    current = vercel.production(VERCEL_TOKEN, "site")
    assert current is not None and current.id == first and current.url == "https://site-acme.vercel.app"
    second = _deploy(vercel, "k-3", "production")
    vercel.get_deployment(VERCEL_TOKEN, second)
    assert (vercel.production(VERCEL_TOKEN, "site") or current).id == second
    before = vercel.previous_production(
        VERCEL_TOKEN, "site", vercel.get_deployment(VERCEL_TOKEN, second).created_ms
    )
    assert before is not None and before.id == first  # the preview is no production deployment

    vercel.promote(VERCEL_TOKEN, "site", first)
    vercel.promote(VERCEL_TOKEN, "site", first)  # again: nothing changes
    assert (vercel.production(VERCEL_TOKEN, "site") or current).id == first
    queued = _deploy(vercel, "k-4", "production")
    with pytest.raises(VercelApiError, match="Only a deployment that is READY can be promoted"):
        vercel.promote(VERCEL_TOKEN, "site", queued)


def test_a_site_answers_while_healthy_and_fails_once_its_build_is_not(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.builds(reads_to_ready=1)
    vercel = _vercel(sandbox[0])
    good = vercel.get_deployment(VERCEL_TOKEN, _deploy(vercel, "k-1", "production"))
    admin.builds(reads_to_ready=1, healthy=False)
    bad = vercel.get_deployment(VERCEL_TOKEN, _deploy(vercel, "k-2", "production"))
    assert vercel.probe(good.url, "/api/health") == 200
    assert vercel.probe(bad.url, "/api/health") == 500
    assert vercel.probe("https://site-acme.vercel.app", "/") == 500  # production serves the newest
    assert vercel.probe("https://nowhere-acme.vercel.app", "/") == 404


def test_a_squash_merge_takes_the_named_head_only_and_once(sandbox: tuple[str, Admin], admin: Admin) -> None:
    github = GitHubCodeHost(sandbox[0] + "/github", 5.0)
    files = [FileChange(path="VERSION", content="2\n")]
    change = CodeChange(
        repository="acme/site", branch="feature", title="Bump", commit_message="Bump", files=files
    )
    pr = github.open_pull_request(GITHUB_TOKEN, change)
    base = admin.repo("acme/site")["branches"]["main"]
    with pytest.raises(GitHubApiError, match="its head is no longer"):
        github.merge(GITHUB_TOKEN, "acme/site", pr.number, base, "Bump")
    assert admin.repo("acme/site")["pulls"][0]["merged"] is False
    merged = github.merge(GITHUB_TOKEN, "acme/site", pr.number, pr.head_sha, "Bump")
    assert github.merge(GITHUB_TOKEN, "acme/site", pr.number, pr.head_sha, "Bump") == merged  # found
    [head, parent] = admin.commits("acme/site", "main")[:2]
    assert head["sha"] == merged and parent["sha"] == base  # one squash commit on the base
    assert admin.files("acme/site", "main")["VERSION"] == "2\n"
    found = github.get_pull_request(GITHUB_TOKEN, "acme/site", pr.number)
    assert (found.state, found.merge_sha) == ("merged", merged)


def test_a_project_linked_to_gitlab_deploys_the_gitlab_source_it_names_only(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.builds(reads_to_ready=1)
    vercel = _vercel(sandbox[0])
    with GitLabServer() as server:
        main = server.sandbox.code.seed({"README.md": "demo\n"})
        link = {"project_id": PROJECT_ID, "api_url": server.url + "/api/v4", "token": TOKEN}
        admin.vercel_project("tasks", "demo/tasks", gitlab=link)
        admin.grant_vercel(VERCEL_TOKEN, ["site", "tasks"])

        def deploy(ref: str, project_id: int | None = PROJECT_ID, project: str = "tasks") -> str:
            request = DeployRequest(
                project=project,
                repository="demo/tasks",
                ref=ref,
                target="preview",
                key="k-gl",
                gitlab_project_id=project_id,
            )
            return vercel.create_deployment(VERCEL_TOKEN, request).id

        made = vercel.get_deployment(VERCEL_TOKEN, deploy("main"))
        assert (made.state, made.sha, made.key) == ("READY", main, "k-gl")
        [listed] = [d for d in admin.deployments() if d["id"] == made.id]
        assert listed["gitSource"] == {"type": "gitlab", "projectId": PROJECT_ID, "ref": "main", "sha": main}
        assert listed["meta"]["gitlabProjectPath"] == "demo/tasks"
        with pytest.raises(VercelApiError, match="does not contain the requested branch"):
            deploy("no-such-branch")
        with pytest.raises(VercelApiError, match="GitLab project does not match"):
            deploy("main", project_id=PROJECT_ID + 1)
        with pytest.raises(VercelApiError, match="GitHub repository does not match"):
            deploy("main", project_id=None)  # a GitHub source for a project on GitLab
        with pytest.raises(VercelApiError, match="GitLab project does not match"):
            deploy("main", project="site")  # a GitLab source for a project on GitHub
