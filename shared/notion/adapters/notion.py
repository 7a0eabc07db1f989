"""Notion's API (version 2026-03-11) on notion-client: one client per instance, bound to a
tenant's token per call (``with_token``). Errors become the project's kinds (:func:`convert`).
notion-client's own retry is off: it sleeps inside the call. This adapter retries at most once,
inline, only for a short wait (``max_inline_wait_s``): a 429/529 for any request, a 5xx or timeout
for reads only; a longer wait is TransientError(retry_after_s), for a task scheduled later. Each
connection's requests are paced (:class:`~shared.platform.adapters.pacing.Pacer`, keyed by a hash of the token).
"""

import copy
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, cast

import httpx
from notion_client import Client
from notion_client.client import ClientOptions
from notion_client.errors import HTTPResponseError, InvalidPathParameterError, RequestTimeoutError
from notion_client.helpers import iterate_paginated_api

from shared.notion.domain.blocks import MAX_BLOCKS_PER_APPEND, batches, rich_text
from shared.notion.domain.markdown import comment_rich_text
from shared.platform.adapters.pacing import Pacer
from shared.platform.adapters.tls import verifying_context
from shared.platform.errors import (
    AgentError,
    ModelFixableError,
    PermanentError,
    TransientError,
    Unauthenticated,
)
from shared.workspace.domain.connecting.notion_grant import NotionGrant

NOTION_VERSION = "2026-03-11"  # webhooks: the subscription's version too (docs/deploy.md)
PAGE_SIZE = 100
_REFUSED = (429, 529)  # rate limited / overloaded: the request was not carried out
log = logging.getLogger(__name__)
JSON = dict[str, Any]


class NotionApiError(PermanentError):
    """Notion refused the request for good (a 4xx other than 401/429)."""

    def __init__(self, status: int, notion_code: str, message: str) -> None:
        super().__init__(f"Notion answered {status} {notion_code}: {message}")
        self.status = status
        self.notion_code = notion_code
        self.notion_message = message


class NotionRequestRefused(NotionApiError, ModelFixableError):
    """Notion refused what was asked and said what to fix, having done nothing: 400 ``validation_error``
    (a property name or value, a select option, a filter, a block's shape) or 404 ``object_not_found``
    (an id that is wrong, deleted or not shared). It is both model-fixable and permanent. A tool step's
    engine checks ModelFixableError first: the model gets Notion's message and repairs the arguments
    (safe after the intent, as the request had no effect). Every other caller catches PermanentError:
    planning fails the run, the comment check drops the comment, the comment channel tries the next.
    """


_FIXABLE = {(400, "validation_error"), (404, "object_not_found")}


def build_client(base_url: str, timeout_s: float) -> Client:
    options = ClientOptions(
        base_url=base_url.rstrip("/"),
        timeout_ms=int(timeout_s * 1000),
        notion_version=NOTION_VERSION,
        retry=False,
        logger=logging.getLogger("notion_client"),
    )
    return Client(options=options, client=httpx.Client(verify=verifying_context()))


def _retry_after(headers: httpx.Headers) -> float | None:
    try:
        return max(0.0, float(headers.get("retry-after", "")))
    except ValueError:
        return None  # an HTTP-date: Notion sends seconds; the caller backs off on its own


def _code_and_message(error: HTTPResponseError) -> tuple[str, str]:
    code, message = str(getattr(error.code, "value", error.code)), str(error)
    try:
        body = json.loads(error.body)
    except (TypeError, ValueError):
        return code, message
    if isinstance(body, dict):
        code = str(body.get("code") or body.get("error") or code)
        message = str(body.get("message") or body.get("error_description") or message)
    return code, message


