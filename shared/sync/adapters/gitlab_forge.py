"""GitLab merge requests as the code pipeline's ``CodeHost`` port, beside GitHub's pull requests.

One instance per workspace's GitLab connection (its base URL); the caller passes the token. A change
is one commit (Commits API ``actions``), a draft merge request (title ``Draft: ...``), the project's
pipeline jobs as checks, and a squash merge at the approved sha. Every write first looks at what is
there, so a repeat adds nothing. Requests, pacing and errors are ``GitLabRest``'s. Why:
docs/decisions/0126.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from shared.code.domain import code as domain
from shared.code.domain.code import ChangedFile, CheckResult, CodeChange, Comment, PullRequest
from shared.platform.errors import InvalidInput, NotFound, PermanentError
from shared.sync.adapters.gitlab import json_of

if TYPE_CHECKING:
    from shared.sync.ports import GitLabApi

DRAFT = "Draft: "
# The prefixes GitLab reads as a draft (its "Draft merge requests" page); removing them marks it ready.
_DRAFT_PREFIX = re.compile(r"^\s*(?:\[draft\]|\(draft\)|draft:|draft\s+-|wip:)\s*", re.IGNORECASE)
# A job's status (its Jobs API): still to come, passed, or failed. ``manual``: a job nobody started,
# which a pipeline does not wait for.
_STARTING = frozenset({"created", "preparing", "pending", "running"})
_PENDING = _STARTING | {"waiting_for_resource", "scheduled", "waiting_for_callback"}
_PASSED = frozenset({"success", "skipped", "manual"})
_SHA = re.compile(r"[0-9a-f]{40}")


def _sha(sha: str) -> str:
    if not _SHA.fullmatch(sha):
        raise InvalidInput(f"{sha!r} is not a commit sha")
    return sha


def merge_request(data: Any) -> PullRequest:
    """A merge request as the pipeline weighs a pull request: ``opened`` (or ``locked``) is ``open``;
    ``merged`` and ``closed`` stay; its head is GitLab's ``sha``; merged, its squash (or merge) commit."""
    state = {"opened": "open", "locked": "open"}.get(str(data["state"]), str(data["state"]))
    merged = str(data.get("squash_commit_sha") or data.get("merge_commit_sha") or "")
    return PullRequest(
        number=int(data["iid"]),
        url=str(data.get("web_url") or ""),
        branch=str(data["source_branch"]),
        head_sha=str(data.get("sha") or ""),
        state=state,
        draft=bool(data.get("draft") or data.get("work_in_progress")),
        body=str(data.get("description") or ""),
        merge_sha=merged if state == "merged" else "",
    )


def job_state(job: dict[str, Any]) -> domain.CheckState:
    """A job's state: pending until it ended; a failure allowed to fail passes, as GitLab's pipeline
    counts it."""
    status = str(job.get("status") or "")
    if status in _PENDING:
        return "pending"
    if status in _PASSED or (status == "failed" and job.get("allow_failure") is True):
        return "success"
    return "failure"


def ready_title(title: str) -> str:
    """``title`` without GitLab's draft prefixes (what marks a merge request ready)."""
    while (stripped := _DRAFT_PREFIX.sub("", title, count=1)) != title:
        title = stripped
    return title


def changed_file(diff: dict[str, Any]) -> ChangedFile:
    """One entry of "List merge request diffs": its path, status and counts of lines."""
    status = (
        "added"
        if diff.get("new_file")
        else "removed"
        if diff.get("deleted_file")
        else "renamed"
        if diff.get("renamed_file")
        else "modified"
    )
    patch = str(diff.get("diff") or "")
    lines = patch.splitlines()
    return ChangedFile(
        path=str(diff.get("new_path") or diff.get("old_path") or ""),
        status=status,
        additions=sum(1 for line in lines if line.startswith("+") and not line.startswith("+++")),
        deletions=sum(1 for line in lines if line.startswith("-") and not line.startswith("---")),
        patch=patch[: domain.PATCH_CHARS],
    )


