"""Code changes, pull requests and deployments: what the deploy function asks GitHub and Vercel for.

Pure: no I/O. The checks reject what GitHub or Vercel would refuse (or what would write outside
the repository) before any request is made, each with a message a person can act on.
"""

import re
from collections.abc import Iterable
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from shared.platform.domain.schema import Record, matched
from shared.workspace.domain.code_names import check_code_repository, check_project

MAX_PATH_CHARS = 300
MAX_FILE_BYTES = 1_000_000  # utf-8 encoded
MAX_FILES = 100
MAX_REF_CHARS = 200

_REF_CHARS = re.compile(r"^[A-Za-z0-9._/-]+$")
_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_ref_name(value: str, what: str = "branch") -> str:
    """A branch name git accepts (``git check-ref-format --branch``), kept to a safe character set."""
    problem = ""
    if not value or len(value) > MAX_REF_CHARS:
        problem = f"must be 1-{MAX_REF_CHARS} characters"
    elif not _REF_CHARS.fullmatch(value):
        problem = "may only contain letters, digits, '.', '_', '-' and '/'"
    elif value.startswith(("/", "-", ".")) or value.endswith(("/", ".", ".lock")):
        problem = "may not start with '/', '-' or '.', nor end with '/', '.' or '.lock'"
    elif ".." in value or "//" in value or "/." in value or value == "HEAD":
        problem = "may not contain '..', '//' or a component starting with '.', nor be 'HEAD'"
    if problem:
        raise ValueError(f"{what} {value!r} {problem}")
    return value


def check_path(value: str) -> str:
    """A file path relative to the repository's root that stays inside it and outside ``.git``."""
    problem = ""
    parts = value.split("/")
    if not value or len(value) > MAX_PATH_CHARS:
        problem = f"must be 1-{MAX_PATH_CHARS} characters"
    elif value.startswith("/"):
        problem = "must be relative to the repository root (no leading '/')"
    elif "\\" in value or _CONTROL.search(value):
        problem = "may not contain '\\' or control characters"
    elif ".." in parts or "." in parts or "" in parts:
        problem = "may not contain '..' or '.' components or empty components ('//', trailing '/')"
    elif parts[0] == ".git":
        problem = "may not write inside '.git'"
    if problem:
        raise ValueError(f"file path {value!r} {problem}")
    return value


def check_base(value: str) -> str:
    """A change's base branch: empty (the repository's default branch) or a branch name."""
    return check_ref_name(value, "base branch") if value else value


def check_ref(value: str) -> str:
    """What to deploy: a branch or a commit."""
    return check_ref_name(value, "ref")


def check_content(value: str) -> str:
    """A file's content: text (no lone surrogate) of at most ``MAX_FILE_BYTES`` utf-8 bytes."""
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise ValueError("file content is not valid text (it holds a lone surrogate)") from exc
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file content is {size} bytes; at most {MAX_FILE_BYTES} are allowed")
    return value


def check_distinct_paths(paths: Iterable[str]) -> None:
    """Each file of a change once (a commit holds one content per path)."""
    seen: set[str] = set()
    for path in paths:
        if path in seen:
            raise ValueError(f"file path {path!r} appears twice; give each file once")
        seen.add(path)


def check_not_blank(value: str) -> str:
    """A title or a commit message: not only spaces."""
    if not value.strip():
        raise ValueError("must not be empty")
    return value


class FileChange(Record):
    """One file of a commit: its full new content (created or replaced). It is executable (mode
    100755) when ``executable`` says so or when the file it replaces was; otherwise a regular file."""

    path: Annotated[str, AfterValidator(check_path)]
    content: Annotated[str, AfterValidator(check_content)]
    executable: bool = False


class CodeChange(Record):  # its fields in their order, required or not
    """Files to commit on ``branch`` (created from ``base`` if missing) and the pull request into base.

    ``base`` empty means the repository's default branch.
    """

    repository: Annotated[str, AfterValidator(check_code_repository)]
    base: Annotated[str, AfterValidator(check_base)] = ""
    branch: Annotated[str, AfterValidator(check_ref_name)]
    title: Annotated[str, Field(max_length=256), AfterValidator(check_not_blank)]
    body: Annotated[str, Field(max_length=60_000)] = ""
    commit_message: Annotated[str, Field(max_length=10_000), AfterValidator(check_not_blank)]
    files: Annotated[list[FileChange], Field(min_length=1, max_length=MAX_FILES)]
    # opened as a draft, ready for review once its checks pass; left out while False (stored as before)
    draft: bool = Field(False, exclude_if=lambda v: not v)

    @model_validator(mode="after")
    def _own_branch_and_paths(self) -> Self:
        if self.base and self.base == self.branch:
            raise ValueError(f"branch {self.branch!r} is the base branch; a change needs its own branch")
        check_distinct_paths(f.path for f in self.files)
        return self


