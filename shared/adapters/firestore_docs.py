"""What every Firestore adapter does to a document it reads before a struct checks it."""

from datetime import datetime
from typing import Any


def plain_times(doc: dict[str, Any] | None) -> dict[str, Any]:
    """``doc`` with each of its top-level timestamps as a plain datetime. Firestore gives them as its
    own datetime subclass, which a struct (shared.domain.structs) takes only as a datetime."""
    return {
        k: datetime.fromisoformat(v.isoformat()) if isinstance(v, datetime) else v
        for k, v in (doc or {}).items()
    }
