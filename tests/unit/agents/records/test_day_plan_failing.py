"""The daily plan names an agent that started failing: read from the agents' day
documents, an agent whose last 7 days fail more than half their runs, and more often than before,
gets a line; one that fails as it always did, or works, does not; with none, no section."""

from datetime import UTC, date, datetime, timedelta

from shared.agents.domain.agents import Agent
from shared.agents.domain.day_plan_task import DayPlanTask
from shared.agents.domain.records import RunEntry
from shared.agents.services.day_plan_page import write_day_plan
from shared.notify.domain.notify_task import NotifyTask
from shared.runs.services.deps import Deps
from tests.support.agents.agent_fakes import FakeAgents
from tests.support.agents.daily_planning import deps_with, queued, tenant
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion

DAY = date(2026, 1, 5)
HEADING = "## Agents that started failing"


def _plan(agents: FakeAgents) -> str:
    notion = FakeNotion()
    notion.sources["ds-tasks"] = {"properties": {"Name": {"name": "Name", "type": "title"}}}
    deps: Deps = deps_with(tenant("t1"))._replace(
        notion_for=make_deps(notion=notion).notion_for, agents_source=lambda: agents
    )
    assert write_day_plan(DayPlanTask(tenant_id="t1", day=DAY), deps) == "notified"
    [note] = [b for _, b, _, _ in queued(deps).tasks if isinstance(b, NotifyTask)]
    return note.text


def _agent(agents: FakeAgents, agent_id: str, name: str, week: list[str], before: list[str]) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    agents.create("t1", Agent(agent_id=agent_id, name=name, created_at=now, updated_at=now))
    for n, status in enumerate(week):
        agents.keep_entry(
            "t1", agent_id, DAY - timedelta(days=n % 3), f"{agent_id}-w{n}", RunEntry(status=status)
        )
    for n, status in enumerate(before):
        agents.keep_entry(
            "t1", agent_id, DAY - timedelta(days=15), f"{agent_id}-b{n}", RunEntry(status=status)
        )


def test_the_plan_names_the_agent_that_started_failing_and_no_other() -> None:
    agents = FakeAgents()
    _agent(agents, "triage", "Triage", ["failed"] * 3 + ["completed"], ["completed"] * 5)
    _agent(agents, "always", "Always broken", ["failed"] * 4, ["failed"] * 5)
    _agent(agents, "steady", "Steady", ["completed"] * 4, ["completed"] * 5)
    text = _plan(agents)
    section = text.split(HEADING)[1]
    assert "- Triage: 3 of its 4 runs of the last 7 days failed" in section
    assert "Always broken" not in text and "Steady" not in text


def test_without_an_agent_failing_the_plan_has_no_such_section() -> None:
    agents = FakeAgents()
    _agent(agents, "steady", "Steady", ["completed"] * 4, [])
    assert HEADING not in _plan(agents)
