"""The step verdict and the limits that stop runaway runs: pure functions of the state (and the time)."""

from datetime import datetime, timedelta
from typing import Literal, NamedTuple

from shared.runs.domain.digest import signature
from shared.runs.domain.events import RunStatus
from shared.runs.domain.state import RunState

# How long a step may keep failing transiently (429, 5xx, timeouts), counted from its first such error
# since it last made progress (``RunState.failing_since``), before it asks a person instead of trying
# again. A day rides out an outage of hours and a Retry-After of hours (a wait is honoured to its end:
# the bound is checked only when the step is due). Without it, a write failing the same way at every
# attempt retried for ever: each attempt recorded an error, so the sweeper never saw the run idle.
# The sweeper gives a run whose attempts record nothing the same day (``sweeper.GIVE_UP_AFTER``).
RETRY_FOR = timedelta(days=1)


class Limits(NamedTuple):
    max_steps: int = 50
    loop_limit: int = 3  # the same tool with the same arguments this many times in a row → a human
    max_consecutive_errors: int = 3  # model-fixable errors in a row → a human


class StepVerdict(NamedTuple):
    """``act``: carry out the step; ``ack``: nothing to do (stale or not running);
    ``escalate``: ask a human (reason); ``fail``: end the run (reason)."""

    action: Literal["act", "ack", "escalate", "fail"]
    reason: str = ""


def step_verdict(state: RunState, step: int, limits: Limits, now: datetime | None = None) -> StepVerdict:
    """What to do with ``step`` now; ``now`` None: without the time limit (:data:`RETRY_FOR`)."""
    if state.status != RunStatus.RUNNING or state.cursor != step:
        return StepVerdict("ack", f"step {step} is stale (cursor {state.cursor}, {state.status.value})")
    if step > len(state.steps) or step > limits.max_steps:
        return StepVerdict(
            "fail", f"the run reached its limit of {min(len(state.steps), limits.max_steps)} steps"
        )
    if state.consecutive_errors >= limits.max_consecutive_errors:
        reason = f"{state.consecutive_errors} errors in a row; the last: {state.last_error}"
        return StepVerdict("escalate", reason[:500])
    failing = _failing_too_long(state, now) if now is not None else None
    if failing:
        return StepVerdict("escalate", failing)
    planned = state.current_step()
    repeats = state.repeat_count if signature(planned.tool, planned.args) == state.repeat_sig else 0
    if repeats >= limits.loop_limit - 1:
        return StepVerdict(
            "escalate", f"{planned.tool} would run {repeats + 1} times in a row with the same arguments"
        )
    return StepVerdict("act")


