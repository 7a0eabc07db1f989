"""In-memory state of one workspace and of the OAuth connections to it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from local.notion_sandbox.ids import IdFactory, stable_id

JSON = dict[str, Any]


@dataclass
class Actor:
    """Who makes a change: the integration's bot or a person in the workspace."""

    id: str
    type: str  # "bot" | "person"

    def ref(self) -> JSON:
        return {"id": self.id, "type": self.type}

    def partial_user(self) -> JSON:
        return {"object": "user", "id": self.id}


@dataclass
class Workspace:
    key: str
    id: str
    name: str
    icon: str | None
    bot: JSON
    owner: JSON
    people: dict[str, JSON] = field(default_factory=dict)
    pages: dict[str, JSON] = field(default_factory=dict)
    databases: dict[str, JSON] = field(default_factory=dict)
    data_sources: dict[str, JSON] = field(default_factory=dict)
    blocks: dict[str, JSON] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    comments: dict[str, JSON] = field(default_factory=dict)
    writes: Counter[str] = field(default_factory=Counter)
    seeded: dict[str, str] = field(default_factory=dict)
    ids: IdFactory = field(init=False)

    def __post_init__(self) -> None:
        self.ids = IdFactory(self.key)

    @property
    def bot_actor(self) -> Actor:
        return Actor(self.bot["id"], "bot")

    def person(self, user_id: str | None = None) -> Actor:
        chosen = user_id or next(iter(self.people))
        return Actor(chosen, "person")

    def page_root(self, block_id: str) -> str | None:
        """The page a block belongs to (the block itself when it is a page)."""
        current: str | None = block_id
        while current is not None and current not in self.pages:
            parent = self.blocks.get(current, {}).get("parent", {})
            current = parent.get("page_id") or parent.get("block_id")
        return current


@dataclass
class Grant:
    """One OAuth connection (or a seeded token): access token, refresh token, revoked flag."""

    access_token: str
    workspace_id: str
    refresh_token: str | None
    revoked: bool = False
    user_id: str | None = None  # the person who authorized it (None: the workspace's owner)


def bot_user(key: str, name: str, workspace_id: str, workspace_name: str) -> JSON:
    return {
        "object": "user",
        "id": stable_id(key, "bot"),
        "name": name,
        "avatar_url": None,
        "type": "bot",
        "bot": {
            "owner": {"type": "workspace", "workspace": True},
            "workspace_id": workspace_id,
            "workspace_name": workspace_name,
            "workspace_limits": {"max_file_upload_size_in_bytes": 5_368_709_120},
        },
    }


def person_email(key: str, handle: str) -> str:
    """The Notion email of the workspace ``key``'s person ``handle``: ``<handle>@<key>.example``, an
    underscore of the key a hyphen (a domain holds none: a browser's email field refuses it)."""
    return f"{handle}@{key.replace('_', '-')}.example"


def person_user(key: str, handle: str, name: str) -> JSON:
    return {
        "object": "user",
        "id": stable_id(key, "person", handle),
        "name": name,
        "avatar_url": None,
        "type": "person",
        "person": {"email": person_email(key, handle)},
    }


@dataclass
class Change:
    """Something that happened in a workspace and becomes a webhook event."""

    type: str
    entity: JSON
    data: JSON
    author: Actor
