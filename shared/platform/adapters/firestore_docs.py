"""What every Firestore adapter does to a document it reads before a model checks it, and which of
Firestore's errors it answers as transient. A transaction made again when contention aborts it; a
lease taken on a document by two tasks at once."""

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

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


# The client's ValueError when its own commit attempts ran out (firestore_v1.base_transaction).
_ATTEMPTS_RAN_OUT = "Failed to commit transaction"


def in_transaction[T](db: Any, body: Callable[[Any], T], *, what: str, attempts: int = 6) -> T:
    """``body`` run in a transaction of ``db`` (``firestore.transactional``): its result. Firestore
    aborts a transaction whose locks another holds, at a read as well as at the commit. The client
    makes again only an aborted commit; here an abort anywhere makes the whole transaction again, up
    to ``attempts`` times, waiting a jittered, growing while. Then a TransientError naming ``what``,
    so the caller's retry (the queue's, a client's 503) takes it."""
    wrapped = firestore.transactional(body)
    for attempt in range(attempts):
        try:
            result: T = wrapped(db.transaction())
            return result
        except (gexc.Aborted, ValueError) as exc:
            if isinstance(exc, ValueError) and not str(exc).startswith(_ATTEMPTS_RAN_OUT):
                raise  # the body's own error (a model's validation): not contention, never made again
            if attempt + 1 < attempts:
                time.sleep(random.uniform(0.5, 1.0) * min(1.0, 0.02 * 2**attempt))  # noqa: S311 (a jitter, not a secret)
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
    raise TransientError(f"firestore: {what} was written too often at once; try again")


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