def convert(error: Exception) -> AgentError:
    """The project's error for a notion-client or transport error; other exceptions are re-raised.

    429 and 529 → TransientError with ``retry_after_s``; other 5xx, timeouts and connection failures →
    TransientError; 401 → Unauthenticated (``shared.notion.services.notion_access`` refreshes the token); 400
    ``validation_error`` and 404 ``object_not_found`` → :class:`NotionRequestRefused`; other 4xx →
    :class:`NotionApiError` with Notion's code and message.
    """
    if isinstance(error, RequestTimeoutError | httpx.TimeoutException):
        return TransientError("Notion did not answer in time")
    if isinstance(error, httpx.TransportError):
        return TransientError(f"Notion is unreachable ({error.__class__.__name__})")
    if isinstance(error, InvalidPathParameterError):  # an id with "..": the model's to correct
        return ModelFixableError(f"not a Notion id: {error}"[:300])
    if not isinstance(error, HTTPResponseError):
        raise error
    code, message = _code_and_message(error)
    if error.status in _REFUSED or error.status >= 500 or code == "conflict_error":
        # 409 conflict_error: a collision with another edit, not carried out; "try again" (Notion)
        reason = f"Notion answered {error.status} {code}: {message}"
        return TransientError(reason, retry_after_s=_retry_after(error.headers))
    if error.status == 401:
        return Unauthenticated(f"Notion refused the token ({code}): {message}")
    refusal = NotionRequestRefused if (error.status, code) in _FIXABLE else NotionApiError
    return refusal(error.status, code, message)


