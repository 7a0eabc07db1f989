"""Motion's REST API (``https://api.usemotion.com/v1``), a user's API key in ``X-API-Key``. Requests are
paced per key under Motion's published limit: 9 a minute after a burst of 3 for an individual account
(at most 12 in any minute, its limit); 110 after 10 for a team's (120). A 429 closes the key for its
Retry-After (a minute when Motion gives none) and is a NothingSent. Lists are read page by page
(``meta.nextCursor``). No error carries the key or a reply's body."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import httpx

from shared.platform.adapters.pacing import Pacer
from shared.platform.adapters.rest import RestClient
from shared.platform.errors import NotFound, TransientError
from shared.sync.adapters.gitlab import checked, json_of, paged
from shared.sync.domain.motion import INDIVIDUAL_PER_MINUTE, TEAM_PER_MINUTE, MotionKey

MOTION_API = "https://api.usemotion.com/v1"
MAX_WAIT_S = 15.0  # a request whose slot is further off puts its task back (NothingSent)


INDIVIDUAL_BURST = 3  # a connect's three requests at once; then 9 a minute: 3 + 9 = 12 in any minute
TEAM_BURST = 10  # then 110 a minute: 120 in any minute


def pacers(
    clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
) -> tuple[Pacer, Pacer]:
    """An individual account's pacer and a team's: the burst and the rate never pass the limit within
    any minute (``clock`` and ``sleep``: a test's)."""

    def paced(per_minute: int, burst: int) -> Pacer:
        rate = (per_minute - burst) / 60.0
        return Pacer(rate, burst, MAX_WAIT_S, what="Motion", clock=clock, sleep=sleep)

    return paced(INDIVIDUAL_PER_MINUTE, INDIVIDUAL_BURST), paced(TEAM_PER_MINUTE, TEAM_BURST)


class MotionRest:
    """:class:`shared.sync.ports.MotionApi` over httpx."""

    def __init__(
        self,
        timeout_s: float,
        base_url: str = MOTION_API,
        paced: tuple[Pacer, Pacer] | None = None,
        client: Any = None,
    ) -> None:
        self._rest = RestClient("Motion", base_url, timeout_s, client)
        self._individual, self._team = paced or pacers()

    def _send(self, key: MotionKey, method: str, path: str, name: str, **kw: Any) -> httpx.Response:
        pace_key = hashlib.sha256(key.key.encode()).hexdigest()[:16]  # never the key
        pacer = self._team if key.team else self._individual
        pacer.acquire(pace_key)
        response = self._rest.send(method, path, {"X-API-Key": key.key}, name, **kw)
        return checked(response, ("Motion", "API key", "the key's user may not"), name, pacer, pace_key)

    def _json(self, key: MotionKey, method: str, path: str, name: str, **kw: Any) -> Any:
        return json_of(self._send(key, method, path, name, **kw), "Motion", name)

    def _pages(
        self, key: MotionKey, path: str, name: str, items: str, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Every item of a list (``{<items>: [...], meta: {nextCursor}}``), as :func:`~.gitlab.paged` reads."""

        def page(cursor: str) -> tuple[list[Any], str]:
            query = {**params, "cursor": cursor} if cursor else params
            reply = self._json(key, "GET", path, name, params=query)
            batch = reply.get(items) if isinstance(reply, dict) else None
            if not isinstance(batch, list):
                raise TransientError(f"Motion's reply to {name} has no {items} list")
            return batch, str((reply.get("meta") or {}).get("nextCursor") or "")

        return paged(page, "")

    def me(self, key: MotionKey) -> dict[str, Any]:
        found = self._json(key, "GET", "/users/me", "user")
        return {"id": str(found["id"]), "name": str(found.get("name") or ""), "email": found.get("email")}

    def workspaces(self, key: MotionKey) -> list[dict[str, Any]]:
        return self._pages(key, "/workspaces", "workspaces", "workspaces", {})

    def statuses(self, key: MotionKey, workspace_id: str) -> list[dict[str, Any]]:
        found = self._json(key, "GET", "/statuses", "statuses", params={"workspaceId": workspace_id})
        if not isinstance(found, list):
            raise TransientError("Motion's reply to statuses is not a list")
        return [s for s in found if isinstance(s, dict)]

    def users(self, key: MotionKey, workspace_id: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for user in self._pages(key, "/users", "users", "users", {"workspaceId": workspace_id}):
            email = user.get("email")
            if isinstance(email, str) and "@" in email and user.get("id"):
                found[email.strip().lower()] = str(user["id"])
        return found

    def tasks(self, key: MotionKey, workspace_id: str) -> list[dict[str, Any]]:
        params = {"workspaceId": workspace_id, "includeAllStatuses": "true"}
        return self._pages(key, "/tasks", "tasks", "tasks", params)

    def task(self, key: MotionKey, task_id: str) -> dict[str, Any] | None:
        try:
            found = self._json(key, "GET", f"/tasks/{task_id}", "task")
        except NotFound:
            return None
        return dict(found) if isinstance(found, dict) else None

    def create_task(self, key: MotionKey, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._json(key, "POST", "/tasks", "task", json=body))

    def update_task(self, key: MotionKey, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._json(key, "PATCH", f"/tasks/{task_id}", "task", json=body))

    def unassign(self, key: MotionKey, task_id: str) -> None:
        self._send(key, "DELETE", f"/tasks/{task_id}/assignee", "task's assignee")

    def delete_task(self, key: MotionKey, task_id: str) -> bool:
        try:
            self._send(key, "DELETE", f"/tasks/{task_id}", "task")
        except NotFound:
            return False
        return True

    def comments(self, key: MotionKey, task_id: str) -> list[dict[str, Any]]:
        return self._pages(key, "/comments", "comments", "comments", {"taskId": task_id})

    def create_comment(self, key: MotionKey, task_id: str, content: str) -> dict[str, Any]:
        return dict(
            self._json(key, "POST", "/comments", "comment", json={"taskId": task_id, "content": content})
        )
