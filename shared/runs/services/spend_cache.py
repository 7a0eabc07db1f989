"""One instance's cache of its tenants' spend and budgets, carried in ``Deps`` and read by
``shared.runs.services.spend``; a module of its own so that ``deps`` and ``spend`` do not import each other."""

import threading

from shared.runs.domain.run_limits import Budget


class SpendCache:
    """One instance's cached tenant spend and budgets (built once by bootstrap, carried in ``Deps``)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sums: dict[str, tuple[float, str, float, float]] = {}  # tenant → (expires, day, day $, month $)
        self.budgets: dict[str, tuple[float, Budget]] = {}  # tenant → (expires, its budgets as read)
        self.cap_held: dict[str, float] = {}  # day → this instance's share of the daily cap, unspent
        # The budget warnings this instance sent today (``BudgetWarning.key``), so a call past 80 %
        # sends its warning once from here; notify's record of its id makes it once in all.
        self.warned: tuple[str, set[str]] = ("", set())

    def note_spent(self, tenant_id: str, cost_usd: float) -> None:
        """Add this instance's new spend to its cached sums (until the next read)."""
        with self.lock:
            cached = self.sums.get(tenant_id)
            if cached:
                self.sums[tenant_id] = (cached[0], cached[1], cached[2] + cost_usd, cached[3] + cost_usd)