class NotionApi:
    """The ``NotionClient`` port: one per instance; :meth:`with_token` gives the ``Notion`` port with a
    tenant's token, which is all it keeps of the tenant."""

    _token = ""  # none: Notion refuses the call (401)

    def __init__(
        self, client: Client, max_inline_wait_s: float = 1.0, rate_per_s: float = 3.0, burst: int = 3
    ) -> None:
        self._client = client
        self._max_inline_wait_s = max_inline_wait_s
        # A request may always wait for its own turn at the pace, so a step's sequential requests go on
        # even with no inline wait allowed for Retry-After; a longer wait is the caller's to schedule.
        self._pacer = Pacer(rate_per_s, burst, max(max_inline_wait_s, 1.0 / rate_per_s), what="Notion")

    def with_token(self, token: str) -> "NotionApi":
        """This client (its connection pool and pacing) calling with ``token``."""
        bound = copy.copy(self)
        bound._token = token
        return bound

    def _call(self, fn: Callable[..., Any], *, read: bool, **kwargs: Any) -> Any:
        connection = hashlib.sha256(str(kwargs.get("auth", "")).encode()).hexdigest()[:24]
        for attempt in (1, 2):
            self._pacer.acquire(connection)
            try:
                return fn(**kwargs)
            except Exception as raw:
                error = convert(raw)
                refused = isinstance(raw, HTTPResponseError) and raw.status in _REFUSED
                wait = getattr(error, "retry_after_s", None)
                wait = 0.2 if wait is None else wait
                if refused:  # the next request of this connection, here or in another step, waits
                    self._pacer.refused(connection, wait)
                    status = getattr(raw, "status", 0)
                    log.warning(
                        "Notion answered %s: waiting %.1f s",
                        status,
                        wait,
                        extra={"fields": {"event": "notion_refused", "status": status}},
                    )  # the dashboard's Notion 429s (terraform/monitoring.tf)
                if attempt == 2 or not isinstance(error, TransientError) or not (refused or read):
                    raise error from raw
                if wait > self._max_inline_wait_s:
                    raise error from raw
                if not refused:  # a refusal's wait is the pacer's, taken by acquire
                    time.sleep(wait)
        raise AssertionError("unreachable")

    def _pages(self, fn: Callable[..., Any], **kwargs: Any) -> Iterator[JSON]:
        """Every result of a paginated list, 100 per request (Notion's maximum)."""
        yield from iterate_paginated_api(partial(self._call, fn, read=True), page_size=PAGE_SIZE, **kwargs)

    def me(self) -> JSON:
        result: JSON = self._call(self._client.users.me, read=True, auth=self._token)
        return result

    def search(self, query: str = "", filter: JSON | None = None) -> Iterator[JSON]:
        extra = {"filter": filter} if filter else {}
        return self._pages(self._client.search, auth=self._token, query=query, **extra)

    def retrieve_page(self, page_id: str) -> JSON:
        result: JSON = self._call(self._client.pages.retrieve, read=True, page_id=page_id, auth=self._token)
        return result

    def create_page(self, parent: JSON, properties: JSON, children: list[JSON] | None = None) -> JSON:
        blocks = children or []
        first, rest = blocks[:MAX_BLOCKS_PER_APPEND], blocks[MAX_BLOCKS_PER_APPEND:]
        page: JSON = self._call(
            self._client.pages.create,
            read=False,
            auth=self._token,
            parent=parent,
            properties=properties,
            children=first,
        )
        if rest:
            self.append_blocks(page["id"], rest)
        return page

    def update_page_properties(self, page_id: str, properties: JSON) -> JSON:
        result: JSON = self._call(
            self._client.pages.update, read=False, page_id=page_id, auth=self._token, properties=properties
        )
        return result

    def retrieve_data_source(self, data_source_id: str) -> JSON:
        fn = self._client.data_sources.retrieve
        result: JSON = self._call(fn, read=True, data_source_id=data_source_id, auth=self._token)
        return result

    def query_data_source(
        self, data_source_id: str, filter: JSON | None = None, sorts: list[JSON] | None = None
    ) -> Iterator[JSON]:
        extra: JSON = {"filter": filter} if filter else {}
        extra |= {"sorts": sorts} if sorts else {}
        fn = self._client.data_sources.query
        return self._pages(fn, data_source_id=data_source_id, auth=self._token, **extra)

    def retrieve_database(self, database_id: str) -> JSON:
        fn = self._client.databases.retrieve
        result: JSON = self._call(fn, read=True, database_id=database_id, auth=self._token)
        return result

    def list_children(self, block_id: str) -> Iterator[JSON]:
        return self._pages(self._client.blocks.children.list, block_id=block_id, auth=self._token)

    def append_blocks(self, block_id: str, blocks: list[JSON], after: str | None = None) -> list[JSON]:
        created: list[JSON] = []
        for batch in batches(blocks):
            fn = self._client.blocks.children.append
            # 2026-03-11 places a batch by ``position`` (``after`` is refused); without one, at the end
            place: JSON = {"position": {"type": "after_block", "after_block": {"id": after}}} if after else {}
            answer = self._call(fn, read=False, block_id=block_id, auth=self._token, children=batch, **place)
            results = answer.get("results", [])
            created.extend(results)
            after = str(results[-1]["id"]) if after and results else after
        return created

    def retrieve_markdown(self, page_id: str) -> JSON:
        """``GET /v1/pages/{page_id}/markdown``: the page's content (not its title or properties) as
        Notion's enhanced Markdown, one request: ``markdown``, ``truncated`` and ``unknown_block_ids``
        (blocks past Notion's record limit of about 20,000, or not shared with the integration)."""
        fn = self._client.pages.retrieve_markdown
        result: JSON = self._call(fn, read=True, page_id=page_id, auth=self._token)
        return result

    def retrieve_block(self, block_id: str) -> JSON:
        fn = self._client.blocks.retrieve
        result: JSON = self._call(fn, read=True, block_id=block_id, auth=self._token)
        return result

    def move_page(self, page_id: str, parent_page_id: str) -> JSON:
        fn = self._client.pages.move
        parent = {"type": "page_id", "page_id": parent_page_id}
        result: JSON = self._call(fn, read=False, page_id=page_id, auth=self._token, parent=parent)
        return result

    def trash_page(self, page_id: str, in_trash: bool) -> JSON:
        fn = self._client.pages.update
        result: JSON = self._call(fn, read=False, page_id=page_id, auth=self._token, in_trash=in_trash)
        return result

    def update_block(self, block_id: str, body: JSON) -> JSON:
        fn = self._client.blocks.update
        result: JSON = self._call(fn, read=False, block_id=block_id, auth=self._token, **body)
        return result

    def delete_block(self, block_id: str) -> None:
        self._call(self._client.blocks.delete, read=False, block_id=block_id, auth=self._token)

    def list_comments(self, block_id: str) -> Iterator[JSON]:
        return self._pages(self._client.comments.list, block_id=block_id, auth=self._token)

    def get_comment(self, comment_id: str) -> JSON:
        fn = self._client.comments.retrieve
        result: JSON = self._call(fn, read=True, comment_id=comment_id, auth=self._token)
        return result

    def add_comment(self, page_id: str, text: str, discussion_id: str = "") -> JSON:
        fn = self._client.comments.create
        items = comment_rich_text(text)
        where: JSON = {"discussion_id": discussion_id} if discussion_id else {"parent": {"page_id": page_id}}
        result: JSON = self._call(fn, read=False, auth=self._token, rich_text=items, **where)
        return result

    def update_comment(self, comment_id: str, text: str) -> JSON:
        fn = self._client.comments.update
        items = comment_rich_text(text)
        result: JSON = self._call(fn, read=False, auth=self._token, comment_id=comment_id, rich_text=items)
        return result

    def delete_comment(self, comment_id: str) -> JSON:
        fn = self._client.comments.delete
        result: JSON = self._call(fn, read=False, auth=self._token, comment_id=comment_id)
        return result

    def search_visible(
        self, query: str, start_cursor: str | None, page_size: int, kind: str | None = None
    ) -> JSON:
        """One page of ``POST /v1/search``: ``results``, ``next_cursor``, ``has_more`` as Notion sends them;
        ``kind`` ("page", "data_source") is Notion's filter on the results' object."""
        extra: JSON = {"start_cursor": start_cursor} if start_cursor else {}
        if kind:
            extra["filter"] = {"property": "object", "value": kind}
        fn = self._client.search
        result: JSON = self._call(fn, read=True, auth=self._token, query=query, page_size=page_size, **extra)
        return result

    def create_database(
        self, parent_page_id: str, title: str, properties: JSON, description: list[JSON] | None = None
    ) -> JSON:
        fn = self._client.databases.create
        extra: JSON = {"description": description} if description else {}
        result: JSON = self._call(
            fn,
            read=False,
            auth=self._token,
            parent={"type": "page_id", "page_id": parent_page_id},
            title=rich_text(title),
            initial_data_source={"properties": properties},
            **extra,
        )
        return result

    def update_data_source(self, data_source_id: str, properties: JSON) -> JSON:
        """``PATCH /v1/data_sources/{id}`` with ``properties`` alone (not retried inline: a write)."""
        changes = {"data_source_id": data_source_id, "properties": properties}
        return cast(
            JSON, self._call(self._client.data_sources.update, read=False, auth=self._token, **changes)
        )


