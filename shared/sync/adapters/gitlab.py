"""GitLab's REST API (v4) of gitlab.com or a self-managed instance, a personal (or project) access token or
an OAuth token in ``Authorization: Bearer`` (GitLab takes either there). Requests are paced per instance
and token at 5 a second after a burst of 10 (300 a minute). That is within gitlab.com's 2,000
authenticated requests a minute per user and the default issue-creation limit of 300 a minute an
instance may set. A refusal for the rate (HTTP 429) closes the token for its Retry-After and is a
NothingSent. Lists are read page by page (``X-Next-Page``). No error carries the token or a reply's
body."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from shared.platform.adapters import resolving
from shared.platform.adapters.pacing import Pacer
from shared.platform.adapters.rest import RestClient
from shared.platform.errors import NotFound, NothingSent, PermanentError, TransientError, Unauthenticated
from shared.sync.adapters.linear import retry_after

RATE_PER_S = 5.0
BURST = 10
PER_PAGE = 100
MAX_PAGES = 20  # 2,000 items: a list beyond it is cut (the mirror needs the recent ones)
MAX_USER_LOOKUPS = 100  # members whose public email is read one by one, per call


def checked(
    response: httpx.Response, service: tuple[str, str, str], name: str, pacer: Pacer, pace_key: str
) -> httpx.Response:
    """``response`` if it is a success, else its refusal raised; ``service``: the tool's name, what its
    credential is called, and why a 403 may come. A 429 closes ``pace_key`` for its Retry-After and is a
    NothingSent. Shared by the REST tools (GitLab's, Motion's)."""
    tool, credential, forbidden = service
    status = response.status_code
    if status == 429:
        retry = retry_after(response.headers.get("retry-after"))
        pacer.refused(pace_key, retry)
        raise NothingSent(f"{tool} refused {name} for the rate; try in {retry:.0f} s", retry_after_s=retry)
    if status == 401:
        raise Unauthenticated(f"{tool} refused the {credential} (401)")
    if status == 404:
        raise NotFound(f"{tool} has no such {name} for this {credential.split()[-1]}")
    if status == 403:
        raise PermanentError(f"{tool} forbids {name} to this {credential.split()[-1]} (403: {forbidden})")
    if status >= 500:
        raise TransientError(f"{tool} failed {name} ({status})")
    if status >= 400:
        raise PermanentError(f"{tool} refused {name} ({status})")
    return response


def paged(page: Callable[[str], tuple[list[Any], str]], first: str) -> list[dict[str, Any]]:
    """Every object of a list read page by page, at most :data:`MAX_PAGES`: ``page(mark)`` answers a
    page's items and the next page's mark ("" after the last); ``first``: the first page's. Shared by
    the REST tools (GitLab's, Motion's)."""
    items: list[dict[str, Any]] = []
    mark = first
    for _ in range(MAX_PAGES):
        batch, mark = page(mark)
        items.extend(b for b in batch if isinstance(b, dict))
        if not mark:
            break
    return items


def json_of(response: httpx.Response, tool: str, name: str) -> Any:
    """A success's JSON (None when it has no body); a body that is not JSON is a TransientError."""
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise TransientError(f"{tool}'s reply to {name} is not JSON") from None


