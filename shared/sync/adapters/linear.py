"""Linear's GraphQL API (``POST /graphql``, a personal API key in ``Authorization``). Requests are
paced per key within Linear's published limit of 5,000 an hour: one a second after a burst of 10.
A refusal for the rate (HTTP 429, or the ``RATELIMITED`` code) closes the key for its Retry-After and
is a NothingSent. Every document sent is in :data:`DOCUMENTS`, and each validates against Linear's
published schema (tests/unit/sync/test_linear_documents.py). No error carries the key or a reply."""

from __future__ import annotations

import hashlib
from typing import Any

from shared.platform.adapters.pacing import Pacer
from shared.platform.adapters.rest import RestClient
from shared.platform.errors import NotFound, NothingSent, PermanentError, TransientError, Unauthenticated

RATE_PER_S = 1.0  # 3,600 an hour, under Linear's 5,000 per key
BURST = 10
_ISSUE = (
    "id title description priority dueDate archivedAt updatedAt "
    "state { id name type } assignee { id email } labels { nodes { id name } }"
)
DOCUMENTS: dict[str, str] = {
    "viewer": "query Viewer { viewer { id name email } }",
    "team": (
        "query Team($id: String!) { team(id: $id) { id name key "
        "states { nodes { id name type } } members { nodes { id email } } "
        "labels { nodes { id name } } } }"
    ),
    "issue": f"query Issue($id: String!) {{ issue(id: $id) {{ {_ISSUE} }} }}",
    "create": (
        "mutation IssueCreate($input: IssueCreateInput!) "
        f"{{ issueCreate(input: $input) {{ success issue {{ {_ISSUE} }} }} }}"
    ),
    "update": (
        "mutation IssueUpdate($id: String!, $input: IssueUpdateInput!) "
        f"{{ issueUpdate(id: $id, input: $input) {{ success issue {{ {_ISSUE} }} }} }}"
    ),
    "history": (
        "query IssueHistory($id: String!) { issue(id: $id) { history(first: 50) "
        "{ nodes { createdAt toTitle toState { id name type } } } } }"
    ),
    "archive": "mutation IssueArchive($id: String!) { issueArchive(id: $id) { success } }",
    "unarchive": "mutation IssueUnarchive($id: String!) { issueUnarchive(id: $id) { success } }",
    "comment_create": (
        "mutation CommentCreate($input: CommentCreateInput!) "
        "{ commentCreate(input: $input) { success comment { id body } } }"
    ),
    "comment": "query Comment($id: String!) { comment(id: $id) { id body children { nodes { id } } } }",
    "comment_delete": "mutation CommentDelete($id: String!) { commentDelete(id: $id) { success } }",
    "webhook": (
        "mutation WebhookCreate($input: WebhookCreateInput!) "
        "{ webhookCreate(input: $input) { success webhook { id } } }"
    ),
    "unhook": "mutation WebhookDelete($id: String!) { webhookDelete(id: $id) { success } }",
}


