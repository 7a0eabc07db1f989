"""Each agent's record (decisions 0162, 0170): what its runs achieved and cost.

A run's entry (:func:`entry_of`) is made once, from its state and log, as the run ends, and kept by
run id in its agent's document of the day it started (:func:`day_doc_id`), only when absent: an end
delivered twice counts once. :func:`record_of` folds an agent's days into its figures without
reading any run: its 30 day documents, read by id (:func:`days_back`; O(days)).
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from pydantic import ConfigDict, Field

from shared.platform.domain.schema import Record
from shared.runs.domain.events import HumanRequested, HumanResponded, ModelUsed, RunEvent, RunStatus

ENDED = {"completed": "finished", "failed": "failed", "cancelled": "cancelled", "rolled_back": "failed"}
TREND_DAYS = (7, 30)
KEPT_DAYS = 40  # a day document expires this long after its day (TTL): past the 30-day window
REASONS = 10  # the latest reasons of bad ratings a window shows


def day_doc_id(agent_id: str, day: date) -> str:
    """The id of ``agent_id``'s document of ``day``: ``{agent}-{YYYYMMDD}``."""
    return f"{agent_id}-{day:%Y%m%d}"


def days_back(today: date, count: int = TREND_DAYS[-1]) -> list[date]:
    """The ``count`` days up to ``today``, oldest first: the day documents a record reads."""
    return [today - timedelta(days=back) for back in range(count - 1, -1, -1)]


def family_of(model: str) -> str:
    """A model's family as billed ("gemini", "claude", ...): its name's first word, lower case."""
    return (model.strip().lower().split("-", 1)[0] or "unknown")[:40]


class RunRating(Record):
    """A person's verdict on a run, as its day document keeps it (one per person and run)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    by: str = ""  # the member who rated it
    verdict: str
    reason: str = ""
    at: datetime | None = None


class RunEntry(Record):
    """One run's line in its agent's day: how it ended, how long it took and waited for a person,
    the approvals it asked and had refused, and its cost by ``family/purpose``. ``child``: a map's
    child, whose cost is its agent's but which is no run of its own to a person (its parent is).
    ``ratings``: people's verdicts by member, kept beside the entry and joined to it as it is read."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    status: str
    duration_s: float = Field(0.0, ge=0)
    waiting_s: float = Field(0.0, ge=0)
    asked: int = Field(0, ge=0)
    refused: int = Field(0, ge=0)
    cost_usd: dict[str, float] = Field(default_factory=dict)
    child: bool = False
    ratings: dict[str, RunRating] = Field(default_factory=dict)


def entry_of(
    status: RunStatus, started_at: datetime, events: Sequence[RunEvent], *, child: bool = False
) -> RunEntry:
    """The entry of a run that ended with ``status``, from its whole log (read once, at its end).
    Its duration runs from ``started_at`` to its last event; its waiting, from each request to
    the answer that settled it (an unanswered one until the end)."""
    ended_at = max((e.at for e in events), default=started_at)
    asked_at: dict[str, datetime] = {}
    waiting = 0.0
    asked = refused = 0
    cost: dict[str, float] = {}
    for event in events:
        if isinstance(event, HumanRequested):
            asked_at[event.request_id] = event.at
            asked += event.purpose == "approval"
        elif isinstance(event, HumanResponded):
            since = asked_at.pop(event.request_id, None)
            waiting += (event.at - since).total_seconds() if since is not None else 0.0
            refused += event.decision == "reject"
        elif isinstance(event, ModelUsed):
            key = f"{family_of(event.model)}/{event.purpose[:40]}"
            cost[key] = cost.get(key, 0.0) + event.cost_usd
    waiting += sum((ended_at - at).total_seconds() for at in asked_at.values())
    return RunEntry(
        status=status.value,
        duration_s=max(0.0, (ended_at - started_at).total_seconds()),
        waiting_s=max(0.0, waiting),
        asked=asked,
        refused=refused,
        cost_usd={k: round(v, 6) for k, v in cost.items()},
        child=child,
    )


def _percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


