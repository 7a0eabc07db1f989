"""Vercel's REST API on httpx: git deployments of a project, found again by our idempotency key.

A deployment is created (``POST /v13/deployments``) from a GitHub or GitLab ``gitSource`` with our key in its ``meta``
(``notionAgentKey``); ``find_deployment`` lists the project's deployments by that key, checks each ``meta``,
and follows ``pagination.next``. Creating is not idempotent: callers look first and record their intent.
Production is ``targets.production`` of ``GET /v9/projects/{idOrName}``; a ``promote``
(``/v10/projects/{id}/promote/{deploymentId}``) points it at a READY deployment without a rebuild (decision
0107). ``teamId`` goes on every call. Errors: :func:`convert`; no message or log line carries the token."""

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from shared.code.domain.code import Deployment, DeployRequest
from shared.platform.adapters.rest import RestClient, read_json, text
from shared.platform.errors import AgentError, NotFound, PermanentError, TransientError, Unauthenticated

META_KEY = "notionAgentKey"
PAGE_SIZE = 100
JSON = dict[str, Any]
_log = logging.getLogger(__name__)


class VercelApiError(PermanentError):
    """Vercel refused the request for good (a 4xx other than 401/404/429 and token errors)."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.vercel_code = code


def _error_body(response: httpx.Response) -> JSON:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["retry-after"]))
    except (KeyError, ValueError):
        pass
    try:
        return max(0.0, float(response.headers["x-ratelimit-reset"]) - time.time())
    except (KeyError, ValueError):
        return None


def convert(response: httpx.Response, subject: str, token: str) -> AgentError:
    """The project's error for a Vercel error response about ``subject`` (a project or deployment).
    401, or 403 for a missing or invalid token → Unauthenticated; 429 → TransientError with
    ``retry_after_s`` from Retry-After, else X-RateLimit-Reset; 404 → NotFound naming it. Other 4xx →
    :class:`VercelApiError` with Vercel's code and message; 5xx → TransientError. A 2xx reply that is not
    JSON or not of the shape read (:func:`read_json`) is a TransientError too.
    """
    status, error = response.status_code, _error_body(response)
    code = str(error.get("code") or status)
    message = str(error.get("message") or response.reason_phrase)
    message = message.replace(token, "[REDACTED]") if token else message
    if status == 401 or (status == 403 and (error.get("invalidToken") or message == "Not authorized")):
        return Unauthenticated("Vercel refused the token; reconnect Vercel")
    if status == 429:
        return TransientError(
            f"Vercel rate limit reached for {subject}", retry_after_s=_retry_after(response)
        )
    if status >= 500:
        return TransientError(f"Vercel answered {status} for {subject}: {message}")
    if status == 404:
        return NotFound(f"Vercel {subject} was not found or the token cannot see it ({message})")
    return VercelApiError(status, code, f"Vercel answered {status} {code} for {subject}: {message}")


def _ours(deployment_id: str, url: str, state: str, target: Any) -> Deployment:
    return Deployment(
        id=deployment_id,
        url=url if not url or url.startswith(("https://", "http://")) else f"https://{url}",
        state=state,
        target=text(target) if target is not None else "preview",  # Vercel says null for preview
    )


def _deployment(data: Any) -> Deployment:
    """Ours from a v13 deployment, which always has its ``id``, ``url`` and ``readyState``; its
    project's ``name``, ``createdAt``, the commit (``meta.githubCommitSha``), our key and an errored
    one's ``errorMessage`` when it says them."""
    found = _ours(text(data["id"]), text(data["url"]), text(data["readyState"]), data.get("target"))
    return found.model_copy(update=_said(data, int(data.get("createdAt") or 0)))


def _production(project: Any) -> Deployment | None:
    """A v9 project's current production deployment (``targets.production``), if it has one; its
    ``url`` the first production domain (``alias``) when Vercel lists one."""
    current = (project.get("targets") or {}).get("production")
    if not isinstance(current, dict):
        return None
    found = _deployment(current)
    alias = current.get("alias") or []
    return found.model_copy(update={"url": f"https://{text(alias[0])}"}) if alias else found


