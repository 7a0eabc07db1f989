"""The log lines alerts count are written once, when a run fails and when a budget stops it."""

import logging

import pytest

from shared.platform.errors import PermanentError
from tests.support.engine.engine_runs import drive, plan, started
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.log_events import fields_logged
from tests.support.platform.platform_fakes import FakeModel


def events_logged(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "fields", {}).get("event") == event]


def test_a_failed_run_logs_run_failed_once(caplog: pytest.LogCaptureFixture) -> None:
    notion = FakeNotion()
    page = notion.add_page("P")
    notion.fail["add_comment"] = [PermanentError("Notion answered 403 restricted_resource")]
    steps = plan(("add_comment", {"page_id": page, "text": "x"}), ("finish", {"summary": "ok"}))
    with caplog.at_level(logging.INFO):
        deps = started(FakeModel({"PlanOut": [steps]}), notion)
        drive(deps)
        drive(deps)  # re-deliveries of settled steps log nothing more
    failed = events_logged(caplog, "run_failed")
    assert len(failed) == 1 and failed[0].levelname == "ERROR" and "403" in failed[0].getMessage()


def test_a_budget_stop_logs_budget_exceeded(caplog: pytest.LogCaptureFixture) -> None:
    steps = plan(
        *[("draft_text", {"instructions": f"n{i}"}) for i in range(5)], ("finish", {"summary": "ok"})
    )
    with caplog.at_level(logging.INFO):
        drive(started(FakeModel({"PlanOut": [steps]}, cost_usd=0.4), default_run_budget_usd=1.0))
    assert len(events_logged(caplog, "budget_exceeded")) == 1
    assert not events_logged(caplog, "run_failed")


def _statuses(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(f["from"], f["status"]) for f in fields_logged(caplog.records, "run_status")]


def test_each_change_of_a_runs_status_is_one_run_status_line(caplog: pytest.LogCaptureFixture) -> None:
    """The dashboard counts runs started (from "new"), completed, failed and waiting from these lines."""
    notion = FakeNotion()
    page = notion.add_page("P")
    with caplog.at_level(logging.INFO):
        deps = started(FakeModel({"PlanOut": [plan(("finish", {"summary": "ok"}))]}), notion, page=page)
        drive(deps)
        drive(deps)  # re-deliveries change nothing and log nothing more
    assert _statuses(caplog) == [("new", "running"), ("running", "completed")]
    caplog.clear()
    notion.fail["add_comment"] = [PermanentError("Notion answered 403 restricted_resource")]
    steps = plan(("add_comment", {"page_id": page, "text": "x"}), ("finish", {"summary": "ok"}))
    with caplog.at_level(logging.INFO):
        drive(started(FakeModel({"PlanOut": [steps]}), notion))
    assert _statuses(caplog) == [  # a comment on a page not its own waits for the owner's approval
        ("new", "running"),
        ("running", "waiting_for_human"),
        ("waiting_for_human", "running"),
        ("running", "failed"),
    ]
