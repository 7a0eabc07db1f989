"""What every webhook delivery must be before any route reads it: a JSON object of
finite numbers nested at most :data:`MAX_DEPTH` deep, and delivery ids that are ids. Pure: no I/O.

The tools' own parsers then read their fields. This rule keeps out what a field check does not see
(``Infinity``, ``1e400``, 50,000 nested arrays) and ids that would name another Firestore path
(``abc/def``, decision 0004)."""

import json
import math
import re
from collections.abc import Callable
from typing import Any

MAX_DEPTH = 64  # GitHub's, Linear's and GitLab's deliveries nest well under 20
# Delivery id headers of the tools whose deliveries we take (GitHub, Linear, GitLab); each becomes
# part of a document id (``tenants/{t}/events/<tool>-<id>``) when it is the one de-duplicating.
ID_HEADERS = ("X-GitHub-Delivery", "Linear-Delivery", "X-Gitlab-Event-UUID", "Idempotency-Key")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


class _NotFinite(ValueError):
    pass


def _constant(name: str) -> Any:
    raise _NotFinite(f"{name} is not a JSON number")


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(f"{text[:40]} is beyond a finite number")
    return value


def _depth(value: Any) -> int:
    """How deep ``value`` nests (a scalar is 0), walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def body_problem(body: bytes) -> str | None:
    """Why ``body`` is not a delivery any route reads, in a person's words; None when it may be one."""
    try:
        data = json.loads(body, parse_constant=_constant, parse_float=_number)
    except RecursionError:
        return f"the body nests deeper than {MAX_DEPTH} levels"
    except _NotFinite as exc:
        return f"the body must hold finite numbers only: {exc}"
    except ValueError:  # not UTF-8, not JSON, an integer of more digits than Python reads
        return "the body is not JSON"
    if not isinstance(data, dict):
        return "the body must be a JSON object"
    if _depth(data) > MAX_DEPTH:
        return f"the body nests deeper than {MAX_DEPTH} levels"
    return None


def header_problem(header: Callable[[str], str | None]) -> str | None:
    """Why one of the delivery id headers present (``header(name)``: its value, None when absent) is
    not an id (1 to 100 letters, digits, ``-`` or ``_``, a letter or digit first); None when each is."""
    for name in ID_HEADERS:
        value = header(name)
        if value is not None and not _ID.fullmatch(value.strip()):
            return f"the {name} header must be an id: 1 to 100 letters, digits, '-' or '_'"
    return None
