"""The GitHub and Vercel adapters (httpx underneath) against the code sandbox over real HTTP:
one branch, one commit, one pull request however often and wherever a call is cut short; the base
defaulting to the default branch; deployments found again by their key; errors mapped to our kinds
without the token in any message or log line."""

import logging
import secrets
from collections.abc import Callable
from typing import Any, Literal

import httpx
import pytest

from local.code_sandbox.testing import Admin, RunningSandbox
from local.processes import free_port
from shared.code.adapters.github import GitHubCodeHost
from shared.code.adapters.vercel import META_KEY, VercelDeployer
from shared.code.domain.code import CodeChange, DeployRequest, FileChange
from shared.platform.errors import AgentError, NotFound, PermanentError, TransientError, Unauthenticated
from tests.integration.assertions import assert_token_absent

pytestmark = pytest.mark.integration
REPO = "acme/site"
BRANCH = "agent/run-1-step-4"


@pytest.fixture
def token(admin: Admin) -> str:
    value = "ghp_" + secrets.token_hex(16)
    admin.grant_github(value, [REPO])
    return value


@pytest.fixture
def github(sandbox: RunningSandbox) -> GitHubCodeHost:
    return GitHubCodeHost(sandbox.github_url, timeout_s=5)


@pytest.fixture
def vtoken(admin: Admin) -> str:
    value = "vercel_" + secrets.token_hex(16)
    admin.grant_vercel(value, ["site"])
    return value


@pytest.fixture
def vercel(sandbox: RunningSandbox) -> VercelDeployer:
    return VercelDeployer(sandbox.vercel_url, timeout_s=5)


def change(**overrides: Any) -> CodeChange:
    fields: dict[str, Any] = {
        "repository": REPO,
        "branch": BRANCH,
        "title": "Add the landing page",
        "body": "Made by run 1, step 4.",
        "commit_message": "Add the landing page and its script",
        "files": [
            FileChange(path="index.html", content="<h1>Hello</h1>\n"),
            FileChange(path="src/app.js", content="console.log('hi')\n"),
            FileChange(path="README.md", content="# site\n\nNow with a landing page.\n"),
        ],
    }
    return CodeChange(**(fields | overrides))


def new_commits(admin: Admin, branch: str = BRANCH, base: str = "main") -> list[dict[str, Any]]:
    """The branch's commits that its base does not have."""
    base_shas = {c["sha"] for c in admin.commits(REPO, base)}
    return [c for c in admin.commits(REPO, branch) if c["sha"] not in base_shas]


# --- GitHub: the happy path and repeats -------------------------------------------------------------


def test_one_branch_one_commit_holding_every_file_and_one_pull_request(
    github: GitHubCodeHost, admin: Admin, token: str
) -> None:
    pull = github.open_pull_request(token, change())

    state = admin.repo(REPO)
    assert set(state["branches"]) == {"main", BRANCH}
    commits = new_commits(admin)
    assert len(commits) == 1
    assert commits[0]["message"] == "Add the landing page and its script"
    assert commits[0]["changed"] == ["README.md", "index.html", "src/app.js"]
    assert admin.files(REPO, BRANCH) == {
        "README.md": "# site\n\nNow with a landing page.\n",
        "index.html": "<h1>Hello</h1>\n",
        "src/app.js": "console.log('hi')\n",
    }
    assert len(state["pulls"]) == 1
    assert state["pulls"][0] | {"head_sha": None} == {
        "number": pull.number,
        "title": "Add the landing page",
        "body": "Made by run 1, step 4.",
        "head": BRANCH,
        "base": "main",
        "state": "open",
        "merged": False,
        "head_sha": None,
        "draft": False,  # not asked as a draft
    }
    assert (pull.branch, pull.head_sha, pull.state) == (BRANCH, commits[0]["sha"], "open")
    assert pull.url.endswith(f"/acme/site/pull/{pull.number}")
    assert httpx.get(pull.url).status_code == 200