class GitLabCodeHost:
    """The ``CodeHost`` port on one GitLab instance; ``repository`` is the project's ``group/name``."""

    def __init__(self, rest: GitLabApi, base_url: str) -> None:
        self._rest, self._base = rest, base_url.rstrip("/")

    def _json(self, token: str, method: str, path: str, name: str, **kw: Any) -> Any:
        response = self._rest.request(self._base, token, method, path, name, **kw)
        return json_of(response, "GitLab", name)

    @staticmethod
    def _project(repository: str) -> str:
        return f"/projects/{quote(repository, safe='')}"

    def account(self, token: str) -> str:
        """The username ``token`` acts as (``GET /user``)."""
        return str(self._json(token, "GET", "/user", "user")["username"])

    def _merge_requests(self, token: str, repository: str, branch: str) -> list[PullRequest]:
        params = {"source_branch": branch, "state": "all"}
        path = f"{self._project(repository)}/merge_requests"
        found = self._rest.pages(self._base, token, path, "merge requests", params)
        return [merge_request(item) for item in found if item.get("source_branch") == branch]

    def find_pull_request(self, token: str, repository: str, branch: str) -> PullRequest | None:
        """The merge request from ``branch`` (any state): the open one, else the newest."""
        mine = self._merge_requests(token, repository, branch)
        mine.sort(key=lambda p: (p.state == "open", p.number), reverse=True)
        return mine[0] if mine else None

    def project_id(self, token: str, repository: str) -> int:
        """The numeric id of the project at path ``repository`` (``GET /projects/:id``)."""
        return int(self._json(token, "GET", self._project(repository), "project")["id"])

    def _default_branch(self, token: str, repository: str) -> str:
        return str(self._json(token, "GET", self._project(repository), "project")["default_branch"])

    def _branch_head(self, token: str, repository: str, branch: str) -> str | None:
        path = f"{self._project(repository)}/repository/branches/{quote(branch, safe='')}"
        try:
            return str(self._json(token, "GET", path, "branch")["commit"]["id"])
        except NotFound:
            return None

    def _file(self, token: str, repository: str, ref: str, path: str) -> tuple[str, bool] | None:
        """A file's text and whether it is executable at ``ref`` (``GET .../repository/files``)."""
        url = f"{self._project(repository)}/repository/files/{quote(path, safe='')}"
        try:
            found = self._json(token, "GET", url, "file", params={"ref": ref})
        except NotFound:
            return None
        text = base64.b64decode(str(found.get("content") or "")).decode("utf-8", errors="replace")
        return text, found.get("execute_filemode") is True

    def open_pull_request(self, token: str, change: CodeChange) -> PullRequest:
        """The merge request of ``change``, found or made. A closed or merged one is returned as it is.
        The files go in ONE commit (:meth:`push_files`, which creates the branch from the base when
        missing and adds nothing when the branch holds them). The merge request is opened, a draft
        titled ``Draft: ...`` when asked, unless one exists for the branch."""
        repo, branch = change.repository, change.branch
        existing = self.find_pull_request(token, repo, branch)
        if existing is not None and existing.state != "open":
            return existing
        base = change.base or self._default_branch(token, repo)
        if base == branch:
            raise InvalidInput(
                f"branch {branch!r} is the base branch of {repo}; a change needs its own branch"
            )
        head = self._commit(token, change, base)
        if existing is not None:
            return existing.model_copy(update={"head_sha": head})
        body = {
            "source_branch": branch,
            "target_branch": base,
            "title": (DRAFT if change.draft else "") + change.title,
            "description": change.body,
        }
        try:
            made = self._json(
                token, "POST", f"{self._project(repo)}/merge_requests", "merge request", json=body
            )
        except PermanentError:
            found = self.find_pull_request(token, repo, branch)
            if found is None:
                raise
            return found  # opened meanwhile (GitLab: 409, another open merge request for the branch)
        return merge_request(made)

    def push_files(self, token: str, change: CodeChange) -> str:
        """``change.files`` as one commit on its existing branch; the head unchanged when it holds them."""
        head = self._branch_head(token, change.repository, change.branch)
        if head is None:
            raise InvalidInput(f"branch {change.branch!r} does not exist in {change.repository}")
        return self._commit(token, change, change.branch)

    def _commit(self, token: str, change: CodeChange, start: str) -> str:
        """One commit of ``change.files`` on its branch (made from ``start`` when missing) through the
        Commits API's ``actions`` (``create`` or ``update`` as each file is there or not); the head."""
        repo, branch = change.repository, change.branch
        head = self._branch_head(token, repo, branch)
        ref = branch if head is not None else start
        current = {f.path: self._file(token, repo, ref, f.path) for f in change.files}
        if head is not None and all((current[f.path] or ("", False))[0] == f.content for f in change.files):
            return head  # the branch holds them already: a repeat after a crash
        actions = [
            {
                "action": "update" if current[f.path] is not None else "create",
                "file_path": f.path,
                "content": f.content,
                "execute_filemode": f.executable or bool((current[f.path] or ("", False))[1]),
            }
            for f in change.files
        ]
        body: dict[str, Any] = {"branch": branch, "commit_message": change.commit_message, "actions": actions}
        if head is None:
            body["start_branch"] = start
        made = self._json(token, "POST", f"{self._project(repo)}/repository/commits", "commit", json=body)
        return str(made["id"])

    def checks(self, token: str, repository: str, sha: str) -> list[CheckResult]:
        """The jobs of the newest pipeline of commit ``sha`` (each name's newest); a failing job's
        details are its log's end. No pipeline yet: none (pending)."""
        project = self._project(repository)
        params = {"sha": _sha(sha), "order_by": "id", "sort": "desc", "per_page": 1}
        found = self._json(token, "GET", f"{project}/pipelines", "pipelines", params=params) or []
        if not found:
            return []
        pipeline = found[0]
        jobs = self._rest.pages(
            self._base, token, f"{project}/pipelines/{int(pipeline['id'])}/jobs", "jobs", {}
        )
        results: dict[str, CheckResult] = {}
        for job in sorted(jobs, key=lambda j: int(j.get("id") or 0), reverse=True):
            state, name = job_state(job), str(job.get("name") or "job")
            details = self._trace(token, project, int(job["id"])) if state == "failure" else ""
            results.setdefault(name, CheckResult(name=name, kind="check_run", state=state, details=details))
        if not results:  # a pipeline without jobs: its own status
            state = job_state({"status": pipeline.get("status")})
            results["pipeline"] = CheckResult(name="pipeline", kind="status", state=state)
        return list(results.values())

    def _trace(self, token: str, project: str, job_id: int) -> str:
        response = self._rest.request(self._base, token, "GET", f"{project}/jobs/{job_id}/trace", "job log")
        return str(response.text)[-domain.DETAILS_CHARS :]

    def get_pull_request(self, token: str, repository: str, number: int) -> PullRequest:
        path = f"{self._project(repository)}/merge_requests/{int(number)}"
        return merge_request(self._json(token, "GET", path, "merge request"))

    def set_pull_request_body(self, token: str, repository: str, number: int, body: str) -> None:
        path = f"{self._project(repository)}/merge_requests/{int(number)}"
        self._json(token, "PUT", path, "merge request", json={"description": body})

    def mark_ready(self, token: str, repository: str, number: int) -> PullRequest:
        """Ready: a draft's title loses its ``Draft:`` prefix (one already ready stays): idempotent."""
        path = f"{self._project(repository)}/merge_requests/{int(number)}"
        found = self._json(token, "GET", path, "merge request")
        if not merge_request(found).draft:
            return merge_request(found)
        title = ready_title(str(found["title"]))
        return merge_request(self._json(token, "PUT", path, "merge request", json={"title": title}))

    def recent_commits(self, token: str, repository: str, sha: str, limit: int) -> list[tuple[str, str, str]]:
        """(sha, message, committed date) from ``sha`` back along first parents, newest first."""
        params = {"ref_name": sha, "first_parent": "true", "per_page": max(1, min(int(limit), 100))}
        path = f"{self._project(repository)}/repository/commits"
        found = self._json(token, "GET", path, "commits", params=params) or []
        return [(str(c["id"]), str(c.get("message") or ""), str(c["committed_date"])) for c in found][:limit]

    def merge(self, token: str, repository: str, number: int, sha: str, title: str) -> str:
        """Squash-merge merge request ``number`` only at head ``sha`` (GitLab refuses another head with
        409). One already merged is found, not merged again; its squash commit is returned."""
        mr = self.get_pull_request(token, repository, number)
        if mr.state == "merged":
            return mr.merge_sha
        path = f"{self._project(repository)}/merge_requests/{int(number)}/merge"
        body = {"sha": _sha(sha), "squash": True, "squash_commit_message": f"{title} (!{int(number)})"}
        try:
            return merge_request(self._json(token, "PUT", path, "merge", json=body)).merge_sha
        except PermanentError:
            again = self.get_pull_request(token, repository, number)
            if again.state == "merged":  # merged by the call whose answer was lost
                return again.merge_sha
            if again.head_sha != sha:
                raise PermanentError(
                    f"merge request !{number} of {repository}: its head is no longer {sha[:7]}; nothing merged"
                ) from None
            raise

    def comments(self, token: str, repository: str, number: int, since: str) -> list[Comment]:
        """The people's notes on merge request ``number`` made at or after ``since``, oldest first."""
        path = f"{self._project(repository)}/merge_requests/{int(number)}/notes"
        params = {"sort": "asc", "order_by": "created_at"}
        notes = self._rest.pages(self._base, token, path, "notes", params)
        return [
            Comment(
                id=int(n["id"]),
                kind="issue",
                author=str((n.get("author") or {}).get("username") or ""),
                bot=(n.get("author") or {}).get("bot") is True,
                body=str(n.get("body") or "")[: domain.COMMENT_CHARS],
                created_at=str(n["created_at"]),
            )
            for n in notes
            if not n.get("system") and str(n.get("created_at") or "") >= since
        ]

    def tree(self, token: str, repository: str, ref: str) -> tuple[str, list[tuple[str, int]], bool]:
        """``ref``'s head commit ("": the default branch's), its files, and whether the list was cut.
        GitLab's tree API gives no sizes: each file's size is 0."""
        ref = ref or self._default_branch(token, repository)
        project = self._project(repository)
        head = str(
            self._json(token, "GET", f"{project}/repository/commits/{quote(ref, safe='')}", "commit")["id"]
        )
        params = {"ref": head, "recursive": "true"}
        entries = self._rest.pages(self._base, token, f"{project}/repository/tree", "tree", params)
        files = [(str(e["path"]), 0) for e in entries if e.get("type") == "blob"]
        return head, files, len(entries) >= 2_000  # GitLabRest reads 20 pages of 100 at most

    def contents(self, token: str, repository: str, ref: str, paths: list[str]) -> dict[str, str | None]:
        """Each of ``paths`` at ``ref`` ("": the default branch); None: no such file."""
        ref = ref or self._default_branch(token, repository)
        return {p: (found[0] if (found := self._file(token, repository, ref, p)) else None) for p in paths}

    def current_files(
        self, token: str, repository: str, base: str, paths: list[str]
    ) -> dict[str, str | None]:
        """Each of ``paths`` at the head of ``base`` ("": the default branch)."""
        return self.contents(token, repository, base, paths)

    def pull_request_files(self, token: str, repository: str, number: int) -> list[ChangedFile]:
        """Every file merge request ``number`` changes ("List merge request diffs")."""
        path = f"{self._project(repository)}/merge_requests/{int(number)}/diffs"
        return [changed_file(d) for d in self._rest.pages(self._base, token, path, "diffs", {})]
