"""GitHub's side of the sandbox: repositories (refs, git objects, pull requests) and tokens' grants.

Errors are raised as :class:`ApiError` with GitHub's body (``message``, ``documentation_url``,
``status``) and GitHub's messages for the cases the git data and pulls endpoints document.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.code_sandbox.gitstore import Commit, Entry, ObjectStore, Person
from local.code_sandbox.web import ApiError

DOCS = "https://docs.github.com/rest"
BOT = Person("Sandbox Bot", "bot@sandbox.invalid", datetime(2026, 1, 1, tzinfo=UTC))


def gh_error(status: int, message: str, errors: list[dict[str, Any]] | None = None) -> ApiError:
    body: dict[str, Any] = {"message": message, "documentation_url": DOCS, "status": str(status)}
    if errors:
        body["errors"] = errors
    return ApiError(status, body)


def not_found() -> ApiError:
    return gh_error(404, "Not Found")


def invalid(message: str, field: str | None = None, code: str = "custom") -> ApiError:
    """422 ``Validation Failed`` with one error about a pull request, as the pulls endpoints answer."""
    error: dict[str, Any] = {"resource": "PullRequest", "code": code}
    error |= {"field": field} if field else {"message": message}
    return gh_error(422, "Validation Failed", [error])


@dataclass
class CheckConfig:
    name: str
    command: list[str]
    timeout_s: float = 60.0
    kind: str = "check_run"  # or "status"


@dataclass
class CheckRun:
    id: int
    name: str
    head_sha: str
    kind: str
    branch: str = ""  # the branch whose push made it
    status: str = "queued"
    conclusion: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    summary: str = ""
    text: str = ""


@dataclass
class Hook:
    url: str
    secret: str


@dataclass
class Delivery:
    guid: str
    event: str
    body: bytes
    url: str
    secret: str
    answers: list[int] = field(default_factory=list)


@dataclass
class Grant:
    repositories: set[str]  # lower-case owner/name
    permission: str = "write"  # write | read
    login: str = "sandbox-user"


@dataclass
class Pull:
    number: int
    title: str
    body: str
    head: str
    base: str
    head_sha: str
    base_sha: str
    user: str
    created_at: datetime
    state: str = "open"
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    draft: bool = False
    merge_sha: str | None = None  # the squash commit on the base, once merged
    comments: list[Any] = field(default_factory=list)  # github_comments.PullComment, oldest first


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    default_branch: str
    refs: dict[str, str] = field(default_factory=dict)  # "heads/main" -> commit sha
    objects: ObjectStore = field(default_factory=ObjectStore)
    pulls: list[Pull] = field(default_factory=list)
    checks: list[CheckConfig] = field(default_factory=list)  # run on each pushed commit
    check_runs: list[CheckRun] = field(default_factory=list)  # check runs and commit statuses
    hooks: list[Hook] = field(default_factory=list)  # webhook deliveries go there
    tree_limit: int = 100_000  # a recursive tree's entries past which GitHub says ``truncated``

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def branch_head(self, branch: str) -> str | None:
        return self.refs.get(f"heads/{branch}")

    def commit(self, sha: str) -> Commit:
        if sha not in self.objects.commits:
            raise not_found()
        return self.objects.commits[sha]

    def files(self, ref: str) -> dict[str, str]:
        """``{path: text}`` of a branch's (or commit's) tree."""
        sha = self.branch_head(ref) or ref
        tree = self.commit(sha).tree
        blobs = self.objects.blobs
        flat = self.objects.flatten(tree)
        return {
            p: blobs[e.sha].decode("utf-8", "replace") for p, e in sorted(flat.items()) if e.type == "blob"
        }

    def modes(self, ref: str) -> dict[str, str]:
        """``{path: mode}`` of a branch's (or commit's) files."""
        flat = self.objects.flatten(self.commit(self.branch_head(ref) or ref).tree)
        return {p: e.mode for p, e in sorted(flat.items()) if e.type == "blob"}

    def add_commit(
        self,
        files: dict[str, str],
        message: str,
        parent: str | None,
        when: datetime,
        executables: Collection[str] = (),
    ) -> str:
        """A commit of ``files`` (those in ``executables`` with mode 100755) on top of ``parent``'s
        tree (used for seeding and by admin)."""
        base = self.objects.flatten(self.commit(parent).tree) if parent else {}
        for path, text in files.items():
            mode = "100755" if path in executables else "100644"
            base[path] = Entry(mode, "blob", self.objects.put_blob(text.encode()))
        tree = self.objects.build(base)
        author = Person(BOT.name, BOT.email, when)
        return self.objects.put_commit(tree, [parent] if parent else [], message, author, author)


@dataclass
class GitHubState:
    repos: dict[str, Repo] = field(default_factory=dict)  # lower-case full name
    grants: dict[str, Grant] = field(default_factory=dict)  # token -> grant
    lock: threading.RLock = field(default_factory=threading.RLock)  # the sandbox's (checks' threads)
    deliveries: list[Delivery] = field(default_factory=list)  # webhook deliveries, oldest first
    _next_id: int = 1000

    def next_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def create_repo(
        self, full_name: str, default_branch: str, files: dict[str, str], executables: Collection[str] = ()
    ) -> Repo:
        owner, _, name = full_name.partition("/")
        repo = Repo(self.next_id(), owner, name, default_branch)
        seeded = files or {"README.md": f"# {name}\n"}
        head = repo.add_commit(seeded, "Initial commit", None, BOT.date, executables)
        repo.refs[f"heads/{default_branch}"] = head
        self.repos[full_name.lower()] = repo
        return repo

    def repo_for(self, token: str, owner: str, name: str) -> tuple[Repo, Grant]:
        """The repository if the token may see it; GitHub answers 404 either way otherwise."""
        grant = self.grants.get(token)
        repo = self.repos.get(f"{owner}/{name}".lower())
        if grant is None or repo is None or repo.full_name.lower() not in grant.repositories:
            raise not_found()
        return repo, grant

    def find_repo(self, full_name: str) -> Repo | None:
        return self.repos.get(full_name.lower())
