"""Notion's error responses: one exception carrying status, code and message."""

from __future__ import annotations

from typing import Any

from local.notion_sandbox.ids import normalize_id


class NotionError(Exception):
    """An error the sandbox answers in Notion's shape ({"object": "error", ...})."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra: dict[str, Any] = {}

    def body(self, request_id: str) -> dict[str, Any]:
        return {
            "object": "error",
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": request_id,
            **self.extra,
        }


def validation_error(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


def not_found(object_id: str, kind: str = "block") -> NotionError:
    return NotionError(
        404,
        "object_not_found",
        f"Could not find {kind} with ID: {object_id}. Make sure the relevant pages and databases are "
        "shared with your integration.",
    )


def found[T](objects: dict[str, T], object_id: str, kind: str) -> T:
    """The ``kind`` (a page, a database, a data source) of ``object_id`` in either of Notion's forms of
    an id; else Notion's 404 for it, naming the id as it was given."""
    found = objects.get(normalize_id(object_id))
    if found is None:
        raise not_found(object_id, kind)
    return found


def unauthorized() -> NotionError:
    return NotionError(401, "unauthorized", "API token is invalid.")


def missing_version() -> NotionError:
    return NotionError(
        400,
        "missing_version",
        "Notion-Version header failed validation: Notion-Version header should be defined, instead was "
        "`undefined`.",
    )


def rate_limited(retry_after: int) -> NotionError:
    return NotionError(
        429,
        "rate_limited",
        "You have been rate limited. Please try again in a few minutes.",
        {"Retry-After": str(retry_after)},
    )


INJECTED: dict[int, tuple[str, str]] = {
    401: ("unauthorized", "API token is invalid."),
    403: ("restricted_resource", "API token does not have access to this resource."),
    409: ("conflict_error", "Conflict occurred while saving. Please try again."),
    429: ("rate_limited", "You have been rate limited. Please try again in a few minutes."),
    500: ("internal_server_error", "Unexpected error occurred."),
    503: ("service_unavailable", "Notion is unavailable, please try again later."),
    504: ("gateway_timeout", "Notion timed out, please try again later."),
    529: ("service_overload", "Notion is overloaded, please try again later."),
}


def injected(status: int, retry_after: int | None) -> NotionError:
    """An error a test asked for: Notion's code for that status, Retry-After when given."""
    code, message = INJECTED.get(status, ("internal_server_error", "Unexpected error occurred."))
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return NotionError(status, code, message, headers)


def oauth_error(status: int, code: str, oauth_code: str, message: str) -> NotionError:
    """OAuth endpoint error: Notion's shape plus RFC 6749's `error`/`error_description`."""
    error = NotionError(status, code, message)
    error.extra = {"error": oauth_code, "error_description": message}
    return error
