"""The console's daily plan: ``GET /daily-plan`` answers what the day's plan page
says from what the tenant store kept when it was written: its sections, the runs waiting for a
decision named by their runs, the page's link. A bad date is a 400 in words, a day without a plan a 404."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.agents.domain import day_plan
from shared.agents.domain.day_plan_view import sections
from shared.workspace.domain.day_plans import Kept
from tests.support.platform.fake_container import client, json_body
from tests.support.team.role_team import Team, team

TODAY = date(2026, 1, 7)
URL = "https://www.notion.so/Plan-for-2026-01-07-abc"


def _task(title: str, due: date | None = None) -> day_plan.Task:
    return day_plan.Task(
        f"p-{title}",
        title,
        f"https://www.notion.so/{title.split(maxsplit=1)[0]}",
        "To do",
        due,
        0,
        False,
        False,
    )


def _text(waiting: list[str], total: int) -> str:
    tasks = [_task("Pay the [vendor] *now*", TODAY - timedelta(days=2)), _task("Sort receipts")]
    planned = day_plan.plan(tasks, TODAY, ("p-Sort receipts",))
    return day_plan.markdown(planned, TODAY) + day_plan.decisions(waiting, total) + day_plan.unread(["ds-9"])


def test_the_plan_s_sections_are_read_back_in_words_with_links_and_the_waiting_runs() -> None:
    runs = [("run-1", "Weekly report: Launch **notes**"), ("run-2", "Triage: Bug")]
    shown = {s["heading"]: s["items"] for s in sections(_text([t for _, t in runs], 21), runs)}
    assert list(shown) == [
        "Focus for today",
        "Due or overdue",
        "In progress",
        "Planned yesterday, not done",
        "Waiting on others",
        "Waiting for a decision",
        "Not read",
    ]
    overdue = {"text": "Pay the [vendor] *now* (overdue by 2 days)", "url": "https://www.notion.so/Pay"}
    assert shown["Due or overdue"] == [overdue | {"run_id": None}]
    assert shown["Planned yesterday, not done"][0]["text"] == "Sort receipts"
    assert shown["In progress"] == [] and shown["Waiting on others"] == []  # the page says "Nothing."
    decisions = shown["Waiting for a decision"]
    assert [(i["run_id"], i["text"]) for i in decisions] == [*runs, (None, "and 19 more")]
    assert shown["Not read"][0]["text"].startswith("data source ds-9")


def _kept(t: Team, day: str = "20260107") -> None:
    runs = (("run-1", "Weekly report: Launch"),)
    kept = Kept("page-1", (), _text(["Weekly report: Launch"], 1), URL, runs)
    t.container.tenants.keep_day_plan("t1", day, kept, datetime.now(UTC) + timedelta(days=7))


def _get(t: Team, query: str, role: str = "viewer") -> tuple[int, dict[str, Any]]:
    answer = client("api", t.container).get(
        f"/daily-plan{query}", headers={"Authorization": f"Bearer {t.sessions[role]}"}
    )
    return answer.status_code, json_body(answer)


def test_a_viewer_reads_a_day_s_plan_and_today_is_the_default() -> None:
    t = team()
    _kept(t)
    status, plan = _get(t, "?date=2026-01-07")
    assert status == 200, plan
    assert plan["date"] == "2026-01-07" and plan["url"] == URL
    assert plan["waiting"] == [{"run_id": "run-1", "title": "Weekly report: Launch"}]
    headings = [s["heading"] for s in plan["sections"]]
    assert "Waiting for a decision" in headings and "Focus for today" in headings
    today = datetime.now(UTC).date()  # the workspace's time zone: UTC when unset
    _kept(t, f"{today:%Y%m%d}")
    status, plan = _get(t, "")
    assert status == 200 and plan["date"] == plan["today"] == today.isoformat()


def test_a_bad_date_is_a_400_in_words_and_a_day_without_a_plan_a_404() -> None:
    t = team()
    _kept(t)
    for bad in ("2026-02-31", "yesterday", "2026-1-7", "2026-01-07T00:00"):
        status, said = _get(t, f"?date={bad}")
        assert status == 400, (bad, said)
        assert "write it as YYYY-MM-DD" in str(said)
    status, said = _get(t, "?date=2026-01-06")
    assert status == 404 and "no daily plan of 2026-01-06" in str(said)
