"""Notion's ports: OAuth, the client, and a tenant's Notion with its token.

For type checking only (``if TYPE_CHECKING:`` wherever a port is named), as every port is
(tests/unit/platform/entry/test_import_hygiene.py); the values a port exchanges live in the capabilities'
domains and are imported here for type checking too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from shared.workspace.domain.connecting.notion_grant import NotionGrant


class NotionOAuth(Protocol):
    def exchange_code(
        self, client_id: str, client_secret: str, code: str, redirect_uri: str
    ) -> NotionGrant: ...

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> NotionGrant: ...

    def revoke(self, client_id: str, client_secret: str, token: str) -> None: ...


class NotionClient(Protocol):
    """Notion's API (version 2026-03-11) for whoever holds a token: one per instance."""

    def with_token(self, token: str) -> TenantNotion:
        """:class:`TenantNotion` calling with ``token`` (nothing is requested until a call)."""
        ...


class TenantNotion(Protocol):
    """Notion's API (version 2026-03-11) for one tenant. The engine supplies the tenant's current
    token (refreshed once on a 401: shared.notion.services.notion_access); a listing is read as its caller
    takes it, each request with the token.

    Errors are the project's kinds: 429/529 → TransientError with ``retry_after_s``; 5xx → TransientError;
    401 → Unauthenticated; other 4xx → PermanentError carrying Notion's code and message.
    """

    def me(self) -> dict[str, Any]: ...

    def search(self, query: str = "", filter: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]: ...

    def retrieve_page(self, page_id: str) -> dict[str, Any]: ...

    def create_page(
        self,
        parent: dict[str, Any],
        properties: dict[str, Any],
        children: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Creates the page with at most 100 children; the rest are appended in batches."""
        ...

    def update_page_properties(self, page_id: str, properties: dict[str, Any]) -> dict[str, Any]: ...

    def retrieve_data_source(self, data_source_id: str) -> dict[str, Any]: ...

    def update_data_source(self, data_source_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        """``PATCH /v1/data_sources/{id}`` with ``properties`` (a configuration adds or changes a
        property, ``null`` removes it, ``{"name": ...}`` renames it): the data source as updated."""
        ...

    def query_data_source(
        self,
        data_source_id: str,
        filter: dict[str, Any] | None = None,
        sorts: list[dict[str, Any]] | None = None,
    ) -> Iterator[dict[str, Any]]: ...

    def retrieve_database(self, database_id: str) -> dict[str, Any]: ...

    def list_children(self, block_id: str) -> Iterator[dict[str, Any]]: ...

    def retrieve_markdown(self, page_id: str) -> dict[str, Any]:
        """The page's content as Notion's enhanced Markdown in one request (no block ids: a reader's,
        not an editor's): ``markdown``, ``truncated``, ``unknown_block_ids``."""
        ...

    def append_blocks(
        self, block_id: str, blocks: list[dict[str, Any]], after: str | None = None
    ) -> list[dict[str, Any]]:
        """Appends in batches of 100 (``after``: placed after that child, not at the end); returns the
        created blocks."""
        ...

    def retrieve_block(self, block_id: str) -> dict[str, Any]:
        """The block, a trashed one too (``in_trash``)."""
        ...

    def move_page(self, page_id: str, parent_page_id: str) -> dict[str, Any]:
        """Moves a page under another page (``POST /v1/pages/{id}/move``); returns the page."""
        ...

    def trash_page(self, page_id: str, in_trash: bool) -> dict[str, Any]:
        """Moves a page to the trash, or back out of it (``in_trash``); returns the page."""
        ...

    def update_block(self, block_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Replaces a block's type content (``{"paragraph": {"rich_text": [...]}}``); returns the block."""
        ...

    def delete_block(self, block_id: str) -> None:
        """Moves a block, and what it holds, to the trash."""
        ...

    def list_comments(self, block_id: str) -> Iterator[dict[str, Any]]: ...

    def get_comment(self, comment_id: str) -> dict[str, Any]: ...

    def add_comment(self, page_id: str, text: str, discussion_id: str = "") -> dict[str, Any]:
        """A comment on ``page_id``; with ``discussion_id``, a reply in that comment thread."""
        ...

    def update_comment(self, comment_id: str, text: str) -> dict[str, Any]:
        """The text of a comment this connection made replaced (NotFound for anyone else's)."""
        ...

    def delete_comment(self, comment_id: str) -> dict[str, Any]:
        """Deletes a comment this connection made (``DELETE /v1/comments/{id}``); returns the deleted
        comment. Notion answers 404 ``object_not_found`` for anyone else's, and for one gone."""
        ...

    def search_visible(
        self, query: str, start_cursor: str | None, page_size: int, kind: str | None = None
    ) -> dict[str, Any]:
        """One page of search (pages and data sources the integration can see, titles matching
        ``query``; only ``kind``, "page" or "data_source", when given): Notion's ``results``,
        ``next_cursor`` and ``has_more``."""
        ...

    def create_database(
        self,
        parent_page_id: str,
        title: str,
        properties: dict[str, Any],
        description: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Create a database under the page with one data source of ``properties`` (Notion's property
        configuration requests); the database object, its ``data_sources`` naming that one."""
        ...
