"""/github/...: GitHub's REST API for the paths the code host adapter uses, as a route table.

Order of checks, as GitHub does: API version header, token (401 ``Bad credentials``), repository the
token may see (404 otherwise, never 403, so a repository's existence does not leak), write access
(403 ``Resource not accessible by personal access token``), then the endpoint.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from flask import Request

from local.code_sandbox import github_checks as checks
from local.code_sandbox import github_comments as comments
from local.code_sandbox import github_contents as contents
from local.code_sandbox import github_git as git
from local.code_sandbox import github_pulls as pulls
from local.code_sandbox import github_screen as screen
from local.code_sandbox.faults import Injection
from local.code_sandbox.github_state import GitHubState, Grant, gh_error, not_found
from local.code_sandbox.github_views import Call
from local.code_sandbox.web import ApiError, bearer_token, json_body

API_VERSIONS = ("2022-11-28", "2026-03-10")
Handler = Callable[[Call], tuple[Any, int]]

ROUTES: list[tuple[str, re.Pattern[str], bool, Handler]] = [
    ("GET", re.compile(r""), False, pulls.get_repo),
    ("GET", re.compile(r"git/ref/(.+)"), False, git.get_ref),
    ("GET", re.compile(r"git/refs/(.+)"), False, git.get_ref),
    ("POST", re.compile(r"git/refs"), True, git.create_ref),
    ("PATCH", re.compile(r"git/refs/(.+)"), True, git.update_ref),
    ("GET", re.compile(r"git/commits/([0-9a-f]{40})"), False, git.get_commit),
    ("POST", re.compile(r"git/commits"), True, git.create_commit),
    ("GET", re.compile(r"git/trees/([0-9a-f]{40})"), False, git.get_tree),
    ("POST", re.compile(r"git/trees"), True, git.create_tree),
    ("GET", re.compile(r"git/blobs/([0-9a-f]{40})"), False, git.get_blob),
    ("POST", re.compile(r"git/blobs"), True, git.create_blob),
    ("GET", re.compile(r"pulls"), False, pulls.list_pulls),
    ("POST", re.compile(r"pulls"), True, pulls.create_pull),
    ("GET", re.compile(r"pulls/(\d+)"), False, pulls.get_pull),
    ("PATCH", re.compile(r"pulls/(\d+)"), True, pulls.update_pull),
    ("PUT", re.compile(r"pulls/(\d+)/merge"), True, pulls.merge_pull),
    ("GET", re.compile(r"pulls/(\d+)/files"), False, pulls.list_files),
    ("GET", re.compile(r"issues/(\d+)/comments"), False, comments.list_issue_comments),
    ("POST", re.compile(r"issues/(\d+)/comments"), False, comments.create_issue_comment),
    ("GET", re.compile(r"pulls/(\d+)/comments"), False, comments.list_review_comments),
    ("POST", re.compile(r"pulls/(\d+)/comments"), False, comments.create_review_comment),
    ("GET", re.compile(r"commits/([^/]+)/check-runs"), False, checks.list_check_runs),
    ("GET", re.compile(r"commits/([^/]+)/status"), False, checks.combined_status),
    ("GET", re.compile(r"contents/?(.*)"), False, contents.get_contents),
]
_REPO_PATH = re.compile(r"repos/([^/]+)/([^/]+)(?:/(.*))?")
_PAGE_PATH = re.compile(r"([^/]+)/([^/]+)/pull/(\d+)")
_VISITOR = Grant(set(), "read", "visitor")  # who reads a pull request's page


def rate_headers() -> dict[str, str]:
    reset = str(int(time.time()) + 3600)
    return {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": "4999",
        "X-RateLimit-Used": "1",
        "X-RateLimit-Reset": reset,
        "X-RateLimit-Resource": "core",
        "X-GitHub-Api-Version-Selected": API_VERSIONS[0],
    }


def _screen(call: Call, request: Request) -> tuple[screen.Html | screen.Redirect, int]:
    """A pull request's page (its html_url), or its comment form taken (``github_screen``)."""
    if request.method == "GET":
        done = "Your comment was posted." if request.args.get("done") == "commented" else ""
        return screen.page(call, done, login=request.args.get("login", "")), 200
    try:
        return screen.comment(call, request), 303
    except screen.Refused as refused:
        return screen.page(call, error=refused.reason, login=request.form.get("login", "")), refused.status


def dispatch(state: GitHubState, request: Request, path: str, root: str, web: str) -> tuple[Any, int]:
    """The JSON answer and status for ``path`` (after /github/), or an ApiError raised."""
    page = _PAGE_PATH.fullmatch(path)
    if page and request.method in ("GET", "POST") and not path.startswith("repos/"):
        repo = state.find_repo(f"{page.group(1)}/{page.group(2)}")
        if repo is None:
            raise not_found()
        return _screen(Call(state, repo, _VISITOR, root, web, params=(page.group(3),)), request)
    version = request.headers.get("X-GitHub-Api-Version")
    if version and version not in API_VERSIONS:
        raise gh_error(400, f"Unsupported 'X-GitHub-Api-Version' header value: {version}")
    token = bearer_token(request)
    if token is None:
        raise gh_error(401, "Requires authentication")
    if token not in state.grants:
        raise gh_error(401, "Bad credentials")
    if path == "user" and request.method == "GET":  # "Get the authenticated user"
        login = state.grants[token].login
        return {"login": login, "id": abs(hash(login)) % 10**8, "type": "User"}, 200
    if path == "graphql" and request.method == "POST":  # GraphQL answers 200, its errors in the body
        query = json_body(request, gh_error(400, "Problems parsing JSON"))
        sent = query.get("variables")
        variables: dict[str, Any] = sent if isinstance(sent, dict) else {}
        return pulls.mark_ready(state, token, str(query.get("query") or ""), variables), 200
    match = _REPO_PATH.fullmatch(path)
    if match is None:
        raise not_found()
    repo, grant = state.repo_for(token, match.group(1), match.group(2))
    rest = match.group(3) or ""
    for method, pattern, write, handler in ROUTES:
        found = pattern.fullmatch(rest)
        if found is None or method != request.method:
            continue
        if write and grant.permission != "write":
            raise gh_error(403, "Resource not accessible by personal access token")
        body = json_body(request, gh_error(400, "Problems parsing JSON")) if method != "GET" else {}
        call = Call(state, repo, grant, root, web, body, dict(request.args), found.groups())
        return handler(call)
    raise not_found()


def injected(item: Injection) -> ApiError:
    """The error a test asked for, as GitHub sends it (rate limits with their headers)."""
    status = item.status or 500
    if status == 429 or (status == 403 and item.retry_after is not None):
        wait = 60 if item.retry_after is None else item.retry_after
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + wait)}
        if item.retry_after is not None and not item.reset_only:
            headers["Retry-After"] = str(item.retry_after)
        message = item.message or "API rate limit exceeded for user ID 1."
        return ApiError(status, gh_error(status, message).body, headers)
    default = {403: "Forbidden", 502: "Server Error", 503: "Service Unavailable"}
    return gh_error(status, item.message or default.get(status, "Server Error" if status >= 500 else "Error"))
