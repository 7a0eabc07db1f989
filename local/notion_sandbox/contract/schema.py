"""A small JSON Schema validator for the keywords the generated contract uses.

Keywords: $ref (to #/definitions), type, const, enum, properties, required, additionalProperties,
items, anyOf, not. Anything else in a schema is ignored (the contract test checks none remain).
"""

from __future__ import annotations

from typing import Any

KNOWN = {
    "$ref",
    "type",
    "const",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "anyOf",
    "not",
}
KNOWN |= {"description", "$comment", "title", "examples", "default", "format"}


def _is_type(value: Any, kind: str) -> bool:
    checks = {
        "object": lambda: isinstance(value, dict),
        "array": lambda: isinstance(value, list),
        "string": lambda: isinstance(value, str),
        "boolean": lambda: isinstance(value, bool),
        "null": lambda: value is None,
        "integer": lambda: isinstance(value, int) and not isinstance(value, bool),
        "number": lambda: isinstance(value, int | float) and not isinstance(value, bool),
    }
    return checks[kind]()


class Validator:
    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions

    def errors(self, value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
        if "$ref" in schema:
            name = schema["$ref"].removeprefix("#/definitions/")
            return self.errors(value, self.definitions[name], path)
        if "anyOf" in schema:
            return self._any_of(value, schema["anyOf"], path)
        if "not" in schema and not self.errors(value, schema["not"], path):
            return [f"{path}: must not match {schema['not']}"]
        return self._scalar(value, schema, path) or self._nested(value, schema, path)

    def _nested(self, value: Any, schema: dict[str, Any], path: str) -> list[str]:
        if isinstance(value, dict):
            return self._object(value, schema, path)
        if isinstance(value, list) and "items" in schema:
            items = schema["items"]
            return [e for i, item in enumerate(value) for e in self.errors(item, items, f"{path}[{i}]")]
        return []

    def _scalar(self, value: Any, schema: dict[str, Any], path: str) -> list[str]:
        kinds = schema.get("type")
        if kinds is not None:
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if not any(_is_type(value, k) for k in kinds):
                return [f"{path}: expected {'/'.join(kinds)}, got {type(value).__name__} {value!r:.60}"]
        if "const" in schema and value != schema["const"]:
            return [f"{path}: expected {schema['const']!r}, got {value!r:.60}"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{path}: {value!r:.60} not in {schema['enum']}"]
        return []

    def _object(self, value: dict[str, Any], schema: dict[str, Any], path: str) -> list[str]:
        problems = [f"{path}: missing {key!r}" for key in schema.get("required", []) if key not in value]
        properties: dict[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                problems += self.errors(item, properties[key], f"{path}.{key}")
            elif extra is False:
                problems.append(f"{path}: unexpected property {key!r}")
            elif isinstance(extra, dict):
                problems += self.errors(item, extra, f"{path}.{key}")
        return problems

    def _any_of(self, value: Any, options: list[dict[str, Any]], path: str) -> list[str]:
        attempts = [self.errors(value, option, path) for option in options]
        if any(not a for a in attempts):
            return []
        best = min(attempts, key=len)  # the closest alternative explains the failure best
        return [f"{path}: matches none of {len(options)} alternatives; closest: {best[:3]}"]
