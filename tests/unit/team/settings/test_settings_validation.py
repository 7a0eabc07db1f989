"""PATCH /settings accepts only values the services can use (change_settings over the fake tenant
store); a document stored before these checks still loads and can still be changed."""

import json
from typing import Any

import pytest
from pydantic import ValidationError

from shared.platform.errors import InvalidInput
from shared.team.services.sessions import start_session
from shared.team.services.tenant_settings import change_settings, read_settings
from shared.workspace.domain.settings import MAX_BUDGET_USD, TenantSettings
from shared.workspace.domain.settings_input import MAX_NOTION_IDS
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.team.settings_validation import store_with

DATA_SOURCE = "1f2e3d4c-5b6a-4789-8abc-def012345678"
PAGE = "0123456789abcdef0123456789abcdef"
SURROGATE = "\ud800"  # a lone surrogate: what JSON "\ud800" parses to; not UTF-8, Firestore refuses it


# Each was stored before these checks. (Already refused then, so not repeated: NaN or negative budgets,
# hours above 23, and lone surrogates in the fields with a pattern: channels, Slack, GitHub, Vercel.)
REFUSED: list[tuple[str, Any]] = [
    ("timezone", "Mars/Olympus_Mons"),
    ("timezone", "../../etc/passwd"),
    ("timezone", "/usr/share/zoneinfo/UTC"),
    ("timezone", ""),
    ("timezone", "localtime"),  # a file beside the zones: the host's own zone, not a zone name
    ("timezone", "Europe/" + "x" * 100),
    ("timezone", SURROGATE),
    ("planning_hour", True),
    ("planning_hour", 7.5),
    ("planning_hour", "8"),
    ("quiet_hours", [-5, 99]),
    ("quiet_hours", [22, 24]),
    ("quiet_hours", [True, 7]),
    ("quiet_hours", [7, 7]),  # would mean no quiet hours: null says that
    ("data_source_ids", [""]),
    ("data_source_ids", ["\u0000"]),
    ("data_source_ids", ["../x"]),
    ("data_source_ids", ["a b c"]),
    ("data_source_ids", [PAGE + "0"]),
    ("data_source_ids", [PAGE[:8] + "-" + PAGE[8:]]),  # hyphens only where a UUID has them
    ("data_source_ids", [DATA_SOURCE, DATA_SOURCE.replace("-", "").upper()]),  # the same id twice
    ("data_source_ids", [f"{n:032x}" for n in range(MAX_NOTION_IDS + 1)]),
    ("data_source_ids", ["x" * 100_000] * 12),  # Firestore: "maximum entity size"
    ("data_source_ids", [SURROGATE]),
    ("page_ids", ["a b c"]),
    ("page_ids", [PAGE, PAGE]),
    ("react_to_mentions", 1),
    ("react_to_mentions", "yes"),
    ("digest", 1),  # JSON Schema's boolean is true or false only
    ("digest", "true"),
    ("max_cost_per_run_usd", float("inf")),  # JSON Infinity, or 1e400
    ("max_cost_per_run_usd", MAX_BUDGET_USD["max_cost_per_run_usd"] * 2),
    ("max_cost_per_month_usd", 1e300),
    ("max_cost_per_day_usd", True),
    ("max_cost_per_day_usd", "5"),
    ("notification_email", "ops\u0000@acme.example"),
    ("notification_email", "ops\u200b@acme.example"),  # invisible
    ("github_repositories", ["acme/site", "Acme/Site"]),  # GitHub names ignore case
    ("vercel_projects", ["site", "site"]),
]


@pytest.mark.parametrize(("name", "value"), REFUSED, ids=[f"{n}={v!r:.40}" for n, v in REFUSED])
def test_a_value_the_services_cannot_use_is_refused_naming_its_field_and_changes_nothing(
    name: str, value: Any
) -> None:
    tenants = store_with()
    before = tenants.get("t1")
    with pytest.raises(ValidationError) as refused:
        change_settings("t1", {"planning_hour": 6, name: value}, tenants)
    assert {error["loc"][0] for error in refused.value.errors()} == {name}
    assert tenants.get("t1") == before


