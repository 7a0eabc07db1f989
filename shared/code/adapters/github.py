"""GitHub's pull requests and their checks and comments: the ``CodeHost`` port, on httpx.

``open_pull_request`` is idempotent under repeats and crashes (its steps: there). The requests and
errors are :mod:`github_rest`'s, the commits and trees :mod:`github_git`'s; no message or log line
carries the token, nor any part of a reply's body. Nothing is retried here: the caller repeats.
"""

import re
from collections.abc import Callable
from typing import Any

import httpx

from shared.code.adapters.github_git import GitHubGitData
from shared.code.adapters.github_rest import (
    API_VERSION,
    GitHubApiError,
    GitHubRest,
    array,
    checked,
    convert,
    sha_of,
)
from shared.code.domain.code import (
    COMMENT_CHARS,
    DETAILS_CHARS,
    PATCH_CHARS,
    ChangedFile,
    CheckResult,
    CheckState,
    CodeChange,
    Comment,
    PullRequest,
)
from shared.platform.adapters.rest import text
from shared.platform.errors import InvalidInput

__all__ = ["API_VERSION", "GitHubApiError", "GitHubCodeHost", "convert"]


def _pull(data: Any) -> PullRequest:
    state = "merged" if data.get("merged_at") else text(data["state"])
    head = data["head"]
    return PullRequest(
        number=int(data["number"]),
        url=text(data["html_url"]),
        branch=text(head["ref"]),
        head_sha=text(head["sha"]),
        state=state,
        draft=data.get("draft") is True,
        node_id=str(data.get("node_id") or ""),
        body=str(data.get("body") or ""),
        merge_sha=str(data.get("merge_commit_sha") or "") if state == "merged" else "",
    )


_PASSED = frozenset({"success", "neutral", "skipped"})


def _tail(*parts: Any) -> str:
    joined = "\n".join(str(p) for p in parts if p)
    return joined[-DETAILS_CHARS:]


def _check_runs(reply: Any) -> list[CheckResult]:
    """GitHub's "List check runs for a Git reference": the newest run of each name."""
    results: dict[str, CheckResult] = {}
    for run in array(reply["check_runs"]):
        output = run.get("output") or {}
        if run.get("status") != "completed":
            state: CheckState = "pending"
        else:
            state = "success" if run.get("conclusion") in _PASSED else "failure"
        details = _tail(output.get("title"), output.get("summary"), output.get("text"))
        results.setdefault(
            text(run["name"]),
            CheckResult(name=text(run["name"]), kind="check_run", state=state, details=details),
        )
    return list(results.values())


def _statuses(reply: Any) -> list[CheckResult]:
    """GitHub's "Get the combined status for a specific reference": one per context (the latest)."""
    states: dict[str, CheckState] = {"success": "success", "pending": "pending"}
    return [
        CheckResult(
            name=text(status["context"]),
            kind="status",
            state=states.get(text(status["state"]), "failure"),
            details=_tail(status.get("description")),
        )
        for status in array(reply["statuses"])
    ]


def _comments(kind: str) -> Callable[[Any], list[Comment]]:
    """A page of "List issue comments" (``issue``) or "List review comments on a pull request"
    (``review``): each with its author's login and type, its body cut to ``COMMENT_CHARS``."""

    def read(reply: Any) -> list[Comment]:
        return [
            Comment(
                id=int(item["id"]),
                kind=kind,
                author=text(item["user"]["login"]),
                bot=item["user"].get("type") == "Bot",
                body=str(item.get("body") or "")[:COMMENT_CHARS],
                created_at=text(item["created_at"]),
                url=str(item.get("html_url") or ""),
                path=str(item.get("path") or ""),
            )
            for item in array(reply)
        ]

    return read


_READY = (
    "mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) "
    "{ pullRequest { isDraft } } }"
)


def _changed(reply: Any) -> list[ChangedFile]:
    """A page of "List pull requests files": each file's name, status, counts and patch (clipped)."""
    return [
        ChangedFile(
            path=text(item["filename"]),
            status=text(item["status"]),
            additions=int(item.get("additions") or 0),
            deletions=int(item.get("deletions") or 0),
            patch=str(item.get("patch") or "")[:PATCH_CHARS],
        )
        for item in array(reply)
    ]


FILES_PAGES = 30  # GitHub lists at most 3,000 files of a pull request, 100 a page


def _graphql_ok(reply: Any) -> bool:
    if not isinstance(reply, dict):
        raise TypeError("not an object")
    return not reply.get("errors")


