"""What every Firestore adapter does to a document it reads before a model checks it, and a lease
taken on a document by two tasks at once."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc

from shared.errors import TransientError

# Firestore's errors that a retry may get past: a TransientError (the queue retries the task).
TRANSIENT = (gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.Aborted, gexc.InternalServerError)


@contextmanager
def transient() -> Iterator[None]:
    """Firestore's retryable errors (:data:`TRANSIENT`) raised as TransientError."""
    try:
        yield
    except TRANSIENT as exc:
        raise TransientError(f"firestore: {exc.__class__.__name__}") from exc


def plain_times(doc: dict[str, Any] | None) -> dict[str, Any]:
    """``doc`` with each of its top-level timestamps as a plain datetime. Firestore gives them as its
    own datetime subclass, which a model would keep as it is."""
    return {
        k: datetime.fromisoformat(v.isoformat()) if isinstance(v, datetime) else v
        for k, v in (doc or {}).items()
    }


def take_lease(
    db: Any, ref: Any, now: datetime, until: datetime, *, new: dict[str, Any], what: str, attempts: int = 10
) -> dict[str, Any]:
    """Hold document ``ref``'s ``lease_until`` until ``until``: a create (with ``new``), or an update
    conditioned on what was read, so of two at once one takes it. The document as read before (empty:
    none). TransientError, retrying after the lease, while another holds it; ``what`` names it."""
    for _ in range(attempts):
        snap = ref.get()
        doc: dict[str, Any] = (snap.to_dict() or {}) if snap.exists else {}
        held = doc.get("lease_until")
        if isinstance(held, datetime) and held > now:
            raise TransientError(f"{what} is being written", retry_after_s=(held - now).total_seconds())
        try:
            if snap.exists:
                ref.update({"lease_until": until}, option=db.write_option(last_update_time=snap.update_time))
            else:
                ref.create(new | {"lease_until": until})
        except (gexc.AlreadyExists, gexc.Conflict, gexc.FailedPrecondition):
            continue  # taken or kept meanwhile: look again
        return doc
    raise TransientError(f"firestore: {what} changed too often at once; try again")