def test_the_adapter_sends_githubs_headers(github: GitHubCodeHost, admin: Admin, token: str) -> None:
    github.open_pull_request(token, change())
    sent = [r for r in admin.requests() if r["service"] == "github"]
    assert sent and all(r["authorized"] for r in sent)
    assert {(r["accept"], r["api_version"]) for r in sent} == {("application/vnd.github+json", "2022-11-28")}


def test_a_repeat_after_success_returns_the_same_pull_request_and_creates_no_commit(
    github: GitHubCodeHost, admin: Admin, token: str
) -> None:
    first = github.open_pull_request(token, change())
    objects = admin.repo(REPO)["commit_objects"]

    again = github.open_pull_request(token, change())

    assert again == first
    assert admin.repo(REPO)["commit_objects"] == objects  # not even an orphan commit
    assert len(new_commits(admin)) == 1
    assert len(admin.repo(REPO)["pulls"]) == 1
    assert github.find_pull_request(token, REPO, BRANCH) == first


# Each point where a call can be cut short: the request refused before its effect ("before"), or its
# effect done and the answer lost ("after"), as a crash between two steps leaves things.
CRASH_POINTS = [
    ("POST", "/git/refs", "after"),
    ("POST", "/git/trees", "before"),
    ("POST", "/git/commits", "after"),
    ("PATCH", "/git/refs/heads/", "before"),  # a commit exists, the branch did not move
    ("PATCH", "/git/refs/heads/", "after"),  # the branch moved, the answer was lost
    ("POST", "/pulls", "before"),  # between the commit and the pull request
    ("POST", "/pulls", "after"),  # the pull request exists, the answer was lost
]


@pytest.mark.parametrize(("method", "path", "when"), CRASH_POINTS)
def test_a_repeat_after_a_crash_yields_one_commit_and_one_pull_request(
    github: GitHubCodeHost, admin: Admin, token: str, method: str, path: str, when: str
) -> None:
    admin.inject(service="github", status=502, method=method, path=path, when=when)
    with pytest.raises(TransientError):
        github.open_pull_request(token, change())

    pull = github.open_pull_request(token, change())
    again = github.open_pull_request(token, change())

    assert again == pull
    commits = new_commits(admin)
    assert len(commits) == 1, commits
    assert commits[0]["changed"] == ["README.md", "index.html", "src/app.js"]
    assert pull.head_sha == commits[0]["sha"]
    assert [p["number"] for p in admin.repo(REPO)["pulls"]] == [pull.number]


def test_the_base_defaults_to_the_repositorys_default_branch(
    github: GitHubCodeHost, admin: Admin, token: str
) -> None:
    admin.post("/github/repos", {"full_name": "acme/app", "default_branch": "trunk", "files": {"a.txt": "a"}})
    admin.grant_github(token, [REPO, "acme/app"])
    trunk_head = admin.repo("acme/app")["branches"]["trunk"]

    pull = github.open_pull_request(token, change(repository="acme/app", base=""))

    assert admin.repo("acme/app")["pulls"][0]["base"] == "trunk"
    history = admin.commits("acme/app", BRANCH)
    assert history[0]["parents"] == [trunk_head] and history[0]["sha"] == pull.head_sha
    assert admin.files("acme/app", BRANCH)["a.txt"] == "a"


def test_an_executable_file_stays_executable_and_a_new_script_can_be_one(
    github: GitHubCodeHost, admin: Admin, token: str
) -> None:
    files = {"README.md": "# app\n", "scripts/deploy.sh": "#!/bin/sh\nexit 0\n", "scripts/notes.txt": "n\n"}
    admin.post(
        "/github/repos", {"full_name": "acme/app", "files": files, "executables": ["scripts/deploy.sh"]}
    )
    admin.grant_github(token, [REPO, "acme/app"])
    edits = [
        FileChange(path="scripts/deploy.sh", content="#!/bin/sh\nmake deploy\n"),
        FileChange(path="scripts/notes.txt", content="deploy with make\n"),
        FileChange(path="scripts/check/run.sh", content="#!/bin/sh\nmake test\n", executable=True),
        FileChange(path="docs/deploy.md", content="# Deploy\n"),
    ]
    pull = github.open_pull_request(token, change(repository="acme/app", files=edits))

    assert admin.modes("acme/app", BRANCH) == {
        "README.md": "100644",
        "docs/deploy.md": "100644",
        "scripts/check/run.sh": "100755",
        "scripts/deploy.sh": "100755",
        "scripts/notes.txt": "100644",
    }
    assert admin.files("acme/app", BRANCH)["scripts/deploy.sh"] == "#!/bin/sh\nmake deploy\n"
    again = github.open_pull_request(token, change(repository="acme/app", files=edits))
    assert again.head_sha == pull.head_sha
    assert len(admin.commits("acme/app", BRANCH)) == 2  # the seed and one commit: the repeat added none


