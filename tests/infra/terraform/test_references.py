"""A stand-in for `terraform validate` (which needs the provider): every reference resolves."""

import re
from collections.abc import Iterator
from typing import Any

import hcl2

from tools.infra_drift import HCL_OPTIONS, TERRAFORM_DIR

_INTERPOLATION = re.compile(r"\$\{(.*)\}", re.S)
_REFERENCE = re.compile(r"(?<![\w.\"])(local|var|data\.\w+|google_\w+)\.(\w+)")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)
    elif isinstance(value, str):
        yield value


def _declarations() -> tuple[dict[str, set[str]], list[Any]]:
    declared: dict[str, set[str]] = {"local": set(), "var": set()}
    docs = []
    for path in sorted(TERRAFORM_DIR.glob("*.tf")):
        doc = hcl2.loads(path.read_text(), serialization_options=HCL_OPTIONS)
        docs.append(doc)
        for block in doc.get("locals", []):
            declared["local"].update(block)
        for block in doc.get("variable", []):
            declared["var"].update(block)
        for kind, prefix in (("resource", ""), ("data", "data.")):
            for block in doc.get(kind, []):
                for rtype, named in block.items():
                    declared.setdefault(prefix + rtype, set()).update(named)
    return declared, docs


def test_every_reference_is_declared() -> None:
    declared, docs = _declarations()
    unresolved, seen = set(), set()
    for doc in docs:
        # A moved block's `from` names an address that is gone by design; its `to` must resolve.
        moved = [{"to": block["to"]} for block in doc.get("moved", [])]
        for text in _strings({key: value for key, value in doc.items() if key != "moved"} | {"moved": moved}):
            for expression in _INTERPOLATION.findall(text):
                for kind, name in _REFERENCE.findall(expression):
                    seen.add(f"{kind}.{name}")
                    if name not in declared.get(kind, set()):
                        unresolved.add(f"{kind}.{name}")
    assert unresolved == set()
    assert {
        "local.functions",
        "var.project_id",
        "google_service_account.function",
        "data.google_project.this",
    } <= seen


def test_every_variable_is_used() -> None:
    declared, docs = _declarations()
    used = {
        name
        for doc in docs
        for text in _strings(doc)
        for kind, name in _REFERENCE.findall(text)
        if kind == "var"
    }
    assert declared["var"] - used == set()