class NotionOAuthClient:
    """The ``NotionOAuth`` port: token exchange, refresh and revoke with the client's Basic auth."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def _token(self, client_id: str, client_secret: str, **body: str) -> NotionGrant:
        try:
            answer = cast(
                JSON, self._client.oauth.token(client_id=client_id, client_secret=client_secret, **body)
            )
        except Exception as raw:
            raise convert(raw) from raw
        return NotionGrant(
            access_token=answer["access_token"],
            refresh_token=answer.get("refresh_token"),
            bot_id=answer.get("bot_id") or "",
            workspace_id=answer["workspace_id"],
            workspace_name=answer.get("workspace_name") or "",
            owner=answer.get("owner") or {},
        )

    def exchange_code(self, client_id: str, client_secret: str, code: str, redirect_uri: str) -> NotionGrant:
        return self._token(
            client_id, client_secret, grant_type="authorization_code", code=code, redirect_uri=redirect_uri
        )

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> NotionGrant:
        return self._token(client_id, client_secret, grant_type="refresh_token", refresh_token=refresh_token)

    def revoke(self, client_id: str, client_secret: str, token: str) -> None:
        try:
            self._client.oauth.revoke(client_id=client_id, client_secret=client_secret, token=token)
        except Exception as raw:
            raise convert(raw) from raw
