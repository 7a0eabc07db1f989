"""A small JSON Schema validator for the keywords the generated contract uses.

Keywords: $ref (to #/definitions), type, const, enum, properties, required, additionalProperties,
items, anyOf, not. Anything else in a schema is ignored (the contract test checks none remain).
``valid`` answers yes or no, stopping at the first mismatch and trying an object's ``const``
properties first (a union of block types is told apart by its ``type``); ``errors`` explains a
failure, and is only walked when ``valid`` said no. (jsonschema takes as long as the full walk here
on Notion's unions: 21 CPU s for the markdown test's 702 answers, against 1.7 for ``valid``.)
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


_CHECKS = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
}


def _is_type(value: Any, kind: str) -> bool:
    return bool(_CHECKS[kind](value))


class Validator:
    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions
        self._consts: dict[int, tuple[dict[str, Any], list[tuple[str, Any]]]] = {}

    def valid(self, value: Any, schema: dict[str, Any]) -> bool:
        """Whether ``value`` conforms: exactly when ``errors`` would return no problem."""
        if "$ref" in schema:
            return self.valid(value, self.definitions[schema["$ref"].removeprefix("#/definitions/")])
        if "anyOf" in schema:
            return any(self.valid(value, option) for option in schema["anyOf"])
        if ("not" in schema and self.valid(value, schema["not"])) or self._scalar(value, schema, "$"):
            return False
        if isinstance(value, dict):
            return self._object_valid(value, schema)
        return not isinstance(value, list) or all(self.valid(item, schema.get("items", {})) for item in value)

    def _object_valid(self, value: dict[str, Any], schema: dict[str, Any]) -> bool:
        properties: dict[str, Any] = schema.get("properties", {})
        for key, const in self._const_properties(properties):
            if key in value and value[key] != const:
                return False
        if any(key not in value for key in schema.get("required", ())):
            return False
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                if not self.valid(item, properties[key]):
                    return False
            elif extra is False or (isinstance(extra, dict) and not self.valid(item, extra)):
                return False
        return True

    def _const_properties(self, properties: dict[str, Any]) -> list[tuple[str, Any]]:
        """The properties whose schema is a plain ``const``, remembered per schema (the contract's
        schemas live as long as the validator)."""
        held = self._consts.get(id(properties))
        if held is None or held[0] is not properties:
            consts = [(k, p["const"]) for k, p in properties.items() if "const" in p and "$ref" not in p]
            held = self._consts[id(properties)] = (properties, consts)
        return held[1]

    def errors(self, value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
        """Every problem of ``value`` against ``schema``, each with its path (none when it conforms)."""
        if self.valid(value, schema):
            return []
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
        if any(self.valid(value, option) for option in options):
            return []
        attempts = [self.errors(value, option, path) for option in options]
        best = min(attempts, key=len)  # the closest alternative explains the failure best
        return [f"{path}: matches none of {len(options)} alternatives; closest: {best[:3]}"]
