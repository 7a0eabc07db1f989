"""GitHub's comments on a pull request (docs.github.com/rest/issues/comments "List issue comments",
"Create an issue comment"; /rest/pulls/comments "List review comments on a pull request", "Create a
review comment for a pull request"), and the ``issue_comment`` and ``pull_request_review_comment``
webhook deliveries a created comment makes (action ``created``, the comment's ``user`` with its
``type``: ``Bot`` for an app's account, and its ``author_association``: OWNER for the repository's
owner, COLLABORATOR for a token with write access, else NONE). Commenting needs read access only."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from local.code_sandbox.github_checks import send
from local.code_sandbox.github_state import Delivery, Pull, Repo, invalid, not_found
from local.code_sandbox.github_views import JSON, Call, pull_json, user_json
from local.code_sandbox.gitstore import now

STAMP = "%Y-%m-%dT%H:%M:%SZ"


@dataclass
class PullComment:
    id: int
    kind: str  # issue | review
    login: str
    body: str
    created_at: datetime
    path: str = ""
    line: int | None = None
    association: str = "NONE"  # GitHub's author_association: OWNER, COLLABORATOR or NONE here


def _user(login: str) -> JSON:
    return user_json(login) | {"type": "Bot" if login.endswith("[bot]") else "User"}


def comment_json(call: Call, pull: Pull, comment: PullComment) -> JSON:
    page = f"{call.web}/{call.repo.full_name}/pull/{pull.number}"
    common = {
        "id": comment.id,
        "node_id": f"IC_sandbox{comment.id}",
        "user": _user(comment.login),
        "body": comment.body,
        "created_at": comment.created_at.strftime(STAMP),
        "updated_at": comment.created_at.strftime(STAMP),
        "author_association": comment.association,
    }
    if comment.kind == "issue":
        return common | {
            "html_url": f"{page}#issuecomment-{comment.id}",
            "issue_url": f"{call.api}/issues/{pull.number}",
        }
    return common | {
        "html_url": f"{page}#discussion_r{comment.id}",
        "pull_request_url": f"{call.api}/pulls/{pull.number}",
        "path": comment.path,
        "line": comment.line,
        "commit_id": call.repo.branch_head(pull.head) or pull.head_sha,
    }


def _pull(call: Call) -> Pull:
    number = int(call.params[0])
    found = next((p for p in call.repo.pulls if p.number == number), None)
    if found is None:
        raise not_found()
    return found


def _listed(call: Call, kind: str) -> tuple[list[JSON], int]:
    pull = _pull(call)
    since = call.args.get("since", "")
    mine = [c for c in _comments(pull) if c.kind == kind and c.created_at.strftime(STAMP) >= since]
    return [comment_json(call, pull, c) for c in mine[:100]], 200


def list_issue_comments(call: Call) -> tuple[list[JSON], int]:
    return _listed(call, "issue")


def list_review_comments(call: Call) -> tuple[list[JSON], int]:
    return _listed(call, "review")


def _comments(pull: Pull) -> list[PullComment]:
    return pull.comments


def _create(call: Call, kind: str) -> tuple[JSON, int]:
    pull, body = _pull(call), call.body.get("body")
    if not isinstance(body, str) or not body.strip():
        raise invalid("body", field="body", code="missing_field")
    path = str(call.body.get("path") or "")
    if kind == "review" and not path:
        raise invalid("path", field="path", code="missing_field")
    line = call.body.get("line")
    comment = PullComment(
        call.state.next_id(),
        kind,
        call.grant.login,
        body,
        now(),
        path,
        line if isinstance(line, int) else None,
        _association(call),
    )
    _comments(pull).append(comment)
    answer = comment_json(call, pull, comment)
    _deliver(call, pull, kind, answer)
    return answer, 201


def _association(call: Call) -> str:
    """How the commenter is associated with the repository: its owner, a collaborator (write), or none."""
    if call.grant.login.lower() == call.repo.full_name.split("/")[0].lower():
        return "OWNER"
    return "COLLABORATOR" if call.grant.permission == "write" else "NONE"


def create_issue_comment(call: Call) -> tuple[JSON, int]:
    return _create(call, "issue")


def create_review_comment(call: Call) -> tuple[JSON, int]:
    return _create(call, "review")


def _deliver(call: Call, pull: Pull, kind: str, comment: JSON) -> None:
    """The comment's delivery to each of the repository's hooks, sent from a thread (after the lock)."""
    repo: Repo = call.repo
    repository = {"id": repo.id, "full_name": repo.full_name, "name": repo.name}
    payload: dict[str, Any] = {"action": "created", "comment": comment, "repository": repository}
    payload["sender"] = comment["user"]
    if kind == "issue":
        event = "issue_comment"
        issue = {"number": pull.number, "title": pull.title, "body": pull.body, "state": pull.state}
        merged = pull.merged_at.strftime("%Y-%m-%dT%H:%M:%SZ") if pull.merged_at else None
        payload["issue"] = issue | {
            "pull_request": {"url": f"{call.api}/pulls/{pull.number}", "merged_at": merged}
        }
    else:
        event = "pull_request_review_comment"
        payload["pull_request"] = pull_json(call, pull)
    body = json.dumps(payload).encode()
    deliveries = [Delivery(str(uuid.uuid4()), event, body, h.url, h.secret) for h in repo.hooks]
    call.state.deliveries.extend(deliveries)
    for delivery in deliveries:
        threading.Thread(target=send, args=(call.state, delivery), daemon=True).start()
