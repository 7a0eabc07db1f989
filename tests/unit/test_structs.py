"""The struct base (shared.domain.structs): checked however a struct is made, errors that name the field.

The models here are the task bodies and the tenant's, the first on it (decision 0045); ``Sample`` stands
in for a struct with every kind of field they use. Last, a struct held by a pydantic model.
"""

import importlib
import json
import pkgutil
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

import functions
import shared
from shared.domain.schema import problems
from shared.domain.settings import TenantSettings
from shared.domain.struct_models import model_of
from shared.domain.structs import Invalid, Refused, Struct, checks, problem
from shared.domain.tasks import ID_PATTERN, TaskId, is_run_id
from shared.domain.tasks.notify import NotifyTask
from shared.domain.tasks.plan import PlanTask, Trigger
from shared.domain.tasks.schedule import ScheduleTask
from shared.domain.tasks.step import StepTask
from shared.domain.triggers import PageCreated, PropertyChanged, PropertyCheck, Rule

WHEN = datetime(2026, 1, 5, 9, tzinfo=UTC)


class Inner(Struct):
    name: Annotated[str, msgspec.Meta(max_length=5)]


class Sample(Struct):
    inner: Inner
    names: tuple[str, ...] = ()
    at: datetime | None = None
    low: int = 0
    high: int = 1

    def _check(self) -> None:
        if self.low > self.high:
            raise Refused("low", "must not be above high")


def test_code_that_builds_a_struct_gets_the_conversions_data_gets() -> None:
    # the types are wrong on purpose: what code that builds a struct from loose values gets
    made = Sample(inner={"name": "a"}, names=["x", "y"], at="2026-01-05T09:00:00Z")  # type: ignore[arg-type]
    assert made.inner == Inner(name="a") and made.names == ("x", "y") and made.at == WHEN
    assert made == Sample.model_validate(
        {"inner": {"name": "a"}, "names": ["x", "y"], "at": "2026-01-05T09:00:00Z"}
    )


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Sample(inner=Inner(name="toolong")), "name"),  # Inner refuses it, being made first
        (lambda: Sample(inner={"name": 3}), "inner.name"),  # type: ignore[arg-type]  # wrong on purpose
        (lambda: Sample(inner=Inner(name="a"), low=2), "low"),
        (lambda: Sample.model_validate({"inner": {"name": "a"}, "extra": 1}), "extra"),
        (lambda: Sample.model_validate({"names": []}), "inner"),
        (lambda: Sample.model_validate({"inner": {"name": "a"}, "names": ["x", 2]}), "names.1"),
        (lambda: Sample.model_validate({"inner": {"name": "a"}, "low": 3, "high": 2}), "low"),
        (lambda: Sample.model_validate([]), "(body)"),
    ],
)
def test_a_broken_rule_raises_invalid_naming_the_field(make: Callable[[], object], field: str) -> None:
    with pytest.raises(Invalid) as refused:
        make()
    assert problem(refused.value)[0] == field
    assert isinstance(refused.value, ValueError)  # callers catching ValueError keep working


def test_a_copy_is_checked_as_a_new_struct_is() -> None:
    made = Sample(inner=Inner(name="a"))
    assert made.model_copy(update={"high": 5}).high == 5 and made.high == 1
    with pytest.raises(Invalid):
        made.model_copy(update={"low": 9})


def test_a_dump_keeps_datetimes_in_python_mode_and_writes_iso_text_in_json_mode() -> None:
    made = Sample(inner=Inner(name="a"), names=("x",), at=WHEN)
    assert made.model_dump() == {"inner": {"name": "a"}, "names": ("x",), "at": WHEN, "low": 0, "high": 1}
    assert made.model_dump(mode="json") | {"at": "2026-01-05T09:00:00Z", "names": ["x"]} == made.model_dump(
        mode="json"
    )
    assert made.model_dump(exclude_none=True).keys() == made.model_dump().keys()
    assert "at" not in Sample(inner=Inner(name="a")).model_dump(exclude_none=True)
    assert Sample.model_validate_json(made.model_dump_json()) == made


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


def test_every_struct_of_ours_derives_from_the_base() -> None:
    for package in (shared, functions):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)
    ours, pending = [], [msgspec.Struct]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith(("shared.", "functions.")):
                ours.append(sub)
    assert {"Args"} <= {s.__name__ for s in ours}
    assert [s.__qualname__ for s in ours if not issubclass(s, Struct)] == []


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


# -- class settings: field checks, defaults left out, a tag with a default ------------------------------


def _no_spaces(value: str) -> str:
    if " " in value:
        raise ValueError("may not hold spaces")
    return value.lower()


class _Event(Struct, tag_field="kind"):
    seq: int


class _Noted(_Event, tag="noted"):
    """Something noted."""

    name: str
    when: datetime | None = None
    tags: tuple[str, ...] = ()

    _field_checks = checks(name=_no_spaces)
    _omit_defaults = frozenset({"when", "tags"})
    _tag_has_default = True


def test_a_field_check_refuses_naming_the_field_and_may_normalize_however_the_struct_is_made() -> None:
    assert _Noted(seq=1, name="Ab").name == "ab"
    assert _Noted.model_validate({"seq": 1, "name": "Ab"}).name == "ab"
    makers: list[Callable[[], object]] = [
        lambda: _Noted(seq=1, name="a b"),
        lambda: _Noted.model_validate({"seq": 1, "name": "a b"}),
    ]
    for make in makers:
        with pytest.raises(Invalid) as refused:
            make()
        assert problem(refused.value) == ("name", "may not hold spaces")


class _Keyed(Struct):
    values: dict[str, int] = msgspec.field(default_factory=dict)

    def _check(self) -> None:
        for key, value in self.values.items():
            if value < 0:
                raise Refused(f"values.{key}", "must not be negative")


class _HoldsKeyed(Struct):
    keyed: _Keyed


def test_a_refusal_may_name_a_part_of_a_field_dotted() -> None:
    with pytest.raises(Invalid) as refused:
        _Keyed(values={"Due date": -1})
    assert problem(refused.value) == ("values.Due date", "must not be negative")
    with pytest.raises(Invalid) as refused:
        _HoldsKeyed.model_validate({"keyed": {"values": {"a": 1, "b": -1}}})
    assert problem(refused.value) == ("keyed.values.b", "must not be negative")


def test_fields_at_their_default_are_left_out_of_the_structs_own_dumps_only_then() -> None:
    bare = _Noted(seq=1, name="a")
    assert bare.model_dump() == {"kind": "noted", "seq": 1, "name": "a"}
    assert json.loads(bare.model_dump_json()) == {"kind": "noted", "seq": 1, "name": "a"}
    full = bare.model_copy(update={"when": WHEN, "tags": ("x",)})
    assert full.model_dump(mode="json")["when"] == "2026-01-05T09:00:00Z"
    assert json.loads(full.model_dump_json())["tags"] == ["x"]
    assert _Noted.field_default("tags") == () and _Noted.field_default("when") is None
    with pytest.raises(KeyError):
        _Noted.field_default("name")


def test_the_model_of_a_struct_keeps_its_tag_default_and_leaves_out_what_it_leaves_out() -> None:
    model = model_of(_Noted)
    schema = model.model_json_schema()
    assert schema["required"] == ["seq", "name"] and schema["properties"]["kind"]["default"] == "noted"
    assert model.model_validate({"seq": 1, "name": "a"}).model_dump() == {
        "kind": "noted",
        "seq": 1,
        "name": "a",
    }