ACCEPTED: list[tuple[str, Any, Any]] = [
    ("timezone", "Europe/Paris", "Europe/Paris"),
    ("timezone", "America/Argentina/ComodRivadavia", "America/Argentina/ComodRivadavia"),
    ("timezone", "Etc/GMT-14", "Etc/GMT-14"),
    ("planning_hour", 0, 0),
    ("planning_hour", 23, 23),
    ("planning_hour", 7.0, 7),  # JSON Schema's integer: 7.0 is 7
    ("quiet_hours", [22, 7], [22, 7]),
    ("quiet_hours", [0, 23], [0, 23]),
    ("quiet_hours", None, None),
    ("data_source_ids", [DATA_SOURCE, PAGE.upper()], [DATA_SOURCE, PAGE.upper()]),
    ("page_ids", [], []),
    ("react_to_mentions", False, False),
    ("max_cost_per_run_usd", 3, 3.0),
    ("max_cost_per_run_usd", 0, 0.0),
    ("max_cost_per_month_usd", 5000.0, 5000.0),
    ("notification_email", "élodie@exemple.fr", "élodie@exemple.fr"),
    ("github_repositories", ["acme/site", "acme/api"], ["acme/site", "acme/api"]),
]


@pytest.mark.parametrize(
    ("name", "value", "stored"), ACCEPTED, ids=[f"{n}={v!r:.40}" for n, v, _ in ACCEPTED]
)
def test_a_usable_value_is_stored(name: str, value: Any, stored: Any) -> None:
    tenants = store_with()
    assert change_settings("t1", {name: value}, tenants)["settings"][name] == stored


def test_as_many_notion_ids_as_allowed_are_stored() -> None:
    ids = [f"{n:032x}" for n in range(MAX_NOTION_IDS)]
    tenants = store_with()
    change_settings("t1", {"data_source_ids": ids, "page_ids": ids}, tenants)
    tenant = tenants.get("t1")
    assert tenant is not None and tenant.settings.data_source_ids == ids == tenant.settings.page_ids


def test_pages_that_start_work_are_among_the_chosen_ones_and_choosing_starts_nothing() -> None:
    """What the agent knows (page_ids) is chosen apart from what starts work."""
    known, other = "a" * 32, "b" * 32
    tenants = store_with()
    shown = change_settings("t1", {"page_ids": [known], "trigger_page_ids": []}, tenants)["settings"]
    assert shown["page_ids"] == [known] and shown["trigger_page_ids"] == []
    with pytest.raises(InvalidInput, match="not among page_ids"):
        change_settings("t1", {"trigger_page_ids": [other]}, tenants)
    change_settings("t1", {"trigger_page_ids": [known]}, tenants)
    after = change_settings("t1", {"page_ids": [other]}, tenants)["settings"]  # no longer chosen: dropped
    assert after["trigger_page_ids"] == []


LEGACY = {  # values the settings accepted before they were checked, still in some tenants' documents
    "timezone": "Mars/Olympus_Mons",
    "planning_hour": 1,
    "quiet_hours": [-5, 99],
    "data_source_ids": ["ds-1", "ds-1"],
    "page_ids": ["../x"],
    "max_cost_per_run_usd": float("inf"),
    "max_cost_per_day_usd": 1e9,
    "max_cost_per_month_usd": float("inf"),
    "github_repositories": ["acme/site", "acme/site"],
}


def test_a_document_stored_before_the_checks_loads_can_be_changed_and_reads_as_json() -> None:
    tenants = store_with(LEGACY)
    changed = change_settings("t1", {"planning_hour": 6}, tenants)  # the old values do not block it
    tenant = tenants.get("t1")
    assert tenant is not None and tenant.settings.planning_hour == 6
    assert tenant.settings.timezone == "Mars/Olympus_Mons" and tenant.settings.data_source_ids == ["ds-1"] * 2
    # An infinite budget was no limit at all (and not JSON): it reads as the largest one may choose.
    assert tenant.settings.max_cost_per_run_usd == MAX_BUDGET_USD["max_cost_per_run_usd"]
    assert tenant.settings.max_cost_per_month_usd == MAX_BUDGET_USD["max_cost_per_month_usd"]
    assert tenant.settings.max_cost_per_day_usd == 1e9  # finite: kept as stored
    for reply in (changed, read_settings("t1", tenants)):
        json.dumps(reply, allow_nan=False)  # what JSON.parse accepts: no Infinity, no NaN


