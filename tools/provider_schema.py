"""Check terraform/ against the Terraform providers' own schemas, offline.

The schemas come from the prebuilt CDK Terrain bindings on PyPI (``cdktn-provider-google``,
``cdktn-provider-time``, pinned in terraform/requirements-schema.txt): their jsii assembly describes
every resource, data source, argument (type, required) and nested block of one provider release.
``extract`` turns the downloaded wheels into one JSON file; ``check`` holds every block of
terraform/*.tf against it. Used by tools/check_infra.py and tests/infra.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from tools.infra_drift import TERRAFORM_DIR

BLOCK_OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=True, with_comments=False)
# Arguments Terraform itself understands on every resource and data source block.
META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle"})
META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})
_LINK = re.compile(
    r"registry\.terraform\.io/providers/hashicorp/([a-z0-9-]+)/([0-9.]+)/docs(?:/([a-z-]+)/(\w+))?"
)
_FRAGMENT = re.compile(r"#(\w+) ")
_SCALARS = {"string": "string", "number": "number", "boolean": "bool"}

Schema = dict[str, Any]


def _tf_name(prop: dict[str, Any]) -> str:
    """The Terraform name of a jsii property: the anchor of its registry link, else snake_case."""
    found = _FRAGMENT.search(prop.get("docs", {}).get("remarks", ""))
    return found.group(1) if found else re.sub(r"(?<!^)(?=[A-Z])", "_", prop["name"]).lower()


def _kind(jtype: dict[str, Any], types: dict[str, Any]) -> tuple[str, str | None]:
    """(kind, struct fqn): kind is string/number/bool/list/map/any, or block/blocks for structs."""
    if "union" in jtype:
        kinds = [
            _kind(one, types) for one in jtype["union"]["types"] if one.get("fqn") != "cdktn.IResolvable"
        ]
        return kinds[0] if len(kinds) == 1 else ("any", None)
    if "primitive" in jtype:
        return _SCALARS.get(jtype["primitive"], "any"), None
    if "collection" in jtype:
        element = jtype["collection"]["elementtype"]
        if jtype["collection"]["kind"] == "array" and types.get(element.get("fqn", ""), {}).get("datatype"):
            return "blocks", element["fqn"]
        return ("list" if jtype["collection"]["kind"] == "array" else "map"), None
    if types.get(jtype.get("fqn", ""), {}).get("datatype"):
        return "block", jtype["fqn"]
    return "any", None


def _block(fqn: str, types: dict[str, Any], depth: int = 0) -> Schema:
    """The schema of one struct: attributes {name: {type, required}} and blocks {name: {...}}."""
    attributes: dict[str, Any] = {}
    blocks: dict[str, Any] = {}
    for prop in types[fqn].get("properties", []):
        kind, struct = _kind(prop["type"], types)
        name, required = _tf_name(prop), not prop.get("optional", False)
        if struct is not None and depth < 12:
            blocks[name] = {
                "required": required,
                "list": kind == "blocks",
                "block": _block(struct, types, depth + 1),
            }
        else:
            attributes[name] = {"type": kind, "required": required}
    return {"attributes": attributes, "blocks": blocks}


def extract_assembly(assembly: dict[str, Any]) -> Schema:
    """{provider, version, resources, data_sources, config} from one provider's jsii assembly."""
    types: dict[str, Any] = assembly["types"]
    out: Schema = {"resources": {}, "data_sources": {}}
    for jtype in types.values():
        base = jtype.get("base")
        link = _LINK.search(jtype.get("docs", {}).get("summary", ""))
        if (
            base not in ("cdktn.TerraformResource", "cdktn.TerraformDataSource", "cdktn.TerraformProvider")
            or not link
        ):
            continue
        provider, version, section, name = link.groups()
        config = jtype["initializer"]["parameters"][-1]["type"]["fqn"]
        if base == "cdktn.TerraformProvider":
            out.update(provider=provider, version=version, config=_block(config, types))
        else:
            where = "resources" if section == "resources" else "data_sources"
            out[where][f"{provider}_{name}"] = _block(config, types)
    return out


def extract(wheels: Path) -> list[Schema]:
    """The assembly of every cdktn provider wheel in ``wheels``, extracted (read in place)."""
    schemas = []
    for wheel in sorted(wheels.glob("cdktn_provider_*.whl")):
        with zipfile.ZipFile(wheel) as whl:
            [name] = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
            with whl.open(name) as tgz, tarfile.open(fileobj=tgz, mode="r|gz") as archive:
                member = next((m for m in archive if m.name == "package/.jsii"), None)
                stream = archive.extractfile(member) if member else None
                if stream is None:
                    raise ValueError(f"{wheel.name}: no package/.jsii in {name}")
                schemas.append(extract_assembly(json.load(stream)))
    if not schemas:
        raise ValueError(f"no cdktn provider wheels in {wheels}")
    return schemas


def _is_block(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and v.get("__is_block__") for v in value)
    )


