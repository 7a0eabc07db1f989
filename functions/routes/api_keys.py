"""API keys: ``POST /api-keys`` ``{"name"}`` makes one (its full text in that answer only),
``GET /api-keys`` lists them, ``DELETE /api-keys/<key_id>`` deletes one. A session only: an API key
cannot manage keys (403).

``POST /api-keys`` takes an optional ``Idempotency-Key`` header (1-100 printable ASCII characters, no
space; else 400): a retry with the same one and the same name makes that key again with a new secret
(the earlier one stops working) rather than a second key; with another name it is a 409."""

from pydantic import ConfigDict, Field, field_validator

from functions._http import Reply, parse_json
from functions.routes import Call
from shared import bootstrap
from shared.domain.api_keys import IDEMPOTENCY_KEY_MAX, NAME_MAX, is_idempotency_key
from shared.domain.schema import Schema
from shared.errors import InvalidInput
from shared.services.api_keys import create_api_key, delete_api_key, list_api_keys


class NewApiKey(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=NAME_MAX, description="What the key is for, e.g. CI")

    @field_validator("name")
    @classmethod
    def _printable(cls, name: str) -> str:
        if not name.isprintable() or not name.strip():
            raise ValueError("a name is printable text (no line breaks nor control characters)")
        return name


def post_api_key(call: Call) -> Reply:
    name = parse_json(call.request, NewApiKey).name
    idempotency_key = call.request.headers.get("Idempotency-Key")
    if idempotency_key is not None and not is_idempotency_key(idempotency_key):
        raise InvalidInput(
            f"the Idempotency-Key header must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII "
            "characters, without spaces",
            ["Idempotency-Key"],
        )
    c = bootstrap.container()
    return create_api_key(call.tenant_id, name, c.tenants, c.api_keys, idempotency_key), 201


def get_api_keys(call: Call) -> Reply:
    c = bootstrap.container()
    return list_api_keys(call.tenant_id, c.tenants, c.api_keys), 200


def remove_api_key(call: Call) -> Reply:
    return delete_api_key(call.tenant_id, call.args["key_id"], bootstrap.container().api_keys), 200
