"""Record the shape of every Firestore query a process sends, for ``make check-indexes``.

The Firestore emulator serves any query without an index; production answers FAILED_PRECONDITION
when no index serves it. So the test suites and the local stack record what they ask: when
``FIRESTORE_QUERY_LOG`` names a file, ``install`` wraps the client library's lowest stable point,
``FirestoreClient.run_query`` and ``run_aggregation_query`` (every ``get``/``stream`` of a Query,
a CollectionGroup, an aggregation, a transaction's read and a vector query goes through them), and
appends one JSON line per distinct shape: the collection id and scope, the filters (field, operator),
the order-by, the aggregations and the vector field, and where in this repository the query was
made. Values are never recorded (they may be workspace content).

Processes get it through ``tools/query_recording/sitecustomize.py`` on ``PYTHONPATH`` (``make
pytest`` sets both variables; the local stack passes them on to its functions). Without the variable
nothing is imported or wrapped. tools/check_indexes.py reads the file.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ENV = "FIRESTORE_QUERY_LOG"
ROOT = Path(__file__).resolve().parent.parent
_CLIENT_MODULES = (
    "google.cloud.firestore_v1.services.firestore.client",
    "google.cloud.firestore_v1.services.firestore.async_client",
)
_CLIENT_CLASSES = ("FirestoreClient", "FirestoreAsyncClient")
_WRAPPED = ("run_query", "run_aggregation_query")
_SHORT = {"ASCENDING": "asc", "DESCENDING": "desc"}


@dataclass(frozen=True)
class QueryShape:
    """What decides which index a query needs; no values."""

    collection: str
    scope: str  # "COLLECTION" or "COLLECTION_GROUP", as terraform's query_scope
    filters: tuple[tuple[str, str], ...]  # (field path, operator name of the Firestore API), sorted
    orders: tuple[tuple[str, str], ...]  # (field path, "ASCENDING" | "DESCENDING"), as sent
    aggregations: tuple[tuple[str, str], ...] = ()  # ("count" | "sum" | "avg", field path or "")
    vector_field: str = ""  # find_nearest's field, if any
    disjunction: bool = False  # an OR filter: its fields are listed in `filters`

    def to_json(self) -> dict[str, Any]:
        return {
            "collection": self.collection,
            "scope": self.scope,
            "filters": [list(f) for f in self.filters],
            "orders": [list(o) for o in self.orders],
            "aggregations": [list(a) for a in self.aggregations],
            "vector_field": self.vector_field,
            "disjunction": self.disjunction,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueryShape:
        return cls(
            collection=str(data["collection"]),
            scope=str(data["scope"]),
            filters=tuple((str(f), str(op)) for f, op in data["filters"]),
            orders=tuple((str(f), str(d)) for f, d in data["orders"]),
            aggregations=tuple((str(k), str(f)) for k, f in data.get("aggregations", [])),
            vector_field=str(data.get("vector_field", "")),
            disjunction=bool(data.get("disjunction", False)),
        )

    def describe(self) -> str:
        where = " AND ".join(f"{f} {op}" for f, op in self.filters) or "-"
        order = ", ".join(f"{f} {_SHORT.get(d, d)}" for f, d in self.orders) or "-"
        text = f"{self.scope.lower()} {self.collection}: where {where}; order by {order}"
        if self.aggregations:
            text += "; " + ", ".join(f"{k}({f})" for k, f in self.aggregations)
        if self.vector_field:
            text += f"; nearest to {self.vector_field}"
        return text + ("; with OR" if self.disjunction else "")


def shape_of(kind: str, request: Any) -> QueryShape:
    """The shape of a RunQueryRequest (``kind`` "query") or RunAggregationQueryRequest ("aggregation"),
    given as the proto-plus message or the dict the client library builds."""
    from google.cloud.firestore_v1 import types

    aggregations: list[tuple[str, str]] = []
    if kind == "aggregation":
        message = types.RunAggregationQueryRequest(request)
        query = message.structured_aggregation_query.structured_query
        for agg in message.structured_aggregation_query.aggregations:
            which = types.StructuredAggregationQuery.Aggregation.pb(agg).WhichOneof("operator")
            field = getattr(agg, which).field.field_path if which in ("sum", "avg") else ""
            aggregations.append((str(which), field))
    else:
        query = types.RunQueryRequest(request).structured_query
    (selector,) = query.from_
    filters: list[tuple[str, str]] = []
    disjunction = _filters(types.StructuredQuery.Filter.pb(query.where), filters)
    vector = query.find_nearest.vector_field.field_path if "find_nearest" in query else ""
    return QueryShape(
        collection=selector.collection_id,
        scope="COLLECTION_GROUP" if selector.all_descendants else "COLLECTION",
        filters=tuple(sorted(set(filters))),
        orders=tuple(
            (o.field.field_path, types.StructuredQuery.Direction(o.direction).name) for o in query.order_by
        ),
        aggregations=tuple(aggregations),
        vector_field=vector,
        disjunction=disjunction,
    )


def _filters(pb: Any, out: list[tuple[str, str]]) -> bool:
    """Flatten a Filter protobuf into (field, operator) pairs; True if an OR is among them."""
    from google.cloud.firestore_v1 import types

    which = pb.WhichOneof("filter_type")
    if which == "field_filter":
        op = types.StructuredQuery.FieldFilter.Operator(pb.field_filter.op).name
        out.append((pb.field_filter.field.field_path, op))
    elif which == "unary_filter":
        op = types.StructuredQuery.UnaryFilter.Operator(pb.unary_filter.op).name
        out.append((pb.unary_filter.field.field_path, op))
    elif which == "composite_filter":
        is_or = types.StructuredQuery.CompositeFilter.Operator(pb.composite_filter.op).name == "OR"
        nested = [_filters(f, out) for f in pb.composite_filter.filters]
        return is_or or any(nested)
    return False


COUNTER = Path("tests/perf/billing.py")  # wraps the Firestore API: the query is its caller's
# The counter's own count of an aggregation's entries (how it learns what was billed): a measurement
# of the benchmarks, never a query of the product's, so it is not recorded.
MEASURING = "_entries"


def caller() -> str:
    """The innermost file of this repository on the stack (not the library, not this module, not the
    benchmarks' counter wrapped around the library's API), as ``path:function``; "" if none;
    :data:`MEASURING` when it is the counter's own count of an aggregation."""
    here = Path(__file__).resolve()
    frame = sys._getframe(1)
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.is_absolute() and path != here and path.is_relative_to(ROOT):
            relative = path.relative_to(ROOT)
            if relative == COUNTER and frame.f_code.co_name == MEASURING:
                return MEASURING
            if relative.parts[0] not in (".venv", ".venv-runtime", ".tools") and relative != COUNTER:
                return f"{relative}:{frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]  # None ends the loop
    return ""


