"""A reviewer on ``make stack`` could comment on a pull request only through the GitHub
sandbox's API (a token from its admin API). A pull request's page (its ``html_url``, linked from the
console's Code section) now shows the change and its conversation and posts a comment as the login a
person types: GitHub's "Create an issue comment", listed by the API and delivered as its webhook.
Bad forms are refused in words, storing nothing."""

import secrets
from typing import Any

import httpx
import pytest

from local.code_sandbox.testing import Admin, RunningSandbox
from shared.code.adapters.github import GitHubCodeHost
from shared.code.domain.code import CodeChange, FileChange

pytestmark = pytest.mark.integration
REPO = "acme/site"


def _pull_url(sandbox: RunningSandbox, admin: Admin) -> tuple[str, str, int]:
    token = "ghp_" + secrets.token_hex(16)
    admin.grant_github(token, [REPO])
    change = CodeChange(
        repository=REPO,
        branch="agent/run-9-step-2",
        title="Add the landing page",
        body="Made by run 9, step 2.",
        commit_message="Add the landing page",
        files=[FileChange(path="index.html", content="<h1>Hello</h1>\n")],
    )
    pull = GitHubCodeHost(sandbox.github_url, timeout_s=5).open_pull_request(token, change)
    return pull.url, token, pull.number


def _comments(sandbox: RunningSandbox, token: str, number: int) -> list[dict[str, Any]]:
    got = httpx.get(
        f"{sandbox.github_url}/repos/{REPO}/issues/{number}/comments",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert got.status_code == 200, got.text
    return list(got.json())


def test_a_reviewer_comments_on_the_pull_request_s_page(sandbox: RunningSandbox, admin: Admin) -> None:
    url, token, number = _pull_url(sandbox, admin)
    shown = httpx.get(url, timeout=10)
    assert shown.status_code == 200 and shown.headers["content-type"].startswith("text/html")
    assert (
        "Add the landing page" in shown.text
        and "index.html" in shown.text
        and "No comment yet." in shown.text
    )
    said = httpx.post(
        url, data={"login": "rosa", "body": 'please add the line "Red for overdue"'}, timeout=10
    )
    assert said.status_code == 303, said.text
    after = httpx.get(str(httpx.URL(url).join(said.headers["Location"])), timeout=10)
    assert "Your comment was posted." in after.text and "Red for overdue" in after.text
    listed = _comments(sandbox, token, number)
    assert [(c["user"]["login"], c["author_association"]) for c in listed] == [("rosa", "COLLABORATOR")]
    assert listed[0]["body"] == 'please add the line "Red for overdue"'


@pytest.mark.parametrize(
    ("form", "headers", "status", "reason"),
    [
        ({"login": "", "body": "hi"}, {}, 400, "Give your GitHub login"),
        ({"login": "rosa<b>", "body": "hi"}, {}, 400, "Give your GitHub login"),
        ({"login": "rosa", "body": "   "}, {}, 400, "Write the comment"),
        ({"login": "rosa", "body": "hi"}, {"Origin": "http://elsewhere.test"}, 403, "another site"),
    ],
)
def test_a_bad_form_is_refused_in_words_and_stores_nothing(
    sandbox: RunningSandbox,
    admin: Admin,
    form: dict[str, str],
    headers: dict[str, str],
    status: int,
    reason: str,
) -> None:
    url, token, number = _pull_url(sandbox, admin)
    refused = httpx.post(url, data=form, headers=headers, timeout=10)
    assert refused.status_code == status and reason in refused.text
    assert "<b>" not in refused.text
    assert _comments(sandbox, token, number) == []
