"""GitHub's REST API (version 2022-11-28) on httpx: one client per instance, the tenant's token per call.

``open_pull_request`` is idempotent under repeats and crashes (its steps: there). Errors become the
project's kinds (:func:`convert`); no message or log line carries the token, nor any part of a
reply's body. Nothing is retried here: the caller repeats the whole call.
"""

import base64
import logging
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from shared.code.domain.code import (
    COMMENT_CHARS,
    DETAILS_CHARS,
    CheckResult,
    CheckState,
    CodeChange,
    Comment,
    PullRequest,
    check_ref_name,
)
from shared.platform.adapters.rest import RestClient, read_json, text
from shared.platform.errors import (
    AgentError,
    InvalidInput,
    NotFound,
    PermanentError,
    TransientError,
    Unauthenticated,
)
from shared.workspace.domain.code_names import check_repository

API_VERSION = "2022-11-28"
SECONDARY_LIMIT_WAIT_S = 60.0  # GitHub: without Retry-After or a reset time, wait at least a minute
_log = logging.getLogger(__name__)


class GitHubApiError(PermanentError):
    """GitHub refused the request for good (403 without rate limiting, 409, 422, other 4xx)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _message(response: httpx.Response) -> str:
    """GitHub's ``message`` plus the ``errors`` details of a validation failure."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if not isinstance(body, dict):
        return response.reason_phrase
    errors = body.get("errors") or []
    details = [str((e.get("message") or e.get("code")) if isinstance(e, dict) else e) for e in errors]
    said = str(body.get("message") or response.reason_phrase)
    return f"{said} ({'; '.join(details)})" if details else said


def _retry_after(response: httpx.Response) -> float | None:
    headers = response.headers
    try:
        return max(0.0, float(headers["retry-after"]))
    except (KeyError, ValueError):
        pass
    try:
        return max(0.0, float(headers["x-ratelimit-reset"]) - time.time())
    except (KeyError, ValueError):
        return None


def _rate_limited(response: httpx.Response, message: str) -> bool:
    if response.status_code == 429:
        return True
    headers = response.headers
    return response.status_code == 403 and (
        headers.get("x-ratelimit-remaining") == "0"
        or "retry-after" in headers
        or "rate limit" in message.lower()
    )


def convert(response: httpx.Response, repository: str, token: str) -> AgentError:
    """The project's error for a GitHub error response about ``repository``: 401 → Unauthenticated.
    403 or 429 rate limited → TransientError (``retry_after_s`` from Retry-After, else
    X-RateLimit-Reset). 404 → NotFound naming the repository; 5xx → TransientError; other 4xx →
    :class:`GitHubApiError` with GitHub's message. A 2xx reply that is not JSON or not of the shape read
    (``read_json``) is a TransientError too: the next try may reach GitHub itself.
    """
    status = response.status_code
    message = _message(response)
    message = message.replace(token, "[REDACTED]") if token else message
    if status == 401:
        return Unauthenticated("GitHub refused the token; reconnect GitHub")
    if _rate_limited(response, message):
        wait = _retry_after(response)
        wait = SECONDARY_LIMIT_WAIT_S if wait is None else wait
        return TransientError(f"GitHub rate limit reached while working on {repository}", retry_after_s=wait)
    if status >= 500:
        return TransientError(f"GitHub answered {status} for {repository}: {message}")
    if status == 404:
        return NotFound(
            f"GitHub repository {repository} was not found or the token cannot see it ({message})"
        )
    if status == 403:
        return GitHubApiError(status, f"GitHub refused access to {repository}: {message}")
    return GitHubApiError(status, f"GitHub answered {status} for {repository}: {message}")


def _array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("not a list")
    return value


def _sha(reply: Any) -> str:
    """The ``sha`` of a created tree or commit."""
    return text(reply["sha"])


def _ref_sha(ref: Any) -> str:
    """The commit a branch reference points at."""
    return text(ref["object"]["sha"])


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
    for run in _array(reply["check_runs"]):
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
        for status in _array(reply["statuses"])
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
            for item in _array(reply)
        ]

    return read


_READY = (
    "mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) "
    "{ pullRequest { isDraft } } }"
)


def _graphql_ok(reply: Any) -> bool:
    if not isinstance(reply, dict):
        raise TypeError("not an object")
    return not reply.get("errors")


def _pulls(reply: Any) -> list[PullRequest]:
    return [_pull(item) for item in _array(reply)]


