"""Notion's response shapes, derived from @notionhq/client's types, with a documented overlay.

`validate("POST /v1/pages", body)` returns a list of problems (empty when the body conforms).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from local.notion_sandbox.contract.schema import Validator

HERE = Path(__file__).parent
SCHEMA_FILE = HERE / "notion-client-5.26.0.schema.json"
OVERLAY_FILE = HERE / "overlay.json"


@cache
def load_contract() -> dict[str, Any]:
    """The generated schema with overlay.json applied (replacements, then patches)."""
    schema = json.loads(SCHEMA_FILE.read_text())
    overlay = json.loads(OVERLAY_FILE.read_text())
    schema["definitions"].update(overlay["definitions"])
    schema["$comment"]["endpoints"].update(overlay.get("endpoints", {}))  # README, 7.
    for patch in overlay["patches"]:
        *parents, last = patch["path"]
        node = schema["definitions"]
        for key in parents:
            node = node[key]
        if "extend" in patch:
            node[last] = [*node[last], *patch["extend"]]
        else:
            node[last] = patch["value"]
    for definition in schema["definitions"].values():  # 2026-03-11 has no ``archived`` (README, 6.)
        if "archived" in definition.get("required", []):
            definition["required"] = [key for key in definition["required"] if key != "archived"]
    return dict(schema)


def endpoints() -> dict[str, str]:
    """Endpoint or event name -> the SDK type its response or payload must satisfy."""
    return dict(load_contract()["$comment"]["endpoints"])


def validate(name: str, instance: Any) -> list[str]:
    """Problems of `instance` against the type named by an endpoint/event name or a definition name."""
    contract = load_contract()
    definition = endpoints().get(name, name)
    if definition not in contract["definitions"]:
        raise KeyError(f"no contract for {name}")
    return Validator(contract["definitions"]).errors(instance, {"$ref": f"#/definitions/{definition}"})