class LinearGraphQL:
    """:class:`shared.sync.ports.LinearApi` over httpx."""

    def __init__(
        self, base_url: str, timeout_s: float, pacer: Pacer | None = None, client: Any = None
    ) -> None:
        self._rest = RestClient("Linear", base_url, timeout_s, client)
        self._pacer = pacer or Pacer(RATE_PER_S, BURST, max_wait_s=5.0, what="Linear")

    def _call(self, key: str, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        pace_key = hashlib.sha256(key.encode()).hexdigest()[:16]  # never the key itself
        self._pacer.acquire(pace_key)
        body = {"query": DOCUMENTS[name], "variables": variables}
        response = self._rest.send("POST", "/graphql", {"Authorization": key}, name, json=body)
        retry = retry_after(response.headers.get("retry-after"))
        if response.status_code == 429:
            self._pacer.refused(pace_key, retry)
            raise NothingSent(
                f"Linear refused {name} for the rate; try in {retry:.0f} s", retry_after_s=retry
            )
        if response.status_code in (401, 403):
            raise Unauthenticated(f"Linear refused the API key ({response.status_code})")
        if response.status_code >= 500:
            raise TransientError(f"Linear failed {name} ({response.status_code})")
        try:
            reply = response.json()
        except ValueError:
            raise TransientError(f"Linear's reply to {name} is not JSON") from None
        errors = reply.get("errors") if isinstance(reply, dict) else None
        if errors:
            codes = {str((e.get("extensions") or {}).get("code", "")) for e in errors if isinstance(e, dict)}
            if "RATELIMITED" in codes:
                self._pacer.refused(pace_key, retry)
                raise NothingSent(f"Linear refused {name} for the rate", retry_after_s=retry)
            if "AUTHENTICATION_ERROR" in codes:
                raise Unauthenticated("Linear refused the API key")
            if codes & {"ENTITY_NOT_FOUND", "NOT_FOUND"}:
                raise NotFound(f"Linear has no such entity ({name})")
            raise PermanentError(f"Linear refused {name} ({', '.join(sorted(c for c in codes if c))[:80]})")
        if response.status_code >= 400 or not isinstance(reply.get("data"), dict):
            raise PermanentError(f"Linear refused {name} ({response.status_code})")
        data: dict[str, Any] = reply["data"]
        return data

    def viewer(self, key: str) -> dict[str, Any]:
        return dict(self._call(key, "viewer", {})["viewer"])

    def team(self, key: str, team_id: str) -> dict[str, Any]:
        team = self._call(key, "team", {"id": team_id})["team"]
        if team is None:
            raise NotFound("Linear has no such team for this key")
        return {
            "id": team["id"],
            "name": team["name"],
            "key": team["key"],
            "states": team["states"]["nodes"],
            "members": team["members"]["nodes"],
            "labels": team["labels"]["nodes"],
        }

    def _found(self, key: str, name: str, entity_id: str) -> dict[str, Any] | None:
        """The entity ``name`` reads (``issue``, ``comment``) by its id; None when there is none."""
        try:
            found = self._call(key, name, {"id": entity_id})[name]
        except NotFound:
            return None
        return dict(found) if found else None

    def issue(self, key: str, issue_id: str) -> dict[str, Any] | None:
        return self._found(key, "issue", issue_id)

    def create_issue(self, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call(key, "create", {"input": fields})["issueCreate"]["issue"])

    def update_issue(self, key: str, issue_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call(key, "update", {"id": issue_id, "input": fields})["issueUpdate"]["issue"])

    def issue_history(self, key: str, issue_id: str) -> list[dict[str, Any]]:
        try:
            issue = self._call(key, "history", {"id": issue_id})["issue"]
        except NotFound:
            return []
        return [dict(n) for n in ((issue or {}).get("history") or {}).get("nodes") or []]

    def archive_issue(self, key: str, issue_id: str) -> None:
        self._call(key, "archive", {"id": issue_id})

    def unarchive_issue(self, key: str, issue_id: str) -> None:
        self._call(key, "unarchive", {"id": issue_id})

    def create_comment(self, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call(key, "comment_create", {"input": fields})["commentCreate"]["comment"])

    def comment(self, key: str, comment_id: str) -> dict[str, Any] | None:
        return self._found(key, "comment", comment_id)

    def delete_comment(self, key: str, comment_id: str) -> bool:
        try:
            self._call(key, "comment_delete", {"id": comment_id})
        except NotFound:
            return False
        return True

    def create_webhook(self, key: str, team_id: str, url: str, secret: str) -> str:
        data = {
            "url": url,
            "teamId": team_id,
            "resourceTypes": ["Issue"],
            "secret": secret,
            "label": "Notion Agent",
        }
        return str(self._call(key, "webhook", {"input": data})["webhookCreate"]["webhook"]["id"])

    def delete_webhook(self, key: str, webhook_id: str) -> None:
        try:
            self._call(key, "unhook", {"id": webhook_id})
        except NotFound:
            return


def retry_after(value: str | None) -> float:
    """A Retry-After header's seconds, from 1 to 3,600 (60 when absent or not a number)."""
    try:
        return max(1.0, min(float(value or 60), 3600.0))
    except ValueError:
        return 60.0
