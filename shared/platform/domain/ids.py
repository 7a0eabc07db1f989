"""The one rule for ids that become Firestore document ids or path segments.

Firestore's limits on document ids (Firestore "Quotas and limits", collections, documents and
fields): valid UTF-8, at most 1,500 bytes, no ``/``, not ``.`` nor ``..`` alone, not matching
``__.*__``. An id breaking one is refused where it enters (a 400 naming it), never sent to Firestore
(which answers an error, a 500 to our caller) nor used as a path (``a/b`` would name another document).
"""

import re

MAX_BYTES = 1500
_RESERVED = re.compile(r"__.*__", re.DOTALL)


def id_problem(value: str) -> str | None:
    """Why Firestore would refuse ``value`` as a document id, in words a person understands; None if
    it accepts it."""
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate, which JSON's \ud800 escapes can carry
        return "an id must be valid UTF-8 text"
    problems = [
        (size == 0, "an id cannot be empty"),
        (size > MAX_BYTES, f"an id is at most {MAX_BYTES} bytes (UTF-8)"),
        ("/" in value, "an id cannot contain '/'"),
        (value in {".", ".."}, "an id cannot be '.' or '..'"),
        (_RESERVED.fullmatch(value) is not None, "ids of the form __name__ are reserved by the database"),
    ]
    return next((why for broken, why in problems if broken), None)


def is_document_id(value: str) -> bool:
    return id_problem(value) is None
