"""``make check-indexes``: every recorded Firestore query has an index in terraform/firestore.tf.

The Firestore emulator serves any query; production refuses one that no index serves
(FAILED_PRECONDITION). tools/firestore_queries.py records the shape of every query the test suites
and the local stack send; this decides for each distinct shape which index Firestore needs and
whether Terraform declares it (decision 0047 has the rules and their sources):

- Automatic single-field indexes exist for every field in collection scope, ascending, descending
  and array-contains, unless a ``google_firestore_field`` exemption says otherwise; in collection-group
  scope none exist unless an exemption adds them.
- Single-field indexes serve: equality filters (``==``, ``in``, is-null) and at most one
  array-contains on any number of fields, merged, with no other order than the document name; or one
  field that is range-filtered and/or ordered (or summed) with no equality or array filter.
- Anything else needs a composite index: the equality and array fields first (in any order), then
  the query's order: its order-by clauses, then its inequality fields not ordered explicitly (by
  name), then a summed or averaged field; the document name ends every index in the direction of
  its last field. A vector query needs its vector field last, after its equality fields.

Shapes are matched conservatively: an index that only index merging of several composite indexes
could serve counts as missing. Queries that only test code sends are listed and not counted.
Prints ``RESULT queries=<distinct shapes> without_index=<n>`` and exits non-zero if n > 0.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.firestore_queries import QueryShape, read_log
from tools.infra_drift import ROOT, Terraform, load_terraform

DEFAULT_LOG = ROOT / ".cache" / "firestore-queries.jsonl"
ASC, DESC, CONTAINS, VECTOR, ANY = "ASCENDING", "DESCENDING", "CONTAINS", "VECTOR", "ANY"
NAME = "__name__"
COLLECTION, GROUP = "COLLECTION", "COLLECTION_GROUP"
SINGLE_VALUED = {"EQUAL", "IS_NULL", "IS_NAN"}
EQUALITY = SINGLE_VALUED | {"IN"}
ARRAY = {"ARRAY_CONTAINS", "ARRAY_CONTAINS_ANY"}
RANGE = {
    "LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL",
    "NOT_EQUAL", "NOT_IN", "IS_NOT_NULL", "IS_NOT_NAN",
}  # fmt: skip
AUTOMATIC = frozenset({(COLLECTION, ASC), (COLLECTION, DESC), (COLLECTION, CONTAINS)})

Field = tuple[str, str]  # (field path, ASCENDING | DESCENDING | CONTAINS | VECTOR)


@dataclass(frozen=True)
class Index:
    """A composite index as Terraform declares it (without the implied trailing __name__)."""

    name: str
    collection: str
    scope: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Indexes:
    """The indexes a database has: composite ones and the single-field exemptions."""

    composite: tuple[Index, ...] = ()
    # (collection group, field) -> the single-field indexes it has instead of the automatic ones
    exemptions: Mapping[tuple[str, str], frozenset[tuple[str, str]]] = field(default_factory=dict)

    def single(self, collection: str, path: str) -> frozenset[tuple[str, str]]:
        return self.exemptions.get((collection, path), AUTOMATIC)


@dataclass(frozen=True)
class Need:
    """What serves a shape: its equality and array fields (any order), then its order."""

    equalities: frozenset[str]
    arrays: frozenset[str]
    order: tuple[tuple[str, str], ...]  # (field, ASCENDING | DESCENDING | ANY | VECTOR)


def need_of(shape: QueryShape) -> Need:
    """The index a shape needs, from its filters, order-by clauses, aggregations and vector field."""
    filters = [(f, op) for f, op in shape.filters if f != NAME]  # the document name is always indexed
    single_valued = {f for f, op in filters if op in SINGLE_VALUED}
    order = [(f, d) for f, d in shape.orders if f not in single_valued]  # one value: no order
    direction = next((d for f, d in reversed(order) if f != NAME), ASC)
    ordered = {f for f, _ in order}
    for path in sorted({f for f, op in filters if op in RANGE} - ordered):
        order.append((path, direction))  # inequality fields are ordered implicitly, by name
        ordered.add(path)
    if order and order[-1][0] == NAME:
        before = next((d for f, d in reversed(order[:-1]) if f != NAME), ASC)
        if order[-1][1] == before:
            order.pop()  # the document name ends every index in its last field's direction
    for kind, path in shape.aggregations:
        if kind in ("sum", "avg") and path not in ordered and path not in single_valued:
            order.append((path, ANY))  # read from the index: any direction serves
            ordered.add(path)
    if shape.vector_field:
        order.append((shape.vector_field, VECTOR))
    equalities = frozenset(f for f, op in filters if op in EQUALITY) - ordered
    arrays = frozenset(f for f, op in filters if op in ARRAY)
    return Need(equalities=equalities, arrays=arrays, order=tuple(order))


def _has(available: frozenset[tuple[str, str]], scope: str, modes: Iterable[str]) -> bool:
    return any((scope, mode) in available for mode in modes)


def served_by_single_fields(shape: QueryShape, need: Need, indexes: Indexes) -> bool:
    """True if the shape's single-field indexes serve it (merged for equalities), no composite."""

    def single(path: str) -> frozenset[tuple[str, str]]:
        return indexes.single(shape.collection, path)

    if len(need.arrays) > 1 or any(mode == VECTOR for _, mode in need.order):
        return False
    if not need.order or (need.order == ((NAME, DESC),) and not (need.equalities | need.arrays)):
        return all(_has(single(f), shape.scope, (ASC, DESC)) for f in need.equalities) and all(
            _has(single(f), shape.scope, (CONTAINS,)) for f in need.arrays
        )
    if len(need.order) == 1 and not need.equalities and not need.arrays:
        (path, direction) = need.order[0]
        return _has(single(path), shape.scope, (ASC, DESC) if direction == ANY else (direction,))
    return False