def _literal_mismatch(expected: str, value: Any) -> str | None:
    """Why a literal value cannot convert to the argument's type (expressions are not judged)."""
    if isinstance(value, str) and value.startswith("${"):
        return None
    if expected in ("string", "number", "bool") and isinstance(value, (list, dict)):
        return f"a {type(value).__name__} where a {expected} is expected"
    if expected == "number" and isinstance(value, str) and not re.fullmatch(r"-?[0-9.]+(e-?[0-9]+)?", value):
        return f"{value!r} is not a number"
    if expected == "bool" and isinstance(value, str) and value not in ("true", "false"):
        return f"{value!r} is not a bool"
    if expected in ("list", "map") and isinstance(value, (int, float, bool)):
        return f"a scalar where a {expected} is expected"
    return None


def _check_body(where: str, body: dict[str, Any], schema: Schema, top: bool) -> Iterator[str]:
    attributes, blocks = schema["attributes"], schema["blocks"]
    for key, value in body.items():
        if key == "__is_block__" or (top and (key in META_ARGUMENTS or key in META_BLOCKS)):
            continue
        if key == "dynamic" and isinstance(value, list):
            for dynamic in value:
                for label, spec in dynamic.items():
                    content = [c for c in spec.get("content", []) if isinstance(c, dict)]
                    yield from _check_value(
                        where, label, [dict(c, __is_block__=True) for c in content], schema
                    )
            continue
        yield from _check_value(where, key, value, schema)
    present = set(body) | {label for d in body.get("dynamic", []) if isinstance(d, dict) for label in d}
    for name, spec in {**attributes, **blocks}.items():
        if spec["required"] and name not in present and name not in ("id",):
            yield f"{where}: missing required {'block' if name in blocks else 'argument'} {name!r}"


def _check_value(where: str, key: str, value: Any, schema: Schema) -> Iterator[str]:
    attributes, blocks = schema["attributes"], schema["blocks"]
    if key in blocks:
        spec = blocks[key]
        if not _is_block(value):
            yield f"{where}: {key!r} is a block, written as an argument ({key} = ...)"
            return
        if not spec["list"] and len(value) > 1:
            yield f"{where}: block {key!r} may appear once, found {len(value)}"
        for item in value:
            yield from _check_body(f"{where}.{key}", item, spec["block"], top=False)
    elif key in attributes:
        if _is_block(value):
            yield f"{where}: {key!r} is an argument, written as a block ({key} {{ ... }})"
            return
        why = _literal_mismatch(attributes[key]["type"], value)
        if why:
            yield f"{where}: argument {key!r}: {why}"
    else:
        yield f"{where}: unknown {'block' if _is_block(value) else 'argument'} {key!r}"


def check(schemas: list[Schema], directory: Path = TERRAFORM_DIR) -> list[str]:
    """Every resource, data source and provider block of ``directory`` held against ``schemas``."""
    resources = {k: v for s in schemas for k, v in s["resources"].items()}
    data_sources = {k: v for s in schemas for k, v in s["data_sources"].items()}
    providers = {s["provider"]: s["config"] for s in schemas}
    errors: list[str] = []
    for path in sorted(directory.glob("*.tf")):
        doc = hcl2.loads(path.read_text(), serialization_options=BLOCK_OPTIONS)
        for kind, known in (("resource", resources), ("data", data_sources)):
            for block in doc.get(kind, []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        errors += _check_top(f"{path.name}: {kind} {rtype}.{name}", kind, rtype, body, known)
        for block in doc.get("provider", []):
            for pname, body in block.items():
                errors += _check_top(f"{path.name}: provider {pname}", "provider", pname, body, providers)
    return errors


def _check_top(where: str, kind: str, name: str, body: dict[str, Any], known: dict[str, Schema]) -> list[str]:
    if name not in known:
        return [f"{where}: unknown {kind} type {name!r}"]
    return list(_check_body(where, body, known[name], top=True))


def pinned_versions(directory: Path = TERRAFORM_DIR) -> dict[str, str]:
    """{provider: version constraint} from the ``required_providers`` of ``directory``."""
    pins: dict[str, str] = {}
    for path in sorted(directory.glob("*.tf")):
        doc = hcl2.loads(path.read_text(), serialization_options=BLOCK_OPTIONS)
        for terraform in doc.get("terraform", []):
            for required in terraform.get("required_providers", []):
                for name, spec in required.items():
                    if isinstance(spec, dict):
                        pins[name] = str(spec.get("version", ""))
    return pins


def versions(schemas: list[Schema]) -> dict[str, str]:
    """{provider: version} of the schemas."""
    return {s["provider"]: s["version"] for s in schemas}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("wheels", type=Path, help="directory holding the cdktn_provider_* wheels")
    parser.add_argument("output", type=Path, help="where to write the extracted schemas (JSON)")
    args = parser.parse_args()
    schemas = extract(args.wheels)
    args.output.write_text(json.dumps(schemas, sort_keys=True))
    print(f"provider schemas extracted: {versions(schemas)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