def test_a_new_value_is_checked_even_when_the_stored_one_was_not() -> None:
    tenants = store_with(LEGACY)
    with pytest.raises(ValidationError):
        change_settings("t1", {"data_source_ids": ["ds-2"]}, tenants)
    assert TenantSettings.model_validate(LEGACY).data_source_ids == ["ds-1", "ds-1"]


def test_over_http_infinity_is_a_400_naming_the_field_and_get_stays_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    container = FakeContainer()
    container.tenants = store_with()
    auth = {"Authorization": f"Bearer {start_session('t1', container.secrets)}"}
    api = client("api", container)
    for body in (
        '{"max_cost_per_run_usd": Infinity}',
        '{"max_cost_per_run_usd": 1e400}',
        '{"timezone": "\\ud800"}',
    ):
        refused = api.patch("/settings", headers=auth, data=body, content_type="application/json")
        named = {f["field"] for f in json_body(refused)["fields"]}
        assert refused.status_code == 400 and named <= {"max_cost_per_run_usd", "timezone"} and named
    got = api.get("/settings", headers=auth)
    assert got.status_code == 200 and json.loads(got.get_data(as_text=True), parse_constant=_no_constant)
    assert json_body(got)["settings"]["max_cost_per_run_usd"] == 1.0


def _no_constant(token: str) -> None:
    raise AssertionError(f"{token} is not JSON")


# What a form that dropped or bent input used to send instead: each is a 400 with a reason.
HALF_FILLED: list[tuple[dict[str, Any], str]] = [
    ({"quiet_hours": [22, None]}, "quiet_hours.1"),  # a start and no end
    ({"planning_hour": None}, "planning_hour"),  # a cleared planning hour is not midnight
    (
        {"data_source_ids": [DATA_SOURCE], "triggers": {DATA_SOURCE: [{"kind": "property_changed"}]}},
        "property",
    ),
    ({"triggers": {DATA_SOURCE: [{"kind": "property_changed", "property": ""}]}}, "property"),
    ({"max_cost_per_run_usd": 6.0}, "max_cost_per_run_usd"),  # above the day's 5
    ({"max_cost_per_run_usd": 2.0, "max_cost_per_day_usd": 1.5}, "max_cost_per_run_usd"),
    ({"max_cost_per_day_usd": 0.5}, "max_cost_per_day_usd"),  # below the stored run's 1
    ({"max_cost_per_day_usd": 60.0}, "max_cost_per_day_usd"),  # above the month's 50
]


@pytest.mark.parametrize(("body", "field"), HALF_FILLED, ids=[f for _, f in HALF_FILLED])
def test_half_filled_or_inconsistent_settings_are_a_400_naming_the_field(
    body: dict[str, Any], field: str
) -> None:
    container = FakeContainer()
    container.tenants = store_with()
    auth = {"Authorization": f"Bearer {start_session('t1', container.secrets)}"}
    refused = client("api", container).patch("/settings", headers=auth, json=body)
    answer = json_body(refused)
    assert refused.status_code == 400, answer
    assert any(f["field"].endswith(field) for f in answer["fields"]), answer
    assert answer["reason"]
    assert container.tenants.get("t1") == store_with().get("t1")


def test_a_run_budget_within_the_day_and_a_day_within_the_month_are_stored() -> None:
    tenants = store_with()
    sent = {"max_cost_per_run_usd": 5.0, "max_cost_per_day_usd": 5.0, "max_cost_per_month_usd": 5.0}
    assert {k: v for k, v in change_settings("t1", sent, tenants)["settings"].items() if k in sent} == sent
    stored_backwards = store_with({"max_cost_per_run_usd": 9.0, "max_cost_per_day_usd": 5.0})
    assert change_settings("t1", {"planning_hour": 6}, stored_backwards)["settings"]["planning_hour"] == 6