def covers(index: Index, shape: QueryShape, need: Need) -> bool:
    """True if the composite ``index`` serves the shape exactly (equality fields first, then its order)."""
    if (index.collection, index.scope) != (shape.collection, shape.scope):
        return False
    fields = list(index.fields)
    if fields and fields[-1][0] == NAME and len(fields) > 1 and fields[-1][1] == fields[-2][1]:
        fields.pop()  # the implied trailing document name, written out
    prefix = len(need.equalities) + len(need.arrays)
    head, tail = fields[:prefix], fields[prefix:]
    if {f for f, _ in head} != need.equalities | need.arrays or len(head) != prefix:
        return False
    for path, mode in head:
        if (mode == CONTAINS) != (path in need.arrays):
            return False
    if len(tail) != len(need.order):
        return False
    return all(
        path == want_path and (mode == want or (want == ANY and mode in (ASC, DESC)))
        for (path, mode), (want_path, want) in zip(tail, need.order, strict=True)
    )


def served_by(shape: QueryShape, indexes: Indexes) -> str | None:
    """What serves the shape ("single-field indexes" or the composite index's name); None if nothing."""
    need = need_of(shape)
    if shape.disjunction:
        return None  # an OR is served per disjunct; this checker does not split them: add a rule first
    if served_by_single_fields(shape, need, indexes):
        return "single-field indexes"
    for index in indexes.composite:
        if covers(index, shape, need):
            return index.name
    return None


# --- terraform/firestore.tf ---------------------------------------------------------------------


def _resolve(value: Any, each: Mapping[str, Any]) -> Any:
    """A ``${each.value.x}`` reference of a for_each body, resolved against the entry."""
    if isinstance(value, str) and value.startswith("${each.value.") and value.endswith("}"):
        return each[value[len("${each.value.") : -1]]
    return value


