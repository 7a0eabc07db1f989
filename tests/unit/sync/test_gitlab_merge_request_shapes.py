"""The GitLab code host's requests (decision 0126), each as GitLab's REST API documents it, and its
merge request state machine: draft by title, ready by removing the prefix, a pipeline's jobs as
checks, a squash merge at the approved sha exactly once, nothing written twice on a repeat."""

import base64
import json
from typing import Any

import httpx
import pytest

from shared.code.domain.code import CodeChange, FileChange
from shared.platform.adapters.pacing import Pacer
from shared.platform.errors import PermanentError
from shared.sync.adapters.gitlab import GitLabRest
from shared.sync.adapters.gitlab_forge import GitLabCodeHost, job_state, merge_request, ready_title
from shared.sync.domain.gitlab_pipelines import PipelineEnded, pipeline_ended

BASE = "https://gitlab.test"
PROJECT = "/api/v4/projects/demo%2Ftasks"
SHA = "a" * 40
MR = {
    "iid": 3,
    "state": "opened",
    "source_branch": "agent/b",
    "sha": SHA,
    "title": "Draft: Bump",
    "draft": True,
    "description": "d",
    "web_url": f"{BASE}/demo/tasks/-/merge_requests/3",
}
CHANGE = CodeChange(
    repository="demo/tasks",
    branch="agent/b",
    title="Bump",
    commit_message="Bump",
    files=[FileChange(path="src/VERSION", content="2\n")],
    draft=True,
)


class Lab:
    """Answers by (method, raw path); records each request (method, raw path, query, JSON body)."""

    def __init__(self, routes: dict[tuple[str, str], Any]) -> None:
        self.routes = routes
        self.sent: list[tuple[str, str, dict[str, str], Any]] = []
        self.tokens: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode().split("?", 1)[0]
        body = json.loads(request.content) if request.content else None
        self.sent.append((request.method, path, dict(request.url.params), body))
        self.tokens.add(request.headers.get("Authorization", "").removeprefix("Bearer "))
        answer = self.routes.get((request.method, path), 404)
        answer = answer() if callable(answer) else answer
        if isinstance(answer, int):
            return httpx.Response(answer, json={"message": f"{answer}"})
        if isinstance(answer, str):
            return httpx.Response(200, text=answer)
        return httpx.Response(200, json=answer)

    def writes(self) -> list[tuple[str, str, Any]]:
        return [(m, p, b) for m, p, _, b in self.sent if m != "GET"]


def host(lab: Lab) -> GitLabCodeHost:
    client = httpx.Client(transport=httpx.MockTransport(lab))
    return GitLabCodeHost(GitLabRest(5.0, pacer=Pacer(1000.0, 1000, 1.0), client=client), BASE + "/")


def test_a_change_is_one_commit_with_actions_from_the_base_then_a_draft_merge_request() -> None:
    lab = Lab(
        {
            ("GET", f"{PROJECT}/merge_requests"): [],
            ("GET", PROJECT): {"id": 1, "default_branch": "main"},
            ("GET", f"{PROJECT}/repository/files/README.md"): {"content": "", "execute_filemode": False},
            ("POST", f"{PROJECT}/repository/commits"): {"id": SHA},
            ("POST", f"{PROJECT}/merge_requests"): MR,
        }
    )
    made = host(lab).open_pull_request("glpat-x", CHANGE)
    assert (made.number, made.draft, made.head_sha, made.state) == (3, True, SHA, "open")
    [(_, _, commit), (_, _, opened)] = [w[:3] for w in lab.writes()]
    assert commit == {
        "branch": "agent/b",
        "commit_message": "Bump",
        "start_branch": "main",  # the branch is made by the commit, from the base
        "actions": [
            {"action": "create", "file_path": "src/VERSION", "content": "2\n", "execute_filemode": False}
        ],
    }
    assert opened == {
        "source_branch": "agent/b",
        "target_branch": "main",
        "title": "Draft: Bump",
        "description": "",
    }
    files = [p for m, p, q, _ in lab.sent if "/files/" in p]
    assert files == [f"{PROJECT}/repository/files/src%2FVERSION"]  # the path URL-encoded, as GitLab asks
    assert lab.tokens == {"glpat-x"}  # every request carries the token (Authorization: Bearer, decision 0125)


def test_a_repeat_after_a_crash_finds_the_branch_holding_the_files_and_its_merge_request() -> None:
    held = {"content": base64.b64encode(b"2\n").decode(), "execute_filemode": False}
    lab = Lab(
        {
            ("GET", f"{PROJECT}/merge_requests"): [MR],
            ("GET", PROJECT): {"id": 1, "default_branch": "main"},
            ("GET", f"{PROJECT}/repository/branches/agent%2Fb"): {"commit": {"id": SHA}},
            ("GET", f"{PROJECT}/repository/files/src%2FVERSION"): held,
        }
    )
    found = host(lab).open_pull_request("glpat-x", CHANGE)
    assert found.number == 3 and lab.writes() == []  # no second commit, no second merge request


def test_an_existing_file_is_updated_keeping_its_executable_mode() -> None:
    held = {"content": base64.b64encode(b"1\n").decode(), "execute_filemode": True}
    lab = Lab(
        {
            ("GET", f"{PROJECT}/repository/branches/agent%2Fb"): {"commit": {"id": SHA}},
            ("GET", f"{PROJECT}/repository/files/src%2FVERSION"): held,
            ("POST", f"{PROJECT}/repository/commits"): {"id": "b" * 40},
        }
    )
    assert host(lab).push_files("glpat-x", CHANGE) == "b" * 40
    [(_, _, commit)] = lab.writes()
    assert commit["actions"][0]["action"] == "update" and commit["actions"][0]["execute_filemode"] is True
    assert "start_branch" not in commit


