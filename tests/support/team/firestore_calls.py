"""Firestore round trips counted on one client: each call its ``FirestoreClient`` (the generated API
beneath ``firestore.Client``) makes to the server, by the RPC's name (decision 0234)."""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

RPCS = (
    "batch_get_documents",
    "run_query",
    "run_aggregation_query",
    "commit",
    "begin_transaction",
    "rollback",
    "batch_write",
    "list_documents",
    "get_document",
)


@contextmanager
def round_trips(db: Any) -> Iterator[Counter[str]]:
    """Count ``db``'s RPCs while the block runs (the counter is the block's): the client's API object
    is wrapped for that time only, and given back as it was on the way out."""
    api, counted = db._firestore_api, Counter[str]()  # the client's own, made once and kept
    for name in RPCS:
        original = getattr(api, name)

        def counting(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            counted[_name] += 1
            return _original(*args, **kwargs)

        setattr(api, name, counting)
    try:
        yield counted
    finally:
        for name in RPCS:
            delattr(api, name)  # the instance's wrapper gone: the class's method again
