"""The contract states the rules of agents' and settings' bodies (docs/decisions/0078): each rule is
in docs/api/openapi.json, the api still refuses what breaks it in words, and bodies generated from
the contract meet no 400 but the excuses named for a rule no schema states."""

import json
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.openapi.checks import RejectedPositiveData

from shared.tools import CODE_PLANNED, REGISTRY
from shared.workspace.domain.daily import zone_of
from shared.workspace.domain.settings_input import ZONES
from tests.support.platform.excuses import excused
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.settings_api import connect

CONTRACT = json.loads((Path(__file__).resolve().parents[3] / "docs" / "api" / "openapi.json").read_text())
SCHEMAS = CONTRACT["components"]["schemas"]
ID = "1f2e3d4c-5b6a-4789-8abc-def012345678"


def _of(schema: dict[str, Any]) -> dict[str, Any]:
    """A component ``$ref`` names, or the schema itself; a nullable one (anyOf with null) its other."""
    if "anyOf" in schema:
        schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
    ref = schema.get("$ref", "")
    return SCHEMAS[ref.rsplit("/", 1)[1]] if ref else schema


def test_a_schedule_is_one_kind_by_every_with_the_days_it_takes() -> None:
    for body in ("NewAgent", "AgentChange"):
        union = _of(_of(SCHEMAS[body]["properties"]["schedules"])["items"])["oneOf"]
        kinds = {(kind := _of(ref))["properties"]["every"]["const"]: kind for ref in union}
        assert set(kinds) == {"daily", "weekdays", "weekly", "monthly"}
        assert all("every" in kind["required"] for kind in kinds.values())
        weekly, monthly = kinds.pop("weekly"), kinds.pop("monthly")
        assert "days" in weekly["required"] and weekly["properties"]["days"]["minItems"] == 1
        assert weekly["properties"]["day_of_month"]["type"] == "null"
        assert "day_of_month" in monthly["required"] and monthly["properties"]["days"]["maxItems"] == 0
        for other in kinds.values():
            props = other["properties"]
            assert props["days"]["maxItems"] == 0 and props["day_of_month"]["type"] == "null"


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        ({"every": "weekly", "hour": 9, "days": []}, "a weekly schedule names its days"),
        ({"every": "weekly", "hour": 9}, "Field required"),
        ({"every": "daily", "hour": 9, "days": ["mon"]}, "days are for a weekly schedule only"),
        ({"every": "weekdays", "hour": 9, "day_of_month": 2}, "day_of_month is for a monthly schedule only"),
        ({"every": "monthly", "hour": 9}, "Field required"),
        ({"every": "yearly", "hour": 9}, "does not match any of the expected tags"),
    ],
)
def test_a_schedule_that_breaks_its_kind_is_refused_in_words(schedule: dict[str, Any], words: str) -> None:
    fakes = FakeContainer()
    api, auth = client("api", fakes), connect(fakes)
    answer = api.post("/agents", headers=auth, json={"name": "Weekly", "schedules": [schedule]})
    assert answer.status_code == 400 and answer.json is not None
    assert [f["field"].split(".")[:2] for f in answer.json["fields"]] == [["schedules", "0"]]
    assert words in answer.json["fields"][0]["problem"]


def test_schedules_as_the_console_sends_them_are_stored() -> None:
    fakes = FakeContainer()
    api, auth = client("api", fakes), connect(fakes)
    sent = [
        {"every": "daily", "hour": 8, "days": [], "day_of_month": None},  # as an agent's answer shows one
        {"every": "weekly", "hour": 16, "days": ["fri"]},
        {"every": "monthly", "hour": 0, "day_of_month": 28},
    ]
    answer = api.post("/agents", headers=auth, json={"name": "Reports", "schedules": sent})
    assert answer.status_code == 201 and answer.json is not None
    assert [(s["every"], s["days"], s["day_of_month"]) for s in answer.json["schedules"]] == [
        ("daily", [], None),
        ("weekly", ["fri"], None),
        ("monthly", [], 28),
    ]


def test_tools_are_the_registrys_and_rules_by_source_take_notion_ids_only() -> None:
    for body in ("NewAgent", "AgentChange"):
        props = SCHEMAS[body]["properties"]
        assert _of(props["tools"])["items"]["enum"] == sorted(set(REGISTRY) - CODE_PLANNED)
        assert _of(props["triggers"])["additionalProperties"] is False
        assert len(_of(props["triggers"])["patternProperties"]) == 1
    assert SCHEMAS["SettingsChange"]["properties"]["triggers"]["additionalProperties"] is False
    fakes = FakeContainer()
    api, auth = client("api", fakes), connect(fakes)
    answer = api.post("/agents", headers=auth, json={"name": "A", "tools": ["rm_rf"], "triggers": {"x": []}})
    assert answer.status_code == 400 and answer.json is not None
    assert {f["field"] for f in answer.json["fields"]} == {"triggers.x.[key]"}
    unknown = api.post("/agents", headers=auth, json={"name": "A", "tools": ["rm_rf"]})
    assert unknown.status_code == 400 and "no tool is called 'rm_rf'" in unknown.get_data(as_text=True)


