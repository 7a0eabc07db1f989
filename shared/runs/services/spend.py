"""Budgets checked before every model call: the run's own budget, the tenant's day and month
budgets, then the deployment's daily cap.

A cheap first stop reads the run's cost and the tenant's cached day and month spend.
Then the call reserves its share on the run's, day's and month's counters at once, settled to its
cost when it ends (:func:`model_call`; decision 0084). The daily cap is a counter an instance
reserves chunks of and spends locally (decisions 0051, 0061).
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import uuid4

from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import BudgetSpent, TransientError
from shared.platform.topology import Queue
from shared.runs.domain.run_limits import (
    Budget,
    BudgetWarning,
    Hold,
    Refused,
    Spend,
    TenantOverBudget,
    budget_warnings,
    over_budget,
    over_tenant_budget,
)
from shared.runs.domain.state import RunState
from shared.runs.services.deps import Deps, RunRef

if TYPE_CHECKING:
    from shared.memory.ports import Embedder
    from shared.platform.domain.call_caps import CallBound
    from shared.platform.domain.embeddings import Embedded, Task

log = logging.getLogger(__name__)


def _tenant_spend(deps: Deps, tenant_id: str) -> tuple[float, float]:
    now, cache = deps.clock(), deps.spend
    day, month = now.strftime("%Y-%m-%d"), now.strftime("%Y-%m")
    with cache.lock:
        cached = cache.sums.get(tenant_id)
        if cached and cached[0] > time.monotonic() and cached[1] == day:
            return cached[2], cached[3]
    day_usd, month_usd = deps.store.spend(tenant_id, day, month)
    with cache.lock:
        cache.sums[tenant_id] = (time.monotonic() + deps.settings.spend_cache_ttl_s, day, day_usd, month_usd)
    return day_usd, month_usd


def _budget(deps: Deps, tenant_id: str, *, fresh: bool = False) -> Budget:
    """The tenant's budgets, as read within ``spend_cache_ttl_s`` unless ``fresh``."""
    cache = deps.spend
    with cache.lock:
        cached = cache.budgets.get(tenant_id)
        if not fresh and cached and cached[0] > time.monotonic():
            return cached[1]
    budget = deps.budget(tenant_id)
    with cache.lock:
        cache.budgets[tenant_id] = (time.monotonic() + deps.settings.spend_cache_ttl_s, budget)
    return budget


def budget_problem(
    deps: Deps, tenant_id: str, run_cost_usd: float, grants: int, run_cap_usd: float | None = None
) -> str | None:
    """Why the next model call may not happen, or None: a stop on the budgets as stored now, a go
    on those read within ``spend_cache_ttl_s`` (module docstring). ``run_cap_usd``: the run's agent's
    own run budget, which applies when lower than the workspace's."""
    day_usd, month_usd = _tenant_spend(deps, tenant_id)
    spend = Spend(run_cost_usd, day_usd, month_usd)

    def capped(budget: Budget) -> Budget:
        if run_cap_usd is None or run_cap_usd >= budget.run_usd:
            return budget
        return budget._replace(run_usd=run_cap_usd)

    if over_budget(spend, capped(_budget(deps, tenant_id)), grants) is None:
        return None
    return over_budget(spend, capped(_budget(deps, tenant_id, fresh=True)), grants)


def family_left(deps: Deps, tenant_id: str, state: RunState) -> float:
    """What a run's children may still spend together: its run budget (its agent's when lower than
    the workspace's; one more per approved budget stop) less its own and its children's cost. Each
    child started gets a share as its run budget (decision 0128)."""
    cap = _budget(deps, tenant_id).run_usd
    if state.run_budget_usd is not None:
        cap = min(cap, state.run_budget_usd)
    return max(0.0, cap * (1 + state.budget_grants) - state.cost_usd - state.children_cost_usd)


_CENTS_EPSILON = 1e-9  # as the counter's own check (FirestoreSpend.reserve_spend)
SPEND_CAP_REACHED = (
    "the service's daily model budget, shared by every workspace, is spent (its operator's cap); "
    "model calls resume after midnight UTC"
)


class ModelCall:
    """One model call's place in the budgets (:func:`model_call`): ``problem`` says why it may not be
    made; else the caller makes it and reports what it cost with :meth:`paid`."""

    def __init__(self, deps: Deps, tenant_id: str, problem: str = "", day: str = "") -> None:
        self.deps, self.tenant_id, self.problem, self.day = deps, tenant_id, problem, day
        self.cost_usd: float | None = None

    def paid(self, cost_usd: float) -> None:
        """The call was made and cost ``cost_usd`` (kept for the tenant's cached sums and the cap)."""
        self.deps.spend.note_spent(self.tenant_id, cost_usd)
        self.cost_usd = (self.cost_usd or 0.0) + cost_usd


