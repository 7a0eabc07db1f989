"""/vercel/...: Vercel's deployments API (create v13, get v13, list v6) for git deployments, a
project (get v9, its ``targets.production``), promotion (v10 promote) and the deployments' sites.
A git deployment's ``gitSource`` is GitHub's (``org``, ``repo``) or GitLab's (``projectId``), with ``ref``.

A missing or unknown token is Vercel's 403 ``forbidden`` "Not authorized" (``invalidToken: true`` for
an unknown one); a project or deployment the token cannot see is 404 ``not_found``.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
from flask import Request

from local.code_sandbox.faults import Injection
from local.code_sandbox.vercel_state import (
    Deployment,
    GitLabLink,
    Project,
    VercelState,
    random_id,
    vercel_error,
)
from local.code_sandbox.web import ApiError, bearer_token, json_body

JSON = dict[str, Any]
TARGETS = (None, "production", "staging")
ResolveRef = Callable[[str, str], str | None]  # (owner/name, branch or sha) -> commit sha
_MISSING_REF = (
    "The provided GitHub repository does not contain the requested branch or commit reference. "
    "Please ensure the repository is not empty."
)


def deployment_json(d: Deployment) -> JSON:
    """A deployment as ``POST``/``GET /v13/deployments`` answer it."""
    ready = d.state == "READY"
    errored = {"errorCode": "BUILD_FAILED", "errorMessage": 'Command "npm run build" exited with 1'}
    return ({"errorStep": "build", **errored} if d.state == "ERROR" else {}) | {
        "id": d.id,
        "url": d.url,
        "name": d.project.name,
        "meta": dict(d.meta),
        "readyState": d.state,
        "status": d.state,
        "readySubstate": ("PROMOTED" if d.target == "production" else "STAGED") if ready else None,
        "target": d.target,
        "projectId": d.project.id,
        "ownerId": "team_sandbox",
        "type": "LAMBDAS",
        "version": 2,
        "public": False,
        "regions": ["iad1"],
        "createdAt": d.created,
        "buildingAt": d.building_at,
        "ready": d.ready_at,
        "alias": [d.project.production_host] if ready and d.target == "production" else [],
        "aliasAssigned": d.ready_at if ready else None,
        "creator": {"uid": "sandbox-user", "username": d.creator},
        "inspectorUrl": f"https://vercel.com/{d.project.account}/{d.project.name}/{d.id.removeprefix('dpl_')}",
        "gitSource": dict(d.git),
    }


def list_item_json(d: Deployment) -> JSON:
    """A deployment as ``GET /v6/deployments`` lists it."""
    full = deployment_json(d)
    keep = ("name", "projectId", "url", "meta", "target", "createdAt", "buildingAt", "ready", "creator")
    item = {k: full[k] for k in keep}
    return {"uid": d.id, "created": d.created, "state": d.state, "readyState": d.state, "type": "LAMBDAS"} | {
        **item,
        "aliasError": None,
        "aliasAssigned": full["aliasAssigned"],
        "inspectorUrl": full["inspectorUrl"],
        "source": "git",
    }


def _git(body: JSON, project: Project, resolve: ResolveRef) -> JSON:
    """The deployment's git source from ``gitSource``, its ``sha`` the commit ``ref`` names now: GitHub's
    ``org`` and ``repo``, or GitLab's ``projectId``, each as the project is linked (else 400)."""
    source = body.get("gitSource")
    if body.get("files") is not None or not isinstance(source, dict):
        raise vercel_error(400, "bad_request", "The sandbox deploys from a gitSource only (no files).")
    if source.get("type") == "gitlab":
        return _gitlab_source(source, project)
    org, repo, ref = source.get("org"), source.get("repo"), source.get("ref")
    if source.get("type") != "github" or not all(isinstance(v, str) and v for v in (org, repo, ref)):
        raise vercel_error(
            400, "bad_request", "Invalid request: `gitSource` needs type github, org, repo, ref."
        )
    if project.gitlab is not None or f"{org}/{repo}".lower() != project.repository.lower():
        message = "The provided GitHub repository does not match the project's connected Git repository."
        raise vercel_error(400, "incorrect_git_source_info", message)
    sha = source.get("sha") or resolve(project.repository, str(ref))
    if not sha:
        raise vercel_error(400, "incorrect_git_source_info", _MISSING_REF)
    return {"type": "github", "org": str(org), "repo": str(repo), "ref": str(ref), "sha": str(sha)}


