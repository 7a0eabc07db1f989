"""GitHub's REST API (version 2022-11-28) on httpx: the requests, the errors and the names checked.

:class:`GitHubRest` sends one request with the tenant's token and reads its JSON; :func:`convert`
turns an error reply into the project's kinds. No message or log line carries the token, nor any
part of a reply's body. Nothing is retried here: the caller repeats the whole call.
"""

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from shared.code.domain.code import check_ref_name
from shared.platform.adapters.rest import RestClient, read_json, text
from shared.platform.errors import (
    AgentError,
    InvalidInput,
    NotFound,
    PermanentError,
    TransientError,
    Unauthenticated,
)
from shared.workspace.domain.code_names import check_repository

API_VERSION = "2022-11-28"
SECONDARY_LIMIT_WAIT_S = 60.0  # GitHub: without Retry-After or a reset time, wait at least a minute
_log = logging.getLogger(__name__)


class GitHubApiError(PermanentError):
    """GitHub refused the request for good (403 without rate limiting, 409, 422, other 4xx)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _message(response: httpx.Response) -> str:
    """GitHub's ``message`` plus the ``errors`` details of a validation failure."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if not isinstance(body, dict):
        return response.reason_phrase
    errors = body.get("errors") or []
    details = [str((e.get("message") or e.get("code")) if isinstance(e, dict) else e) for e in errors]
    said = str(body.get("message") or response.reason_phrase)
    return f"{said} ({'; '.join(details)})" if details else said


def _retry_after(response: httpx.Response) -> float | None:
    headers = response.headers
    try:
        return max(0.0, float(headers["retry-after"]))
    except (KeyError, ValueError):
        pass
    try:
        return max(0.0, float(headers["x-ratelimit-reset"]) - time.time())
    except (KeyError, ValueError):
        return None


def _rate_limited(response: httpx.Response, message: str) -> bool:
    if response.status_code == 429:
        return True
    headers = response.headers
    return response.status_code == 403 and (
        headers.get("x-ratelimit-remaining") == "0"
        or "retry-after" in headers
        or "rate limit" in message.lower()
    )


def convert(response: httpx.Response, repository: str, token: str) -> AgentError:
    """The project's error for a GitHub error response about ``repository``: 401 → Unauthenticated.
    403 or 429 rate limited → TransientError (``retry_after_s`` from Retry-After, else
    X-RateLimit-Reset). 404 → NotFound naming the repository; 5xx → TransientError; other 4xx →
    :class:`GitHubApiError` with GitHub's message. A 2xx reply that is not JSON or not of the shape read
    (``read_json``) is a TransientError too: the next try may reach GitHub itself.
    """
    status = response.status_code
    message = _message(response)
    message = message.replace(token, "[REDACTED]") if token else message
    if status == 401:
        return Unauthenticated("GitHub refused the token; reconnect GitHub")
    if _rate_limited(response, message):
        wait = _retry_after(response)
        wait = SECONDARY_LIMIT_WAIT_S if wait is None else wait
        return TransientError(f"GitHub rate limit reached while working on {repository}", retry_after_s=wait)
    if status >= 500:
        return TransientError(f"GitHub answered {status} for {repository}: {message}")
    if status == 404:
        return NotFound(
            f"GitHub repository {repository} was not found or the token cannot see it ({message})"
        )
    if status == 403:
        return GitHubApiError(status, f"GitHub refused access to {repository}: {message}")
    return GitHubApiError(status, f"GitHub answered {status} for {repository}: {message}")


def array(value: Any) -> list[Any]:
    """``value`` when it is a JSON array; a TypeError (a reply of another shape) otherwise."""
    if not isinstance(value, list):
        raise TypeError("not a list")
    return value


def sha_of(reply: Any) -> str:
    """The ``sha`` of a created tree or commit."""
    return text(reply["sha"])


def ref_sha(ref: Any) -> str:
    """The commit a branch reference points at."""
    return text(ref["object"]["sha"])


def checked(repository: str, branch: str) -> str:
    """``repository``'s owner, after checking both names (they go into URL paths)."""
    try:
        check_repository(repository)
        check_ref_name(branch)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return repository.split("/", 1)[0]


def ref_path(repository: str, branch: str) -> str:
    """The REST path of ``branch``'s reference in ``repository`` (names checked by :func:`checked`)."""
    return f"/repos/{repository}/git/ref/heads/{quote(branch, safe='/')}"


class GitHubRest:
    """Requests to GitHub with the tenant's token per call, and the branch heads every part of the
    adapter reads; nothing about a tenant is kept. The parts hold one (composition, not a base)."""

    def __init__(self, base_url: str, timeout_s: float, client: httpx.Client | None = None) -> None:
        self._rest = RestClient("GitHub", base_url, timeout_s, client)

    def call[T](
        self, method: str, path: str, token: str, repository: str, parse: Callable[[Any], T], **kw: Any
    ) -> T:
        """One request: its JSON answer read by ``parse`` (:func:`read_json`), else the converted error."""
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        response = self._rest.send(method, path, headers, repository, follow_redirects=True, **kw)
        _log.debug("github %s %s -> %s", method, path, response.status_code)
        if not response.is_success:
            raise convert(response, repository, token)
        return read_json("GitHub", response, parse, f"{method} {path}", token)

    def default_branch(self, token: str, repo: str) -> str:
        return self.call("GET", f"/repos/{repo}", token, repo, lambda found: text(found["default_branch"]))

    def head(self, token: str, repo: str, branch: str) -> str | None:
        """The commit ``branch`` points at; None when there is no such branch."""
        try:
            return self.call("GET", ref_path(repo, branch), token, repo, ref_sha)
        except NotFound:  # 404 for the reference: no such branch
            return None

    def existing_head(self, token: str, repo: str, branch: str, what: str = "branch") -> str:
        """The commit ``branch`` points at; NotFound naming it (as ``what``) when it is missing."""
        head = self.head(token, repo, branch)
        if head is None:
            raise NotFound(f"{what} {branch!r} was not found in GitHub repository {repo}")
        return head

    def head_tree(self, token: str, repo: str, head: str) -> str:
        """The tree of commit ``head``."""
        path = f"/repos/{repo}/git/commits/{head}"
        return self.call("GET", path, token, repo, lambda commit: sha_of(commit["tree"]))
