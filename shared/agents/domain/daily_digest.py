"""The text of a workspace's daily digest: the runs that ended in the last day, the decisions that
wait, and the spend against the budgets. Pure: the caller reads the runs and the spend."""

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from shared.runs.domain.events import RunStatus
from shared.runs.domain.state import Run

MAX_LISTED = 20  # runs listed per section; the rest are counted


def digest_id(day: date) -> str:
    """The notification id of ``day``'s digest: one per workspace and day."""
    return f"digest-{day:%Y%m%d}"


def digest_subject(day: date, ended: int, waiting: int) -> str:
    runs = "run" if ended == 1 else "runs"
    decisions = "run" if waiting == 1 else "runs"
    return f"Notion Agent, {day:%a %d %b}: {ended} {runs} ended, {waiting} {decisions} waiting for you"


def digest_text(
    ended: Sequence[Run], waiting: Sequence[Run], waiting_total: int, usage: dict[str, Any]
) -> str:
    """Markdown: what ended (its status and cost), what waits for a person (``waiting``, the first
    of ``waiting_total``), and the spend against the budgets (``usage.usage``)."""
    lines = ["## Ended in the last day"]
    lines += _listed(
        ended, len(ended), lambda r: f"{r.state.status.value.replace('_', ' ')}, ${r.state.cost_usd:.2f}"
    )
    lines += ["", "## Waiting for you"]
    lines += _listed(waiting, waiting_total, _question)
    day, month = usage["day"], usage["month"]
    lines += [
        "",
        "## Spend",
        f"- Today: ${day['spent_usd']:.2f} of ${day['budget_usd']:.2f}",
        f"- This month: ${month['spent_usd']:.2f} of ${month['budget_usd']:.2f}",
    ]
    if usage.get("paused"):
        lines.append(f"- Paused: {usage['paused']}")
    return "\n".join(lines)


def _listed(runs: Sequence[Run], total: int, detail: Callable[[Run], str]) -> list[str]:
    lines = [f"- {_goal(r)} ({detail(r)})" for r in runs[:MAX_LISTED]]
    if total > len(lines):
        lines.append(f"- and {total - len(lines)} more")
    return lines or ["Nothing."]


def _goal(run: Run) -> str:
    goal = " ".join(run.state.goal.split())
    return goal if len(goal) <= 120 else goal[:119] + "…"


def _question(run: Run) -> str:
    if run.state.status == RunStatus.PAUSED:
        return "paused"
    waiting = run.state.waiting
    if waiting is not None and waiting.purpose == "verdict":
        return "a debate to settle"
    return "a question" if waiting is not None and waiting.purpose == "question" else "an approval"