def _gitlab_source(source: JSON, project: Project) -> JSON:
    """GitLab's ``{type: "gitlab", projectId, ref, sha?}``: ``projectId`` (a number, or its digits)
    must be the linked project's; ``ref`` is read from that GitLab."""
    project_id, ref = source.get("projectId"), source.get("ref")
    digits = str(project_id) if isinstance(project_id, int | str) and not isinstance(project_id, bool) else ""
    if not digits.isdigit() or not isinstance(ref, str) or not ref:
        raise vercel_error(
            400, "bad_request", "Invalid request: `gitSource` needs type gitlab, projectId, ref."
        )
    if project.gitlab is None or int(digits) != project.gitlab.project_id:
        message = "The provided GitLab project does not match the project's connected Git repository."
        raise vercel_error(400, "incorrect_git_source_info", message)
    sha = source.get("sha") or _gitlab_commit(project.gitlab, ref)
    if not sha:
        raise vercel_error(400, "incorrect_git_source_info", _MISSING_REF.replace("GitHub", "GitLab"))
    return {"type": "gitlab", "projectId": int(digits), "ref": ref, "sha": str(sha)}


def _gitlab_commit(link: GitLabLink, ref: str) -> str | None:
    """The commit ``ref`` names in the linked GitLab project (``GET .../repository/commits/:ref``)."""
    url = f"{link.api_url.rstrip('/')}/projects/{link.project_id}/repository/commits/{quote(ref, safe='')}"
    try:
        answer = httpx.get(url, headers={"PRIVATE-TOKEN": link.token}, timeout=5.0)
    except httpx.HTTPError:
        raise vercel_error(500, "internal_server_error", "GitLab could not be reached.") from None
    return str(answer.json()["id"]) if answer.status_code == 200 else None


def _git_meta(git: JSON, project: Project) -> dict[str, str]:
    """What Vercel adds to a git deployment's ``meta``: the provider's names for its source."""
    if git["type"] == "gitlab":
        return {
            "gitlabProjectId": str(git["projectId"]),
            "gitlabProjectPath": project.repository,
            "gitlabCommitRef": git["ref"],
            "gitlabCommitSha": git["sha"],
            "gitlabDeployment": "1",
        }
    return {
        "githubOrg": git["org"],
        "githubRepo": git["repo"],
        "githubCommitRef": git["ref"],
        "githubCommitSha": git["sha"],
        "githubDeployment": "1",
    }


def create(state: VercelState, token: str, team: str | None, body: JSON, resolve: ResolveRef) -> JSON:
    if not isinstance(body.get("name"), str) or not body["name"]:
        raise vercel_error(400, "bad_request", "Invalid request: missing required property `name`.")
    project = state.project_for(token, str(body.get("project") or body["name"]), team)
    target = body.get("target")
    if target not in TARGETS:
        message = (
            'Invalid request: `target` should be equal to one of the allowed values "staging, production".'
        )
        raise vercel_error(400, "bad_request", message)
    meta = body.get("meta") or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) and len(v) <= 256 for v in meta.values()):
        raise vercel_error(400, "bad_request", "Invalid request: `meta` values must be strings.")
    git = _git(body, project, resolve)
    git_meta = _git_meta(git, project)
    slug = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(9))
    deployment = Deployment(
        id=random_id("dpl_"),
        project=project,
        url=f"{project.name}-{slug}-{project.account}.vercel.app",
        target=target,
        meta={**git_meta, **{str(k): v for k, v in meta.items()}},
        git=git,
        created=state.now_ms(),
        creator="sandbox-user",
        ready_after=max(1, state.builds.reads_to_ready),
        outcome=state.builds.outcome,
        healthy=state.builds.healthy,
    )
    state.deployments.append(deployment)
    return deployment_json(deployment)


def _int(args: dict[str, str], name: str, default: int | None) -> int | None:
    try:
        return int(args[name]) if name in args else default
    except ValueError:
        raise vercel_error(400, "bad_request", f"Invalid request: `{name}` should be a number.") from None


def list_deployments(state: VercelState, token: str, team: str | None, args: dict[str, str]) -> JSON:
    chosen = state.visible(token, team)
    if args.get("projectId"):
        project = state.project_for(token, args["projectId"], team)
        chosen = [d for d in chosen if d.project.id == project.id]
    if "target" in args:
        chosen = [d for d in chosen if (d.target or "preview") == args["target"]]
    if args.get("state"):
        chosen = [d for d in chosen if d.state in args["state"].split(",")]
    for name, value in args.items():
        if name.startswith("meta-"):
            chosen = [d for d in chosen if d.meta.get(name.removeprefix("meta-")) == value]
    limit = _int(args, "limit", 20) or 20
    if not 1 <= limit <= 100:
        raise vercel_error(400, "bad_request", "Invalid request: `limit` should be <= 100.")
    until, since = _int(args, "until", None), _int(args, "since", None)
    chosen = [
        d for d in chosen if (until is None or d.created < until) and (since is None or d.created > since)
    ]
    chosen.sort(key=lambda d: d.created, reverse=True)
    page = chosen[:limit]
    pagination = {
        "count": len(page),
        "next": page[-1].created if len(chosen) > limit else None,
        "prev": page[0].created if page else None,
    }
    return {"deployments": [list_item_json(d) for d in page], "pagination": pagination}


