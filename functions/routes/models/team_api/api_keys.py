"""The API keys' header and answers (``functions.routes.api_keys``)."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from functions.routes.team_api.api_keys import Scope
from shared.platform.domain.schema import Schema
from shared.team.domain.api_keys import IDEMPOTENCY_KEY_MAX


class KeyHeaders(Schema):
    idempotency_key: str | None = Field(
        None,
        alias="Idempotency-Key",
        pattern=rf"^[!-~]{{1,{IDEMPOTENCY_KEY_MAX}}}$",
        description="Makes a retry answer the same key_id (with a new secret) instead of a second key",
    )


class ListedApiKey(Schema):
    """A key as listed: never its secret."""

    key_id: str
    name: str
    created_at: datetime
    scopes: list[Scope]


class MadeApiKey(ListedApiKey):
    key: str = Field(description="The key, na_<key_id>_<secret>: shown in this answer only")


class ApiKeyList(Schema):
    """The workspace's live keys, newest first."""

    api_keys: list[ListedApiKey]


class DeletedApiKey(Schema):
    """The key stopped working."""

    key_id: str
    deleted: Literal[True]