def _failing_too_long(state: RunState, now: datetime) -> str | None:
    """Why the step, failing transiently for :data:`RETRY_FOR`, should stop for a person, or None."""
    if state.failing_since is None or now - state.failing_since < RETRY_FOR:
        return None
    hours = int((now - state.failing_since).total_seconds() // 3600)
    return f"failing for {hours} hours without progress; the last error: {state.last_error}"[:500]


class Spend(NamedTuple):
    run_usd: float
    day_usd: float
    month_usd: float


class Budget(NamedTuple):
    run_usd: float
    day_usd: float
    month_usd: float


def over_budget(spend: Spend, budget: Budget, grants: int = 0) -> str | None:
    """Why the next model call may not happen, or None. Each human approval of a budget stop
    grants the run one more run budget (the tenant's day and month budgets stay hard)."""
    if spend.run_usd >= budget.run_usd * (1 + grants):
        return f"the run spent ${spend.run_usd:.4f} of its ${budget.run_usd * (1 + grants):.2f} budget"
    spent = over_tenant_budget(spend.day_usd, spend.month_usd, budget)
    return spent.reason if spent else None


class TenantOverBudget(NamedTuple):
    """The budget that is spent (the workspace's ``day`` or ``month``, or the deployment's daily cap,
    ``service``) and why, in words."""

    period: Literal["day", "month", "service"]
    reason: str


def over_tenant_budget(day_usd: float, month_usd: float, budget: Budget) -> TenantOverBudget | None:
    """The workspace's spent budget (day, else month), or None. No approval lifts these: a new day
    or month does, or the owner raising the budget."""
    if day_usd >= budget.day_usd:
        return TenantOverBudget(
            "day", f"the workspace spent ${day_usd:.4f} of its ${budget.day_usd:.2f} daily budget"
        )
    if month_usd >= budget.month_usd:
        return TenantOverBudget(
            "month", f"the workspace spent ${month_usd:.4f} of its ${budget.month_usd:.2f} monthly budget"
        )
    return None


WARN_SHARE = 0.8  # a budget this much spent is warned of, once per budget and period


class BudgetWarning(NamedTuple):
    """A budget past :data:`WARN_SHARE`: which (``run``: the workspace's run budget, ``agent``: the
    run's agent's own, lower one, ``day``, ``month``), its period (the run's id and grants, the day
    ``YYYYMMDD``, the month ``YYYYMM``), what was spent of what."""

    budget: Literal["run", "agent", "day", "month"]
    period: str
    spent_usd: float
    cap_usd: float

    @property
    def key(self) -> str:
        """What names it once per budget and period (the notification's id)."""
        return f"budget-80-{self.budget}-{self.period}"[:120]

    def words(self) -> str:
        share = int(100 * self.spent_usd / self.cap_usd) if self.cap_usd > 0 else 100
        whose = {
            "run": "this run's budget",
            "agent": "its agent's run budget",
            "day": "the workspace's daily budget",
            "month": "the workspace's monthly budget",
        }[self.budget]
        return f"${self.spent_usd:.4f} of {whose} of ${self.cap_usd:.2f} is spent ({share} %)"


def budget_warnings(
    spend: Spend, budget: Budget, when: tuple[str, str], run: tuple[str, int, float | None] = ("", 0, None)
) -> list[BudgetWarning]:
    """The budgets ``spend`` has passed :data:`WARN_SHARE` of. ``when``: the day (``YYYYMMDD``) and
    month (``YYYYMM``); ``run``: the run's id ("" for a call of no run), its approved budget stops
    and its agent's run budget (None: the workspace's applies; each grant adds one budget)."""
    run_id, grants, agent_cap = run
    found = []

    def past(spent: float, cap: float) -> bool:  # to the cent's billionth: 0.8 * 0.05 is 0.04000000000000001
        return cap > 0 and spent >= WARN_SHARE * cap - 1e-9

    if run_id:
        own = agent_cap is not None and agent_cap < budget.run_usd
        cap = (agent_cap if own and agent_cap is not None else budget.run_usd) * (1 + grants)
        if past(spend.run_usd, cap):
            found.append(BudgetWarning("agent" if own else "run", f"{run_id}-{grants}", spend.run_usd, cap))
    day, month = when
    if past(spend.day_usd, budget.day_usd):
        found.append(BudgetWarning("day", day, spend.day_usd, budget.day_usd))
    if past(spend.month_usd, budget.month_usd):
        found.append(BudgetWarning("month", month, spend.month_usd, budget.month_usd))
    return found


class Hold(NamedTuple):
    """One model call's reservation on the budgets it counts against, made before the call and
    settled to its measured cost after it (``RunStore.hold_budgets``/``settle_hold``). These are the
    workspace's ``day`` (YYYY-MM-DD) and ``month`` (YYYY-MM) budgets and, for a run's call, the run's. ``caps``: the budgets it must fit, in that order (run, day, month; the run's
    ``inf`` when the call belongs to no run). ``run_seed``: what the run had spent before its
    counter existed (its state's cost), the counter's start. ``hold_id``: the reservation's own
    record, kept until it is settled, so that one whose call never settles (its instance died) is
    given back by the sweeper once ``release_after`` has passed (empty: no record)."""

    day: str
    month: str
    run_id: str
    usd: float
    caps: tuple[float, float, float]
    run_seed: float = 0.0
    hold_id: str = ""
    release_after: datetime | None = None


class Refused(NamedTuple):
    """The budget a reservation did not fit: ``run``, ``day`` or ``month``, and what it counted
    before the reservation (spent and reserved by calls still under way)."""

    budget: Literal["run", "day", "month"]
    counted_usd: float
    cap_usd: float
    reserve_usd: float

    @property
    def reason(self) -> str:
        """In the words of :func:`over_budget` (the budget-stop prompts are recognised by them)."""
        then = f": the next model call, reserving ${self.reserve_usd:.2f}, would pass it"
        if self.budget == "run":
            return f"the run spent ${self.counted_usd:.4f} of its ${self.cap_usd:.2f} budget{then}"
        period = "daily" if self.budget == "day" else "monthly"
        spent = f"the workspace spent ${self.counted_usd:.4f} of its ${self.cap_usd:.2f} {period} budget"
        return spent + then


# The code pipeline's stages that each end a phase (the run plans what follows from what they found):
# the pull request opened from the requirements, the wait for a review, the revision answering it,
# and the release. Each fix a failing check gets (push_fix) is one more, as many as the policy allows.
PIPELINE_STAGES = ("open_pull_request", "await_review", "push_revision", "deploy_vercel")


def replan_bound(max_replans: int, tools: tuple[str, ...], fix_attempts: int) -> int:
    """Phases a run may plan after its first: the settings' ``run_max_replans``. For a run whose
    allow-list names the code pipeline's stages, one phase per stage it names and one per fix its
    repositories' policy allows (``fix_attempts``), when that is more. Still a bound: a plan that
    loops stops past it, however it names its tools (decision 0142)."""
    stages = sum(1 for tool in PIPELINE_STAGES if tool in tools)
    fixes = fix_attempts if "push_fix" in tools else 0
    return max(max_replans, stages + fixes)