def _tree_entries(tree: Any) -> dict[str, dict[str, str]]:
    """A tree's entries by name, each with its ``type``, ``sha`` and ``mode``."""
    return {
        text(item["path"]): {key: text(item[key]) for key in ("type", "sha", "mode")}
        for item in _array(tree["tree"])
    }


def _blob_text(blob: Any) -> str:
    """A blob's content (base64, as the git data API sends it) as text."""
    return base64.b64decode(text(blob["content"])).decode("utf-8", errors="replace")


def _checked(repository: str, branch: str) -> str:
    """``repository``'s owner, after checking both names (they go into URL paths)."""
    try:
        check_repository(repository)
        check_ref_name(branch)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return repository.split("/", 1)[0]


def _ref_path(repository: str, branch: str) -> str:
    return f"/repos/{repository}/git/ref/heads/{quote(branch, safe='/')}"


class GitHubCodeHost:
    """The ``CodeHost`` port. Every method takes the tenant's token; nothing about a tenant is kept."""

    def __init__(self, base_url: str, timeout_s: float, client: httpx.Client | None = None) -> None:
        self._rest = RestClient("GitHub", base_url, timeout_s, client)

    def _call[T](
        self, method: str, path: str, token: str, repository: str, parse: Callable[[Any], T], **kw: Any
    ) -> T:
        """One request: its JSON answer read by ``parse`` (:func:`read_json`), else the converted error."""
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        response = self._rest.send(method, path, headers, repository, follow_redirects=True, **kw)
        _log.debug("github %s %s -> %s", method, path, response.status_code)
        if not response.is_success:
            raise convert(response, repository, token)
        return read_json("GitHub", response, parse, f"{method} {path}", token)

    def account(self, token: str) -> str:
        """The login ``token`` acts as (``GET /user``)."""
        return self._call("GET", "/user", token, "the token", lambda user: text(user["login"]))

    def find_pull_request(self, token: str, repository: str, branch: str) -> PullRequest | None:
        """The pull request from ``branch`` (any state): the open one, else the newest."""
        owner = _checked(repository, branch)
        params = {"head": f"{owner}:{branch}", "state": "all", "per_page": 100}
        pulls = self._call("GET", f"/repos/{repository}/pulls", token, repository, _pulls, params=params)
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
        base = change.base or self._default_branch(token, repo)
        if base == branch:
            raise InvalidInput(
                f"branch {branch!r} is the base branch of {repo}; a change needs its own branch"
            )
        head = self._ensure_branch(token, repo, branch, base)
        head = self._commit_files(token, change, head)
        if existing is not None:
            return existing.model_copy(update={"head_sha": head})
        return self._create_pull(token, change, base)

    def _default_branch(self, token: str, repo: str) -> str:
        return self._call("GET", f"/repos/{repo}", token, repo, lambda found: text(found["default_branch"]))

    def _head(self, token: str, repo: str, branch: str) -> str | None:
        try:
            return self._call("GET", _ref_path(repo, branch), token, repo, _ref_sha)
        except NotFound:  # 404 for the reference: no such branch
            return None

    def _ensure_branch(self, token: str, repo: str, branch: str, base: str) -> str:
        """The head commit of ``branch``, creating the branch at the base's head when missing."""
        head = self._head(token, repo, branch)
        if head is not None:
            return head
        base_head = self._head(token, repo, base)
        if base_head is None:
            raise NotFound(f"base branch {base!r} was not found in GitHub repository {repo}")
        body = {"ref": f"refs/heads/{branch}", "sha": base_head}
        try:
            self._call("POST", f"/repos/{repo}/git/refs", token, repo, _ref_sha, json=body)
        except GitHubApiError as error:
            if error.status == 422 and (head := self._head(token, repo, branch)) is not None:
                return head  # created meanwhile by another delivery of the same step
            raise
        return base_head

    def _commit_files(self, token: str, change: CodeChange, head: str) -> str:
        """The branch head after committing ``change.files`` on top of ``head`` (unchanged if it
        already holds exactly these files)."""
        repo = change.repository
        head_tree = self._call(
            "GET", f"/repos/{repo}/git/commits/{head}", token, repo, lambda commit: _sha(commit["tree"])
        )
        executable = self._executables(token, repo, head_tree, [f.path for f in change.files])
        entries = [
            {
                "path": f.path,
                "mode": "100755" if f.executable or f.path in executable else "100644",
                "type": "blob",
                "content": f.content,
            }
            for f in change.files
        ]
        tree_body = {"base_tree": head_tree, "tree": entries}
        tree = self._call("POST", f"/repos/{repo}/git/trees", token, repo, _sha, json=tree_body)
        if tree == head_tree:
            return head
        commit_body = {"message": change.commit_message, "tree": tree, "parents": [head]}
        commit = self._call("POST", f"/repos/{repo}/git/commits", token, repo, _sha, json=commit_body)
        ref_path = f"/repos/{repo}/git/refs/heads/{quote(change.branch, safe='/')}"
        try:
            self._call("PATCH", ref_path, token, repo, _ref_sha, json={"sha": commit, "force": False})
        except GitHubApiError as error:
            if error.status == 422:  # not a fast-forward: the branch moved since we read its head
                raise TransientError(f"branch {change.branch} of {repo} moved while committing") from None
            raise
        return commit

    def _executables(self, token: str, repo: str, tree: str, paths: list[str]) -> set[str]:
        """Which of ``paths`` are executable files in ``tree``."""
        entries = self._entries(token, repo, tree, paths)
        return {path for path, entry in entries.items() if entry.get("mode") == "100755"}

    def _entries(self, token: str, repo: str, tree: str, paths: list[str]) -> dict[str, dict[str, str]]:
        """The tree entries of those of ``paths`` that exist in ``tree``: one listing per directory on
        their way (never the whole tree, which GitHub truncates for large repositories)."""
        listings: dict[str, dict[str, dict[str, str]]] = {}

        def listing(directory: str) -> dict[str, dict[str, str]]:
            """The entries of ``directory`` by name; empty when it does not exist in ``tree``."""
            if directory not in listings:
                parent, _, name = directory.rpartition("/")
                entry = listing(parent).get(name) if directory else {"type": "tree", "sha": tree}
                found: dict[str, dict[str, str]] = {}
                if entry is not None and entry["type"] == "tree":
                    path = f"/repos/{repo}/git/trees/{entry['sha']}"
                    found = self._call("GET", path, token, repo, _tree_entries)
                listings[directory] = found
            return listings[directory]

        entries = {}
        for path in paths:
            directory, _, name = path.rpartition("/")
            if (entry := listing(directory).get(name)) is not None:
                entries[path] = entry
        return entries

    def current_files(
        self, token: str, repository: str, base: str, paths: list[str]
    ) -> dict[str, str | None]:
        """Each of ``paths`` as it is now at the head of ``base`` (empty: the default branch), read as
        UTF-8 (undecodable bytes replaced); None for a path that is no file there. For the diffs an
        approval of a pull request shows: read only, nothing is written."""
        _checked(repository, base or "main")
        branch = base or self._default_branch(token, repository)
        head = self._head(token, repository, branch)
        if head is None:
            raise NotFound(f"base branch {branch!r} was not found in GitHub repository {repository}")
        tree = self._call(
            "GET", f"/repos/{repository}/git/commits/{head}", token, repository, lambda c: _sha(c["tree"])
        )
        found: dict[str, str | None] = dict.fromkeys(paths)
        for path, entry in self._entries(token, repository, tree, paths).items():
            if entry["type"] == "blob":
                blob = f"/repos/{repository}/git/blobs/{entry['sha']}"
                found[path] = self._call("GET", blob, token, repository, _blob_text)
        return found

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
            return self._call("POST", f"/repos/{repo}/pulls", token, repo, _pull, json=body)
        except GitHubApiError as error:
            found = self.find_pull_request(token, repo, change.branch) if error.status == 422 else None
            if found is not None:
                return found  # opened meanwhile (or by a call whose answer was lost)
            raise

    def checks(self, token: str, repository: str, sha: str) -> list[CheckResult]:
        """The checks of commit ``sha``: its check runs, then its commit statuses (read only)."""
        _checked(repository, "main")
        if not re.fullmatch(r"[0-9a-f]{40}", sha):
            raise InvalidInput(f"{sha!r} is not a commit sha")
        base = f"/repos/{repository}/commits/{sha}"
        params = {"per_page": 100}
        runs = self._call("GET", f"{base}/check-runs", token, repository, _check_runs, params=params)
        statuses = self._call("GET", f"{base}/status", token, repository, _statuses, params=params)
        return runs + statuses

    def get_pull_request(self, token: str, repository: str, number: int) -> PullRequest:
        _checked(repository, "main")
        return self._call("GET", f"/repos/{repository}/pulls/{int(number)}", token, repository, _pull)

    def set_pull_request_body(self, token: str, repository: str, number: int, body: str) -> None:
        """The pull request's description becomes ``body`` (the same body again changes nothing)."""
        _checked(repository, "main")
        path = f"/repos/{repository}/pulls/{int(number)}"
        self._call("PATCH", path, token, repository, _pull, json={"body": body})

    def mark_ready(self, token: str, repository: str, number: int) -> PullRequest:
        """The pull request, ready for review: a draft is marked so through GraphQL (REST cannot), one
        already ready is left as it is. A GraphQL error is a GitHubApiError (its message only)."""
        pull = self.get_pull_request(token, repository, number)
        if not pull.draft:
            return pull
        query = {"query": _READY, "variables": {"id": pull.node_id}}
        if not self._call("POST", "/graphql", token, repository, _graphql_ok, json=query):
            pull = self.get_pull_request(token, repository, number)
            if pull.draft:  # not a lost answer: GitHub refused
                raise GitHubApiError(422, f"GitHub did not mark pull request #{number} of {repository} ready")
        return pull.model_copy(update={"draft": False})

    def push_files(self, token: str, change: CodeChange) -> str:
        """``change.files`` committed on its existing branch (never created here), on top of its
        head: the new head, or the head unchanged when it already holds exactly these files."""
        repo, branch = change.repository, change.branch
        _checked(repo, branch)
        head = self._head(token, repo, branch)
        if head is None:
            raise NotFound(f"branch {branch!r} was not found in GitHub repository {repo}")
        return self._commit_files(token, change, head)

    def recent_commits(self, token: str, repository: str, sha: str, limit: int) -> list[tuple[str, str, str]]:
        """Up to ``limit`` commits from ``sha`` back along first parents: (sha, message, committer
        date as GitHub writes it), newest first."""
        _checked(repository, "main")
        found: list[tuple[str, str, str]] = []
        current: str | None = sha
        while current and len(found) < limit:
            path = f"/repos/{repository}/git/commits/{current}"
            commit = self._call("GET", path, token, repository, lambda c: c)
            found.append((current, text(commit["message"]), text(commit["committer"]["date"])))
            parents = commit.get("parents") or []
            current = text(parents[0]["sha"]) if parents else None
        return found

    def merge(self, token: str, repository: str, number: int, sha: str, title: str) -> str:
        """Squash-merge pull request ``number`` only if its head is still ``sha`` (``PUT .../merge`` with
        ``sha``: GitHub refuses with 409 when the head moved). The merge commit's sha. One already
        merged is not merged again: its merge commit is returned (a repeat after a lost answer)."""
        _checked(repository, "main")
        if not re.fullmatch(r"[0-9a-f]{40}", sha):
            raise InvalidInput(f"{sha!r} is not a commit sha")
        pull = self.get_pull_request(token, repository, number)
        if pull.state == "merged":
            return pull.merge_sha
        path = f"/repos/{repository}/pulls/{int(number)}/merge"
        body = {"merge_method": "squash", "sha": sha, "commit_title": f"{title} (#{int(number)})"}
        try:
            return self._call("PUT", path, token, repository, _sha, json=body)
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

    def comments(self, token: str, repository: str, number: int, since: str) -> list[Comment]:
        """The comments on pull request ``number`` made at or after ``since`` (ISO 8601): those of
        its conversation, then those on lines of its diff, oldest first (read only, 100 of each)."""
        _checked(repository, "main")
        params: dict[str, str | int] = {"since": since, "per_page": 100}
        found: list[Comment] = []
        for kind, path in (("issue", "issues"), ("review", "pulls")):
            url = f"/repos/{repository}/{path}/{int(number)}/comments"
            found += self._call("GET", url, token, repository, _comments(kind), params=params)
        return [c for c in found if c.created_at >= since]

    def tree(self, token: str, repository: str, ref: str) -> tuple[str, list[tuple[str, int]], bool]:
        """The files of ``ref`` (a branch; empty: the default branch): its head commit, each file's path
        and size (``GET .../git/trees/{sha}?recursive=1``), and whether GitHub truncated the list."""
        _checked(repository, ref or "main")
        branch = ref or self._default_branch(token, repository)
        head = self._head(token, repository, branch)
        if head is None:
            raise NotFound(f"branch {branch!r} was not found in GitHub repository {repository}")
        commit = f"/repos/{repository}/git/commits/{head}"
        tree = self._call("GET", commit, token, repository, lambda c: _sha(c["tree"]))
        path = f"/repos/{repository}/git/trees/{tree}"
        listed = self._call("GET", path, token, repository, lambda t: t, params={"recursive": 1})
        files = [
            (text(item["path"]), int(item.get("size") or 0))
            for item in _array(listed["tree"])
            if item.get("type") == "blob"
        ]
        return head, files, listed.get("truncated") is True
