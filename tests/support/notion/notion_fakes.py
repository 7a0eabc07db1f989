"""Notion faked for unit tests: a small in-memory Notion (pages, blocks, comments, data sources) and its
OAuth; a comment asking the agent; a disconnect with no held runs."""

import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

from shared.notion.adapters.notion import NotionRequestRefused
from shared.notion.domain.markdown import comment_rich_text
from shared.notion.domain.notion_markdown import blocks_to_markdown
from shared.notion.ports import NotionClient, NotionOAuth, TenantNotion
from shared.platform.errors import NotFound, PermanentError, Unauthenticated
from shared.workspace.domain.connecting.notion_grant import NotionGrant


@dataclass
class FakeNotionOAuth(NotionOAuth):
    """Grants tokens like Notion: a code once, a refresh token once (refresh rotates both)."""

    client: tuple[str, str] = ("client-id", "client-secret")
    workspace_id: str = "ws-1"
    codes: set[str] = field(default_factory=lambda: {"good-code"})
    refresh_tokens: set[str] = field(default_factory=set)
    revoked: list[str] = field(default_factory=list)
    issued: int = 0

    def _grant(self) -> NotionGrant:
        self.issued += 1
        refresh = f"refresh-{self.issued}"
        self.refresh_tokens.add(refresh)
        owner = {"type": "user", "user": {"id": "user-1", "person": {"email": "ada@example.com"}}}
        return NotionGrant(f"access-{self.issued}", refresh, "bot-1", self.workspace_id, "Acme", owner)

    def _check(self, client_id: str, client_secret: str) -> None:
        if (client_id, client_secret) != self.client:
            raise Unauthenticated("invalid_client")

    def _spend(self, client: tuple[str, str], once: str, kept: set[str]) -> NotionGrant:
        """A new grant for ``once``, a code or a refresh token good once (while in ``kept``)."""
        self._check(*client)
        if once not in kept:
            raise PermanentError("invalid_grant")
        kept.discard(once)
        return self._grant()

    def exchange_code(self, client_id: str, client_secret: str, code: str, redirect_uri: str) -> NotionGrant:
        return self._spend((client_id, client_secret), code, self.codes)

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> NotionGrant:
        return self._spend((client_id, client_secret), refresh_token, self.refresh_tokens)

    def revoke(self, client_id: str, client_secret: str, token: str) -> None:
        self._check(client_id, client_secret)
        self.revoked.append(token)


def no_held_runs(tenant_id: str, reason: str) -> int:
    """``connect.disconnect``'s ``stop_held`` for a workspace with no runs (the connect flow's tests)."""
    return 0


PERSON = "user-person"  # a workspace member, the author of blocks ``FakeNotion.add_block`` adds


class WithToken:
    """A fake whose calls take the token first, as the ``TenantNotion`` port its ``with_token``
    gives: each call is the fake's with ``token`` put first (fakes may check which token came)."""

    def __init__(self, fake: object, token: str) -> None:
        self._fake, self._token = fake, token

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return partial(getattr(self._fake, name), self._token)