def _check_sha(sha: str) -> None:
    """InvalidInput unless ``sha`` is a full commit sha (it goes into a URL path or a merge's body)."""
    if not re.fullmatch(r"[0-9a-f]{40}", sha):
        raise InvalidInput(f"{sha!r} is not a commit sha")


def _pulls(reply: Any) -> list[PullRequest]:
    return [_pull(item) for item in array(reply)]


class GitHubCodeHost:
    """The ``CodeHost`` port. Every method takes the tenant's token; nothing about a tenant is kept.
    It holds its parts: ``rest`` (the requests, :mod:`github_rest`) and ``git`` (commits and trees,
    :mod:`github_git`), which the pull requests here use and whose reads the port passes on."""

    def __init__(self, base_url: str, timeout_s: float, client: httpx.Client | None = None) -> None:
        self.rest = GitHubRest(base_url, timeout_s, client)
        self.git = GitHubGitData(self.rest)

    def current_files(
        self, token: str, repository: str, base: str, paths: list[str]
    ) -> dict[str, str | None]:
        """:meth:`GitHubGitData.current_files`."""
        return self.git.current_files(token, repository, base, paths)

    def push_files(self, token: str, change: CodeChange) -> str:
        """:meth:`GitHubGitData.push_files`."""
        return self.git.push_files(token, change)

    def recent_commits(self, token: str, repository: str, sha: str, limit: int) -> list[tuple[str, str, str]]:
        """:meth:`GitHubGitData.recent_commits`."""
        return self.git.recent_commits(token, repository, sha, limit)

    def tree(self, token: str, repository: str, ref: str) -> tuple[str, list[tuple[str, int]], bool]:
        """:meth:`GitHubGitData.tree`."""
        return self.git.tree(token, repository, ref)

    def contents(self, token: str, repository: str, ref: str, paths: list[str]) -> dict[str, str | None]:
        """:meth:`GitHubGitData.contents`."""
        return self.git.contents(token, repository, ref, paths)

    def account(self, token: str) -> str:
        """The login ``token`` acts as (``GET /user``)."""
        return self.rest.call("GET", "/user", token, "the token", lambda user: text(user["login"]))

    def find_pull_request(self, token: str, repository: str, branch: str) -> PullRequest | None:
        """The pull request from ``branch`` (any state): the open one, else the newest."""
        owner = checked(repository, branch)
        params = {"head": f"{owner}:{branch}", "state": "all", "per_page": 100}
        pulls = self.rest.call("GET", f"/repos/{repository}/pulls", token, repository, _pulls, params=params)
        mine = [p for p in pulls if p.branch == branch]
        if not mine:
            return None
        mine.sort(key=lambda p: (p.state == "open", p.number), reverse=True)
        return mine[0]

    def open_pull_request(self, token: str, change: CodeChange) -> PullRequest:
        """The pull request of ``change``, found or made; each step first looks at what is there.
        A pull request closed or merged is returned as it is (its branch is never brought back). The
        branch is created from the base's head only if missing. The files go into ONE commit through
        the git data API (a tree on the head's tree, a commit, a fast-forward), skipped when the new
        tree equals the head's: a repeat after a crash adds nothing. A file is written executable
        (100755) when the change asks or the file it replaces is, else 100644. The pull request is
        opened unless one exists for the branch.
        """
        repo, branch = change.repository, change.branch
        existing = self.find_pull_request(token, repo, branch)
        if existing is not None and existing.state != "open":
            return existing  # closed or merged: the change is settled, its branch may be gone
        base = change.base or self.rest.default_branch(token, repo)
        if base == branch:
            raise InvalidInput(
                f"branch {branch!r} is the base branch of {repo}; a change needs its own branch"
            )
        head = self.git.ensure_branch(token, repo, branch, base)
        head = self.git.commit_files(token, change, head)
        if existing is not None:
            return existing.model_copy(update={"head_sha": head})
        return self._create_pull(token, change, base)

    def _create_pull(self, token: str, change: CodeChange, base: str) -> PullRequest:
        body: dict[str, Any] = {
            "title": change.title,
            "head": change.branch,
            "base": base,
            "body": change.body,
        }
        if change.draft:
            body["draft"] = True
        repo = change.repository
        try:
            return self.rest.call("POST", f"/repos/{repo}/pulls", token, repo, _pull, json=body)
        except GitHubApiError as error:
            found = self.find_pull_request(token, repo, change.branch) if error.status == 422 else None
            if found is not None:
                return found  # opened meanwhile (or by a call whose answer was lost)
            raise

    def checks(self, token: str, repository: str, sha: str) -> list[CheckResult]:
        """The checks of commit ``sha``: its check runs, then its commit statuses (read only)."""
        checked(repository, "main")
        _check_sha(sha)
        base = f"/repos/{repository}/commits/{sha}"
        params = {"per_page": 100}
        runs = self.rest.call("GET", f"{base}/check-runs", token, repository, _check_runs, params=params)
        statuses = self.rest.call("GET", f"{base}/status", token, repository, _statuses, params=params)
        return runs + statuses

    def get_pull_request(self, token: str, repository: str, number: int) -> PullRequest:
        checked(repository, "main")
        return self.rest.call("GET", f"/repos/{repository}/pulls/{int(number)}", token, repository, _pull)

    def set_pull_request_body(self, token: str, repository: str, number: int, body: str) -> None:
        """The pull request's description becomes ``body`` (the same body again changes nothing)."""
        checked(repository, "main")
        path = f"/repos/{repository}/pulls/{int(number)}"
        self.rest.call("PATCH", path, token, repository, _pull, json={"body": body})

    def mark_ready(self, token: str, repository: str, number: int) -> PullRequest:
        """The pull request, ready for review: a draft is marked so through GraphQL (REST cannot), one
        already ready is left as it is. A GraphQL error is a GitHubApiError (its message only)."""
        pull = self.get_pull_request(token, repository, number)
        if not pull.draft:
            return pull
        query = {"query": _READY, "variables": {"id": pull.node_id}}
        if not self.rest.call("POST", "/graphql", token, repository, _graphql_ok, json=query):
            pull = self.get_pull_request(token, repository, number)
            if pull.draft:  # not a lost answer: GitHub refused
                raise GitHubApiError(422, f"GitHub did not mark pull request #{number} of {repository} ready")
        return pull.model_copy(update={"draft": False})

    def merge(self, token: str, repository: str, number: int, sha: str, title: str) -> str:
        """Squash-merge pull request ``number`` only if its head is still ``sha`` (``PUT .../merge`` with
        ``sha``: GitHub refuses with 409 when the head moved). The merge commit's sha. One already
        merged is not merged again: its merge commit is returned (a repeat after a lost answer)."""
        checked(repository, "main")
        _check_sha(sha)
        pull = self.get_pull_request(token, repository, number)
        if pull.state == "merged":
            return pull.merge_sha
        path = f"/repos/{repository}/pulls/{int(number)}/merge"
        body = {"merge_method": "squash", "sha": sha, "commit_title": f"{title} (#{int(number)})"}
        try:
            return self.rest.call("PUT", path, token, repository, sha_of, json=body)
        except GitHubApiError as error:
            again = self.get_pull_request(token, repository, number)
            if again.state == "merged":  # merged by the call whose answer was lost
                return again.merge_sha
            if error.status == 409:
                raise GitHubApiError(
                    409,
                    f"pull request #{number} of {repository}: its head is no longer {sha[:7]}; nothing merged",
                ) from None
            raise

    def pull_request_files(self, token: str, repository: str, number: int) -> list[ChangedFile]:
        """Every file pull request ``number`` changes ("List pull requests files", 100 a page, read
        until a page is short; GitHub lists 3,000 at most)."""
        checked(repository, "main")
        path = f"/repos/{repository}/pulls/{int(number)}/files"
        found: list[ChangedFile] = []
        for page in range(1, FILES_PAGES + 1):
            params = {"per_page": 100, "page": page}
            batch = self.rest.call("GET", path, token, repository, _changed, params=params)
            found += batch
            if len(batch) < 100:
                break
        return found

    def comments(self, token: str, repository: str, number: int, since: str) -> list[Comment]:
        """The comments on pull request ``number`` made at or after ``since`` (ISO 8601): those of
        its conversation, then those on lines of its diff, oldest first (read only, 100 of each)."""
        checked(repository, "main")
        params: dict[str, str | int] = {"since": since, "per_page": 100}
        found: list[Comment] = []
        for kind, path in (("issue", "issues"), ("review", "pulls")):
            url = f"/repos/{repository}/{path}/{int(number)}/comments"
            found += self.rest.call("GET", url, token, repository, _comments(kind), params=params)
        return [c for c in found if c.created_at >= since]