class PullRequest(Record):
    """``state`` is GitHub's ``open`` or ``closed``, or ``merged`` for a closed one that was merged."""

    number: int
    url: str
    branch: str
    head_sha: str
    state: str
    draft: bool = False
    node_id: str = ""  # GitHub's global id (GraphQL: marking a draft ready for review)
    body: str = ""
    merge_sha: str = ""  # merged: the commit the merge made on the base branch


def check_key(value: str) -> str:
    """Our idempotency key, as a deployment's metadata carries it."""
    return matched(value, _KEY, "key must be 1-128 letters, digits, '.', '_', ':' or '-'")


class DeployRequest(Record):
    """Deploy ``ref`` of ``repository`` to the Vercel project. ``key`` is our idempotency key (e.g.
    ``run-1:4:1``), stored in the deployment's metadata so that a repeat finds the same deployment."""

    project: Annotated[str, AfterValidator(check_project)]
    repository: Annotated[str, AfterValidator(check_code_repository)]
    ref: Annotated[str, AfterValidator(check_ref)]
    target: Literal["preview", "production"]
    key: Annotated[str, AfterValidator(check_key)]
    team_id: str | None = None  # the Vercel team owning the project; None: the token's own account
    # The GitLab project's numeric id when ``repository`` is on GitLab (Vercel's gitSource ``gitlab``,
    # decision 0133); None: a GitHub repository. Left out while None (stored as before).
    gitlab_project_id: int | None = Field(None, gt=0, exclude_if=lambda v: v is None)


class Deployment(Record):
    """``state`` is Vercel's readyState (QUEUED, BUILDING, READY, ERROR, CANCELED, ...); ``target`` is
    ``preview`` or ``production``; ``url`` is https://<the deployment's host>. Read by id, a deployment
    also says its project's name, when it was created (ms since the epoch), the commit it builds
    (``sha``), our key (``key``, from its meta) and, errored, Vercel's ``errorMessage``."""

    id: str
    url: str
    state: str
    target: str
    project: str = ""
    created_ms: int = 0
    sha: str = ""
    key: str = ""
    error: str = ""


# Vercel's readyState values (its "Get a deployment" reference): still on its way, or settled.
DEPLOY_PENDING = frozenset({"QUEUED", "INITIALIZING", "BUILDING"})
DEPLOY_FAILED = frozenset({"ERROR", "CANCELED"})


type CheckState = Literal["pending", "success", "failure"]


class CheckResult(Record):
    """One of a commit's checks, a check run or a commit status, as the run weighs it: ``pending``
    until it completed; ``success`` (also GitHub's neutral and skipped conclusions); else ``failure``
    (failure, timed_out, cancelled, action_required, a status's error). ``details``: its output's
    summary and text (a status: its description), at most ``DETAILS_CHARS`` of their end."""

    name: str
    kind: Literal["check_run", "status"]
    state: CheckState
    details: str = ""


DETAILS_CHARS = 4_000


def overall(results: list[CheckResult]) -> CheckState:
    """The commit's state: failure if one failed, else pending if one is pending or none reported
    yet, else success."""
    states = {r.state for r in results}
    if "failure" in states:
        return "failure"
    return "pending" if not results or "pending" in states else "success"


PATCH_CHARS = 20_000  # of a changed file's patch, as the console shows it


class ChangedFile(Record):
    """A file a pull request changes, as GitHub's "List pull requests files" says. Its path, its status
    (``added``, ``modified``, ``removed`` or ``renamed``) and its counts of lines. Its unified diff hunks
    are ``patch``: at most ``PATCH_CHARS``, empty for a binary file or one too large for GitHub to diff."""

    path: str
    status: str
    additions: int = 0
    deletions: int = 0
    patch: str = ""


COMMENT_CHARS = 8_000  # of a comment's body, for the model to revise by


class Comment(Record):
    """A comment on a pull request: on its conversation (``issue``, GitHub's issue comments) or on a
    line of its diff (``review``). ``bot``: GitHub says its author is a bot (an app's account)."""

    id: int
    kind: Literal["issue", "review"]
    author: str
    bot: bool = False
    body: str
    created_at: str  # as GitHub writes it (ISO 8601, UTC)
    url: str = ""
    path: str = ""  # a review comment's file
