"""The GitHub sandbox's checks, drafts and webhooks, read through the real
adapter: a pushed commit's configured checks really run in a temporary checkout of its tree, within
their time limit; check runs and commit statuses answer GitHub's documented shapes; each completed
check is delivered to the repository's hooks signed with HMAC-SHA256 of the raw body, and a
redelivery keeps its GUID; a pull request opens as a draft and is marked ready through GraphQL."""

import hashlib
import hmac
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from local.code_sandbox.testing import Admin, RunningSandbox
from local.wsgi_thread import serving
from shared.code.adapters.github import GitHubCodeHost
from shared.code.domain.code import CodeChange, FileChange, overall

pytestmark = pytest.mark.integration

TOKEN = "ghp_test_sandbox_checks"
SECRET = "hook-secret-for-tests"
# The repository's own test: VERSION must say 2.
CHECK = [
    sys.executable,
    "-c",
    "import sys; v = open('VERSION').read(); print('VERSION is', v); sys.exit(v != '2\\n')",
]


class Received(list[tuple[dict[str, str], bytes]]):
    """What the hook endpoint received: each delivery's headers and raw body."""


@pytest.fixture
def hook() -> Iterator[tuple[str, Received]]:
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(({k: v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as server:
        yield f"http://127.0.0.1:{server.server_port}/hook", received


@pytest.fixture
def github(sandbox: RunningSandbox, admin: Admin) -> GitHubCodeHost:
    admin.grant_github(TOKEN, ["acme/site"])
    return GitHubCodeHost(sandbox.url + "/github", 5.0)


def change(version: str, branch: str = "fix", draft: bool = True) -> CodeChange:
    return CodeChange(
        repository="acme/site",
        branch=branch,
        title="Bump",
        commit_message="Bump",
        files=[FileChange(path="VERSION", content=version)],
        draft=draft,
    )


def wait_for_deliveries(received: Received, count: int) -> None:
    for _ in range(200):
        if len(received) >= count:
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"{len(received)} deliveries, expected {count}")


def test_a_pushed_commits_checks_run_its_tree_and_report_as_github_does(
    admin: Admin, github: GitHubCodeHost, hook: tuple[str, Received]
) -> None:
    admin.set_checks(
        "acme/site",
        [
            {"name": "tests", "command": CHECK, "timeout_s": 20},
            {"name": "lint", "command": [sys.executable, "-c", "pass"], "kind": "status"},
        ],
    )
    admin.add_hook("acme/site", hook[0], SECRET)
    pr = github.open_pull_request(TOKEN, change("1\n"))
    assert pr.draft
    assert overall(github.checks(TOKEN, "acme/site", pr.head_sha)) in ("pending", "failure")
    admin.checks_done("acme/site")
    results = {r.name: r for r in github.checks(TOKEN, "acme/site", pr.head_sha)}
    assert (results["tests"].kind, results["tests"].state) == ("check_run", "failure")
    assert "VERSION is 1" in results["tests"].details  # its output: the command ran on the pushed tree
    assert (results["lint"].kind, results["lint"].state) == ("status", "success")
    assert overall(list(results.values())) == "failure"

    fixed = github.open_pull_request(TOKEN, change("2\n"))  # a fix pushed on the same branch
    admin.checks_done("acme/site")
    assert overall(github.checks(TOKEN, "acme/site", fixed.head_sha)) == "success"
    assert github.mark_ready(TOKEN, "acme/site", fixed.number).draft is False
    assert admin.repo("acme/site")["pulls"][0]["draft"] is False
    assert github.mark_ready(TOKEN, "acme/site", fixed.number).draft is False  # again: nothing to do


def test_deliveries_are_signed_over_the_raw_body_and_a_redelivery_keeps_its_guid(
    admin: Admin, github: GitHubCodeHost, hook: tuple[str, Received]
) -> None:
    url, received = hook
    admin.set_checks("acme/site", [{"name": "tests", "command": CHECK}])
    admin.add_hook("acme/site", url, SECRET)
    pr = github.open_pull_request(TOKEN, change("2\n"))
    admin.checks_done("acme/site")
    wait_for_deliveries(received, 1)
    headers, body = received[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == expected
    assert headers["X-GitHub-Event"] == "check_run"
    payload = json.loads(body)
    assert payload["action"] == "completed"
    assert payload["check_run"]["head_sha"] == pr.head_sha
    assert payload["check_run"]["conclusion"] == "success"
    guid = headers["X-GitHub-Delivery"]
    admin.redeliver(guid)
    wait_for_deliveries(received, 2)
    assert received[1][0]["X-GitHub-Delivery"] == guid and received[1][1] == body


def test_a_check_past_its_time_limit_is_timed_out(admin: Admin, github: GitHubCodeHost) -> None:
    slow = [sys.executable, "-c", "import time; time.sleep(30)"]
    admin.set_checks("acme/site", [{"name": "slow", "command": slow, "timeout_s": 0.5}])
    pr = github.open_pull_request(TOKEN, change("2\n"))
    [run] = admin.checks_done("acme/site", timeout_s=10)
    assert run["conclusion"] == "timed_out"
    [result] = github.checks(TOKEN, "acme/site", pr.head_sha)
    assert result.state == "failure" and "stopped after 0.5 s" in result.details


def test_no_check_configured_is_pending_and_a_pull_request_not_asked_as_draft_is_ready(
    admin: Admin, github: GitHubCodeHost
) -> None:
    pr = github.open_pull_request(TOKEN, change("2\n", draft=False))
    assert not pr.draft
    assert github.checks(TOKEN, "acme/site", pr.head_sha) == []
    assert overall([]) == "pending"  # GitHub's combined status with no status: pending
    github.set_pull_request_body(TOKEN, "acme/site", pr.number, "Checks failing: tests")
    assert admin.repo("acme/site")["pulls"][0]["body"] == "Checks failing: tests"