HOLD_KEPT_AT_LEAST = timedelta(minutes=30)  # see hold_kept
ROOM_ATTEMPTS = 4  # reservations a call tries, each fitted to the room the last refusal reported
CHUNK_SHARE = 0.01  # of the daily cap, an instance reserves at once (at least one call's reservation)


def _take(deps: Deps, day: str, need: float) -> bool:
    """Take ``need`` of the daily cap from this instance's share, reserving a chunk on the counter
    when the share falls short, or only what is missing when the cap leaves no room for a chunk.
    The counter refuses what would pass the cap, so shares together never do (one write a chunk)."""
    cache, s = deps.spend, deps.settings
    with cache.lock:
        rest = cache.cap_held.get(day, 0.0)
        if rest + _CENTS_EPSILON >= need:
            cache.cap_held[day] = rest - need
            return True
        cache.cap_held = {day: 0.0}  # the rest is taken (another day's is gone with its counter)
    want = need - rest
    for amount in dict.fromkeys((max(want, s.spend_cap_day_usd * CHUNK_SHARE), want)):
        if deps.store.reserve_spend(day, amount, s.spend_cap_day_usd):
            _give(deps, day, amount - want)
            return True
    with cache.lock:  # refused: what this instance's other calls put back meanwhile may fund it
        rest += cache.cap_held.get(day, 0.0)
        cache.cap_held[day] = rest - need if rest + _CENTS_EPSILON >= need else rest
    return rest + _CENTS_EPSILON >= need


def _give(deps: Deps, day: str, usd: float) -> None:
    """Put ``usd`` back in this instance's share (negative: a call cost more than it took)."""
    with deps.spend.lock:
        deps.spend.cap_held[day] = deps.spend.cap_held.get(day, 0.0) + usd


def _settle(deps: Deps, day: str, need: float) -> None:
    """A share that cannot fund one more call goes back to the counter (or, below zero, the cost the
    share did not cover is added to it), so the counter ends at what was paid and nothing is held."""
    cache = deps.spend
    with cache.lock:
        rest = cache.cap_held.get(day, 0.0)
        if rest + _CENTS_EPSILON >= need or abs(rest) <= _CENTS_EPSILON:
            return
        cache.cap_held[day] = 0.0
    try:
        deps.store.settle_spend(day, -rest)
    except TransientError as exc:
        log.warning("the daily spend counter was not settled (%s): it keeps the reservation", exc.reason)


def _hold(
    deps: Deps, tenant_id: str, bound: "CallBound | None", run: tuple[str, float, int, float | None]
) -> tuple[Hold | None, str]:
    """Reserve on the workspace's day and month budgets and on the run's (``run``: its id, or "" for
    a call of no run, what it spent, its grants and its agent's cap): the hold, or None and why not.
    A priced ``bound`` reserves its most; refused, what the tightest budget has left when its least
    fits (tried again a few times: calls at once take room meanwhile); no bound,
    ``model_call_reserve_usd``. Refused on the budgets as read within ``spend_cache_ttl_s``, it is
    tried again on those as stored now when they differ (a budget the owner just raised)."""
    run_id, spent, grants, run_cap = run
    now = deps.clock()
    release = now + hold_kept(deps)

    def held(budget: Budget, usd: float) -> tuple[Hold, Refused | None]:
        run_usd = budget.run_usd if run_cap is None else min(run_cap, budget.run_usd)
        caps = (run_usd * (1 + grants) if run_id else float("inf"), budget.day_usd, budget.month_usd)
        day, month = now.strftime("%Y-%m-%d"), now.strftime("%Y-%m")
        hold = Hold(day, month, run_id, usd, caps, spent, uuid4().hex, release)
        return hold, deps.store.hold_budgets(tenant_id, hold)

    def fitted(budget: Budget) -> tuple[Hold, Refused | None]:
        usd = bound.most if bound is not None else deps.settings.model_call_reserve_usd
        for _ in range(ROOM_ATTEMPTS):
            hold, refused = held(budget, usd)
            room = refused.cap_usd - refused.counted_usd if refused is not None else 0.0
            if refused is None or bound is None or room + _CENTS_EPSILON < bound.least or room >= usd:
                return hold, refused
            usd = bound.cost(bound.cap_within(room))
        return hold, refused

    cached = _budget(deps, tenant_id)
    hold, refused = fitted(cached)
    if refused is not None:
        fresh = _budget(deps, tenant_id, fresh=True)
        if fresh != cached:
            hold, refused = fitted(fresh)
    return (None, refused.reason) if refused is not None else (hold, "")