class GitLabRest:
    """:class:`shared.sync.ports.GitLabApi` over httpx."""

    def __init__(self, timeout_s: float, pacer: Pacer | None = None, client: Any = None) -> None:
        self._rest = RestClient("GitLab", "", timeout_s, client)
        self._pacer = pacer or Pacer(RATE_PER_S, BURST, max_wait_s=5.0, what="GitLab")

    def _send(self, base: str, token: str, method: str, path: str, name: str, **kw: Any) -> httpx.Response:
        pace_key = hashlib.sha256(f"{base}\n{token}".encode()).hexdigest()[:16]  # never the token
        self._pacer.acquire(pace_key)
        response = self._rest.send(
            method, f"{base}/api/v4{path}", {"Authorization": f"Bearer {token}"}, name, **kw
        )
        return checked(response, ("GitLab", "access token", "its role or scope"), name, self._pacer, pace_key)

    def _json(self, base: str, token: str, method: str, path: str, name: str, **kw: Any) -> Any:
        return json_of(self._send(base, token, method, path, name, **kw), "GitLab", name)

    def _pages(
        self, base: str, token: str, path: str, name: str, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Every item of a list, page by page as ``X-Next-Page`` says (at most :data:`MAX_PAGES`)."""

        def page(number: str) -> tuple[list[Any], str]:
            response = self._send(
                base, token, "GET", path, name, params={**params, "per_page": PER_PAGE, "page": number}
            )
            try:
                batch = response.json()
            except ValueError:
                raise TransientError(f"GitLab's reply to {name} is not JSON") from None
            if not isinstance(batch, list):
                raise TransientError(f"GitLab's reply to {name} is not a list")
            following = response.headers.get("x-next-page", "").strip()
            return batch, following if following.isdigit() else ""

        return paged(page, "1")

    def request(self, base: str, token: str, method: str, path: str, name: str, **kw: Any) -> httpx.Response:
        """One paced request of ``path`` (under ``/api/v4``), a refusal raised as :func:`checked` says:
        what the code host's merge requests use (``shared.sync.adapters.gitlab_forge``)."""
        return self._send(base, token, method, path, name, **kw)

    def pages(
        self, base: str, token: str, path: str, name: str, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Every item of a list (at most :data:`MAX_PAGES` pages), for the code host's merge requests."""
        return self._pages(base, token, path, name, params)

    def addresses(self, host: str) -> list[str]:
        """The addresses ``host`` resolves to (none when it does not)."""
        return resolving.addresses(host)

    def user(self, base: str, token: str) -> dict[str, Any]:
        me = self._json(base, token, "GET", "/user", "user")
        return {
            "id": int(me["id"]),
            "username": str(me.get("username") or ""),
            "name": str(me.get("name") or ""),
        }

    def project(self, base: str, token: str, project: str | int) -> dict[str, Any]:
        found = self._json(base, token, "GET", f"/projects/{quote(str(project), safe='')}", "project")
        return {
            "id": int(found["id"]),
            "path_with_namespace": str(found.get("path_with_namespace") or ""),
            "name": str(found.get("name") or ""),
        }

    def members(self, base: str, token: str, project_id: int) -> dict[str, int]:
        found: dict[str, int] = {}
        lookups = 0
        for member in self._pages(base, token, f"/projects/{project_id}/members/all", "members", {}):
            email = member.get("email") or member.get("public_email")
            if not email and lookups < MAX_USER_LOOKUPS and isinstance(member.get("id"), int):
                lookups += 1
                email = (self._json(base, token, "GET", f"/users/{member['id']}", "user") or {}).get(
                    "public_email"
                )
            if isinstance(email, str) and "@" in email and isinstance(member.get("id"), int):
                found[email.strip().lower()] = int(member["id"])
        return found

    def issue(self, base: str, token: str, project_id: int, iid: int) -> dict[str, Any] | None:
        try:
            found = self._json(base, token, "GET", f"/projects/{project_id}/issues/{iid}", "issue")
        except NotFound:
            return None
        return dict(found) if isinstance(found, dict) else None

    def issues_since(
        self, base: str, token: str, project_id: int, author_id: int, since: datetime
    ) -> list[dict[str, Any]]:
        params = {
            "author_id": author_id,
            "created_after": since.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "order_by": "created_at",
            "sort": "asc",
            "scope": "all",
        }
        return self._pages(base, token, f"/projects/{project_id}/issues", "issues", params)

    def create_issue(self, base: str, token: str, project_id: int, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self._json(base, token, "POST", f"/projects/{project_id}/issues", "issue", json=params))

    def update_issue(
        self, base: str, token: str, project_id: int, iid: int, params: dict[str, Any]
    ) -> dict[str, Any]:
        path = f"/projects/{project_id}/issues/{iid}"
        return dict(self._json(base, token, "PUT", path, "issue", json=params))

    def create_note(self, base: str, token: str, project_id: int, iid: int, body: str) -> dict[str, Any]:
        path = f"/projects/{project_id}/issues/{iid}/notes"
        return dict(self._json(base, token, "POST", path, "note", json={"body": body}))

    def notes(self, base: str, token: str, project_id: int, iid: int) -> list[dict[str, Any]]:
        return self._pages(base, token, f"/projects/{project_id}/issues/{iid}/notes", "notes", {})

    def note(self, base: str, token: str, project_id: int, iid: int, note_id: int) -> dict[str, Any] | None:
        try:
            found = self._json(
                base, token, "GET", f"/projects/{project_id}/issues/{iid}/notes/{note_id}", "note"
            )
        except NotFound:
            return None
        return dict(found) if isinstance(found, dict) else None

    def delete_note(self, base: str, token: str, project_id: int, iid: int, note_id: int) -> bool:
        try:
            self._send(base, token, "DELETE", f"/projects/{project_id}/issues/{iid}/notes/{note_id}", "note")
        except NotFound:
            return False
        return True

    def state_events(self, base: str, token: str, project_id: int, iid: int) -> list[dict[str, Any]]:
        path = f"/projects/{project_id}/issues/{iid}/resource_state_events"
        return self._pages(base, token, path, "state events", {})

    def create_hook(self, base: str, token: str, project_id: int, url: str, secret: str) -> str:
        params = {
            "url": url,
            "token": secret,
            "issues_events": True,
            "pipeline_events": True,  # wakes a code run waiting on its merge request's pipeline (0126)
            "push_events": False,
            "enable_ssl_verification": True,
        }
        hook = self._json(base, token, "POST", f"/projects/{project_id}/hooks", "webhook", json=params)
        return str(hook["id"])

    def delete_hook(self, base: str, token: str, project_id: int, hook_id: str) -> None:
        try:
            self._send(
                base, token, "DELETE", f"/projects/{project_id}/hooks/{quote(hook_id, safe='')}", "webhook"
            )
        except NotFound:
            return