def _newest(page: Any) -> str | None:
    """The id of the first deployment a v6 list page holds, if any."""
    items = page["deployments"]
    if not isinstance(items, list):
        raise TypeError("deployments is not a list")
    return text(items[0]["uid"]) if items else None


def _listed(item: Any) -> Deployment:
    """Ours from a v6 list item: ``uid``; ``url`` null until its upload is done; ``readyState`` or,
    from older deployments, ``state``."""
    url = item.get("url")
    state = item.get("readyState") or item.get("state") or "QUEUED"
    found = _ours(text(item["uid"]), "" if url is None else text(url), text(state), item.get("target"))
    return found.model_copy(update=_said(item, int(item.get("createdAt") or item.get("created") or 0)))


def _said(data: Any, created_ms: int) -> dict[str, Any]:
    """What a deployment says beyond its id, url, state and target: its project's name, creation,
    commit, our key (from its meta) and an errored one's reason."""
    meta = data.get("meta") or {}
    return {
        "project": str(data.get("name") or ""),
        "created_ms": created_ms,
        "sha": str(meta.get("githubCommitSha") or meta.get("gitlabCommitSha") or ""),
        "key": str(meta.get(META_KEY) or ""),
        "error": str(data.get("errorMessage") or data.get("errorCode") or "")[:500],
    }


def _username(reply: Any) -> str:
    user = reply.get("user") or {}
    return str(user.get("username") or user.get("id") or "")


def _found(key: str, page: Any) -> tuple[Deployment | None, int | None]:
    """The deployment on a v6 list page whose meta carries ``key``, if any; else the ``until`` of
    the next page, if any. A page without its list is an error, not "none": that would deploy twice."""
    items = page["deployments"]
    if not isinstance(items, list):
        raise TypeError("deployments is not a list")
    for item in items:
        if (item.get("meta") or {}).get(META_KEY) == key:
            return _listed(item), None
    after = (page.get("pagination") or {}).get("next")
    return None, int(after) if items and after else None


def git_source(request: DeployRequest) -> JSON:
    """The ``gitSource`` Vercel builds ``request`` from: ``github`` with org and repo, or ``gitlab``
    with the project's numeric id (decision 0133)."""
    if request.gitlab_project_id is not None:
        return {"type": "gitlab", "projectId": request.gitlab_project_id, "ref": request.ref}
    org, repo = request.repository.split("/", 1)
    return {"type": "github", "org": org, "repo": repo, "ref": request.ref}


