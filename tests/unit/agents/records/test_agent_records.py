"""Each agent's record: a run's entry made from its log, and the figures folded
from an agent's day documents, asserted against runs whose logs the test writes."""

from datetime import UTC, date, datetime, timedelta

from shared.agents.domain.records import RunEntry, entry_of, family_of, record_of, started_failing
from shared.runs.domain.events import (
    HumanRequested,
    HumanResponded,
    ModelUsed,
    RunEvent,
    RunFinished,
    RunStatus,
)

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _used(seq: int, at: float, model: str, purpose: str, usd: float) -> ModelUsed:
    return ModelUsed(
        seq=seq, at=_at(at), purpose=purpose, model=model, input_tokens=10, output_tokens=5, cost_usd=usd
    )


def test_an_entry_counts_waiting_approvals_refusals_and_cost_by_family_and_purpose() -> None:
    events: list[RunEvent] = [
        _used(1, 1, "gemini-2.5-flash", "plan", 0.01),
        HumanRequested(seq=2, at=_at(10), request_id="r1", step=1, purpose="approval", prompt="ok?"),
        HumanResponded(seq=3, at=_at(70), request_id="r1", decision="reject"),
        _used(4, 80, "claude-sonnet-4", "step", 0.05),
        _used(5, 90, "gemini-2.5-pro", "plan", 0.02),
        HumanRequested(seq=6, at=_at(100), request_id="r2", step=2, purpose="question", prompt="which?"),
        RunFinished(seq=7, at=_at(130), status=RunStatus.FAILED, summary="no"),
    ]
    entry = entry_of(RunStatus.FAILED, T0, events)
    assert entry.duration_s == 130
    assert entry.waiting_s == 60 + 30  # an answered request, and one still open at the end
    assert (entry.asked, entry.refused) == (1, 1)
    assert entry.cost_usd == {"gemini/plan": 0.03, "claude/step": 0.05}
    assert family_of("Claude-opus") == "claude"


def test_a_record_folds_days_into_7_and_30_day_windows_and_a_daily_chart() -> None:
    today = date(2026, 11, 28)
    ok = RunEntry(status="completed", duration_s=10, cost_usd={"gemini/plan": 0.1})
    slow = RunEntry(status="completed", duration_s=100, waiting_s=5, asked=1, cost_usd={"gemini/plan": 0.3})
    bad = RunEntry(status="failed", duration_s=40, asked=1, refused=1, cost_usd={"claude/step": 0.2})
    days = {
        today: {"a": ok, "b": slow, "c": bad},
        today - timedelta(days=10): {"d": ok, "e": RunEntry(status="cancelled")},
        today - timedelta(days=40): {"old": ok},  # outside both windows
    }
    record = record_of("triage", days, today)
    week, month = record.windows
    assert (week.days, week.runs, week.finished, week.failed, week.cancelled) == (7, 3, 2, 1, 0)
    assert (month.runs, month.finished, month.cancelled) == (5, 3, 1)
    assert (week.duration_p50_s, week.duration_p95_s) == (40, 100)
    assert (week.waiting_s, week.approvals_asked, week.approvals_refused) == (5, 2, 1)
    assert week.cost_by == {"claude/step": 0.2, "gemini/plan": 0.4}
    assert round(week.cost_per_run_usd, 6) == 0.2 and round(week.cost_per_week_usd, 6) == 0.6
    assert round(month.cost_per_week_usd, 6) == round(0.7 * 7 / 30, 6)
    assert len(record.daily) == 30 and record.daily[-1].model_dump(mode="json") == {
        "day": "2026-11-28",
        "runs": 3,
        "failed": 1,
        "cost_usd": 0.6,
    }
    assert record.daily[19].runs == 2


def test_an_entry_written_twice_for_one_run_counts_once() -> None:
    today = date(2026, 11, 28)
    entry = RunEntry(status="completed", duration_s=5)
    day: dict[str, RunEntry] = {"run-1": entry}
    day["run-1"] = entry  # the end delivered again: the same key
    assert record_of("a", {today: day}, today).windows[0].runs == 1


def test_an_agent_that_started_failing_is_told_from_one_that_always_did() -> None:
    today = date(2026, 11, 28)
    fail, ok = RunEntry(status="failed"), RunEntry(status="completed")
    week = {f"f{i}": fail for i in range(3)} | {"o": ok}
    before = {f"b{i}": ok for i in range(5)}
    turned = record_of("a", {today: week, today - timedelta(days=12): before}, today)
    assert started_failing(turned)
    always = record_of(
        "a", {today: week, today - timedelta(days=12): {f"x{i}": fail for i in range(5)}}, today
    )
    assert not started_failing(always)
    assert not started_failing(record_of("a", {today: {"o": ok, "f": fail}}, today))
