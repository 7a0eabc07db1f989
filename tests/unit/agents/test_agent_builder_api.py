"""The agent builder's api: an admin sets an agent's trigger rules, reach, tools,
budget, reviewer and where it reports, and reads them back; an editor may not; bad input is refused
naming each field as the builder does, its problem in plain words, nothing stored. The dry run's
route: an editor may try an agent, a viewer may not, and its answer says nothing was done."""

from datetime import UTC, datetime

import pytest

from shared.agents.domain.agents import Agent, field_words, plain_problem
from tests.support.platform.fake_container import client, json_body
from tests.support.team.role_team import Team, team

SOURCE = "0" * 31 + "1"
PAGE = "a" * 32


def _made() -> Team:
    t = team()
    now = datetime.now(UTC)
    assert t.container.fake_agents.create(
        "t1", Agent(agent_id="triage", name="Triage", created_at=now, updated_at=now)
    )
    return t


def _as(t: Team, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t.sessions[role]}"}


BUILT = {
    "triggers": {SOURCE: [{"kind": "page_created"}, {"kind": "mentioned"}]},
    "reach": {"read": [SOURCE, PAGE], "change": [PAGE]},
    "tools": ["read_page", "add_comment"],
    "max_cost_per_run_usd": 0.5,
    "review": "other",
    "reports_to": "notion_comment",
}


def test_an_admin_sets_every_part_of_the_builder_and_reads_it_back() -> None:
    t = _made()
    api = client("api", t.container)
    saved = api.patch("/agents/triage", json=BUILT, headers=_as(t, "admin"))
    assert saved.status_code == 200, saved.get_data(as_text=True)
    shown = json_body(api.get("/agents/triage", headers=_as(t, "viewer")))
    assert [r["kind"] for r in shown["triggers"][SOURCE]] == ["page_created", "mentioned"]
    assert shown["reach"] == {"read": [SOURCE, PAGE], "change": [PAGE]}
    assert shown["tools"] == ["read_page", "add_comment"] and shown["max_cost_per_run_usd"] == 0.5
    assert (shown["review"], shown["reports_to"]) == ("other", "notion_comment")
    tenant = t.container.tenants.get("t1")
    assert tenant is not None and SOURCE in tenant.agent_triggers["triage"]  # webhook intake sees them
    cleared = api.patch("/agents/triage", json={"triggers": {}}, headers=_as(t, "admin"))
    assert json_body(cleared)["triggers"] == {}  # none: it starts only when named


def test_an_editor_may_not_change_an_agent() -> None:
    t = _made()
    refused = client("api", t.container).patch("/agents/triage", json=BUILT, headers=_as(t, "editor"))
    assert refused.status_code == 403
    agent = t.container.fake_agents.get("t1", "triage")
    assert agent is not None and agent.triggers is None and agent.tools == ()


def test_bad_input_names_the_builders_fields_in_plain_words_and_stores_nothing() -> None:
    t = _made()
    bad = {
        "reach": {"read": ["not-an-id"]},
        "max_cost_per_run_usd": -1,
        "review": "maybe",
        "tools": ["Rm -rf"],
    }
    answer = client("api", t.container).patch("/agents/triage", json=bad, headers=_as(t, "admin"))
    assert answer.status_code == 400
    body = json_body(answer)
    reason = body["reason"]
    assert "reach, what it may read, item 1: is not a Notion id" in reason
    assert "budget per run (USD): Input should be greater than 0" in reason
    assert "reviewer: Input should be 'off', 'same' or 'other'" in reason
    assert "tool 1: is not a tool's name" in reason
    assert "pattern" not in reason and "reach.read.0" not in reason  # no raw paths, no regex
    assert {f["field"] for f in body["fields"]} >= {"reach.read.0", "max_cost_per_run_usd", "review"}
    unknown = client("api", t.container).patch(
        "/agents/triage", json={"tools": ["rm_rf"]}, headers=_as(t, "admin")
    )
    assert unknown.status_code == 400
    assert json_body(unknown)["reason"].startswith("invalid field(s): tool 1: no tool is called 'rm_rf'")
    agent = t.container.fake_agents.get("t1", "triage")
    assert agent is not None and agent.reach.read == [] and agent.review == "off"


@pytest.mark.parametrize(
    ("field", "words"),
    [
        ("triggers.abc.0.property_changed.to", "trigger rules of data source abc, rule 1, value"),
        ("schedules.1.weekly.days", "schedule 2, days"),
        ("reach.change.2", "reach, what it may change, item 3"),
        ("reports_to", "where it reports"),
        ("something_else.0", "something_else.0"),
    ],
)
def test_a_field_is_named_as_the_builder_names_it(field: str, words: str) -> None:
    assert field_words(field) == words


def test_a_pattern_is_said_in_words() -> None:
    assert plain_problem("String should match pattern '^[a-z_]{1,60}$'") == "is not a tool's name"
    assert plain_problem("Input should be greater than 0") == "Input should be greater than 0"


def test_a_viewer_may_not_try_an_agent_and_a_bad_page_is_refused() -> None:
    t = _made()
    api = client("api", t.container)
    viewer = api.post("/agents/triage/dry-run", json={"page_id": PAGE}, headers=_as(t, "viewer"))
    assert viewer.status_code == 403
    bad = api.post("/agents/triage/dry-run", json={"page_id": "x"}, headers=_as(t, "editor"))
    assert bad.status_code == 400 and [f["field"] for f in json_body(bad)["fields"]] == ["page_id"]


def test_the_tools_an_agent_may_be_given_are_listed_with_what_they_do() -> None:
    t = _made()
    listed = json_body(client("api", t.container).get("/tools", headers=_as(t, "viewer")))
    named = {tool["name"]: tool for tool in listed["tools"]}
    assert named["read_page"]["effect"] == "read" and named["read_page"]["description"].startswith(
        "Read a page"
    )
    assert named["add_comment"]["effect"] == "notion_write" and "finish" in listed["always"]


def test_a_tool_s_description_is_its_first_sentence_whole_not_cut_at_an_example() -> None:
    """The builder cut "… Notion property value, e.g" mid-phrase."""
    t = _made()
    listed = json_body(client("api", t.container).get("/tools", headers=_as(t, "viewer")))
    named = {tool["name"]: str(tool["description"]) for tool in listed["tools"]}
    for name in ("update_properties", "create_database", "deploy_vercel"):
        assert "e.g." in named[name] and not named[name].endswith(("e.g", "(e.g")), named[name]
    assert named["update_properties"].endswith('{"Status": {"status": {"name": "Done"}}}')
    assert not any(d.endswith(".") for d in named.values())
    assert named["read_page"].startswith("Read a page") and ". " not in named["read_page"]
