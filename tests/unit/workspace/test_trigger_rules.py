"""Trigger rules (pure): what a page event of a chosen data source comes to from the event alone, the
values checked after one read, names resolved to ids against a schema, and the tasks they name."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.runs.domain.notion_events import NotionEvent, admit, plan_task
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.settings_input import SettingsInput
from shared.workspace.domain.tenants import Tenant
from shared.workspace.domain.triggers import (
    PropertyCheck,
    Rule,
    RuleProblem,
    default_rules,
    holds,
    page_matches,
    resolve,
    rule_verdict,
    rules_for,
)

DS = "2a3b4c5d-0000-4000-8000-000000000001"
PAGE = "3b4c5d6e-0000-4000-8000-000000000002"
BOT = "b0b00000-0000-4000-8000-000000000009"
RULES = TypeAdapter(list[Rule])
# A data source schema as Notion returns it (GET data_sources/{id}: properties by name)
SCHEMA: dict[str, Any] = {
    "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
    "Status": {
        "id": "s%3Ft",
        "name": "Status",
        "type": "status",
        "status": {"options": [{"id": "1", "name": "Not started"}, {"id": "2", "name": "Ready for agent"}]},
    },
    "Priority": {
        "id": "pr1",
        "name": "Priority",
        "type": "select",
        "select": {"options": [{"name": "High"}]},
    },
    "Due": {"id": "du1", "name": "Due", "type": "date", "date": {}},
    "Assignee": {"id": "as1", "name": "Assignee", "type": "people", "people": {}},
    "For agent": {"id": "fa1", "name": "For agent", "type": "checkbox", "checkbox": {}},
}


def rules(*raw: dict[str, Any]) -> list[Rule]:
    return resolve(RULES.validate_python(list(raw)), SCHEMA, DS, "triggers")


def test_names_resolve_to_ids_and_types_so_events_match_without_a_read() -> None:
    resolved = rules(
        {"kind": "property_changed", "property": "Status", "to": "Ready for agent"},
        {"kind": "property_changed", "property": "pr1"},  # by id: stored with its name
        {"kind": "assigned_to_agent", "property": "Assignee"},
        {"kind": "page_created"},
    )
    dumped = [r.model_dump(exclude_none=True) for r in resolved]
    assert dumped[0] == {
        "kind": "property_changed",
        "property": "Status",
        "to": "Ready for agent",
        "property_id": "s%3Ft",
        "property_type": "status",
    }
    assert dumped[1]["property"] == "Priority" and dumped[1]["property_id"] == "pr1"
    assert dumped[2] == {
        "kind": "assigned_to_agent",
        "property": "Assignee",
        "property_id": "as1",
        "property_type": "people",
    }


@pytest.mark.parametrize(
    ("rule", "field", "says"),
    [
        ({"kind": "property_changed", "property": "Stage"}, "triggers.0.property", "no property 'Stage'"),
        (
            {"kind": "property_changed", "property": "Status", "to": "Ready"},
            "triggers.0.to",
            "no option 'Ready'",
        ),
        ({"kind": "property_changed", "property": "Priority", "to": "Urgent"}, "triggers.0.to", "no option"),
        (
            {"kind": "property_changed", "property": "For agent", "to": "yes"},
            "triggers.0.to",
            "true or false",
        ),
        ({"kind": "property_changed", "property": "Status", "to": True}, "triggers.0.to", "must be text"),
        ({"kind": "property_changed", "property": "Due", "to": "2026-01-01"}, "triggers.0.to", "type date"),
        ({"kind": "assigned_to_agent", "property": "Status"}, "triggers.0.property", "people or checkbox"),
    ],
)
def test_a_rule_that_does_not_fit_the_schema_is_named(rule: dict[str, Any], field: str, says: str) -> None:
    with pytest.raises(RuleProblem) as problem:
        rules(rule)
    assert problem.value.field == field and says in problem.value.reason


def test_a_new_or_stored_source_without_rules_gets_created_and_mentioned() -> None:
    assert [r.kind for r in default_rules()] == ["page_created", "mentioned"]
    assert rules_for({}, DS) == default_rules()
    assert rules_for({DS.replace("-", ""): []}, DS) == []  # stored, even empty: the owner's choice
    stored = TenantSettings.model_validate({"data_source_ids": [DS]})  # a document from before rules
    assert stored.triggers == {} and rules_for(stored.triggers, DS) == default_rules()


STATUS_READY = {"kind": "property_changed", "property": "Status", "to": "Ready for agent"}


@pytest.mark.parametrize(
    ("event_type", "updated", "raw", "starts", "checked"),
    [
        ("page.created", None, [], True, []),  # the default rules
        ("page.created", None, [STATUS_READY], False, []),
        ("page.content_updated", None, [], False, []),
        ("page.content_updated", None, [{"kind": "property_changed", "property": "Status"}], False, []),
        ("page.properties_updated", ["du1", "title"], [STATUS_READY], False, []),  # unnamed: dropped
        (
            "page.properties_updated",
            ["pr1"],
            [{"kind": "property_changed", "property": "Priority"}],
            True,
            [],
        ),
        ("page.properties_updated", ["s?t"], [STATUS_READY], True, ["s%3Ft"]),  # ids compare decoded
        (
            "page.properties_updated",
            ["fa1", "du1"],
            [{"kind": "assigned_to_agent", "property": "For agent"}],
            True,
            ["fa1"],
        ),
        ("page.properties_updated", None, [STATUS_READY], True, ["s%3Ft"]),  # no ids sent: checked
        ("page.properties_updated", None, [{"kind": "property_changed", "property": "Due"}], True, []),
        ("page.properties_updated", [], [STATUS_READY], False, []),
    ],
)
def test_the_event_alone_decides_unless_a_value_must_be_read(
    event_type: str, updated: list[str] | None, raw: list[dict[str, Any]], starts: bool, checked: list[str]
) -> None:
    given = rules(*raw) if raw else list(default_rules())
    verdict = rule_verdict(event_type, updated, given)
    assert verdict.starts is starts, verdict.reason
    assert [c.property_id for c in verdict.checks] == checked


def test_a_rule_without_to_starts_at_once_even_beside_one_that_needs_a_read() -> None:
    both = rules(STATUS_READY, {"kind": "property_changed", "property": "Status"})
    assert rule_verdict("page.properties_updated", ["s%3Ft"], both).checks == ()


def page(**props: dict[str, Any]) -> dict[str, Any]:
    ids = {"Status": "s%3Ft", "Assignee": "as1", "For agent": "fa1", "Name": "title", "Tags": "tg1"}
    return {"properties": {name: {"id": ids[name]} | value for name, value in props.items()}}


def test_values_are_checked_on_the_page_read_once() -> None:
    ready = PropertyCheck(property_id="s%3Ft", type="status", to="Ready for agent")
    assert holds(ready, page(Status={"type": "status", "status": {"name": "Ready for agent"}}), BOT)
    assert not holds(ready, page(Status={"type": "status", "status": {"name": "Not started"}}), BOT)
    assert not holds(ready, page(Status={"type": "status", "status": None}), BOT)
    assert not holds(ready, page(), BOT)  # the property is gone
    people = PropertyCheck(property_id="as1", type="people", agent=True)
    with_bot = page(Assignee={"type": "people", "people": [{"id": BOT.replace("-", "")}]})
    assert holds(people, with_bot, BOT)
    assert not holds(people, page(Assignee={"type": "people", "people": [{"id": "someone"}]}), BOT)
    assert not holds(people, with_bot, "")
    box = PropertyCheck(property_id="fa1", type="checkbox", to=True)
    assert holds(box, page(**{"For agent": {"type": "checkbox", "checkbox": True}}), BOT)
    assert not holds(box, page(**{"For agent": {"type": "checkbox", "checkbox": False}}), BOT)
    title = PropertyCheck(property_id="title", type="title", to="Go")
    assert holds(title, page(Name={"type": "title", "title": [{"plain_text": "Go"}]}), BOT)
    tags = PropertyCheck(property_id="tg1", type="multi_select", to="x")
    assert holds(
        tags, page(Tags={"type": "multi_select", "multi_select": [{"name": "y"}, {"name": "x"}]}), BOT
    )
    assert page_matches([ready, box], page(**{"For agent": {"type": "checkbox", "checkbox": True}}), BOT)
    assert not page_matches([], page(), BOT)


def tenant(triggers: dict[str, Any]) -> Tenant:
    now = datetime.now(UTC)
    settings = TenantSettings(data_source_ids=[DS], triggers=triggers)
    return Tenant(
        tenant_id="t1", workspace_id="ws1", bot_id=BOT, token_secret="s", settings=settings,
        created_at=now, updated_at=now,
    )  # fmt: skip


def event(kind: str, event_id: str, **data: Any) -> NotionEvent:
    return NotionEvent.model_validate(
        {
            "id": event_id,
            "type": kind,
            "timestamp": "2026-01-05T09:00:10Z",
            "workspace_id": "ws1",
            "authors": [{"id": "person-1", "type": "person"}],
            "entity": {"id": PAGE, "type": "page"},
            "data": {"parent": {"id": "db", "type": "database", "data_source_id": DS}} | data,
        }
    )


def test_a_checked_change_names_a_task_of_its_own_in_the_window() -> None:
    owner = tenant(
        {
            DS: rules(
                STATUS_READY, {"kind": "page_created"}, {"kind": "assigned_to_agent", "property": "For agent"}
            )
        }
    )
    created = event("page.created", "e1")
    status = event("page.properties_updated", "e2", updated_properties=["s%3Ft"])
    again = event("page.properties_updated", "e3", updated_properties=["s%3Ft", "du1"])
    box = event("page.properties_updated", "e4", updated_properties=["fa1"])
    tasks = {}
    for e in (created, status, again, box):
        admission = admit(e, owner)
        assert admission.admitted, admission.reason
        tasks[e.id] = plan_task(e, "t1", 60, checks=admission.checks)
    assert tasks["e1"].task.trigger.checks == []
    assert [c.to for c in tasks["e2"].task.trigger.checks] == ["Ready for agent"]
    # created starts as it is: never merged into a change that waits on a value
    assert tasks["e1"].task_id != tasks["e2"].task_id
    assert tasks["e2"].task_id == tasks["e3"].task_id  # the same property checked: one task
    assert tasks["e4"].task_id not in {tasks["e1"].task_id, tasks["e2"].task_id}
    assert not admit(event("page.properties_updated", "e5", updated_properties=["du1"]), owner).admitted


def test_settings_input_bounds_and_types_rules() -> None:
    ok = SettingsInput.model_validate({"triggers": {DS: [STATUS_READY, {"kind": "mentioned"}]}})
    assert [r.kind for r in ok.triggers[DS]] == ["property_changed", "mentioned"]
    bad: dict[str, Any]
    for bad in (
        {DS: [{"kind": "every_edit"}]},
        {DS: [{"kind": "property_changed"}]},  # no property
        {DS: [{"kind": "property_changed", "property": "Status", "to": 3}]},
        {"not-an-id": []},
        {DS: [{"kind": "page_created"}] * 21},
    ):
        with pytest.raises(ValidationError):
            SettingsInput.model_validate({"triggers": bad})
