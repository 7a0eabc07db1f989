"""Which task sources a workspace's daily plan reads (``Tenant.plan_sources``): the named ones still
chosen, else every chosen one with the home's Tasks, each once; none when the plan is off. And the
Daily plans row that names the day."""

from datetime import date

from shared.agents.domain import day_plan
from shared.workspace.domain.agent_home import AgentHome, HomeDatabase
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from tests.support.agents.daily_planning import tenant

A = "aaaaaaaa-0000-4000-8000-000000000001"
B = "bbbbbbbb-0000-4000-8000-000000000002"


def _tenant(home_tasks: str | None = None, **settings: object) -> Tenant:
    home = AgentHome(tasks=HomeDatabase(database_id="db", data_source_id=home_tasks)) if home_tasks else None
    chosen = TenantSettings.model_validate({"data_source_ids": [A]} | settings)
    return tenant("t1", settings=chosen, home=home)


def test_every_chosen_source_and_the_home_s_tasks_each_once() -> None:
    assert _tenant().plan_sources() == [A]
    assert _tenant(home_tasks=B).plan_sources() == [A, B]
    assert _tenant(home_tasks=A.replace("-", "").upper()).plan_sources() == [
        A
    ]  # the same id written otherwise


def test_named_sources_are_read_alone_and_off_reads_none() -> None:
    assert _tenant(home_tasks=B, daily_plan_sources=[B]).plan_sources() == [B]
    assert _tenant(home_tasks=B, daily_plan=False).plan_sources() == []
    assert _tenant(home_tasks=B, daily_plan=False).task_sources() == [A, B]


def test_the_day_s_row_is_named_and_found_by_its_day_and_run_id() -> None:
    day = date(2026, 11, 23)
    props = day_plan.page_properties(day)
    assert props["Plan"]["title"][0]["text"]["content"] == "Plan for 2026-11-23"
    assert props["Day"] == {"date": {"start": "2026-11-23"}}
    where = day_plan.page_filter(day)["and"]
    assert {"property": "Run id", "rich_text": {"equals": "day-plan-20261123"}} in where
    assert {"property": "Day", "date": {"equals": "2026-11-23"}} in where
