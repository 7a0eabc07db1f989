"""``GET /agents/<agent_id>/record``: an agent's 7- and 30-day record from its day
documents, read once for its 30 days (no run read), seen by every role as the spend is (GET /usage),
404 for an agent the workspace does not have."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.agents.domain.agents import Agent
from shared.agents.domain.records import RunEntry, RunRating
from tests.support.platform.fake_container import client, json_body
from tests.support.team.role_team import Team, team


def with_record() -> Team:
    t = team()
    now = datetime.now(UTC)
    agents = t.container.fake_agents
    assert agents.create("t1", Agent(agent_id="triage", name="Triage", created_at=now, updated_at=now))
    today = now.date()
    done = RunEntry(status="completed", duration_s=20, cost_usd={"gemini/plan": 0.02})
    agents.keep_entry("t1", "triage", today, "r1", done)
    agents.keep_entry(
        "t1", "triage", today, "r2", RunEntry(status="failed", duration_s=80, asked=1, refused=1)
    )
    agents.keep_entry("t1", "triage", today - timedelta(days=12), "r3", done)
    agents.keep_entry("t1", "triage", today - timedelta(days=40), "r4", done)  # past the 30 days
    child = done.model_copy(update={"child": True, "cost_usd": {"claude/step": 0.5}})
    agents.keep_entry("t1", "triage", today, "r1-m1-0", child)
    agents.rate_entry(
        "t1", "triage", today, "r2", RunRating(by="m_1", verdict="bad", reason="Wrong page", at=now)
    )
    return t


def test_an_agents_record_shows_its_windows_and_its_daily_chart_to_every_role(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    t = with_record()
    calls: list[int] = []
    days_of = t.container.fake_agents.days_of

    def counted(tenant_id: str, agent_id: str, days: Sequence[date]) -> dict[date, dict[str, RunEntry]]:
        calls.append(len(days))
        return days_of(tenant_id, agent_id, days)

    monkeypatch.setattr(t.container.fake_agents, "days_of", counted)
    for role in ("owner", "admin", "editor", "viewer"):
        answer = client("api", t.container).get(
            "/agents/triage/record", headers={"Authorization": f"Bearer {t.sessions[role]}"}
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
    assert calls == [30] * 4  # one read of its 30 day documents a request
    shown = json_body(answer)
    week, month = shown["windows"]
    assert (week["days"], week["runs"], week["finished"], week["failed"]) == (7, 2, 1, 1)
    assert (month["days"], month["runs"], month["finished"]) == (30, 3, 2)
    assert week["cost_by"] == {"claude/step": 0.5, "gemini/plan": 0.02}  # the map child's cost counts
    assert (week["approvals_asked"], week["approvals_refused"], week["rated_bad"]) == (1, 1, 1)
    assert week["reasons"] == ["Wrong page"]
    assert (week["duration_p50_s"], week["duration_p95_s"]) == (20, 80)
    assert len(shown["daily"]) == 30 and shown["daily"][-1]["runs"] == 2
    assert shown["daily"][-1]["day"] == datetime.now(UTC).date().isoformat()


def test_an_unknown_agents_record_is_not_found_and_a_stranger_gets_none() -> None:
    t = with_record()
    owner = {"Authorization": f"Bearer {t.sessions['owner']}"}
    for path in ("/agents/nobody/record", "/agents/NOT..an.id/record"):
        answer = client("api", t.container).get(path, headers=owner)
        assert answer.status_code == 404 and "no agent" in json_body(answer)["reason"]
    assert client("api", t.container).get("/agents/triage/record").status_code == 401