def _room(deps: Deps, day: str, bound: "CallBound | None", usd: float) -> float | None:
    """Take ``usd`` of the deployment's daily cap (:func:`_take`), or, for a priced ``bound`` the
    cap leaves less room for, what room it has when the call's least fits: what was taken, or None."""
    if _take(deps, day, usd):
        return usd
    if bound is None:
        return None
    room = deps.settings.spend_cap_day_usd - deps.store.day_spend(day)
    if room + _CENTS_EPSILON < bound.least:
        return None
    less = bound.cost(bound.cap_within(min(room, usd)))
    return less if _take(deps, day, less) else None


def hold_kept(deps: Deps) -> timedelta:
    """How long a reservation may stay unsettled before the sweeper gives it back: far past any
    model call (its timeout, retried), so a call under way is never released under it."""
    return max(HOLD_KEPT_AT_LEAST, timedelta(seconds=4 * deps.settings.model_timeout_s))


def release_stale_holds(deps: Deps, limit: int = 200) -> int:
    """Give back the reservations of calls that never settled (their instance died, or settling
    kept failing) once :func:`hold_kept` has passed: the sweeper's second job. Each is released
    once however many sweeps find it (``RunStore.release_hold``). The number released."""
    released = 0
    for tenant_id, hold in deps.store.stale_holds(deps.clock(), limit):
        released += deps.store.release_hold(tenant_id, hold)
    if released:
        log.warning(
            "the sweeper gave back %d model-call reservations never settled",
            released,
            extra={"fields": {"event": "spend_holds_released", "count": released}},
        )
    return released


def _settle_hold(deps: Deps, tenant_id: str, hold: Hold, cost_usd: float) -> None:
    try:
        deps.store.settle_hold(tenant_id, hold, cost_usd)
    except TransientError as exc:  # failing the step would pay for the call again
        log.warning("the spend counters were not settled (%s): they keep the reservation", exc.reason)


@contextmanager
def model_call(
    deps: Deps,
    tenant_id: str,
    run_cost_usd: float,
    grants: int,
    run_cap_usd: float | None = None,
    *,
    run: RunRef | None = None,
    bound: "CallBound | None" = None,
) -> Iterator[ModelCall]:
    """Whether the next model call may be made. Checked in order: the run's and the workspace's budgets
    (:func:`budget_problem`), a reservation on the run's, day's and month's counters at once
    (``RunStore.hold_budgets``), then the deployment's daily cap (:func:`_take`). A priced ``bound``
    reserves the most the call can be billed at the output cap the budgets' room allows (:func:`_room`), and
    the call is made inside that cap (``call_caps.limited``); if no cap fits, it is refused with the
    budget's reason. A call of no bound or no price reserves ``model_call_reserve_usd``. On leaving, the
    reservation is settled to the call's cost (:meth:`ModelCall.paid`) and the rest goes back; a failed
    counter write is only logged. Why: docs/decisions/0084 and 0102."""
    from shared.platform.domain.call_caps import CallLimit, limited

    before = _tenant_spend(deps, tenant_id)  # what the budgets are checked on (cached), for warn
    problem = budget_problem(deps, tenant_id, run_cost_usd, grants, run_cap_usd)
    if problem:
        yield ModelCall(deps, tenant_id, problem)
        return
    s, day = deps.settings, deps.clock().strftime("%Y-%m-%d")
    priced = bound if bound is not None and (bound.price_in > 0 or bound.price_out > 0) else None
    run_id = run.run_id if run is not None else ""  # no run (an Ask): no run counter
    hold, problem = _hold(deps, tenant_id, priced, (run_id, run_cost_usd, grants, run_cap_usd))
    if hold is None:
        yield ModelCall(deps, tenant_id, problem)
        return
    taken = _room(deps, day, priced, hold.usd)
    if taken is None:
        _settle_hold(deps, tenant_id, hold, 0.0)
        log.warning(
            "model call refused: the deployment's daily spend cap of $%.2f is reached",
            s.spend_cap_day_usd,
            extra={"fields": {"event": "spend_cap_reached", "day": day}},
        )
        yield ModelCall(deps, tenant_id, SPEND_CAP_REACHED)
        return
    call = ModelCall(deps, tenant_id, day=day)
    cap = priced.cap_within(taken) if priced is not None else 0
    reserved = priced.cost(cap) if priced is not None else taken  # at most what every budget holds
    try:
        if priced is None:
            yield call
        else:
            with limited(CallLimit(cap, reserved)):
                yield call
    finally:
        cost = call.cost_usd or 0.0
        if cost > reserved + _CENTS_EPSILON:
            log.warning(
                "a model call cost $%.4f, more than its reservation of $%.4f",
                cost,
                reserved,
                extra={"fields": {"event": "model_call_over_reserve", "cost_usd": cost}},
            )
        _settle_hold(deps, tenant_id, hold, cost)
        _give(deps, day, taken - cost)
        _settle(deps, day, taken)
        if cost > 0:
            spent = Spend(run_cost_usd + cost, before[0] + cost, before[1] + cost)
            warn(deps, tenant_id, (run_id, grants, run_cap_usd), spent)


