"""The day's plan read from a real task source: the sandbox's Tasks data source, its schema read to
derive the filter (status groups, the due date, the priority select), the filter accepted by the
sandbox (checked against Notion's published types) and the rows it returns planned into sections."""

from collections.abc import Iterator
from datetime import date
from typing import Any, cast

import notion_client
import pytest

from local.notion_sandbox import SandboxServer, seed_ids
from shared.agents.domain import day_plan

pytestmark = pytest.mark.integration
IDS = seed_ids("demo")


@pytest.fixture(scope="module")
def notion() -> Iterator[notion_client.Client]:
    with SandboxServer() as server:
        yield notion_client.Client(auth="ntn_sandbox_demo", base_url=server.url, notion_version="2025-09-03")


def _reading(notion: notion_client.Client) -> day_plan.Reading:
    source = cast(dict[str, Any], notion.data_sources.retrieve(data_source_id=IDS["tasks_data_source"]))
    return day_plan.reading(IDS["tasks_data_source"], source["properties"])


def test_the_schema_gives_the_status_groups_the_due_date_and_the_priority(
    notion: notion_client.Client,
) -> None:
    r = _reading(notion)
    assert (r.status, r.status_type, r.due, r.priority) == ("Status", "status", "Due", "Priority")
    assert r.open_options == ("Not started", "In progress") and r.doing_options == ("In progress",)
    assert r.priority_order == ("High", "Medium", "Low")


def test_the_day_s_query_reads_the_open_tasks_due_by_then(notion: notion_client.Client) -> None:
    r = _reading(notion)
    today = date(2026, 1, 7)
    where, sorts = day_plan.query(r, today)
    answer = notion.data_sources.query(
        data_source_id=r.source_id, filter=where, sorts=sorts, page_size=day_plan.PAGE_SIZE
    )
    rows = cast(dict[str, Any], answer)["results"]
    tasks = [day_plan.task(r, row) for row in rows]
    # the report (in progress, due on the 5th) and the invoices (due today); not the release (the
    # 9th, not started) nor the archive (done)
    assert [t.title for t in tasks] == ["Write the weekly report", "Send the invoices"]
    planned = day_plan.plan(tasks, today, yesterday=[IDS["task_release"]])
    assert [t.title for t in planned.focus] == ["Write the weekly report", "Send the invoices"]
    assert [t.title for t in planned.due] == ["Write the weekly report", "Send the invoices"]
    text = day_plan.markdown(planned, today)
    assert "(overdue by 2 days)" in text and "(due today)" in text
