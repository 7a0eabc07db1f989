"""API keys: ``POST /api-keys`` ``{"name", "scopes"}`` makes one (its full text in that answer only;
scopes default to ``["read"]``), ``GET /api-keys`` lists them, ``DELETE /api-keys/<key_id>`` deletes
one. A session only: an API key cannot manage keys (403).

``POST /api-keys`` takes an optional ``Idempotency-Key`` header (1-100 printable ASCII characters, no
space; else 400). A retry with the same one and the same name makes that key again with a new secret
(the earlier one stops working) rather than a second key; with another name it is a 409."""

import re
from typing import Literal, cast

from pydantic import ConfigDict, Field, field_validator

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.platform.domain.schema import Schema
from shared.platform.errors import InvalidInput
from shared.team.domain.api_keys import (
    DEFAULT_SCOPES,
    IDEMPOTENCY_KEY_MAX,
    KEY_NAME,
    NAME_MAX,
    SCOPES,
    is_idempotency_key,
)
from shared.team.services.api_keys import create_api_key, delete_api_key, list_api_keys

Scope = Literal["read", "runs:start", "runs:decide", "runs:control"]  # shared.team.domain.api_keys.SCOPES


class NewApiKey(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=NAME_MAX,
        json_schema_extra={"pattern": KEY_NAME},  # checked by _printable, with words a person reads
        description="What the key is for, e.g. CI: printable, not only spaces",
    )
    scopes: list[Scope] = Field(
        default_factory=lambda: [cast(Scope, s) for s in DEFAULT_SCOPES],
        min_length=1,
        max_length=len(SCOPES),
        description="What the key may do: read; runs:start; runs:decide (answer questions, reject, "
        "approve what is not a change beyond a run's own pages); runs:control (pause, resume, cancel)",
    )

    @field_validator("name")
    @classmethod
    def _printable(cls, name: str) -> str:
        if not re.fullmatch(KEY_NAME, name):
            raise ValueError(
                "a name is printable text, not only spaces (no line breaks nor control characters)"
            )
        return name


def post_api_key(call: Call) -> Reply:
    body = parse_json(call.request, NewApiKey)
    scopes = tuple(s for s in SCOPES if s in body.scopes)  # in their own order, once each
    idempotency_key = call.request.headers.get("Idempotency-Key")
    if idempotency_key is not None and not is_idempotency_key(idempotency_key):
        raise InvalidInput(
            f"the Idempotency-Key header must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII "
            "characters, without spaces",
            ["Idempotency-Key"],
        )
    c = call.container
    return create_api_key(
        call.tenant_id,
        body.name,
        c.workspace.tenants,
        c.team.api_keys,
        idempotency_key,
        scopes=scopes,
        member=call.member,
    ), 201


def get_api_keys(call: Call) -> Reply:
    c = call.container
    return list_api_keys(call.tenant_id, c.workspace.tenants, c.team.api_keys, call.member), 200


def remove_api_key(call: Call) -> Reply:
    return delete_api_key(call.tenant_id, call.args["key_id"], call.container.team.api_keys, call.member), 200
