"""The answer of Notion's OAuth token endpoint (shared.notion.ports.NotionOAuth), from a code exchange or a
refresh; apart from shared.workspace.domain.connecting.connection so the Notion adapter loads no connection rules."""

from typing import Any, NamedTuple


class NotionGrant(NamedTuple):
    """What Notion's token endpoint answers (tokens go to the secret store, never to Firestore)."""

    access_token: str
    refresh_token: str | None
    bot_id: str
    workspace_id: str
    workspace_name: str
    owner: dict[str, Any]
