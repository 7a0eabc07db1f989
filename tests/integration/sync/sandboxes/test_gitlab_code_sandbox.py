"""The GitLab sandbox's repository, merge requests and pipelines (decision 0126) answer as GitLab's REST
API documents them: a commit with actions refuses a create of an existing file and an update of a missing
one; a second open merge request for a branch is a 409; a merge at a head that moved is a 409, a merged
one a 405; a pushed commit's pipeline really runs its job, whose log is plain text; an ended pipeline
is a Pipeline Hook delivery with the hook's token and an event id; a person's comment on a merge request
is a note the code host reads; a project in nested groups is reached by its URL-encoded path."""

import base64
import json
import sys
from collections.abc import Iterator

import httpx
import pytest

from local.gitlab_sandbox import GitLabServer
from local.gitlab_sandbox.app import PROJECT_ID, TOKEN
from shared.code.domain.code import CodeChange, FileChange
from shared.sync.adapters.gitlab import GitLabRest
from shared.sync.adapters.gitlab_forge import GitLabCodeHost

pytestmark = pytest.mark.integration
PROJECT = "/api/v4/projects/demo%2Ftasks"


@pytest.fixture
def lab() -> Iterator[tuple[httpx.Client, GitLabServer]]:
    with (
        GitLabServer() as server,
        httpx.Client(base_url=server.url, headers={"PRIVATE-TOKEN": TOKEN}) as http,
    ):
        yield http, server


def commit(http: httpx.Client, branch: str, action: str, content: str, start: str = "") -> httpx.Response:
    body = {
        "branch": branch,
        "commit_message": "m",
        "actions": [{"action": action, "file_path": "a/V", "content": content}],
    }
    return http.post(f"{PROJECT}/repository/commits", json=body | ({"start_branch": start} if start else {}))


def test_commits_merge_requests_pipelines_and_their_deliveries(
    lab: tuple[httpx.Client, GitLabServer],
) -> None:
    http, server = lab
    sandbox = server.sandbox
    sandbox.code.seed({"README.md": "x\n"})
    check = [
        sys.executable,
        "-c",
        "import sys; print('V is', open('a/V').read()); sys.exit(open('a/V').read() != '2')",
    ]
    sandbox.code.jobs_config = [{"name": "tests", "command": check, "timeout_s": 20}]
    sandbox.hooks[9] = {
        "id": 9,
        "url": "https://x.test/h",
        "token": "t0k",
        "uuid": "u9",
        "pipeline_events": True,
    }
    assert commit(http, "b", "update", "1").status_code == 400  # no such branch and no start_branch
    made = commit(http, "b", "create", "1", start="main")
    assert made.status_code == 201
    assert commit(http, "b", "create", "1").json()["message"] == "A file with this name already exists"
    read = http.get(f"{PROJECT}/repository/files/a%2FV", params={"ref": "b"}).json()
    assert base64.b64decode(read["content"]) == b"1" and read["encoding"] == "base64"

    opened = http.post(
        f"{PROJECT}/merge_requests", json={"source_branch": "b", "target_branch": "main", "title": "Draft: V"}
    )
    assert (
        opened.status_code == 201
        and opened.json()["draft"] is True
        and opened.json()["sha"] == made.json()["id"]
    )
    again = http.post(
        f"{PROJECT}/merge_requests", json={"source_branch": "b", "target_branch": "main", "title": "V"}
    )
    assert again.status_code == 409

    sandbox.code.pipelines_done()
    [pipeline] = http.get(f"{PROJECT}/pipelines", params={"sha": made.json()["id"]}).json()
    assert pipeline["status"] == "failed"
    [job] = http.get(f"{PROJECT}/pipelines/{pipeline['id']}/jobs").json()
    trace = http.get(f"{PROJECT}/jobs/{job['id']}/trace")
    assert (
        job["status"] == "failed"
        and trace.headers["content-type"].startswith("text/plain")
        and "V is 1" in trace.text
    )
    [(url, headers, body)] = [d for d in sandbox.outbox if d[1]["X-Gitlab-Event"] == "Pipeline Hook"]
    assert (url, headers["X-Gitlab-Token"]) == ("https://x.test/h", "t0k") and headers["X-Gitlab-Event-UUID"]
    delivered = json.loads(body)
    assert delivered["object_kind"] == "pipeline" and delivered["object_attributes"]["ref"] == "b"
    assert delivered["builds"][0]["status"] == "failed"

    fixed = commit(http, "b", "update", "2").json()["id"]
    iid = opened.json()["iid"]
    moved = http.put(f"{PROJECT}/merge_requests/{iid}/merge", json={"sha": made.json()["id"], "squash": True})
    assert moved.status_code == 409  # the head is the fix now
    ready = http.put(f"{PROJECT}/merge_requests/{iid}", json={"title": "V"}).json()
    assert ready["draft"] is False
    merged = http.put(f"{PROJECT}/merge_requests/{iid}/merge", json={"sha": fixed, "squash": True}).json()
    assert merged["state"] == "merged" and merged["squash_commit_sha"] == sandbox.code.branches["main"]
    assert http.put(f"{PROJECT}/merge_requests/{iid}/merge", json={"sha": fixed}).status_code == 405
    assert sandbox.code.files("main") == {"README.md": "x\n", "a/V": "2"} and sandbox.code.merges == 1


