"""The Linear stand-in's deliveries against Linear's published payload types: Linear
publishes its webhooks' shapes as GraphQL types of its schema (``EntityWebhookPayload``, the entity's
``<Type>WebhookPayload``; local/linear_sandbox/schema.graphql, from its SDK, decision 0093). Every field
a type says is always there (non-null) is there with a value of its type, and no field it does not name."""

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
)

from local.linear_sandbox.app import LinearSandbox
from local.linear_sandbox.schema import SCHEMA_PATH

SCALARS = {
    "String": (str,),
    "ID": (str,),
    "DateTime": (str,),
    "TimelessDate": (str,),
    "Float": (int, float),
    "Int": (int,),
    "Boolean": (bool,),
    "JSONObject": (dict,),
}


def problems(value: Any, kind: GraphQLOutputType, path: str = "") -> list[str]:
    """Where ``value`` is not of GraphQL output type ``kind``."""
    if isinstance(kind, GraphQLNonNull):
        return (
            [f"{path}: missing or null, the type says always there"]
            if value is None
            else problems(value, kind.of_type, path)
        )
    if value is None:
        return []
    if isinstance(kind, GraphQLList):
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [p for n, item in enumerate(value) for p in problems(item, kind.of_type, f"{path}[{n}]")]
    if isinstance(kind, GraphQLObjectType):
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        unknown = [f"{path}.{k}: not a field of {kind.name}" for k in value if k not in kind.fields]
        missing = [
            f"{path}.{k}: missing"
            for k, f in kind.fields.items()
            if isinstance(f.type, GraphQLNonNull) and k not in value
        ]
        found = [
            p
            for k, v in value.items()
            if k in kind.fields
            for p in problems(v, kind.fields[k].type, f"{path}.{k}")
        ]
        return unknown + missing + found
    if isinstance(kind, GraphQLEnumType):
        return [] if value in kind.values else [f"{path}: {value!r} not one of {kind.name}"]
    if isinstance(kind, GraphQLScalarType):
        allowed = SCALARS.get(kind.name)
        wrong = allowed is not None and (
            not isinstance(value, allowed) or (bool not in allowed and isinstance(value, bool))
        )
        return [f"{path}: {value!r} is not a {kind.name}"] if wrong else []
    return [f"{path}: {kind} not checked"]


def delivery_problems(schema: GraphQLSchema, body: dict[str, Any]) -> list[str]:
    """Where a delivery's body breaks EntityWebhookPayload, its ``data`` read as ``<type>WebhookPayload``
    (the union's member its ``type`` names) and its ``updatedFrom`` as a JSON object."""
    entity = schema.type_map["EntityWebhookPayload"]
    assert isinstance(entity, GraphQLObjectType)
    found = [
        p
        for p in problems({k: v for k, v in body.items() if k != "data"}, entity)
        if not p.startswith(".data")
    ]
    data = schema.type_map.get(f"{body.get('type')}WebhookPayload")
    assert isinstance(data, GraphQLObjectType), body.get("type")
    return found + problems(body.get("data"), GraphQLNonNull(data), ".data")


def test_the_stand_ins_issue_deliveries_match_linears_published_types() -> None:
    import json

    schema = build_schema(SCHEMA_PATH.read_text())
    sandbox = LinearSandbox()
    sandbox.webhooks["hook-1"] = {
        "id": "hook-1",
        "url": "https://agent.example/hook",
        "teamId": None,
        "secret": "s",
    }
    issue = sandbox.add_issue("Crash on save", description="Steps")
    sandbox.edit(issue, title="Crash on save (Safari)", labelIds=["label-bug"], priority=2)
    bodies = [json.loads(body) for _, _, body in sandbox.outbox]
    assert [b["action"] for b in bodies] == ["create", "update"]
    broken = {b["action"]: delivery_problems(schema, b) for b in bodies}
    assert not any(broken.values()), broken


def test_the_check_catches_a_delivery_off_the_types() -> None:
    """The check can fail: the old stand-in's body (six fields of the issue, no createdAt) is refused."""
    schema = build_schema(SCHEMA_PATH.read_text())
    thin = {
        "action": "update",
        "type": "Issue",
        "data": {
            "id": "i",
            "teamId": "t",
            "updatedAt": "x",
            "title": "t",
            "description": "",
            "assigneeId": None,
        },
        "url": "https://linear.app/issue/i",
        "organizationId": "o",
        "webhookId": "h",
        "webhookTimestamp": 1,
    }
    found = delivery_problems(schema, thin)
    assert ": missing" in " ".join(found) and any(p.startswith(".createdAt") for p in found), found
