"""GitLab's webhook deliveries, checked as GitLab's documentation says. A project webhook carries the
secret token we gave it in ``X-Gitlab-Token`` (the token itself, not a signature: compared in
constant time). ``Idempotency-Key`` is the same on every retry of one delivery (GitLab 17.4 on);
``X-Gitlab-Event-UUID`` names the event (older instances send only it): the first present is the
delivery's id, and a second delivery of that id is a replay. An Issue Hook's body names the issue by
``object_attributes.iid`` in the project ``project.id``."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from shared.sync.domain.linear_events import json_object

TOKEN_HEADER = "X-Gitlab-Token"  # noqa: S105 (a header's name, not a secret)
EVENT_HEADER = "X-Gitlab-Event"
ID_HEADERS = ("Idempotency-Key", "X-Gitlab-Event-UUID")
_UUID = re.compile(r"[0-9A-Za-z-]{8,64}")
ISSUE_KINDS = ("issue", "work_item")  # an issue's events; GitLab 17+ may name them work_item


class GitLabEvent(NamedTuple):
    """One delivery's facts we act on (the rest of its body is not kept)."""

    delivery: str
    kind: str  # object_kind: issue, note, push, ...
    action: str  # open | close | reopen | update ("" for kinds without one)
    project_id: int
    iid: int  # the issue's number in its project (0 for kinds without one)


def token_valid(secret: str, given: str | None) -> bool:
    """Whether ``given`` is our webhook's secret token, compared in constant time."""
    if not given or not secret:
        return False
    return hmac.compare_digest(secret.encode(), given.strip().encode())


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, its name in any case (a WSGI server may write ``X-Gitlab-Event-Uuid``)."""
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def delivery_id(headers: Mapping[str, str]) -> str | None:
    """The delivery's id: ``Idempotency-Key``, else ``X-Gitlab-Event-UUID``; None when neither is an id."""
    for name in ID_HEADERS:
        value = header(headers, name)
        if isinstance(value, str) and _UUID.fullmatch(value.strip()):
            return value.strip()
    return None


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**53


def parse(body: bytes, delivery: str | None) -> GitLabEvent | str:
    """The event of an (authenticated) body, or why it is malformed (a person's sentence)."""
    if delivery is None:
        return f"the {' or '.join(ID_HEADERS)} header is missing or not an id"
    data = json_object(body)
    if data is None:
        return "the body is not a JSON object"
    kind = data.get("object_kind")
    if not isinstance(kind, str) or not kind.replace("_", "").isalpha() or len(kind) > 40:
        return "object_kind: the event's kind, e.g. issue"
    if kind not in ISSUE_KINDS:
        return GitLabEvent(delivery, kind, "", 0, 0)
    project: dict[str, Any] = data["project"] if isinstance(data.get("project"), dict) else {}
    attributes: dict[str, Any] = (
        data["object_attributes"] if isinstance(data.get("object_attributes"), dict) else {}
    )
    project_id = project.get("id", attributes.get("project_id"))
    iid, action = attributes.get("iid"), attributes.get("action", "")
    problems = (
        (not _positive(project_id), "project.id: the project's id"),
        (not _positive(iid), "object_attributes.iid: the issue's number in its project"),
        (
            not isinstance(action, str) or len(action) > 20,
            "object_attributes.action: open, close, reopen or update",
        ),
    )
    for bad, reason in problems:
        if bad:
            return reason
    return GitLabEvent(delivery, kind, str(action), int(str(project_id)), int(str(iid)))
