"""What Firestore bills, counted at the client's API: the one counter every benchmark that reports
Firestore reads, writes or operations uses (``bench-engine``, ``bench-daily``, ``bench-fanout``,
``bench-rag``, ``bench-watch``).

The rules, from Firestore's pricing page (https://cloud.google.com/firestore/pricing): a read per
document a lookup asks for (found or missing) and per document a query returns; a query that returns
none is still one read (the minimum charge of a query); an aggregation (``count()``, ``sum()``,
``avg()``) is one read per batch of up to 1,000 index entries it matches, at least one; a write per
document a commit writes (a transform of the same document is part of its write). ``billed_reads``
states them; ``tests/unit/test_billing_counter.py`` checks them, and the counter against the emulator.
"""

import math
from collections import Counter
from typing import Any

from google.cloud.firestore_v1.types import RunAggregationQueryRequest, StructuredAggregationQuery

ENTRIES_PER_READ = 1000  # index entries an aggregation reads for one billed document read
TOUCHED: list[str] = []  # every billed operation, in order (a benchmark clears it per step it measures)
OPS = Counter[str]()  # billed document reads ("reads") and writes ("writes")
# Calls made to the API, by method ("commit", "batch_get_documents", ...): round trips, which bill
# nothing themselves but are what a step waits on (decision 0230).
ROUND_TRIPS = Counter[str]()
_OTHER_CALLS = frozenset(
    {"begin_transaction", "rollback", "get_document", "list_documents", "batch_write", "list_collection_ids"}
)  # the API's other calls a server library makes, counted as round trips (they bill nothing here)


def billed_reads(kind: str, count: int) -> int:
    """The document reads Firestore bills: ``kind`` "lookup" (``count`` documents asked for, found
    or missing), "query" (``count`` documents returned) or "aggregation" (``count`` index entries
    matched)."""
    if kind == "lookup":
        return count
    if kind == "query":
        return max(1, count)
    if kind == "aggregation":
        return max(1, math.ceil(count / ENTRIES_PER_READ))
    raise ValueError(f"unknown kind of read: {kind!r}")


def _read(label: str, n: int = 1) -> None:
    TOUCHED.extend([label] * n)
    OPS["reads"] += n


class CountingApi:
    """The Firestore GAPIC client, noting every billed operation in :data:`TOUCHED` and counting
    reads and writes in :data:`OPS` by :func:`billed_reads`'s rules. Install it as a client's
    ``_firestore_api_internal`` (:func:`count_billed`)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)
        return _trip(name, method) if name in _OTHER_CALLS else method

    def batch_get_documents(self, *args: Any, **kwargs: Any) -> Any:
        ROUND_TRIPS["batch_get_documents"] += 1
        for response in self._inner.batch_get_documents(*args, **kwargs):
            if response.found.name or response.missing:
                _read(f"read {_short(response.found.name or response.missing)}")
            yield response

    def run_query(self, *args: Any, **kwargs: Any) -> Any:
        ROUND_TRIPS["run_query"] += 1
        found = 0
        for response in self._inner.run_query(*args, **kwargs):
            if response.document.name:
                found += 1
                _read(f"query {_short(response.document.name)}")
            yield response
        if not found:  # billed_reads("query", 0): the query's minimum charge
            _read(
                f"query (none found) {_queried(kwargs.get('request') or args[0])}", billed_reads("query", 0)
            )

    def run_aggregation_query(self, *args: Any, **kwargs: Any) -> Any:
        ROUND_TRIPS["run_aggregation_query"] += 1
        request = kwargs.get("request") or args[0]
        results = list(self._inner.run_aggregation_query(*args, **kwargs))
        _read("aggregation", billed_reads("aggregation", self._entries(request, kwargs)))
        return iter(results)

    def _entries(self, request: Any, kwargs: dict[str, Any]) -> int:
        """The index entries the aggregation ``request`` matches: a count of the same query, asked of
        the API directly (not counted itself: it is how the counter learns what was billed)."""
        if isinstance(request, dict):
            request = RunAggregationQueryRequest(**request)
        structured = request.structured_aggregation_query.structured_query
        counting = StructuredAggregationQuery(
            structured_query=structured,
            aggregations=[StructuredAggregationQuery.Aggregation(alias="n", count={})],
        )
        asked = RunAggregationQueryRequest(
            parent=request.parent,
            structured_aggregation_query=counting,
            transaction=request.transaction or None,
        )
        for response in self._inner.run_aggregation_query(
            request=asked, metadata=kwargs.get("metadata", ()), timeout=kwargs.get("timeout")
        ):
            value = response.result.aggregate_fields.get("n")
            if value is not None:
                return int(value.integer_value)
        return 0

    def commit(self, *args: Any, **kwargs: Any) -> Any:
        ROUND_TRIPS["commit"] += 1
        request = kwargs.get("request") or args[0]
        for write in request["writes"] if isinstance(request, dict) else request.writes:
            TOUCHED.append(f"write {_short(_written(write))}")
            OPS["writes"] += 1
        return self._inner.commit(*args, **kwargs)


def _trip(name: str, method: Any) -> Any:
    """``method`` of the API, each call counted in :data:`ROUND_TRIPS` as ``name``."""

    def counted(*args: Any, **kwargs: Any) -> Any:
        ROUND_TRIPS[name] += 1
        return method(*args, **kwargs)

    return counted


def count_billed(client: Any) -> Any:
    """``client`` (a ``firestore.Client``) with its API wrapped in :class:`CountingApi`."""
    client._firestore_api_internal = CountingApi(client._firestore_api)
    return client


def _queried(request: Any) -> str:
    """The collection a query request asks of (its parent's path and collection id)."""
    parent = request["parent"] if isinstance(request, dict) else request.parent
    query = request["structured_query"] if isinstance(request, dict) else request.structured_query
    found = getattr(query, "from_", None) or []
    collection = found[0].collection_id if found else ""
    return "/".join(p for p in (_short(parent), collection) if p and not p.endswith("/documents"))


def _short(name: str) -> str:
    """A document's path within the database."""
    return name.split("/documents/", 1)[-1]


def _written(write: Any) -> str:
    """The document a commit's write names (an update, a delete or a transform)."""
    update, transform = getattr(write, "update", None), getattr(write, "transform", None)
    return (
        getattr(update, "name", "")
        or getattr(write, "delete", "")
        or getattr(transform, "document", "")
        or "?"
    )