def warn(deps: Deps, tenant_id: str, run: tuple[str, int, float | None], spent: Spend) -> list[BudgetWarning]:
    """After a paid call: a notification for each budget past 80 % (``budget_warnings``). ``run``: its
    id or "", grants and agent's cap; ``spent``: the run's, day's and month's spend with the call's.
    Each is named from its budget and period, so it is sent once per budget and period: notify keeps
    one record per id, and this instance does not enqueue it twice. It goes on the owner's chosen
    channel. A queue that fails is logged: the call was paid, and the next one warns."""
    now = deps.clock()
    when = (f"{now:%Y%m%d}", f"{now:%Y%m}")
    found = budget_warnings(spent, _budget(deps, tenant_id), when, run)
    cache = deps.spend
    for warning in found:
        with cache.lock:
            if cache.warned[0] != when[0]:
                cache.warned = (when[0], set())
            if warning.key in cache.warned[1]:
                continue
        note = NotifyTask(
            notification_id=warning.key,
            tenant_id=tenant_id,
            run_id=run[0] or None,
            subject=f"80 % of a budget is spent: the {warning.budget} budget"[:300],
            text=f"{warning.words()}. At 100 % model calls stop: raise the budget in the settings to go on.",
            data={"kind": "budget_warning", "budget": warning.budget, "period": warning.period},
        )
        try:
            deps.queue.enqueue(Queue.NOTIFY, note, f"notify:{tenant_id}:{warning.key}")
        except TransientError as exc:
            log.warning("a budget warning was not queued (%s): the next call tries again", exc.reason)
            continue
        with cache.lock:
            cache.warned[1].add(warning.key)
    return found


class PaidEmbedder:
    """The workspace's embedder, each call made as a model call is (:func:`model_call`): stopped by
    its budgets and the daily cap (:class:`BudgetSpent`), its cost in the tenant's spend ledger."""

    def __init__(self, deps: Deps, tenant_id: str, embedder: "Embedder") -> None:
        self.deps, self.tenant_id, self.inner = deps, tenant_id, embedder

    @property
    def model(self) -> str:
        return self.inner.model

    def embed(self, texts: list[str], task: "Task") -> "Embedded":
        """The embeddings of ``texts``; refused (BudgetSpent) when the most they can be billed, one
        token a byte at the model's input price (decision 0102), does not fit the budgets."""
        from shared.platform.domain.call_caps import CallBound, input_tokens

        price = self.deps.settings.model_prices.get(self.inner.model, (0.0, 0.0))[0]
        bound = CallBound(input_tokens(*texts), price, 0.0, 0, 0)
        with model_call(self.deps, self.tenant_id, 0.0, 0, bound=bound) as call:
            if call.problem:
                raise BudgetSpent(call.problem)
            done = self.inner.embed(texts, task)
            call.paid(done.cost_usd)
        if done.cost_usd > 0:
            from shared.platform.domain.model_calls import ModelUsage  # an embedding's: not every step's

            used = ModelUsage(done.model, done.tokens, 0, done.cost_usd)
            self.deps.store.record_usage(
                self.tenant_id, uuid4().hex, self.deps.clock(), f"embed_{task}", used
            )
        return done


def tenant_over_budget(deps: Deps, tenant_id: str) -> TenantOverBudget | None:
    """The budget that stops every model call of the workspace now, whatever a person approves: its
    day or month budget, or the deployment's daily cap when not one more call fits (``service``)."""
    day_usd, month_usd = _tenant_spend(deps, tenant_id)
    return over_tenant_budget(day_usd, month_usd, deps.budget(tenant_id)) or cap_reached(deps)


def cap_reached(deps: Deps) -> TenantOverBudget | None:
    """The deployment's daily cap, when the counter leaves no room for one more call's reservation."""
    s, day = deps.settings, deps.clock().strftime("%Y-%m-%d")
    with deps.spend.lock:
        if deps.spend.cap_held.get(day, 0.0) + _CENTS_EPSILON >= s.model_call_reserve_usd:
            return None  # this instance's share funds the next call
    counted = deps.store.day_spend(day)
    if counted + s.model_call_reserve_usd > s.spend_cap_day_usd + _CENTS_EPSILON:
        return TenantOverBudget("service", SPEND_CAP_REACHED)
    return None
