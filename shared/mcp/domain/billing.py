"""What a call of an MCP server's tool cost, when the server bills it. MCP names no price, so this
convention is ours (docs/mcp.md): a tool's result carries in its ``_meta`` the key :data:`COST_META`,
a number of US dollars. A cost that is not a finite number from 0 to :data:`MAX_COST_USD` is not
read (the audit entry says so); one that is goes on the run's ledger as a model call's does."""

from __future__ import annotations

import math

COST_META = "notion-agent/cost_usd"
MAX_COST_USD = 100.0  # one call's bill read at most; past it the server's claim is not believed


def billed(meta: object) -> tuple[float | None, bool]:
    """``(cost, unreadable)`` of a result's ``_meta``: the cost in USD the server says the call had
    (None: it says none), and whether it said one we do not read."""
    if not isinstance(meta, dict) or COST_META not in meta:
        return None, False
    value = meta[COST_META]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, True
    if not 0 <= value <= MAX_COST_USD:
        return None, True
    return float(value), False
