"""The checked records (``shared.platform.domain.schema.Record``): task bodies and the tenant's models, as data
and code make them, and the one model library that makes them all (pydantic, decision 0055)."""

import importlib
import importlib.util
import json
import pkgutil
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

import functions
import shared
from shared.agents.domain.schedule_task import ScheduleTask
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.domain.schema import problems
from shared.platform.domain.tasks import ID_PATTERN, TaskId, is_run_id
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.triggers import PageCreated, PropertyChanged, PropertyCheck, Rule

WHEN = datetime(2026, 1, 5, 9, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


def test_a_task_body_round_trips_as_cloud_tasks_carries_it() -> None:
    check = PropertyCheck(property_id="p", type="status", to="Done")
    task = PlanTask(
        tenant_id="t1", run_id="r1", trigger=Trigger(kind="webhook", changed_before=WHEN, checks=[check])
    )
    assert PlanTask.model_validate_json(task.model_dump_json()) == task
    assert PlanTask.model_validate(task.model_dump(mode="json")) == task


@pytest.mark.parametrize(
    "body",
    [
        {"tenant_id": "t1", "run_id": "r1", "step": 0},
        {"tenant_id": "t1", "run_id": "r1", "step": "1"},  # no text for a number: a body is JSON
        {"tenant_id": "t1", "run_id": "__r__", "step": 1},
        {"tenant_id": "t1", "run_id": "a/b", "step": 1},
        {"tenant_id": "t1", "run_id": "r1", "step": 1, "paced": 1001},
        {"tenant_id": "t1", "run_id": "r1", "step": 1, "more": True},
    ],
)
def test_a_step_task_off_its_rules_is_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        StepTask.model_validate(body)


def test_a_property_check_takes_text_or_a_checkbox_value_but_no_number() -> None:
    assert PropertyCheck.model_validate({"property_id": "p", "type": "checkbox", "to": True}).to is True
    with pytest.raises(ValidationError):
        PropertyCheck.model_validate({"property_id": "p", "type": "number", "to": 3})


def test_a_notify_task_drops_stale_links_however_it_is_made() -> None:
    data = {"page_id": "p", "approve_url": "https://x/approve", "confirm_url": "https://x/c"}
    fields = {"notification_id": "n1", "tenant_id": "t1", "subject": "s", "text": "t", "data": data}
    made = NotifyTask(notification_id="n1", tenant_id="t1", subject="s", text="t", data=data)
    assert made.data == {"page_id": "p"}
    assert NotifyTask.model_validate(fields).data == {"page_id": "p"}


def test_a_schedule_task_names_since_when_it_is_outside_the_catch_up() -> None:
    with pytest.raises(ValidationError) as refused:
        ScheduleTask(since=WHEN)
    assert problems(refused.value)[0] == ("since", "needs a tick, and must be at most 6 hours before it")


@given(st.one_of(st.text(max_size=140), st.from_regex(r"\A_{2}[A-Za-z0-9_-]{0,10}_{2}\Z")))
def test_a_task_id_is_what_is_run_id_accepts(value: str) -> None:
    try:
        TypeAdapter(TaskId).validate_python(value)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == is_run_id(value)
    assert not accepted or re.fullmatch(ID_PATTERN, value)


def test_one_model_library_checks_our_records() -> None:
    """msgspec left the dependencies (decision 0055): nothing of ours imports it, nor could."""
    assert importlib.util.find_spec("msgspec") is None
    for folder in ("shared", "functions", "local", "tools"):
        for path in (ROOT / folder).rglob("*.py"):
            assert not re.search(r"^\s*(import|from) msgspec\b", path.read_text(), re.M), path
    for package in (shared, functions):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)  # every module loads without it


# -- the tenant's models: rules and settings, as the api's models hold them --------------------------


class _Holding(BaseModel):
    rules: list[Rule] = []
    settings: TenantSettings | None = None


def test_a_pydantic_model_holds_rules_and_settings_and_writes_them_as_stored() -> None:
    body = {
        "rules": [{"kind": "page_created"}, {"kind": "property_changed", "property": "Status", "to": True}]
    }
    held = _Holding.model_validate(body | {"settings": {"planning_hour": 9}})
    assert held.rules == [PageCreated(), PropertyChanged(property="Status", to=True)]
    assert held.settings == TenantSettings(planning_hour=9)
    assert _Holding.model_validate(held.model_dump()) == held
    assert json.loads(held.model_dump_json())["rules"][0] == {"kind": "page_created"}


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"rules": [{"kind": "nope"}]}, ("rules", 0)),
        (
            {"rules": [{"kind": "property_changed", "property": ""}]},
            ("rules", 0, "property_changed", "property"),
        ),
        ({"settings": {"planning_hour": 24}}, ("settings", "planning_hour")),
        ({"settings": {"unknown": 1}}, ("settings", "unknown")),
        ({"settings": {"notification_channels": ["slack", "slack"]}}, ("settings", "notification_channels")),
    ],
)
def test_pydantic_names_the_field_a_rule_or_the_settings_break(
    body: dict[str, object], where: tuple[object, ...]
) -> None:
    with pytest.raises(ValidationError) as refused:
        _Holding.model_validate(body)
    assert [e["loc"] for e in refused.value.errors()] == [where]


def test_the_settings_and_rules_describe_themselves() -> None:
    schema = TenantSettings.model_json_schema()
    assert schema["additionalProperties"] is False and schema["description"].startswith(
        "What the owner chose"
    )
    assert (
        schema["properties"]["planning_hour"] | {"maximum": 23, "minimum": 0}
        == schema["properties"]["planning_hour"]
    )
    assert "Trigger rules by chosen data source id" in schema["properties"]["triggers"]["description"]
    rule = TypeAdapter(Rule).json_schema()
    assert rule["discriminator"]["propertyName"] == "kind" and len(rule["oneOf"]) == 4
    assert "kind" in PageCreated.model_json_schema()["required"]  # a rule sent names its kind