def test_zones_are_tzdatas_each_one_the_planner_finds() -> None:
    zone = SCHEMAS["SettingsChange"]["properties"]["timezone"]
    assert zone["enum"] == list(ZONES) and "Europe/Paris" in ZONES and "localtime" not in ZONES
    assert all(zone_of(name) is not None for name in ZONES)
    assert len(json.dumps(zone["enum"])) < 16_000  # the contract stays a sensible size
    fakes = FakeContainer()
    api, auth = client("api", fakes), connect(fakes)
    for name in ("posix/Europe/Paris", "localtime", "Mars/Olympus"):
        answer = api.patch("/settings", headers=auth, json={"timezone": name})
        assert answer.status_code == 400 and "is not an IANA time zone name" in answer.get_data(as_text=True)
    assert api.patch("/settings", headers=auth, json={"timezone": "Europe/Paris"}).status_code == 200


def test_settings_lists_say_each_item_once_and_quiet_hours_two_hours() -> None:
    props = SCHEMAS["SettingsChange"]["properties"]
    for name in (
        "data_source_ids",
        "page_ids",
        "daily_plan_sources",
        "github_repositories",
        "vercel_projects",
    ):
        assert props[name]["uniqueItems"] is True, name
    assert props["notification_channels"]["uniqueItems"] is True
    assert _of(props["quiet_hours"])["uniqueItems"] is True
    fakes = FakeContainer()
    api, auth = client("api", fakes), connect(fakes)
    for body, words in (
        ({"quiet_hours": [7, 7]}, "starts and ends at the same hour"),
        ({"data_source_ids": [ID, ID.replace("-", "").upper()]}, "names the same id more than once"),
        ({"github_repositories": ["acme/site", "Acme/Site"]}, "names the same repository more than once"),
    ):
        answer = api.patch("/settings", headers=auth, json=body)
        assert answer.status_code == 400 and words in answer.get_data(as_text=True), body


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("ops\x07@acme.example", "has a control character"),
        ("ops@acme.example\x85", "has a control character"),
        ("ops\u200b@acme.example", "has an invisible or unassigned character"),
        ("ops@acme", "is not one email address"),
    ],
)
def test_an_address_with_a_character_no_one_reads_is_refused(address: str, words: str) -> None:
    pattern = _of(SCHEMAS["SettingsChange"]["properties"]["notification_email"])["pattern"]
    assert r"\x00-\x1f\x7f-\x9f" in pattern  # control characters: the contract's pattern says so
    fakes = FakeContainer()
    api, auth = client("api", fakes), connect(fakes)
    answer = api.patch("/settings", headers=auth, json={"notification_email": address})
    assert answer.status_code == 400 and words in answer.get_data(as_text=True)
    assert (
        api.patch("/settings", headers=auth, json={"notification_email": "élodie@exemple.fr"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "label", ["POST /agents", "PATCH /agents/{agent_id}", "PATCH /settings", "POST /workspace/erase"]
)
def test_bodies_the_contract_allows_meet_only_named_excuses(label: str) -> None:
    """Generated within the contract, answered by the api's routes (fakes behind): every 400 is an
    excuse named for a rule no schema states; a schema that loses a rule fails here."""
    method, path = label.split(" ")
    operation = schemathesis.openapi.from_dict(CONTRACT)[path][method]
    refused: list[str] = []
    excuses = 0

    @hypothesis.settings(
        max_examples=60,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE))
    def send(case: Any) -> None:
        nonlocal excuses
        fakes = FakeContainer()
        api, auth = client("api", fakes), connect(fakes)
        path = "/agents/default" if "{agent_id}" in label else case.formatted_path
        data = json.dumps(case.body).encode("utf-8", "surrogatepass")
        answer = api.open(path, method=case.method, headers=auth, data=data, content_type="application/json")
        assert answer.status_code < 500, answer.get_data(as_text=True)
        if answer.status_code == 400:
            failure = RejectedPositiveData.__new__(RejectedPositiveData)
            if excused(failure, 400, answer.get_data(), label):
                excuses += 1
            else:
                refused.append(answer.get_data(as_text=True)[:300])

    send()
    assert refused == []