def test_current_files_reads_each_path_at_the_base_for_an_approvals_diff(
    github: GitHubCodeHost, admin: Admin, token: str
) -> None:
    files = {"README.md": "# app\n", "scripts/deploy.sh": "#!/bin/sh\nexit 0\n", "docs/é.md": "café\n"}
    admin.post("/github/repos", {"full_name": "acme/app", "default_branch": "trunk", "files": files})
    admin.grant_github(token, [REPO, "acme/app"])
    paths = ["scripts/deploy.sh", "docs/é.md", "scripts/new.sh", "missing/dir/x.txt", "scripts"]
    found = github.current_files(token, "acme/app", "", paths)  # "": the default branch
    assert found == {
        "scripts/deploy.sh": "#!/bin/sh\nexit 0\n",
        "docs/é.md": "café\n",
        "scripts/new.sh": None,
        "missing/dir/x.txt": None,
        "scripts": None,  # a directory is no file
    }
    sent = [r for r in admin.requests() if r["service"] == "github"]
    assert sent and all(r["method"] == "GET" for r in sent)  # read only: nothing written
    with pytest.raises(NotFound, match=r"'release'.*acme/app"):
        github.current_files(token, "acme/app", "release", ["README.md"])


def test_an_explicit_base_that_does_not_exist_is_not_found(github: GitHubCodeHost, token: str) -> None:
    with pytest.raises(NotFound, match=r"'release'.*acme/site"):
        github.open_pull_request(token, change(base="release"))


def test_a_merged_pull_request_is_returned_and_its_deleted_branch_not_recreated(
    github: GitHubCodeHost, admin: Admin, token: str
) -> None:
    pull = github.open_pull_request(token, change())
    admin.post(f"/github/repos/{REPO}/pulls/{pull.number}", {"merged": True, "delete_branch": True})

    again = github.open_pull_request(token, change())

    assert (again.number, again.state) == (pull.number, "merged")
    assert set(admin.repo(REPO)["branches"]) == {"main"}


def test_find_pull_request_is_none_until_one_exists(github: GitHubCodeHost, token: str) -> None:
    assert github.find_pull_request(token, REPO, BRANCH) is None
    pull = github.open_pull_request(token, change())
    assert github.find_pull_request(token, REPO, BRANCH) == pull
    assert github.find_pull_request(token, REPO, "agent/other") is None


class Interpose(httpx.BaseTransport):
    """Real HTTP, with ``before(request)`` run once just before the first request matching ``method``
    and ``fragment`` goes out: another actor getting there first (by default, a concurrent delivery of
    the same step sending the same request)."""

    def __init__(
        self, method: str, fragment: str, before: Callable[[httpx.Request], object] | None = None
    ) -> None:
        self.inner = httpx.HTTPTransport()
        self.method, self.fragment, self.fired = method, fragment, False
        self.before = before or self.send_copy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.fired and request.method == self.method and self.fragment in request.url.path:
            self.fired = True
            self.before(request)
        return self.inner.handle_request(request)

    def send_copy(self, request: httpx.Request) -> None:
        response = self.inner.handle_request(request)
        response.read()
        response.close()