def project_json(state: VercelState, token: str, ref: str, team: str | None) -> JSON:
    """``GET /v9/projects/{idOrName}``: the fields read, with ``targets.production`` the deployment its
    production domains point at (absent before the first production deployment is ready)."""
    project = state.project_for(token, ref, team)
    answer: JSON = {"id": project.id, "name": project.name, "accountId": "team_sandbox", "targets": {}}
    current = next((d for d in state.deployments if d.id == project.production), None)
    if current is not None:
        answer["targets"] = {"production": deployment_json(current) | {"alias": [project.production_host]}}
    return answer


def promote(
    state: VercelState, token: str, ref: str, deployment_id: str, team: str | None
) -> tuple[Any, int]:
    """``POST /v10/projects/{projectId}/promote/{deploymentId}``: the production domains point at a READY
    deployment of the project, without a rebuild. 201, with no body; a deployment of another project or
    not READY is 400; promoting the current one again changes nothing."""
    project = state.project_for(token, ref, team)
    deployment = state.deployment_for(token, deployment_id, team)
    if deployment.project.id != project.id:
        raise vercel_error(400, "bad_request", "The deployment does not belong to this project.")
    if deployment.state != "READY":
        raise vercel_error(400, "bad_request", "Only a deployment that is READY can be promoted.")
    project.production = deployment.id
    return "", 201


def site(state: VercelState, host: str, path: str) -> tuple[str, int]:
    """What a deployment's host (or a project's production host) answers: 200 with the path while the
    deployment is READY and healthy, 500 while it is not healthy, 404 for no such host or not ready."""
    deployment = state.site(host)
    if deployment is None or deployment.state != "READY":
        return "The deployment could not be found on Vercel.\n\nDEPLOYMENT_NOT_FOUND\n", 404
    if not deployment.healthy:
        return "A server error has occurred\n\nFUNCTION_INVOCATION_FAILED\n", 500
    return f"ok {deployment.id} /{path}\n", 200


def dispatch(state: VercelState, request: Request, path: str, resolve: ResolveRef) -> tuple[Any, int]:  # noqa: PLR0911 (a case per endpoint)
    parts = path.strip("/").split("/")
    if parts[0] == "_sites" and len(parts) >= 2 and request.method == "GET":  # public, no token
        return site(state, parts[1], "/".join(parts[2:]))
    token = bearer_token(request)
    if token is None:
        raise vercel_error(403, "forbidden", "Not authorized")
    if token not in state.tokens:
        raise vercel_error(403, "forbidden", "Not authorized", invalidToken=True)
    team = request.args.get("teamId") or None  # the scope: a team, or the token's own account
    if request.method == "POST" and parts == ["v13", "deployments"]:
        body = json_body(request, vercel_error(400, "bad_request", "Invalid JSON."))
        return create(state, token, team, body, resolve), 200
    if request.method == "GET" and parts == ["v2", "user"]:  # "Get the User"
        return {
            "user": {"id": "user_sandbox", "username": "sandbox-user", "email": "sandbox@example.com"}
        }, 200
    if request.method == "GET" and parts == ["v6", "deployments"]:
        return list_deployments(state, token, team, dict(request.args)), 200
    if request.method == "GET" and len(parts) == 3 and parts[:2] == ["v13", "deployments"]:
        deployment = state.deployment_for(token, parts[2], team)
        deployment.read(state.now_ms())
        return deployment_json(deployment), 200
    if request.method == "GET" and len(parts) == 3 and parts[:2] == ["v9", "projects"]:
        return project_json(state, token, parts[2], team), 200
    if (
        request.method == "POST"
        and len(parts) == 5
        and parts[:2] == ["v10", "projects"]
        and parts[3] == "promote"
    ):
        return promote(state, token, parts[2], parts[4], team)
    raise vercel_error(404, "not_found", "The requested API endpoint was not found.")


def injected(item: Injection) -> ApiError:
    """The error a test asked for, as Vercel sends it."""
    status = item.status or 500
    if status == 429:
        wait = 60 if item.retry_after is None else item.retry_after
        reset = int(time.time()) + wait
        limit = {"remaining": 0, "reset": reset, "resetMs": reset * 1000, "total": 100}
        headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
        if item.retry_after is not None and not item.reset_only:
            headers["Retry-After"] = str(item.retry_after)
        error = vercel_error(429, "rate_limited", item.message or "Rate limit exceeded", limit=limit)
        return ApiError(429, error.body, headers)
    if status >= 500:
        return vercel_error(
            status, "internal_server_error", item.message or "An unexpected internal error occurred"
        )
    codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}
    return vercel_error(status, codes.get(status, "error"), item.message or "Injected error")