def test_a_merge_request_comment_is_a_note_the_code_host_reads(
    lab: tuple[httpx.Client, GitLabServer],
) -> None:
    http, server = lab
    commit(http, "b", "create", "1", start="main")
    iid = http.post(
        f"{PROJECT}/merge_requests", json={"source_branch": "b", "target_branch": "main", "title": "V"}
    ).json()["iid"]
    assert http.post(f"{PROJECT}/merge_requests/{iid}/notes", json={"body": " "}).status_code == 400
    made = http.post(f"{PROJECT}/merge_requests/{iid}/notes", json={"body": "please rename it"})
    assert made.status_code == 201 and made.json()["author"]["username"] == "ada"
    host = GitLabCodeHost(GitLabRest(5.0), server.url)
    [comment] = host.comments(TOKEN, "demo/tasks", iid, "2000-01-01T00:00:00Z")
    assert (comment.author, comment.body, comment.bot) == ("ada", "please rename it", False)
    assert host.project_id(TOKEN, "demo/tasks") == PROJECT_ID  # what Vercel's gitlab gitSource names


def test_a_project_in_nested_groups_is_reached_by_its_encoded_path(
    lab: tuple[httpx.Client, GitLabServer],
) -> None:
    """GitLab's REST paths take a project's full path URL-encoded as its id (group%2Fsub%2Fname): the
    code host encodes it in every call, from the merge request to the squash merge."""
    http, server = lab
    nested = "demo/web/tasks"
    server.sandbox.project_path = nested
    server.sandbox.code.jobs_config = []
    assert http.get("/api/v4/projects/demo/web/tasks").status_code == 404  # unencoded: no such path
    host = GitLabCodeHost(GitLabRest(5.0), server.url)
    assert host.project_id(TOKEN, nested) == PROJECT_ID
    files = [FileChange(path="VERSION", content="2\n")]
    change = CodeChange(
        repository=nested, branch="bump", title="Bump", commit_message="Bump", files=files, draft=True
    )
    made = host.open_pull_request(TOKEN, change)
    assert made.url.endswith(f"{nested}/-/merge_requests/{made.number}")
    server.sandbox.code.pipelines_done()
    assert host.mark_ready(TOKEN, nested, made.number).draft is False
    assert host.find_pull_request(TOKEN, nested, "bump") is not None
    merged = host.merge(TOKEN, nested, made.number, made.head_sha, "Bump")
    assert (
        merged == server.sandbox.code.branches["main"]
        and server.sandbox.code.files("main")["VERSION"] == "2\n"
    )
