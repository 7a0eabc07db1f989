"""Code's ports: the code host (GitHub, or GitLab's merge requests), the deployer (Vercel), the access.

For type checking only (``if TYPE_CHECKING:`` wherever a port is named), as every port is
(tests/unit/platform/entry/test_import_hygiene.py); the values a port exchanges live in the capabilities'
domains and are imported here for type checking too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shared.code.domain.code import (
        ChangedFile,
        CheckResult,
        CodeChange,
        Comment,
        Deployment,
        DeployRequest,
        PullRequest,
    )
    from shared.workspace.domain.code_policy import CodePolicy
    from shared.workspace.domain.integrations import Integration
    from shared.workspace.domain.settings import TenantSettings


class CodeHost(Protocol):
    """GitHub: a branch, one commit and a pull request per change; the caller passes the token."""

    def account(self, token: str) -> str:
        """The login ``token`` acts as; Unauthenticated if GitHub refuses it (checked when stored)."""
        ...

    def find_pull_request(self, token: str, repository: str, branch: str) -> PullRequest | None: ...

    def open_pull_request(self, token: str, change: CodeChange) -> PullRequest:
        """Idempotent: a repeat (after a crash) finds the branch, its commit and its pull request."""
        ...

    def checks(self, token: str, repository: str, sha: str) -> list[CheckResult]:
        """The check runs and commit statuses of commit ``sha`` (read only)."""
        ...

    def get_pull_request(self, token: str, repository: str, number: int) -> PullRequest: ...

    def set_pull_request_body(self, token: str, repository: str, number: int, body: str) -> None: ...

    def mark_ready(self, token: str, repository: str, number: int) -> PullRequest:
        """Ready for review (a draft is marked so; one already ready stays): idempotent."""
        ...

    def push_files(self, token: str, change: CodeChange) -> str:
        """``change.files`` as one commit on its existing branch; the new head (unchanged if the
        head already holds them)."""
        ...

    def recent_commits(self, token: str, repository: str, sha: str, limit: int) -> list[tuple[str, str, str]]:
        """(sha, message, committer date) from ``sha`` back along first parents, newest first."""
        ...

    def merge(self, token: str, repository: str, number: int, sha: str, title: str) -> str:
        """Squash-merge pull request ``number`` only at head ``sha``; its merge commit (found, when
        it was merged already)."""
        ...

    def comments(self, token: str, repository: str, number: int, since: str) -> list[Comment]:
        """The comments on pull request ``number`` (its conversation's and its diff's) since ``since``."""
        ...

    def tree(self, token: str, repository: str, ref: str) -> tuple[str, list[tuple[str, int]], bool]:
        """``ref``'s head commit (empty: the default branch's), its files (path, size), truncated or not."""
        ...

    def contents(self, token: str, repository: str, ref: str, paths: list[str]) -> dict[str, str | None]:
        """Each of ``paths`` at ``ref`` (a branch or commit; "": the default branch), by GitHub's
        contents API; None: no such file."""
        ...

    def current_files(
        self, token: str, repository: str, base: str, paths: list[str]
    ) -> dict[str, str | None]:
        """Each of ``paths`` as it is now at the head of ``base`` ("": the default branch); None: no such
        file. What an approval of a pull request diffs against."""
        ...

    def pull_request_files(self, token: str, repository: str, number: int) -> list[ChangedFile]:
        """The files pull request ``number`` changes against its base (read only): what an
        auto-merge checks against the repository's policy."""
        ...


class GitLabHost(CodeHost, Protocol):
    """GitLab's merge requests as the code host, and what Vercel's ``gitlab`` gitSource names."""

    def project_id(self, token: str, repository: str) -> int:
        """The numeric id of the project at path ``repository`` (``GET /projects/:id``)."""
        ...


class Deployer(Protocol):
    """Vercel: deployments of a project from a Git ref, found again by our idempotency key."""

    def account(self, token: str) -> str:
        """The user ``token`` acts as; Unauthenticated if Vercel refuses it (checked when stored)."""
        ...

    def find_deployment(
        self, token: str, project: str, key: str, team_id: str | None = None
    ) -> Deployment | None: ...

    def create_deployment(self, token: str, request: DeployRequest) -> Deployment: ...

    def get_deployment(self, token: str, deployment_id: str, team_id: str | None = None) -> Deployment: ...

    def production(self, token: str, project: str, team_id: str | None = None) -> Deployment | None:
        """The deployment the project's production domains point at now (its url: that domain)."""
        ...

    def previous_production(
        self, token: str, project: str, before_ms: int, team_id: str | None = None
    ) -> Deployment | None:
        """The newest READY production deployment created before ``before_ms`` (a rollback's target)."""
        ...

    def promote(self, token: str, project: str, deployment_id: str, team_id: str | None = None) -> None:
        """Point the production domains at a READY deployment (no rebuild); idempotent."""
        ...

    def probe(self, url: str, path: str) -> int:
        """The HTTP status of one GET of ``path`` on the site at ``url`` (0: no answer)."""
        ...


class CodeAccess(Protocol):
    """What the code tools use (``shared.code.services.code_access`` implements it): GitHub and Vercel,
    a tenant's token for each, and what the tenant's owner allowed."""

    @property
    def host(self) -> CodeHost: ...

    @property
    def deployer(self) -> Deployer: ...

    def token(self, tenant_id: str, integration: Integration) -> str: ...

    def on(self, tenant_id: str, repository: str) -> CodeAccess:
        """The access for ``repository``: its forge's host and token (GitHub, or GitLab: decision 0126)."""
        ...

    def allowed(self, tenant_id: str) -> TenantSettings: ...

    def gitlab_project_id(self, tenant_id: str, repository: str) -> int | None:
        """The numeric id of ``repository``'s GitLab project when its policy names GitLab (Vercel
        deploys it by that id: decision 0133); None for a GitHub repository."""
        ...

    def policy(self, tenant_id: str, repository: str) -> CodePolicy:
        """The repository's policy as its owner set it, else the defaults."""
        ...

    def check_push(self, tenant_id: str, change: CodeChange, approved: bool) -> None:
        """Raises unless ``change`` may be pushed: within its repository's policy (workflow and
        dependency files only when ``approved``), no secret found in it."""
        ...

    def check_secrets(self, change: CodeChange, before_asking: bool = False) -> None:
        """Raises (naming each secret's kind and place, never its value) when the secret scan finds
        one in anything ``change`` would push: files, paths, title, description, commit message."""
        ...