class Window(Record):
    """An agent's figures over a window of ``days`` days. Its ``runs`` are those that started then and
    ended (a map's children left out), counted by how they ended. Durations (start to end, p50 and
    p95) and the time they waited for a person (summed) are in seconds. Approvals are those they
    asked and had refused. Cost includes its children's, per run and per week (the window's times 7
    over ``days``). Ratings are people's, with the latest bad ones' reasons, newest first."""

    days: int
    runs: int
    finished: int
    failed: int
    cancelled: int
    duration_p50_s: float
    duration_p95_s: float
    waiting_s: float
    approvals_asked: int
    approvals_refused: int
    cost_usd: float
    cost_per_run_usd: float
    cost_per_week_usd: float
    cost_by: dict[str, float]  # "family/purpose": usd
    rated_good: int
    rated_bad: int
    reasons: list[str]  # the latest bad ratings' reasons, newest first


class DayPoint(Record):
    """One day of an agent's chart: the runs that started that day and ended, the failed ones among
    them, and their cost (its map children's included)."""

    day: date
    runs: int
    failed: int
    cost_usd: float


class AgentRecord(Record):
    """An agent's record: its windows (7 and 30 days) and its daily runs and cost (the chart)."""

    agent_id: str
    windows: list[Window]
    daily: list[DayPoint]  # the last 30 days, oldest first, today last


def window_of(entries: Iterable[RunEntry], days: int) -> Window:
    """The figures of ``entries`` (runs that ended, of a window of ``days`` days). A map's children
    add their cost and nothing else: their parent is the run a person started."""
    every = list(entries)
    listed = [e for e in every if not e.child]
    counts = {"finished": 0, "failed": 0, "cancelled": 0}
    cost_by: dict[str, float] = {}
    for entry in every:
        for key, usd in entry.cost_usd.items():
            cost_by[key] = cost_by.get(key, 0.0) + usd
    for entry in listed:
        if entry.status in ENDED:
            counts[ENDED[entry.status]] += 1
    ratings = [r for e in listed for r in e.ratings.values()]
    bad = sorted(
        (r for r in ratings if r.verdict == "bad" and r.reason),
        key=lambda r: r.at or datetime.min.replace(tzinfo=UTC),
        reverse=True,
    )
    total = sum(cost_by.values())
    durations = [e.duration_s for e in listed]
    return Window(
        days=days,
        runs=len(listed),
        **counts,
        duration_p50_s=_percentile(durations, 0.5),
        duration_p95_s=_percentile(durations, 0.95),
        waiting_s=sum(e.waiting_s for e in listed),
        approvals_asked=sum(e.asked for e in listed),
        approvals_refused=sum(e.refused for e in listed),
        cost_usd=round(total, 6),
        cost_per_run_usd=round(total / len(listed), 6) if listed else 0.0,
        cost_per_week_usd=round(total * 7 / days, 6),
        cost_by={k: round(v, 6) for k, v in sorted(cost_by.items())},
        rated_good=sum(r.verdict == "good" for r in ratings),
        rated_bad=sum(r.verdict == "bad" for r in ratings),
        reasons=[r.reason for r in bad[:REASONS]],
    )


def record_of(agent_id: str, days: Mapping[date, Mapping[str, RunEntry]], today: date) -> AgentRecord:
    """``agent_id``'s record from its day documents (``days``: a day's entries by run id)."""
    windows = []
    for span in TREND_DAYS:
        since = today - timedelta(days=span - 1)
        windows.append(window_of((e for d, runs in days.items() if d >= since for e in runs.values()), span))
    daily = []
    for day in days_back(today):
        entries = days.get(day, {}).values()
        runs = [e for e in entries if not e.child]
        daily.append(
            DayPoint(
                day=day,
                runs=len(runs),
                failed=sum(ENDED.get(e.status) == "failed" for e in runs),
                cost_usd=round(sum(sum(e.cost_usd.values()) for e in entries), 6),
            )
        )
    return AgentRecord(agent_id=agent_id, windows=windows, daily=daily)


def started_failing(record: AgentRecord, *, least_runs: int = 3) -> bool:
    """The agent started failing: in the last 7 days at least ``least_runs`` runs ended and more than
    half failed, a share higher than over the 30 days before them (what the day plan names)."""
    week, month = record.windows
    earlier_runs, earlier_failed = month.runs - week.runs, month.failed - week.failed
    if week.runs < least_runs or week.failed * 2 <= week.runs:
        return False
    return earlier_runs == 0 or earlier_failed / earlier_runs < week.failed / week.runs