@pytest.mark.parametrize(("method", "fragment"), [("POST", "/git/refs"), ("POST", "/pulls")])
def test_a_concurrent_delivery_winning_the_race_still_yields_one_pull_request(
    sandbox: RunningSandbox, admin: Admin, token: str, method: str, fragment: str
) -> None:
    transport = Interpose(method, fragment)
    racing = GitHubCodeHost(sandbox.github_url, timeout_s=5, client=httpx.Client(transport=transport))

    pull = racing.open_pull_request(token, change())

    assert transport.fired
    assert len(new_commits(admin)) == 1
    assert [p["number"] for p in admin.repo(REPO)["pulls"]] == [pull.number]


def test_a_branch_moving_while_committing_is_transient_and_a_repeat_lands_on_top(
    sandbox: RunningSandbox, github: GitHubCodeHost, admin: Admin, token: str
) -> None:
    someone = change(files=[FileChange(path="other.txt", content="theirs\n")], commit_message="Theirs")
    transport = Interpose("PATCH", "/git/refs/heads/", lambda _r: github.open_pull_request(token, someone))
    racing = GitHubCodeHost(sandbox.github_url, timeout_s=5, client=httpx.Client(transport=transport))

    with pytest.raises(TransientError, match="moved"):
        racing.open_pull_request(token, change())
    pull = racing.open_pull_request(token, change())

    assert [c["message"] for c in new_commits(admin)] == ["Add the landing page and its script", "Theirs"]
    assert {"other.txt", "index.html", "src/app.js"} <= set(admin.files(REPO, BRANCH))
    assert pull.head_sha == new_commits(admin)[0]["sha"]
    assert len(admin.repo(REPO)["pulls"]) == 1


# --- GitHub: errors ----------------------------------------------------------------------------------


def test_an_unknown_token_is_unauthenticated(
    github: GitHubCodeHost, caplog: pytest.LogCaptureFixture
) -> None:
    bad = "ghp_" + secrets.token_hex(16)
    with caplog.at_level(logging.DEBUG), pytest.raises(Unauthenticated) as caught:
        github.open_pull_request(bad, change())
    assert caught.value.reason == "GitHub refused the token; reconnect GitHub"
    assert_token_absent(caught.value, bad, caplog)


def test_a_repository_the_token_cannot_see_is_not_found(
    github: GitHubCodeHost, admin: Admin, caplog: pytest.LogCaptureFixture
) -> None:
    other = "ghp_" + secrets.token_hex(16)
    admin.grant_github(other, ["acme/elsewhere"])
    with caplog.at_level(logging.DEBUG), pytest.raises(NotFound, match="acme/site") as caught:
        github.open_pull_request(other, change())
    assert_token_absent(caught.value, other, caplog)


def test_a_read_only_token_is_refused_for_good(
    github: GitHubCodeHost, admin: Admin, caplog: pytest.LogCaptureFixture
) -> None:
    reader = "ghp_" + secrets.token_hex(16)
    admin.grant_github(reader, [REPO], permission="read")
    with caplog.at_level(logging.DEBUG), pytest.raises(PermanentError, match="acme/site") as caught:
        github.open_pull_request(reader, change())
    assert not isinstance(caught.value, NotFound)
    assert "Resource not accessible" in caught.value.reason
    assert_token_absent(caught.value, reader, caplog)


