"""What a property change that a trigger rule checks costs when planning: one page read, then a run
only if the value holds (no turn, claim or model call otherwise); and a mention on a page of a data
source whose rules leave out ``mentioned`` starts nothing."""

from typing import Any

from shared.engine.planning.start import start_run
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.workspace.domain.tenants import Tenant
from shared.workspace.domain.triggers import PropertyCheck
from tests.support.notion.notion_fakes import asking
from tests.support.runs.run_store import FakeRunStore
from tests.support.runs.trigger_gates import PAGE, comment, runs, setup

DS = "2a3b4c5d-0000-4000-8000-000000000001"
READY = PropertyCheck(property_id="st", type="status", to="Ready for agent")


def checked_change(*checks: PropertyCheck) -> PlanTask:
    trigger = Trigger(
        kind="webhook",
        event_id="ev1",
        event_type="page.properties_updated",
        page_id=PAGE,
        data_source_id=DS,
        checks=list(checks),
    )
    return PlanTask(tenant_id="t1", run_id="wh-ev1", trigger=trigger)


def status(name: str) -> dict[str, Any]:
    return {"Status": {"id": "st", "type": "status", "status": {"name": name}}}


def test_a_change_to_the_wrong_value_costs_one_read_and_nothing_else() -> None:
    deps, model, notion = setup()
    notion.pages[PAGE]["properties"] = status("Not started")
    assert start_run(checked_change(READY), deps) is False
    assert notion.calls == ["retrieve_page"] and model.prompts == [] and runs(deps) == []
    assert isinstance(deps.store, FakeRunStore) and deps.store.run_starts == {}  # no turn taken


def test_a_change_to_the_asked_value_starts_its_run() -> None:
    deps, model, notion = setup()
    notion.pages[PAGE]["properties"] = status("Ready for agent")
    assert start_run(checked_change(READY), deps) is True
    assert notion.calls[0] == "retrieve_page" and runs(deps) == ["wh-ev1"]
    assert [p for p in model.prompts if p[0] == "PlanOut"]


def test_assigned_to_the_agent_is_its_bot_user_in_a_people_property() -> None:
    deps, _, notion = setup()
    tenant = deps.need_tenants().get("t1")
    assert tenant is not None
    deps.need_tenants().save(tenant.model_copy(update={"bot_id": "bot-of-t1"}))
    agent = PropertyCheck(property_id="as", type="people", agent=True)
    notion.pages[PAGE]["properties"] = {
        "Assignee": {"id": "as", "type": "people", "people": [{"id": "grace"}]}
    }
    assert start_run(checked_change(agent), deps) is False
    notion.pages[PAGE]["properties"]["Assignee"]["people"].append({"id": "bot-of-t1"})
    assert start_run(checked_change(agent), deps) is True


def choose(deps: Any, rules: list[dict[str, Any]]) -> None:
    def change(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        settings = tenant.settings.model_copy(update={"data_source_ids": [DS]})
        settings = type(settings).model_validate(settings.model_dump() | {"triggers": {DS: rules}})
        return tenant.model_copy(update={"settings": settings, "bot_id": ""})  # no bot id stored

    deps.need_tenants().update("t1", change)


def test_a_mention_in_a_source_whose_rules_leave_it_out_starts_nothing() -> None:
    deps, model, notion = setup()
    notion.comments[PAGE] = [asking("c1", notion.bot_id, " please help")]
    notion.pages[PAGE]["parent"] = {"type": "data_source_id", "data_source_id": DS}
    choose(deps, [{"kind": "page_created"}])
    assert start_run(comment("c1"), deps) is False
    assert notion.calls == ["get_comment", "me", "retrieve_page"] and model.prompts == []
    choose(deps, [{"kind": "mentioned"}])  # every chosen source takes mentions: no page read to ask
    notion.calls.clear()
    assert start_run(comment("c1"), deps) is True
    assert notion.calls.count("retrieve_page") == 1  # planning's own read only


def test_an_agent_named_in_a_comment_starts_where_the_rules_leave_mentions_out() -> None:
    """An agent's card says it starts when named in a comment; on a page of a chosen data
    source whose rules leave out mentions it starts too. A bare mention there still starts nothing."""
    from datetime import UTC, datetime

    from shared.agents.domain.agents import Agent
    from tests.support.agents.agent_fakes import FakeAgents

    deps, _, notion = setup()
    now = datetime(2026, 11, 21, 9, tzinfo=UTC)
    store = FakeAgents()
    store.create("t1", Agent(agent_id="default", name="Notion Agent", created_at=now, updated_at=now))
    store.create("t1", Agent(agent_id="triage", name="Triage", created_at=now, updated_at=now))
    deps = deps._replace(agents_source=lambda: store)
    notion.pages[PAGE]["parent"] = {"type": "data_source_id", "data_source_id": DS}
    choose(deps, [{"kind": "page_created"}])  # this source's rules leave mentions out
    notion.comments[PAGE] = [
        asking("c1", notion.bot_id, " please help"),
        asking("c2", notion.bot_id, " Triage, sort these"),
    ]
    assert start_run(comment("c1"), deps) is False
    assert start_run(comment("c2"), deps) is True
    assert runs(deps) == [comment("c2").run_id]


def test_a_mention_the_rules_leave_out_is_listed_with_the_skipped_edits() -> None:
    """A bare mention a database's rules leave out is listed in "Edits the rules skipped",
    saying why and what would start work; a mention that starts a run is not."""
    from datetime import UTC, datetime, timedelta

    from tests.support.workspace.workspace_fakes import FakeWebhookEvents

    deps, _, notion = setup()
    ledger = FakeWebhookEvents()
    deps = deps._replace(skipped_edits=lambda: ledger)
    notion.comments[PAGE] = [asking("c1", notion.bot_id, " please help")]
    notion.pages[PAGE]["parent"] = {"type": "data_source_id", "data_source_id": DS}
    choose(deps, [{"kind": "page_created"}])
    assert start_run(comment("c1"), deps) is False
    since = datetime(2000, 1, 1, tzinfo=UTC)
    [kept] = ledger.skipped("t1", since)
    assert kept.page_id == PAGE.replace("-", "") and kept.event_type == "comment.created"
    assert kept.data_source_id == DS.replace("-", "")
    assert "leave out mentions" in kept.rule and "name one of your agents" in kept.rule
    assert kept.expires_at - kept.at == timedelta(days=7)
    choose(deps, [{"kind": "mentioned"}])
    assert start_run(comment("c1"), deps) is True
    assert len(ledger.skipped("t1", since)) == 1  # nothing more kept for a mention that started a run