def _entries(tf: Terraform, body: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(key, each.value) of a resource's for_each over a local, or one entry for a literal body."""
    for_each = body.get("for_each")
    if for_each is None:
        return [("", {})]
    if not (isinstance(for_each, str) and for_each.startswith("${local.") and for_each.endswith("}")):
        raise ValueError(f"for_each {for_each!r}: only a local map is read")
    entries: Mapping[str, Mapping[str, Any]] = tf.locals[for_each[len("${local.") : -1]]
    return list(entries.items())


def _field_mode(spec: Mapping[str, Any]) -> str:
    if "vector_config" in spec:
        return VECTOR
    if spec.get("array_config") == CONTAINS:
        return CONTAINS
    return str(spec["order"])


def _block_items(tf_block: Any, each: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    """The entries of nested blocks ``name``: literal, or a ``dynamic`` block over a list."""
    blocks = tf_block if isinstance(tf_block, list) else [tf_block]
    items: list[Mapping[str, Any]] = []
    for block in blocks:
        for key, value in block.items():
            if key == name:
                items.extend(value if isinstance(value, list) else [value])
            elif key == "dynamic":
                for dynamic in value if isinstance(value, list) else [value]:
                    if name in dynamic:
                        spec = dynamic[name]
                        iterator = _resolve(spec["for_each"], each)
                        content = spec["content"][0] if isinstance(spec["content"], list) else spec["content"]
                        for item in iterator:
                            items.append({k: _iterated(v, name, item) for k, v in content.items()})
    return items


def _iterated(value: Any, name: str, item: Any) -> Any:
    """A dynamic block's ``${<name>.value.<key>}`` or ``${<name>.value[<n>]}``, resolved against
    the iterated ``item`` (a map or a list); any other value as it is."""
    if not isinstance(value, str):
        return value
    match = re.fullmatch(rf"\$\{{{re.escape(name)}\.value(?:\.(\w+)|\[(\d+)\])\}}", value)
    if match is None:
        return value
    return item[match.group(1)] if match.group(1) is not None else item[int(match.group(2))]


def terraform_indexes(tf: Terraform) -> Indexes:
    """The composite indexes and single-field exemptions that terraform/ declares."""
    composite: list[Index] = []
    for name, body in tf.resources.get("google_firestore_index", {}).items():
        for key, each in _entries(tf, body):
            fields = _block_items(body, each, "fields")
            composite.append(
                Index(
                    name=f"{name}[{key}]" if key else name,
                    collection=str(_resolve(body["collection"], each)),
                    scope=str(_resolve(body.get("query_scope", COLLECTION), each)),
                    fields=tuple((str(f["field_path"]), _field_mode(f)) for f in fields),
                )
            )
    exemptions: dict[tuple[str, str], frozenset[tuple[str, str]]] = {}
    for body in tf.resources.get("google_firestore_field", {}).values():
        if "index_config" not in body:
            continue  # a TTL policy alone: the automatic indexes stay
        for _, each in _entries(tf, body):
            where = (str(_resolve(body["collection"], each)), str(_resolve(body["field"], each)))
            config = body["index_config"]
            indexes = _block_items(config, each, "indexes") if config else []
            exemptions[where] = frozenset(
                (str(i.get("query_scope", COLLECTION)), _field_mode(i)) for i in indexes
            )
    return Indexes(composite=tuple(composite), exemptions=exemptions)


# --- the check ----------------------------------------------------------------------------------


@dataclass
class Report:
    shapes: dict[QueryShape, set[str]]  # counted shapes -> where the code made them
    test_only: dict[QueryShape, set[str]]
    unreadable: list[str]
    served: dict[QueryShape, str | None]

    @property
    def without_index(self) -> list[QueryShape]:
        return [shape for shape, by in self.served.items() if by is None]

    def result_line(self) -> str:
        return f"RESULT queries={len(self.shapes)} without_index={len(self.without_index)}"


def check(log: Path, indexes: Indexes) -> Report:
    """Read a recording and decide, for each distinct shape the code (not only tests) sends, its index."""
    callers: dict[QueryShape, set[str]] = {}
    unreadable: list[str] = []
    for shape, where, error in read_log(log):
        if shape is None:
            unreadable.append(f"{where}: {error}")
        else:
            callers.setdefault(shape, set()).add(where)
    shapes = {s: w for s, w in callers.items() if not all(c.startswith("tests/") for c in w)}
    test_only = {s: w for s, w in callers.items() if s not in shapes}
    served = {shape: served_by(shape, indexes) for shape in shapes}
    return Report(shapes=shapes, test_only=test_only, unreadable=unreadable, served=served)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", nargs="?", type=Path, default=DEFAULT_LOG)
    args = parser.parse_args(argv)
    if not args.log.is_file():
        print(f"{args.log}: no recording (make check-indexes runs the suites to make one)", file=sys.stderr)
        return 2
    report = check(args.log, terraform_indexes(load_terraform()))
    for shape in sorted(report.shapes, key=QueryShape.describe):
        by = report.served[shape]
        mark = "ok  " if by else "NONE"
        print(
            f"{mark} {shape.describe()}  <- {', '.join(sorted(report.shapes[shape]))}  [{by or 'no index'}]"
        )
    for shape in sorted(report.test_only, key=QueryShape.describe):
        print(f"test {shape.describe()}  <- {', '.join(sorted(report.test_only[shape]))}  [not counted]")
    for line in report.unreadable:
        print(f"UNREADABLE {line}")
    for shape in report.without_index:
        need = need_of(shape)
        fields = [*sorted(need.equalities), *sorted(need.arrays)]
        print(
            f"missing: a {shape.scope} index on {shape.collection}: equalities {fields} then {list(need.order)}"
        )
    print(report.result_line())
    if not report.shapes:
        print("no query was recorded: the recording did not reach the code", file=sys.stderr)
        return 1
    return 1 if report.without_index or report.unreadable else 0


if __name__ == "__main__":
    sys.exit(main())