class VercelDeployer:
    """The ``Deployer`` port. Every method takes the tenant's token; nothing about a tenant is kept."""

    def __init__(
        self,
        base_url: str,
        timeout_s: float,
        client: httpx.Client | None = None,
        sites_url: str | None = None,
    ) -> None:
        """``sites_url``: where the deployments' hosts are served instead of on the internet (the
        local stand-in's ``<base>/_sites``); None in production."""
        self._rest = RestClient("Vercel", base_url, timeout_s, client)
        self._sites = sites_url.rstrip("/") if sites_url else None

    def _call[T](
        self,
        method: str,
        path: str,
        token: str,
        subject: str,
        parse: Callable[[Any], T],
        *,
        team_id: str | None,
        **kw: Any,
    ) -> T:
        """One request: its JSON answer read by ``parse`` (:func:`read_json`), else the converted error."""
        headers = {"Authorization": f"Bearer {token}"}
        if team_id:
            kw["params"] = {**kw.get("params", {}), "teamId": team_id}
        response = self._rest.send(method, path, headers, subject, **kw)
        _log.debug("vercel %s %s -> %s", method, path, response.status_code)
        if not response.is_success:
            raise convert(response, subject, token)
        return read_json("Vercel", response, parse, f"{method} {path}", token)

    def account(self, token: str) -> str:
        """The user ``token`` acts as (``GET /v2/user``)."""
        return self._call("GET", "/v2/user", token, "the token", _username, team_id=None)

    def find_deployment(
        self, token: str, project: str, key: str, team_id: str | None = None
    ) -> Deployment | None:
        """The newest deployment of ``project`` whose meta carries ``key``, if any."""
        params: dict[str, str | int] = {"projectId": project, "limit": PAGE_SIZE, f"meta-{META_KEY}": key}
        subject = f"project {project}"
        while True:
            found, after = self._call(
                "GET",
                "/v6/deployments",
                token,
                subject,
                lambda page: _found(key, page),
                team_id=team_id,
                params=params,
            )
            if found is not None or after is None:
                return found
            params["until"] = after

    def create_deployment(self, token: str, request: DeployRequest) -> Deployment:
        """A deployment of ``request.ref``: from GitHub's ``org`` and ``repo``, or, for a GitLab project,
        from its numeric ``projectId`` (the gitSource types of Vercel's "Create a new deployment")."""
        body: JSON = {
            "name": request.project,
            "project": request.project,
            "gitSource": git_source(request),
            "meta": {META_KEY: request.key},
        }
        if request.target == "production":
            body["target"] = "production"  # omitted means preview
        subject = f"project {request.project}"
        return self._call(
            "POST", "/v13/deployments", token, subject, _deployment, team_id=request.team_id, json=body
        )

    def get_deployment(self, token: str, deployment_id: str, team_id: str | None = None) -> Deployment:
        path = f"/v13/deployments/{quote(deployment_id, safe='')}"
        return self._call("GET", path, token, f"deployment {deployment_id}", _deployment, team_id=team_id)

    def production(self, token: str, project: str, team_id: str | None = None) -> Deployment | None:
        """The deployment ``project``'s production domains point at now, if any (read only)."""
        path = f"/v9/projects/{quote(project, safe='')}"
        return self._call("GET", path, token, f"project {project}", _production, team_id=team_id)

    def previous_production(
        self, token: str, project: str, before_ms: int, team_id: str | None = None
    ) -> Deployment | None:
        """The newest READY production deployment of ``project`` created before ``before_ms``: what a
        rollback of a later one promotes back (``GET /v6/deployments`` with ``target``, ``state``, ``until``)."""
        params: dict[str, str | int] = {
            "projectId": project,
            "target": "production",
            "state": "READY",
            "until": before_ms,
            "limit": 1,
        }
        found = self._call(
            "GET", "/v6/deployments", token, f"project {project}", _newest, team_id=team_id, params=params
        )
        return self.get_deployment(token, found, team_id) if found else None

    def promote(self, token: str, project: str, deployment_id: str, team_id: str | None = None) -> None:
        """Point ``project``'s production domains at the READY deployment ``deployment_id`` (no
        rebuild). Promoting the current production deployment again changes nothing."""
        path = f"/v10/projects/{quote(project, safe='')}/promote/{quote(deployment_id, safe='')}"
        params = {"teamId": team_id} if team_id else {}
        headers = {"Authorization": f"Bearer {token}"}
        response = self._rest.send("POST", path, headers, f"project {project}", params=params)
        _log.debug("vercel POST promote -> %s", response.status_code)
        if not response.is_success:  # 201 or 202 without a body
            raise convert(response, f"project {project}", token)

    def probe(self, url: str, path: str) -> int:
        """One GET of ``path`` on the site at ``url`` (a deployment's https URL, as Vercel gave it), no
        redirect followed: its HTTP status, or 0 when it could not be reached. Without the token."""
        target = f"{url.rstrip('/')}/{path.lstrip('/')}"
        if self._sites is not None:  # the local stand-in serves every host under one base URL
            target = f"{self._sites}/{target.removeprefix('https://').removeprefix('http://')}"
        try:
            return self._rest.probe(target)
        except httpx.HTTPError:
            return 0
