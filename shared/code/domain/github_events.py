"""GitHub's webhook deliveries of checks: their signature, what they say, and
the run a check's branch belongs to. Pure: no I/O.

A delivery is trusted only when ``X-Hub-Signature-256`` is ``sha256=`` and the HMAC-SHA256 of the raw
body keyed by the workspace's webhook secret (drawn for it, decision 0139; docs.github.com, "Validating webhook deliveries"),
compared in constant time. Its ``X-GitHub-Delivery`` GUID (kept by a redelivery) de-duplicates it.
"""

import hashlib
import hmac
import json
import re
from typing import Any, NamedTuple

BRANCH_PREFIX = (
    "notion-agent/"  # a run's pull request branch: BRANCH_PREFIX + its key (shared.tools.code.pull_request)
)
SIGNATURE_HEADER = "X-Hub-Signature-256"
DELIVERY_HEADER = "X-GitHub-Delivery"
EVENT_HEADER = "X-GitHub-Event"


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is GitHub's signature of the raw ``body`` with ``secret``."""
    if not header or not header.startswith("sha256=") or not header.isascii():
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


class ChecksDone(NamedTuple):
    """A check of commit ``sha`` completed (a check run) or settled (a status), on ``branches``."""

    repository: str
    sha: str
    branches: tuple[str, ...]


def checks_done(event: str, body: bytes) -> ChecksDone | None:
    """What a ``check_run`` (action ``completed``) or ``status`` (not ``pending``) delivery says;
    None for any other event or action. ValueError for a body that is not such an event's JSON."""
    if event not in ("check_run", "status"):
        return None
    try:
        payload: Any = json.loads(body)
        repository = str(payload["repository"]["full_name"])
        if event == "check_run":
            if payload.get("action") != "completed":
                return None
            run = payload["check_run"]
            branch = (run.get("check_suite") or {}).get("head_branch")
            prs = [str(p["head"]["ref"]) for p in run.get("pull_requests") or [] if isinstance(p, dict)]
            return ChecksDone(repository, str(run["head_sha"]), tuple(filter(None, [branch, *prs])))
        if event == "status":
            if payload.get("state") == "pending":
                return None
            branches = [str(b["name"]) for b in payload.get("branches") or [] if isinstance(b, dict)]
            return ChecksDone(repository, str(payload["sha"]), tuple(branches))
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ValueError(f"a {event} delivery without its fields: {exc}") from None
    return None


class CommentMade(NamedTuple):
    """A comment was made on pull request ``number`` of ``repository``: its branch when the delivery
    says it (a review comment), the run keys its description names (:func:`body_marker`), its author."""

    repository: str
    number: int
    branches: tuple[str, ...]
    refs: tuple[str, ...]
    author: str
    bot: bool


# A description's key: an HTML comment, which GitHub's Markdown does not show (decision 0124), or the
# visible line bodies carried before it (a pull request opened then is still found).
_REF = re.compile(r"(?:<!-- notion-agent ref |Notion Agent · ref )([A-Za-z0-9._:-]{1,128})")


def body_marker(key: str) -> str:
    """The line a pull request's description carries its run's ``key`` in, unseen by its readers."""
    return f"<!-- notion-agent ref {key} -->"


COMMENT_EVENTS = ("issue_comment", "pull_request_review_comment")


def comment_made(event: str, body: bytes) -> CommentMade | None:
    """What an ``issue_comment`` on a pull request or a ``pull_request_review_comment`` delivery (action
    ``created``) says; None for another event, action, or a comment on an issue. ValueError for a body
    that is not such an event's JSON."""
    if event not in COMMENT_EVENTS:
        return None
    try:
        payload: Any = json.loads(body)
        if payload.get("action") != "created":
            return None
        repository = str(payload["repository"]["full_name"])
        user = payload["comment"]["user"]
        bot = user.get("type") == "Bot"
        if event == "issue_comment":
            issue = payload["issue"]
            if not issue.get("pull_request"):
                return None
            refs = tuple(_REF.findall(str(issue.get("body") or "")))
            return CommentMade(repository, int(issue["number"]), (), refs, str(user["login"]), bot)
        pull = payload["pull_request"]
        refs = tuple(_REF.findall(str(pull.get("body") or "")))
        branch = str(pull["head"]["ref"])
        return CommentMade(repository, int(pull["number"]), (branch,), refs, str(user["login"]), bot)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ValueError(f"a {event} delivery without its fields: {exc}") from None


def run_of_ref(ref: str, tag: str) -> str | None:
    """The run id an idempotency key of the workspace tagged ``tag`` names (``<tag>-<run>:<step>:<call>``)."""
    head = f"{tag}-"
    if not ref.startswith(head):
        return None
    run, *numbers = ref[len(head) :].rsplit(":", 2)
    return run if run and len(numbers) == 2 and all(n.isdigit() for n in numbers) else None


def run_of(branch: str, tag: str) -> str | None:
    """The run id a branch named from a key of the workspace tagged ``tag`` belongs to
    (``notion-agent/<tag>-<run>-<step>-<call>``), else None."""
    head = f"{BRANCH_PREFIX}{tag}-"
    if not branch.startswith(head):
        return None
    run, *numbers = branch[len(head) :].rsplit("-", 2)
    return run if run and len(numbers) == 2 and all(n.isdigit() for n in numbers) else None
