"""The properties a trigger rule may name, as the console offers them (``GET /notion/data-sources/
{id}/properties``): every rule picked from them resolves against the schema, so none is typed wrong."""

from typing import Any

import pytest
from pydantic import TypeAdapter

from shared.team.services.sessions import start_session
from shared.workspace.domain.triggers import Rule, property_choices, resolve
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.team.settings_validation import store_with

DS = "2a3b4c5d-0000-4000-8000-000000000001"
SCHEMA: dict[str, Any] = {
    "Name": {"id": "title", "type": "title", "title": {}},
    "Status": {"id": "s%3Ft", "type": "status", "status": {"options": [{"name": "New"}, {"name": "Ready"}]}},
    "Due": {"id": "du1", "type": "date", "date": {}},
    "assignee": {"id": "as1", "type": "people", "people": {}},
    "For agent": {"id": "fa1", "type": "checkbox", "checkbox": {}},
}
RULES = TypeAdapter(list[Rule])


def test_each_property_says_its_options_and_which_rules_may_name_it() -> None:
    shown = {c.name: (c.type, c.options, c.compares, c.assigns) for c in property_choices(SCHEMA)}
    assert [c.name for c in property_choices(SCHEMA)] == ["assignee", "Due", "For agent", "Name", "Status"]
    assert shown["Status"] == ("status", ["New", "Ready"], True, False)
    assert shown["Due"] == ("date", [], False, False)
    assert shown["assignee"] == ("people", [], False, True)
    assert shown["For agent"] == ("checkbox", [], True, True)


def test_every_rule_picked_from_the_choices_resolves() -> None:
    picked: list[dict[str, Any]] = []
    for choice in property_choices(SCHEMA):
        picked.append({"kind": "property_changed", "property": choice.name})
        values: list[Any] = choice.options or ([True, False] if choice.type == "checkbox" else [])
        if choice.compares:
            picked += [{"kind": "property_changed", "property": choice.name, "to": v} for v in values]
        if choice.assigns:
            picked.append({"kind": "assigned_to_agent", "property": choice.name})
    resolved = resolve(RULES.validate_python(picked), SCHEMA, DS, "triggers")
    assert len(resolved) == len(picked) and all(getattr(r, "property_id", None) for r in resolved)


def test_over_http_a_sources_properties_and_a_bad_id_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    container = FakeContainer()
    container.tenants = store_with()
    read: list[str] = []

    def schema_of(source: str) -> dict[str, Any]:
        read.append(source)
        return SCHEMA

    monkeypatch.setattr(container.notion, "data_source_schemas", lambda tenant_id: schema_of)
    auth = {"Authorization": f"Bearer {start_session('t1', container.secrets)}"}
    api = client("api", container)
    got = api.get(f"/notion/data-sources/{DS}/properties", headers=auth)
    assert got.status_code == 200 and read == [DS]
    assert [p["name"] for p in json_body(got)["properties"]][-1] == "Status"
    refused = api.get("/notion/data-sources/not-an-id/properties", headers=auth)
    assert refused.status_code == 400 and read == [DS]
