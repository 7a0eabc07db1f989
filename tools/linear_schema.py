"""Derive Linear's GraphQL schema (SDL) from the official SDK's npm package, pinned by integrity.

``@linear/sdk`` (MIT, Linear Orbit, Inc) ships no ``.graphql`` file: it ships the TypeScript that
graphql-codegen generated from Linear's schema (``dist/index-*.d.mts``: every enum, object, interface,
union and input type with its fields, and each field's arguments as ``<Type><Field>Args``). This script
reads that section back into SDL, mechanically and without descriptions, and writes
``local/linear_sandbox/schema.graphql``; graphql-core must build it. Run it again to move the pin:

    npm pack @linear/sdk@<version>   # then: python -m tools.linear_schema linear-sdk-<version>.tgz

The version and ``dist.integrity`` (``npm view @linear/sdk dist.integrity``) are pinned below and in
the file's header; a tarball of another hash is refused (decision 0093).
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import sys
import tarfile
from pathlib import Path

VERSION = "98.0.0"
INTEGRITY = "sha512-DRakJJiGe4QE2tc49+XQVE0lyeR9CUHJTpCPsx5291LsmDaMvhP8+beCgXQQ7jET+OshHEm2BYtMx6EUt9ZR8Q=="
OUT = Path(__file__).resolve().parents[1] / "local" / "linear_sandbox" / "schema.graphql"
_BUILTIN = {"ID", "String", "Boolean", "Int", "Float"}
_DECL = re.compile(r"^(?:declare enum (\w+) \{|type (\w+) = (.*))$")
_FIELD = re.compile(r"^  (\w+)(\??): (.+);$")


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _gql_type(ts: str, optional: bool) -> str:
    """A TypeScript field type as graphql-codegen writes it, back to its GraphQL type."""
    nullable = optional
    for wrapper in ("InputMaybe<", "Maybe<"):
        if ts.startswith(wrapper):
            ts, nullable = ts[len(wrapper) : -1], True
    if ts.startswith("Array<"):
        inner = _gql_type(ts[len("Array<") : -1], False)
        base = f"[{inner}]"
    else:
        scalar = re.fullmatch(r'Scalars\["(\w+)"\]', ts)
        base = scalar.group(1) if scalar else ts
        if not re.fullmatch(r"\w+", base):
            raise ValueError(f"unexpected field type {ts!r}")
    return base if nullable else base + "!"


def _blocks(lines: list[str]) -> list[tuple[str, str, str, list[str]]]:
    """``(kind, name, head, body lines)`` of each top-level declaration of the schema's section."""
    out: list[tuple[str, str, str, list[str]]] = []
    i = 0
    while i < len(lines):
        match = _DECL.match(lines[i])
        if not match:
            i += 1
            continue
        name = match.group(1) or match.group(2)
        head = match.group(3) or ""
        kind = "enum" if match.group(1) else "type"
        body: list[str] = []
        if kind == "enum" or head.endswith("{"):
            i += 1
            while not lines[i].startswith("}"):
                if not lines[i].lstrip().startswith(("/*", "*")):
                    body.append(lines[i])
                i += 1
        out.append((kind, name, head, body))
        i += 1
    return out


def convert(dts: str) -> str:
    """The SDL of the schema section of the SDK's generated ``.d.mts``."""
    lines = dts.splitlines()
    start = lines.index("type Scalars = {")
    end = next(n for n, line in enumerate(lines) if re.match(r"^type \w+Fragment = \{", line))
    blocks = _blocks(lines[start:end])
    scalars = [f.group(1) for b in blocks if b[1] == "Scalars" for f in map(_FIELD.match, b[3]) if f]
    by_name = {b[1]: b for b in blocks}
    interfaces = {
        part for _, _, head, _ in blocks for part in head.split(" & ")[:-1] if re.fullmatch(r"\w+", part)
    }
    objects = {n for _, n, _, body in blocks if any(line.startswith("  __typename?: ") for line in body)}
    args_of = {n for n in by_name if n.endswith("Args") and n not in objects}
    out = [
        f"# Linear's GraphQL schema, derived from @linear/sdk@{VERSION} ({INTEGRITY}) by tools/linear_schema.py"
    ]
    out += [f"scalar {s}" for s in scalars if s not in _BUILTIN]
    for kind, name, head, body in blocks:
        if (
            name in ("Scalars", "Maybe", "InputMaybe", "Exact", "MakeOptional", "MakeMaybe")
            or name in args_of
        ):
            continue
        if kind == "enum":
            values = [re.match(r'^  \w+ = "(\w+)",?$', line) for line in body]
            out.append(f"enum {name} {{ " + " ".join(v.group(1) for v in values if v) + " }")
            continue
        if not head.endswith("{"):
            members = [m.strip() for m in head.rstrip(";").split("|")]
            if len(members) > 1:
                out.append(f"union {name} = " + " | ".join(members))
            continue
        implements = [p for p in head.split(" & ")[:-1] if p in interfaces]
        fields = []
        for line in body:
            field = _FIELD.match(line)
            if not field or field.group(1) == "__typename":
                continue
            fname, optional, ts = field.groups()
            args = name + fname[0].upper() + fname[1:] + "Args"
            sdl = f"{fname}{_args(by_name[args]) if args in args_of else ''}"
            fields.append(f"  {sdl}: {_gql_type(ts, bool(optional))}")
        if name in interfaces:
            keyword = "interface"
        elif name in objects:
            keyword = "type"
        else:
            keyword = "input"
        extra = f" implements {' & '.join(implements)}" if implements else ""
        out.append(f"{keyword} {name}{extra} {{\n" + "\n".join(fields) + "\n}")
    return "\n".join(out) + "\n"


def _args(block: tuple[str, str, str, list[str]] | None) -> str:
    if block is None:
        return ""
    args = [
        f"{f.group(1)}: {_gql_type(f.group(3), bool(f.group(2)))}" for f in map(_FIELD.match, block[3]) if f
    ]
    return f"({', '.join(args)})" if args else ""


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    """A regular file of the tarball, as text (a member that is not one stops the script)."""
    handle = tar.extractfile(member)
    if handle is None:
        sys.exit(f"{member.name}: not a regular file in the tarball")
    return handle.read().decode()


def main(tarball: str) -> None:
    data = Path(tarball).read_bytes()
    if integrity(data) != INTEGRITY:
        sys.exit(f"{tarball}: not @linear/sdk@{VERSION} as pinned (integrity {integrity(data)})")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = next(m for m in tar.getmembers() if re.fullmatch(r"package/dist/index-\w+\.d\.mts", m.name))
        dts, licence = _read(tar, member), _read(tar, tar.getmember("package/LICENSE"))
    sdl = convert(dts)
    from graphql import build_schema  # the check: the SDL must build

    build_schema(sdl)
    OUT.write_text(sdl)
    (OUT.parent / "LICENSE-linear-sdk").write_text(licence)
    print(f"wrote {OUT} ({len(sdl)} characters)")


if __name__ == "__main__":
    main(sys.argv[1])