def test_a_change_with_nothing_new_is_githubs_422_with_its_message(
    github: GitHubCodeHost, admin: Admin, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    same = change(files=[FileChange(path="README.md", content="# site\n")])
    with caplog.at_level(logging.DEBUG), pytest.raises(PermanentError) as caught:
        github.open_pull_request(token, same)
    assert f"No commits between main and {BRANCH}" in caught.value.reason
    assert "422" in caught.value.reason
    assert new_commits(admin) == []
    assert_token_absent(caught.value, token, caplog)


def test_429_is_transient_with_githubs_retry_after(
    github: GitHubCodeHost, admin: Admin, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    admin.inject(service="github", status=429, retry_after=7)
    with caplog.at_level(logging.DEBUG), pytest.raises(TransientError) as caught:
        github.open_pull_request(token, change())
    assert caught.value.retry_after_s == 7
    assert_token_absent(caught.value, token, caplog)


def test_a_403_rate_limit_waits_until_the_reset_time(
    github: GitHubCodeHost, admin: Admin, token: str
) -> None:
    admin.inject(service="github", status=403, retry_after=30, reset_only=True)
    with pytest.raises(TransientError) as caught:
        github.open_pull_request(token, change())
    assert caught.value.retry_after_s is not None and 25 <= caught.value.retry_after_s <= 30


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_transient(
    github: GitHubCodeHost, admin: Admin, token: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    admin.inject(service="github", status=status)
    with caplog.at_level(logging.DEBUG), pytest.raises(TransientError, match=str(status)) as caught:
        github.open_pull_request(token, change())
    assert_token_absent(caught.value, token, caplog)


def test_a_timeout_is_transient(sandbox: RunningSandbox, admin: Admin, token: str) -> None:
    admin.inject(service="github", delay_s=1.0)
    slow = GitHubCodeHost(sandbox.github_url, timeout_s=0.2)
    with pytest.raises(TransientError, match="in time") as caught:
        slow.find_pull_request(token, REPO, BRANCH)
    assert token not in str(caught.value)


def test_an_unreachable_github_is_transient() -> None:
    nowhere = GitHubCodeHost(f"http://127.0.0.1:{free_port()}/github", timeout_s=2)
    with pytest.raises(TransientError, match="unreachable"):
        nowhere.find_pull_request("ghp_" + secrets.token_hex(16), REPO, BRANCH)


def test_the_client_is_built_once_on_first_use(sandbox: RunningSandbox, token: str) -> None:
    host = GitHubCodeHost(sandbox.github_url, timeout_s=5)
    assert host.rest._rest._client is None
    host.find_pull_request(token, REPO, BRANCH)
    client = host.rest._rest._client
    host.find_pull_request(token, REPO, BRANCH)
    assert client is not None and host.rest._rest._client is client


# --- Vercel ------------------------------------------------------------------------------------------


def deploy(
    key: str = "run-1:4:1", target: Literal["preview", "production"] = "preview", ref: str = "main"
) -> DeployRequest:
    return DeployRequest(project="site", repository=REPO, ref=ref, target=target, key=key)


def test_a_deployment_is_created_found_by_its_key_and_becomes_ready(
    vercel: VercelDeployer, admin: Admin, vtoken: str
) -> None:
    assert vercel.find_deployment(vtoken, "site", "run-1:4:1") is None

    created = vercel.create_deployment(vtoken, deploy())

    assert (created.state, created.target) == ("QUEUED", "preview")
    assert created.id.startswith("dpl_") and created.url.startswith("https://site-")
    assert vercel.find_deployment(vtoken, "site", "run-1:4:1") == created
    assert vercel.find_deployment(vtoken, "site", "run-1:4:2") is None
    states = [vercel.get_deployment(vtoken, created.id).state for _ in range(3)]
    assert states == ["BUILDING", "READY", "READY"]
    assert vercel.find_deployment(vtoken, "site", "run-1:4:1") == created.model_copy(
        update={"state": "READY"}
    )
    [stored] = admin.deployments()
    assert stored["meta"][META_KEY] == "run-1:4:1"
    assert stored["gitSource"]["ref"] == "main"
    assert stored["gitSource"]["sha"] == admin.repo(REPO)["branches"]["main"]


def test_a_repeat_find_returns_the_deployment_created_for_that_key(
    vercel: VercelDeployer, vtoken: str
) -> None:
    first = vercel.create_deployment(vtoken, deploy("run-1:4:1"))
    second = vercel.create_deployment(vtoken, deploy("run-1:5:1"))

    assert vercel.find_deployment(vtoken, "site", "run-1:4:1") == first
    assert vercel.find_deployment(vtoken, "site", "run-1:4:1") == first
    assert vercel.find_deployment(vtoken, "site", "run-1:5:1") == second
    assert first.id != second.id


def test_a_production_deployment_has_the_production_target(
    vercel: VercelDeployer, admin: Admin, vtoken: str
) -> None:
    created = vercel.create_deployment(vtoken, deploy(target="production"))
    assert created.target == "production"
    assert vercel.find_deployment(vtoken, "site", "run-1:4:1") == created
    assert admin.deployments()[0]["target"] == "production"


def test_a_branch_made_by_the_code_host_can_be_deployed(
    github: GitHubCodeHost, vercel: VercelDeployer, admin: Admin, token: str, vtoken: str
) -> None:
    pull = github.open_pull_request(token, change())
    vercel.create_deployment(vtoken, deploy(ref=pull.branch))
    assert admin.deployments()[0]["gitSource"]["sha"] == pull.head_sha


def test_a_team_project_is_reached_with_its_team_id_on_every_call(
    vercel: VercelDeployer, admin: Admin, vtoken: str
) -> None:
    admin.vercel_project("team-site", REPO, team_id="team_acme42")
    admin.grant_vercel(vtoken, ["site", "team-site"])
    request = DeployRequest(
        project="team-site",
        repository=REPO,
        ref="main",
        target="preview",
        key="run-2:3:1",
        team_id="team_acme42",
    )

    with pytest.raises(NotFound, match="project team-site"):  # Vercel's answer without the team's scope
        vercel.create_deployment(vtoken, request.model_copy(update={"team_id": None}))
    created = vercel.create_deployment(vtoken, request)

    assert vercel.find_deployment(vtoken, "team-site", "run-2:3:1", "team_acme42") == created
    assert vercel.get_deployment(vtoken, created.id, "team_acme42").state == "BUILDING"
    with pytest.raises(NotFound, match="project team-site"):
        vercel.find_deployment(vtoken, "team-site", "run-2:3:1")
    with pytest.raises(NotFound, match=f"deployment {created.id}"):
        vercel.get_deployment(vtoken, created.id)
    with pytest.raises(NotFound, match="project site"):  # and a personal project is not in the team
        vercel.find_deployment(vtoken, "site", "run-2:3:1", "team_acme42")
    teams = {r["query"].get("teamId") for r in admin.requests() if r["service"] == "vercel"}
    assert teams == {None, "team_acme42"}


def test_a_token_is_checked_by_asking_who_it_is(
    github: GitHubCodeHost, vercel: VercelDeployer, token: str, vtoken: str
) -> None:
    assert github.account(token) == "sandbox-user"
    assert vercel.account(vtoken) == "sandbox-user"
    with pytest.raises(Unauthenticated, match="GitHub refused the token"):
        github.account("ghp_" + secrets.token_hex(16))
    with pytest.raises(Unauthenticated, match="Vercel refused the token"):
        vercel.account("vercel_" + secrets.token_hex(16))


def test_a_failed_build_ends_in_error(vercel: VercelDeployer, admin: Admin, vtoken: str) -> None:
    admin.post("/vercel/builds", {"reads_to_ready": 1, "outcome": "ERROR"})
    created = vercel.create_deployment(vtoken, deploy())
    assert vercel.get_deployment(vtoken, created.id).state == "ERROR"


def test_vercel_errors_map_to_our_kinds_without_the_token(
    vercel: VercelDeployer, admin: Admin, vtoken: str, caplog: pytest.LogCaptureFixture
) -> None:
    bad = "vercel_" + secrets.token_hex(16)
    outsider = "vercel_" + secrets.token_hex(16)
    admin.post("/vercel/projects", {"name": "other", "repository": "acme/other"})
    admin.grant_vercel(outsider, ["other"])
    cases: list[tuple[str, Any, type[AgentError], str]] = [
        (bad, lambda t: vercel.create_deployment(t, deploy()), Unauthenticated, "reconnect Vercel"),
        (bad, lambda t: vercel.find_deployment(t, "site", "k"), Unauthenticated, "reconnect Vercel"),
        (outsider, lambda t: vercel.create_deployment(t, deploy()), NotFound, "project site"),
        (outsider, lambda t: vercel.find_deployment(t, "site", "k"), NotFound, "project site"),
        (vtoken, lambda t: vercel.get_deployment(t, "dpl_missing"), NotFound, "deployment dpl_missing"),
        (
            vtoken,
            lambda t: vercel.create_deployment(t, deploy(ref="no-such-branch")),
            PermanentError,
            "requested branch",
        ),
    ]
    for token, call, kind, text in cases:
        with caplog.at_level(logging.DEBUG), pytest.raises(kind, match=text) as caught:
            call(token)
        assert_token_absent(caught.value, token, caplog)
    assert admin.deployments() == []


def test_vercel_429_and_5xx_are_transient(vercel: VercelDeployer, admin: Admin, vtoken: str) -> None:
    admin.inject(service="vercel", status=429, retry_after=5)
    with pytest.raises(TransientError) as limited:
        vercel.create_deployment(vtoken, deploy())
    assert limited.value.retry_after_s == 5

    admin.inject(service="vercel", status=429, retry_after=20, reset_only=True)
    with pytest.raises(TransientError) as reset:
        vercel.find_deployment(vtoken, "site", "run-1:4:1")
    assert reset.value.retry_after_s is not None and 15 <= reset.value.retry_after_s <= 20

    admin.inject(service="vercel", status=502, method="POST", when="after")
    with pytest.raises(TransientError, match="502"):
        vercel.create_deployment(vtoken, deploy())
    # the deployment was made although its answer was lost: the key finds it, so no second one is needed
    found = vercel.find_deployment(vtoken, "site", "run-1:4:1")
    assert found is not None and [d["id"] for d in admin.deployments()] == [found.id]


def test_find_deployment_checks_meta_itself_and_follows_pagination() -> None:
    """Should Vercel ignore the meta filter, the adapter still finds only its key, on a later page."""
    pages = {
        None: {
            "deployments": [{"uid": "dpl_a", "url": "a.vercel.app", "state": "READY", "meta": {}}],
            "pagination": {"next": 20},
        },
        "20": {
            "deployments": [
                {"uid": "dpl_b", "url": "b.vercel.app", "state": "READY", "meta": {META_KEY: "other"}},
                {
                    "uid": "dpl_c",
                    "url": "c.vercel.app",
                    "readyState": "BUILDING",
                    "target": "production",
                    "meta": {META_KEY: "k1"},
                },
            ],
            "pagination": {"next": None},
        },
    }
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json=pages[request.url.params.get("until")])

    client = httpx.Client(transport=httpx.MockTransport(answer))
    found = VercelDeployer("https://api.vercel.test", 5, client=client).find_deployment("tok", "site", "k1")
    assert found is not None
    assert (found.id, found.url, found.state, found.target) == (
        "dpl_c",
        "https://c.vercel.app",
        "BUILDING",
        "production",
    )
    assert [u.params.get(f"meta-{META_KEY}") for u in seen] == ["k1", "k1"]
    assert seen[0].params["projectId"] == "site" and seen[0].path == "/v6/deployments"


def test_the_files_of_a_pull_request_are_listed_with_their_status_and_patch(
    github: GitHubCodeHost, admin: Admin, token: str
) -> None:
    files = {"README.md": "# app\none\ntwo\n", "old.txt": "gone\n"}
    admin.post("/github/repos", {"full_name": "acme/app", "default_branch": "main", "files": files})
    admin.grant_github(token, [REPO, "acme/app"])
    edits = [
        FileChange(path="README.md", content="# app\none\n2\n"),
        FileChange(path="src/new.py", content="x = 1\n"),
    ]
    pull = github.open_pull_request(token, change(repository="acme/app", files=edits))
    found = {f.path: f for f in github.pull_request_files(token, "acme/app", pull.number)}
    assert sorted(found) == ["README.md", "src/new.py"]  # old.txt unchanged: not listed
    readme, new = found["README.md"], found["src/new.py"]
    assert (readme.status, readme.additions, readme.deletions) == ("modified", 1, 1)
    assert readme.patch.startswith("@@ ") and "-two" in readme.patch and "+2" in readme.patch
    assert (new.status, new.additions, new.deletions, new.patch) == ("added", 1, 0, "@@ -0,0 +1 @@\n+x = 1")