def answered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rich text request ``items`` as Notion answers them: each with its ``plain_text`` and ``href``."""
    return [
        i | {"plain_text": i["text"]["content"], "href": (i["text"].get("link") or {}).get("url")}
        for i in items
    ]


@dataclass
class FakeNotion(NotionClient):
    """Pages, children, comments and data sources in memory; ``writes`` counts effects by kind;
    ``fail`` maps a method name to exceptions raised by its next calls. Its calls take the token
    first (:class:`WithToken`)."""

    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    databases: dict[str, dict[str, Any]] = field(default_factory=dict)
    writes: Counter[str] = field(default_factory=Counter)
    fail: dict[str, list[BaseException]] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=itertools.count)
    bot_id: str = "bot-1"  # the integration's bot user (``me``)
    trash: list[dict[str, Any]] = field(default_factory=list)  # deleted blocks, still retrieved

    def with_token(self, token: str) -> TenantNotion:
        return cast(TenantNotion, WithToken(self, token))

    def _maybe_fail(self, name: str) -> None:
        if self.fail.get(name):
            raise self.fail[name].pop(0)

    def add_page(self, title: str, parent: dict[str, Any] | None = None, text: str = "", **props: Any) -> str:
        pid = f"page-{next(self.ids)}"
        properties: dict[str, dict[str, Any]] = {"Name": {"type": "title", "title": [{"plain_text": title}]}}
        properties |= {k: {"type": "status", "status": {"name": v}} for k, v in props.items()}
        self.pages[pid] = {
            "id": pid,
            "parent": parent or {},
            "properties": properties,
            "url": f"https://n/{pid}",
        }
        self.children[pid] = [_para(t) for t in text.splitlines() if t]
        return pid

    def add_block(self, page_id: str, text: str, author: str = PERSON) -> str:
        """A paragraph ``author`` wrote at the end of the page; its id."""
        block_id = f"block-{next(self.ids)}"
        self.children.setdefault(page_id, []).append({"id": block_id, **_para(text), **_by(author, page_id)})
        return block_id

    def retrieve_page(self, token: str, page_id: str) -> dict[str, Any]:
        self._maybe_fail("retrieve_page")
        if page_id not in self.pages:  # as the adapter: Notion's 404
            raise PermanentError(f"Notion answered 404 object_not_found: no page {page_id}")
        return self.pages[page_id]

    def retrieve_database(self, token: str, database_id: str) -> dict[str, Any]:
        self._maybe_fail("retrieve_database")
        if database_id not in self.databases:
            raise PermanentError(f"Notion answered 404 object_not_found: no database {database_id}")
        return self.databases[database_id]

    def list_children(self, token: str, block_id: str) -> Iterator[dict[str, Any]]:
        self._maybe_fail("list_children")
        return iter(list(self.children.get(block_id, [])))

    def retrieve_markdown(self, token: str, page_id: str) -> dict[str, Any]:
        """As Notion's Markdown endpoint: the page's blocks as Markdown; 404 for an unknown page."""
        self._maybe_fail("retrieve_markdown")
        if page_id not in self.pages:
            raise PermanentError(f"Notion answered 404 object_not_found: no page {page_id}")
        markdown = blocks_to_markdown(list(self.children.get(page_id, [])))
        return {"object": "page_markdown", "id": page_id, "markdown": markdown, "truncated": False,
                "unknown_block_ids": []}  # fmt: skip

    def search(self, token: str, query: str = "", filter: Any = None) -> Iterator[dict[str, Any]]:
        return iter(
            [p for p in self.pages.values() if query in p["properties"]["Name"]["title"][0]["plain_text"]]
        )

    def retrieve_data_source(self, token: str, data_source_id: str) -> dict[str, Any]:
        return self.sources.get(data_source_id, {"properties": {"Name": {"type": "title"}}})

    def query_data_source(
        self, token: str, data_source_id: str, filter: Any = None, sorts: Any = None
    ) -> Iterator[dict[str, Any]]:
        rows = [p for p in self.pages.values() if p["parent"].get("data_source_id") == data_source_id]
        return iter(rows)

    def create_page(
        self, token: str, parent: dict[str, Any], properties: dict[str, Any], children: Any = None
    ) -> dict[str, Any]:
        self._maybe_fail("create_page")
        title = next(v["title"][0]["text"]["content"] for v in properties.values() if "title" in v)
        pid = self.add_page(title, parent)
        bot = {"object": "user", "id": self.bot_id}
        self.pages[pid] |= {"created_by": bot, "last_edited_by": bot}  # as Notion: made by the bot
        self.children[pid] = [
            {"id": f"block-{next(self.ids)}", **b, **_by(self.bot_id, pid)} for b in children or []
        ]
        if "page_id" in parent:
            self.children.setdefault(parent["page_id"], []).append({"id": pid, "type": "child_page"})
        self.writes["create_page"] += 1
        return self.pages[pid]

    def update_page_properties(self, token: str, page_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        self._maybe_fail("update_page_properties")
        for name, value in properties.items():
            kind = next(iter(value))
            self.pages[page_id]["properties"][name] = {"type": kind, kind: value[kind]}
        self.writes["update_properties"] += 1
        return self.pages[page_id]

    def append_blocks(
        self, token: str, block_id: str, blocks: list[dict[str, Any]], after: str | None = None
    ) -> list[dict[str, Any]]:
        self._maybe_fail("append_blocks")
        made = [{"id": f"block-{next(self.ids)}", **b, **_by(self.bot_id, block_id)} for b in blocks]
        siblings = self.children.setdefault(block_id, [])
        at = next((i + 1 for i, b in enumerate(siblings) if after and b.get("id") == after), len(siblings))
        siblings[at:at] = made
        self.writes["append_blocks"] += 1
        return made

    def retrieve_block(self, token: str, block_id: str) -> dict[str, Any]:
        for block in itertools.chain(*self.children.values(), self.trash):
            if block.get("id") == block_id:
                return block
        raise PermanentError(f"Notion answered 404 object_not_found: no block {block_id}")

    def move_page(self, token: str, page_id: str, parent_page_id: str) -> dict[str, Any]:
        self._maybe_fail("move_page")
        self.pages[page_id]["parent"] = {"type": "page_id", "page_id": parent_page_id}
        self.writes["move_page"] += 1
        return self.pages[page_id]

    def trash_page(self, token: str, page_id: str, in_trash: bool) -> dict[str, Any]:
        self.pages[page_id]["in_trash"] = in_trash
        self.writes["trash_page"] += 1
        return self.pages[page_id]

    def update_block(self, token: str, block_id: str, body: dict[str, Any]) -> dict[str, Any]:
        for blocks in self.children.values():
            for block in blocks:
                if block.get("id") == block_id:
                    block.update(body, last_edited_by={"object": "user", "id": self.bot_id})
                    self.writes["update_block"] += 1
                    return block
        raise PermanentError(f"Notion answered 404 object_not_found: no block {block_id}")

    def delete_block(self, token: str, block_id: str) -> None:
        for blocks in self.children.values():
            for block in blocks:
                if block.get("id") == block_id:
                    blocks.remove(block)
                    self.trash.append(block | {"in_trash": True})
                    self.writes["delete_block"] += 1
                    return
        raise PermanentError(f"Notion answered 404 object_not_found: no block {block_id}")

    def list_comments(self, token: str, block_id: str) -> Iterator[dict[str, Any]]:
        return iter(list(self.comments.get(block_id, [])))

    def me(self, token: str) -> dict[str, Any]:
        return {"object": "user", "id": self.bot_id, "type": "bot"}

    def get_comment(self, token: str, comment_id: str) -> dict[str, Any]:
        self._maybe_fail("get_comment")
        for comments in self.comments.values():
            for comment in comments:
                if comment["id"] == comment_id:
                    return comment
        raise NotionRequestRefused(404, "object_not_found", f"no comment {comment_id}")

    def add_comment(self, token: str, page_id: str, text: str, discussion_id: str = "") -> dict[str, Any]:
        self._maybe_fail("add_comment")
        made = f"c-{next(self.ids)}"
        comment = {
            "id": made,
            "rich_text": answered(comment_rich_text(text)),
            "discussion_id": discussion_id or f"d-{made}",
            "created_by": {"id": self.bot_id, "object": "user"},
            "parent": {"type": "page_id", "page_id": page_id},
        }
        self.comments.setdefault(page_id, []).append(comment)
        self.writes["add_comment"] += 1
        return comment

    def update_comment(self, token: str, comment_id: str, text: str) -> dict[str, Any]:
        self._maybe_fail("update_comment")
        for comment in (c for listed in self.comments.values() for c in listed):
            if comment["id"] == comment_id and comment["created_by"]["id"] == self.bot_id:
                comment["rich_text"] = answered(comment_rich_text(text))
                self.writes["update_comment"] += 1
                return comment
        raise NotFound(f"no comment {comment_id} of this connection")

    def delete_comment(self, token: str, comment_id: str) -> dict[str, Any]:
        """As Notion: only a comment this connection made; 404 object_not_found for any other."""
        self._maybe_fail("delete_comment")
        for listed in self.comments.values():
            for comment in listed:
                if comment["id"] == comment_id and comment["created_by"]["id"] == self.bot_id:
                    listed.remove(comment)
                    self.writes["delete_comment"] += 1
                    return comment
        raise NotionRequestRefused(404, "object_not_found", f"no comment {comment_id} of this connection")

    def search_visible(
        self, token: str, query: str, start_cursor: str | None, page_size: int, kind: str | None = None
    ) -> dict[str, Any]:
        titled = [p for p in self.pages.values() if query.lower() in json.dumps(p["properties"]).lower()]
        return {"results": titled[:page_size], "next_cursor": None, "has_more": False}

    def create_database(
        self,
        token: str,
        parent_page_id: str,
        title: str,
        properties: dict[str, Any],
        description: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        self._maybe_fail("create_database")
        n = next(self.ids)
        database: dict[str, Any] = {"id": f"db-{n}", "title": [{"plain_text": title}]}
        database["description"] = [{"plain_text": nt_plain(description)}] if description else []
        self.children.setdefault(parent_page_id, []).append({"id": f"db-{n}", "type": "child_database"})
        database["data_sources"] = [{"id": f"ds-{n}"}]
        self.databases[f"db-{n}"] = database
        self.sources[f"ds-{n}"] = {"id": f"ds-{n}", "properties": properties}
        self.writes["create_database"] += 1
        return database


def asking(comment_id: str, user_id: str, text: str = " please help") -> dict[str, Any]:
    """A comment (as Notion returns it) that mentions ``user_id`` and then says ``text``."""
    mention = {
        "type": "mention",
        "mention": {"type": "user", "user": {"id": user_id}},
        "plain_text": "@Agent",
    }
    return {
        "object": "comment",
        "id": comment_id,
        "rich_text": [mention, {"type": "text", "plain_text": text}],
    }


def nt_plain(items: list[dict[str, Any]]) -> str:
    """Rich text's plain text, as Notion returns it in ``plain_text``."""
    return "".join(str(i.get("plain_text") or i.get("text", {}).get("content", "")) for i in items)


def _by(user: str, page_id: str) -> dict[str, Any]:
    """A block's authors and parent, as Notion returns them."""
    who = {"object": "user", "id": user}
    return {"created_by": who, "last_edited_by": who, "parent": {"type": "page_id", "page_id": page_id}}


def _para(text: str) -> dict[str, Any]:
    return {"type": "paragraph", "paragraph": {"rich_text": [{"plain_text": text}]}}
