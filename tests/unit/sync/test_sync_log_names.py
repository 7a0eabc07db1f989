"""The sync log through the api names the tool's side's time for its tool (``linear_at``,
``gitlab_at``), as before its stored field was named ``tool_at`` (decision 0150)."""

from datetime import UTC, datetime, timedelta

import pytest

from shared.sync.domain.connection import LogEntry
from tests.support.team.role_team import call, team


@pytest.mark.parametrize(("tool", "store"), [("linear", "sync_store"), ("gitlab", "gitlab_store")])
def test_the_log_shows_the_tool_s_time_under_the_tool_s_name(tool: str, store: str) -> None:
    people = team()
    at = datetime.now(UTC) - timedelta(hours=1)
    entry = LogEntry(at=at, page_id="p1", issue_id="i1", field="title", winner=tool, notion_at=at, tool_at=at)
    people.container.port(store).log("t1", entry)  # type: ignore[attr-defined]  # port() by name is an object
    status, shown = call(people, "viewer", "GET", f"/sync/{tool}/log")
    [row] = shown["entries"]
    assert status == 200 and datetime.fromisoformat(row[f"{tool}_at"]) == at
    assert "tool_at" not in row and ({"linear_at", "gitlab_at"} - {f"{tool}_at"}).isdisjoint(row)
