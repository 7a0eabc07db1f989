"""Vercel's side of the sandbox: projects linked to a GitHub repository or a GitLab project, tokens,
deployments. A GitLab project's refs are read from its GitLab (the GitLab sandbox) as Vercel's
GitLab integration reads them.

A deployment is QUEUED when created and moves on each time it is read by id (``GET
/v13/deployments/{id}``): BUILDING after the first read, then READY (or ERROR, with Vercel's
``errorCode`` and ``errorMessage``, or CANCELED, when builds are set so) once it has been read
``reads_to_ready`` times (default 2; 1 means QUEUED → READY on the first read). Listing shows the
current state without moving it. These are the ``readyState`` values Vercel documents for a
deployment (QUEUED, INITIALIZING, BUILDING, READY, ERROR, CANCELED); the sandbox skips INITIALIZING.

Production (Vercel's "production domains"): a production deployment that becomes READY is the
project's current production deployment (``targets.production`` of ``GET /v9/projects/{id}``), as
Vercel assigns the production domains of a git deployment by default; ``POST /v10/projects/{id}/
promote/{deploymentId}`` points them at any READY deployment of the project (a rollback promotes an
earlier one). Each deployment's host, and the project's production host, answer HTTP on
``/vercel/_sites/<host>/<path>``: 200 while the deployment is READY and healthy, else 500 (a build
set ``healthy: false`` serves errors, for a failing health check).

A project belongs to a personal account or to a team (``team_id``). As on Vercel, a request is scoped
by its ``teamId`` query parameter: without it only personal projects are in scope, with it only that
team's; a project out of scope is 404 like one that does not exist.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from local.code_sandbox.web import ApiError

_ALPHABET = string.ascii_letters + string.digits


def vercel_error(status: int, code: str, message: str, **extra: Any) -> ApiError:
    return ApiError(status, {"error": {"code": code, "message": message, **extra}})


def random_id(prefix: str, length: int = 28) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class GitLabLink:
    """A project's GitLab repository: its numeric id, and the API (``.../api/v4``) and token through
    which the sandbox reads its refs."""

    project_id: int
    api_url: str
    token: str


@dataclass
class Project:
    id: str
    name: str
    account: str
    repository: str  # owner/name on GitHub, or the GitLab project's path
    team_id: str | None = None  # None: a personal project
    production: str | None = None  # the id of the deployment its production domains point at
    gitlab: GitLabLink | None = None  # None: linked to GitHub

    @property
    def production_host(self) -> str:
        return f"{self.name}-{self.account}.vercel.app"


@dataclass
class Builds:
    reads_to_ready: int = 2
    outcome: str = "READY"  # READY | ERROR | CANCELED
    healthy: bool = True  # whether the deployment's site answers 200 once READY


@dataclass
class Deployment:
    id: str
    project: Project
    url: str
    target: str | None  # None: preview
    meta: dict[str, str]
    git: dict[str, Any]  # its gitSource as Vercel answers it
    created: int  # ms since the epoch, unique
    creator: str
    ready_after: int
    outcome: str
    healthy: bool = True
    assigned: bool = False  # a production deployment's domains were assigned to it once, when ready
    reads: int = 0
    building_at: int | None = None
    ready_at: int | None = None

    @property
    def state(self) -> str:
        if self.reads == 0:
            return "QUEUED"
        return self.outcome if self.reads >= self.ready_after else "BUILDING"

    def read(self, now_ms: int) -> None:
        """One read by id: the build moves on."""
        self.reads += 1
        self.building_at = self.building_at or now_ms
        if self.state in ("READY", "ERROR", "CANCELED"):
            self.ready_at = self.ready_at or now_ms
        if self.state == "READY" and self.target == "production" and not self.assigned:
            self.project.production = self.id  # the read that sees it ready assigns the domains, once
            self.assigned = True


@dataclass
class VercelState:
    projects: dict[str, Project] = field(default_factory=dict)  # by id
    tokens: dict[str, set[str]] = field(default_factory=dict)  # token -> project ids
    deployments: list[Deployment] = field(default_factory=list)
    builds: Builds = field(default_factory=Builds)
    _last_ms: int = 0

    def now_ms(self) -> int:
        """Milliseconds since the epoch, strictly increasing (pagination relies on distinct times)."""
        self._last_ms = max(int(time.time() * 1000), self._last_ms + 1)
        return self._last_ms

    def create_project(
        self,
        name: str,
        repository: str,
        account: str = "acme",
        team_id: str | None = None,
        gitlab: GitLabLink | None = None,
    ) -> Project:
        digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()
        project = Project(f"prj_{digest[:28]}", name, account, repository, team_id, gitlab=gitlab)
        self.projects[project.id] = project
        return project

    def find_project(self, ref: str) -> Project | None:
        """A project by id or name."""
        return self.projects.get(ref) or next((p for p in self.projects.values() if p.name == ref), None)

    def project_for(self, token: str, ref: str, team_id: str | None) -> Project:
        project = self.find_project(ref)
        allowed = self.tokens.get(token, set())
        if project is None or project.id not in allowed or project.team_id != team_id:
            raise vercel_error(404, "not_found", "Project not found")
        return project

    def visible(self, token: str, team_id: str | None) -> list[Deployment]:
        allowed = self.tokens.get(token, set())
        return [d for d in self.deployments if d.project.id in allowed and d.project.team_id == team_id]

    def deployment_for(self, token: str, id_or_url: str, team_id: str | None) -> Deployment:
        host = id_or_url.removeprefix("https://")
        for deployment in self.visible(token, team_id):
            if id_or_url == deployment.id or host == deployment.url:
                return deployment
        raise vercel_error(404, "not_found", "Deployment not found")

    def site(self, host: str) -> Deployment | None:
        """The deployment ``host`` serves: its own host, or a project's production host."""
        for project in self.projects.values():
            if host == project.production_host and project.production:
                return next((d for d in self.deployments if d.id == project.production), None)
        return next((d for d in self.deployments if d.url == host), None)