class Recorder:
    """Appends each distinct (shape, caller) once per process to a JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: set[tuple[QueryShape, str]] = set()
        self._lock = threading.Lock()

    def record(self, kind: str, request: Any) -> None:
        try:
            shape = shape_of(kind, request)
        except Exception as exc:
            self._write({"error": f"{type(exc).__name__}: {exc}"[:300], "caller": caller()})
            return
        where = caller()
        if where == MEASURING:
            return
        with self._lock:
            if (shape, where) in self._seen:
                return
            self._seen.add((shape, where))
        self._write(shape.to_json() | {"caller": where})

    def _write(self, line: dict[str, Any]) -> None:
        data = (json.dumps(line, sort_keys=True) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)  # one write of one line, appended: processes do not interleave
        finally:
            os.close(fd)


def _wrap(method: Callable[..., Any], kind: str, recorder: Recorder) -> Callable[..., Any]:
    @functools.wraps(method)  # sets __wrapped__, which marks the method as patched
    def recorded(self: Any, *args: Any, **kwargs: Any) -> Any:
        recorder.record(kind, kwargs["request"] if "request" in kwargs else args[0])
        return method(self, *args, **kwargs)

    return recorded


def patch(module: ModuleType, recorder: Recorder) -> None:
    """Wrap the query RPCs of the client classes of ``module`` (once)."""
    for name in _CLIENT_CLASSES:
        cls = getattr(module, name, None)
        if cls is None:
            continue
        for method, kind in zip(_WRAPPED, ("query", "aggregation"), strict=True):
            current = getattr(cls, method)
            if not hasattr(current, "__wrapped__"):
                setattr(cls, method, _wrap(current, kind, recorder))


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches the client modules when they are first imported, so a process that never uses
    Firestore (the gateway, the sandboxes) does not load it."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def find_spec(self, name: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if name not in _CLIENT_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        execute = loader.exec_module
        recorder = self.recorder

        def exec_module(module: ModuleType) -> None:
            execute(module)
            patch(module, recorder)

        loader.exec_module = exec_module  # type: ignore[method-assign]  # this loader instance only
        return spec


def install(path: Path) -> Recorder:
    """Record every query this process sends to ``path`` from now on."""
    recorder = Recorder(path)
    for name in _CLIENT_MODULES:
        if name in sys.modules:
            patch(sys.modules[name], recorder)
    sys.meta_path.insert(0, _PatchOnImport(recorder))
    return recorder


def install_from_env() -> Recorder | None:
    """``install`` if ``FIRESTORE_QUERY_LOG`` is set (sitecustomize calls this)."""
    target = os.environ.get(ENV)
    return install(Path(target)) if target else None


def read_log(path: Path) -> Iterator[tuple[QueryShape | None, str, str]]:
    """(shape, caller, error) of each line of a recording; shape None for a request it could not read."""
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        data = json.loads(line)
        if "error" in data:
            yield None, str(data.get("caller", "")), str(data["error"])
        else:
            yield QueryShape.from_json(data), str(data.get("caller", "")), ""