def test_ready_removes_the_draft_prefix_once_and_a_ready_one_is_left_alone() -> None:
    path = f"{PROJECT}/merge_requests/3"
    lab = Lab({("GET", path): MR, ("PUT", path): MR | {"title": "Bump", "draft": False}})
    assert host(lab).mark_ready("glpat-x", "demo/tasks", 3).draft is False
    assert lab.writes() == [("PUT", path, {"title": "Bump"})]
    ready = Lab({("GET", path): MR | {"title": "Bump", "draft": False}})
    host(ready).mark_ready("glpat-x", "demo/tasks", 3)
    assert ready.writes() == []
    assert (
        ready_title("Draft: [Draft] WIP: Bump") == "Bump"
        and ready_title("Drafting notes") == "Drafting notes"
    )


def test_a_merge_is_a_squash_at_the_approved_sha_and_a_merged_one_is_not_merged_again() -> None:
    path = f"{PROJECT}/merge_requests/3"
    merged = MR | {"state": "merged", "squash_commit_sha": "c" * 40}
    lab = Lab({("GET", path): MR, ("PUT", f"{path}/merge"): merged})
    assert host(lab).merge("glpat-x", "demo/tasks", 3, SHA, "Merge agent/b") == "c" * 40
    [(_, _, body)] = lab.writes()
    assert body == {"sha": SHA, "squash": True, "squash_commit_message": "Merge agent/b (!3)"}
    again = Lab({("GET", path): merged})
    assert host(again).merge("glpat-x", "demo/tasks", 3, SHA, "x") == "c" * 40 and again.writes() == []


def test_a_merge_refused_because_the_head_moved_says_so_and_merges_nothing() -> None:
    path = f"{PROJECT}/merge_requests/3"
    reads = iter([MR, MR | {"sha": "d" * 40}])  # the approved head, then GitLab's refusal (409): it moved
    lab = Lab({("GET", path): lambda: next(reads), ("PUT", f"{path}/merge"): 409})
    with pytest.raises(PermanentError, match="no longer aaaaaaa; nothing merged"):
        host(lab).merge("glpat-x", "demo/tasks", 3, SHA, "x")


def test_the_newest_pipelines_jobs_are_the_checks_a_failure_with_its_log() -> None:
    jobs = [
        {"id": 9, "name": "lint", "status": "failed", "allow_failure": True},
        {"id": 8, "name": "tests", "status": "failed", "allow_failure": False},
        {"id": 7, "name": "deploy", "status": "manual"},
        {"id": 6, "name": "slow", "status": "running"},
    ]
    lab = Lab(
        {
            ("GET", f"{PROJECT}/pipelines"): [{"id": 55, "status": "failed"}],
            ("GET", f"{PROJECT}/pipelines/55/jobs"): jobs,
            ("GET", f"{PROJECT}/jobs/8/trace"): "collected 3 items\nFAILED test_version - 1 != 2\n",
        }
    )
    checks = {c.name: c for c in host(lab).checks("glpat-x", "demo/tasks", SHA)}
    assert {n: c.state for n, c in checks.items()} == {
        "lint": "success",
        "tests": "failure",
        "deploy": "success",
        "slow": "pending",
    }
    assert "FAILED test_version" in checks["tests"].details
    [(_, _, query, _)] = [s for s in lab.sent if s[1] == f"{PROJECT}/pipelines"]
    assert query == {"sha": SHA, "order_by": "id", "sort": "desc", "per_page": "1"}
    assert host(Lab({("GET", f"{PROJECT}/pipelines"): []})).checks("glpat-x", "demo/tasks", SHA) == []


def test_the_states_of_a_merge_request() -> None:
    assert merge_request(MR).state == "open" and merge_request(MR).draft
    assert merge_request(MR | {"state": "locked"}).state == "open"
    closed = merge_request(MR | {"state": "closed", "merge_commit_sha": "e" * 40})
    assert (closed.state, closed.merge_sha) == ("closed", "")
    merged = merge_request(
        MR | {"state": "merged", "merge_commit_sha": "e" * 40, "squash_commit_sha": "f" * 40}
    )
    assert (merged.state, merged.merge_sha) == ("merged", "f" * 40)
    assert job_state({"status": "canceled"}) == "failure" and job_state({"status": "pending"}) == "pending"


def test_a_pipeline_delivery_is_read_only_for_its_project_branch_sha_and_ended_status() -> None:
    def body(status: Any = "failed", sha: Any = SHA, project: Any = 4242) -> bytes:
        attributes = {"status": status, "ref": "agent/b", "sha": sha}
        return json.dumps(
            {"object_kind": "pipeline", "object_attributes": attributes, "project": {"id": project}}
        ).encode()

    assert pipeline_ended(body()) == PipelineEnded(4242, "agent/b", SHA, "failed")
    assert pipeline_ended(body("running")) is None  # still running: nothing to wake
    assert (
        pipeline_ended(body(sha="HEAD")) == "object_attributes.ref and sha: the pipeline's branch and commit"
    )
    assert pipeline_ended(body(project=True)) == "project.id: the project's id"
    assert pipeline_ended(b"[]") == "object_attributes and project: a Pipeline Hook's body"
