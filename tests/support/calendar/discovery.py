"""The Calendar API's discovery document as google-api-python-client ships it, and a check that an
answer holds only what its schemas document, each of its documented JSON type."""

from __future__ import annotations

import json
import os
from typing import Any

import googleapiclient.discovery_cache

_DOC = os.path.join(
    os.path.dirname(googleapiclient.discovery_cache.__file__), "documents", "calendar.v3.json"
)
with open(_DOC, encoding="utf-8") as _file:
    SCHEMAS: dict[str, Any] = json.load(_file)["schemas"]
_JSON = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}


def documented(answer: Any, schema: dict[str, Any] | str, path: str = "$") -> None:
    """AssertionError naming the place where ``answer`` strays from ``schema`` (a name or a schema):
    a property Google does not document, or a value of another JSON type."""
    shape = SCHEMAS[schema] if isinstance(schema, str) else SCHEMAS.get(schema.get("$ref", ""), schema)
    expected = _JSON[shape.get("type", "object")]
    assert isinstance(answer, expected), f"{path} is {type(answer).__name__}, Google says {expected.__name__}"
    if isinstance(answer, list):
        for at, each in enumerate(answer):
            documented(each, shape["items"], f"{path}[{at}]")
        return
    props = shape.get("properties")
    if isinstance(answer, dict) and props is not None:
        stray = sorted(set(answer) - set(props))
        assert not stray, f"{path} has {stray}, not in Google's schema"
        for name, value in answer.items():
            documented(value, props[name], f"{path}.{name}")
