"""What every Firestore adapter does to a document it reads before a model checks it, which of
Firestore's errors it answers as transient, and a lease taken on a document by two tasks at once."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc

from shared.platform.errors import TransientError

# Firestore's errors that another attempt may not meet: a TransientError, so the queue retries.
TRANSIENT = (gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.Aborted, gexc.InternalServerError)


@contextmanager
def transient() -> Iterator[None]:
    """Raise a :data:`TRANSIENT` error of the block as a TransientError naming it."""
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
    db: Any,
    ref: Any,
    now: datetime,
    until: datetime,
    *,
    new: dict[str, Any],
    what: str,
    attempts: int = 10,
    field: str = "lease_until",
) -> dict[str, Any]:
    """Hold document ``ref``'s ``field`` until ``until``: a create (with ``new``), or an update
    conditioned on what was read, so of two at once one takes it. The document as read before (empty:
    none). TransientError, retrying after the lease, while another holds it; ``what`` names it."""
    for _ in range(attempts):
        snap = ref.get()
        doc: dict[str, Any] = (snap.to_dict() or {}) if snap.exists else {}
        held = doc.get(field)
        if isinstance(held, datetime) and held > now:
            raise TransientError(f"{what} is being written", retry_after_s=(held - now).total_seconds())
        try:
            if snap.exists:
                ref.update({field: until}, option=db.write_option(last_update_time=snap.update_time))
            else:
                ref.create(new | {field: until})
        except (gexc.AlreadyExists, gexc.Conflict, gexc.FailedPrecondition):
            continue  # taken or kept meanwhile: look again
        return doc
    raise TransientError(f"firestore: {what} changed too often at once; try again")
