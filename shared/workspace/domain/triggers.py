"""Trigger rules: which changes of a chosen data source's pages start work, and the matching. Pure.

An owner sets rules per data source; a source without any gets :func:`default_rules`. Properties
are named by name or id and resolved to ids when saved (:func:`resolve`), so a webhook event, which
names changed properties by id, is matched without a Notion read (:func:`rule_verdict`). Only a rule that
needs a value (``to``, ``assigned_to_agent``) reads the page, once, when planning (:func:`page_matches`).
Why: docs/decisions/0024-trigger-rules-resolved-to-property-ids-at-save.md.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal, NamedTuple
from urllib.parse import unquote

from pydantic import ConfigDict, Field, model_validator

from shared.platform.domain.schema import JSON_INTEGER, Record

MAX_RULES = 20  # per data source
# What ``to`` may be compared with: a choice by its option name, a checkbox by true/false, text as is.
CHOICE_TYPES = frozenset({"status", "select", "multi_select"})
TEXT_TYPES = frozenset({"title", "rich_text", "url", "email", "phone_number"})
VALUE_TYPES = CHOICE_TYPES | TEXT_TYPES | {"checkbox"}
AGENT_TYPES = frozenset({"people", "checkbox"})  # what assigned_to_agent may watch


class PropertyCheck(Record):
    """A value a page's property must have for its change to start a run (a trigger rule's ``to``, or
    the agent assigned): checked when planning, after one read of the page
    (:func:`holds`)."""

    property_id: Annotated[str, Field(min_length=1, max_length=200)]
    type: Annotated[str, Field(max_length=50)]
    to: str | bool | None = None
    agent: bool = False  # a people property holding the workspace's bot user


def _kind_required(schema: dict[str, Any]) -> None:
    """A rule's schema requires its ``kind``, which says which rule it is: its default serves code
    (``PageCreated()``), and a rule sent or stored always names its kind."""
    schema["properties"]["kind"].pop("default", None)
    schema["required"] = ["kind", *schema.get("required", [])]


class _Rule(Record):
    model_config = ConfigDict(json_schema_extra=_kind_required)


class PageCreated(_Rule):
    """A page is created in the data source."""

    kind: Literal["page_created"] = "page_created"


class Mentioned(_Rule):
    """A comment on one of its pages mentions the agent (also needs react_to_mentions)."""

    kind: Literal["mentioned"] = "mentioned"


_PropertyId = Annotated[
    Annotated[str, Field(max_length=200)] | None, Field(description="Notion's id of it, set when saved")
]
_PropertyType = Annotated[
    Annotated[str, Field(max_length=50)] | None, Field(description="Its type, set when saved")
]


class PropertyChanged(_Rule):
    """A property of a page changed; with ``to``, changed to that value (read once when planning)."""

    kind: Literal["property_changed"] = "property_changed"
    property: Annotated[
        str,
        Field(
            min_length=1, max_length=200, description="The property's name or id as sent; its name once saved"
        ),
    ]
    to: Annotated[
        str | bool | None,
        Field(
            description="The value it must have after the change: an option's name (status, select, "
            "multi_select: one of its options), true or false (checkbox), or text (title, rich_text, url, "
            "email, phone_number); none: any change"
        ),
    ] = None
    property_id: _PropertyId = None
    property_type: _PropertyType = None


class AssignedToAgent(_Rule):
    """A page is assigned to the agent: a people property now holds the agent's bot user, or a
    checkbox property is now true (read once when planning)."""

    kind: Literal["assigned_to_agent"] = "assigned_to_agent"
    property: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="A people or checkbox property: name or id as sent; name once saved",
        ),
    ]
    property_id: _PropertyId = None
    property_type: _PropertyType = None


type Rule = Annotated[
    PageCreated | PropertyChanged | AssignedToAgent | Mentioned, Field(discriminator="kind")
]
RULE_MODELS = (PageCreated, PropertyChanged, AssignedToAgent, Mentioned)
# Rules by data source, as sent: a source's at most MAX_RULES. Its keys' pattern (a Notion id type's)
# becomes patternProperties; no other key is taken, as the contract says here.
SourceRules = Annotated[list[Rule], Field(max_length=MAX_RULES)]
NO_OTHER_KEYS = Field(json_schema_extra={"additionalProperties": False})
DEFAULT_KINDS = ("page_created", "mentioned")


@cache
def default_rules() -> tuple[Rule, ...]:
    """The rules of a data source without its own: ``page_created`` and ``mentioned``, never an edit
    (built on first use, as every model's validator is)."""
    return (PageCreated(), Mentioned())


def plain_id(notion_id: str) -> str:
    return notion_id.replace("-", "").lower()


def rules_for(triggers: Mapping[str, Sequence[Rule]], data_source_id: str | None) -> Sequence[Rule]:
    """The rules of ``data_source_id`` (ids compared without hyphens): the stored ones, or
    :func:`default_rules` when none are stored for it."""
    wanted = plain_id(data_source_id or "")
    for source, rules in triggers.items():
        if plain_id(source) == wanted:
            return rules
    return default_rules()


def mentions_start(triggers: Mapping[str, Sequence[Rule]], data_source_id: str) -> bool:
    """Whether a mention on a page of ``data_source_id`` starts work by its rules."""
    return any(r.kind == "mentioned" for r in rules_for(triggers, data_source_id))


def _same_property(a: str, b: str) -> bool:
    """Property ids compare as Notion sends them or URL-decoded (its ids are URL-encoded)."""
    return a == b or unquote(a) == unquote(b)


def describe(rule: Rule) -> str:
    """The rule as a person reads it, its name in the console: "Status → Ready for agent"."""
    if isinstance(rule, PropertyChanged):
        to = rule.to if not isinstance(rule.to, bool) else str(rule.to).lower()
        return f"{rule.property} changed" if to is None else f"{rule.property} → {to}"
    if isinstance(rule, AssignedToAgent):
        return f"{rule.property} assigned to the agent"
    return "a page created" if rule.kind == "page_created" else "a comment mentions the agent"


class Verdict(NamedTuple):
    """Whether a page's change starts work by the rules, why, the values the page must then have
    (any one of ``checks``; none: it starts as it is), and the rules that started it (:func:`describe`)."""

    starts: bool
    reason: str
    checks: tuple[PropertyCheck, ...] = ()
    rules: tuple[str, ...] = ()


def _check(rule: PropertyChanged | AssignedToAgent) -> PropertyCheck:
    agent = isinstance(rule, AssignedToAgent)
    to = True if agent and rule.property_type == "checkbox" else getattr(rule, "to", None)
    return PropertyCheck(
        property_id=str(rule.property_id), type=str(rule.property_type), to=to, agent=agent and to is None
    )


def rule_verdict(event_type: str, updated_properties: Sequence[str] | None, rules: Sequence[Rule]) -> Verdict:
    """What a page event of a chosen data source comes to by ``rules``, from the event alone.

    ``page.created``: starts with a ``page_created`` rule. ``page.properties_updated``: only rules naming
    an updated property id count; one without ``to`` starts it, those needing a value become checks.
    An event without ``updated_properties`` counts as changing every property a rule names.
    ``page.content_updated`` and other types start nothing (no rule watches content)."""
    if event_type == "page.created":
        if any(r.kind == "page_created" for r in rules):
            return Verdict(True, "a page was created (rule page_created)", rules=(describe(PageCreated()),))
        return Verdict(False, "no page_created rule")
    if event_type != "page.properties_updated":
        return Verdict(False, "no rule watches a page's content")
    watching = [r for r in rules if isinstance(r, PropertyChanged | AssignedToAgent) and r.property_id]
    if updated_properties is not None:
        watching = [
            r for r in watching if any(_same_property(str(r.property_id), u) for u in updated_properties)
        ]
    anyway = [r for r in watching if isinstance(r, PropertyChanged) and r.to is None]
    if anyway:
        named = tuple(dict.fromkeys(describe(r) for r in anyway))
        return Verdict(True, "a property a rule names changed (rule property_changed)", rules=named)
    checks = tuple(dict.fromkeys(_check(r) for r in watching))
    if not checks:
        return Verdict(False, "no rule names a changed property")
    named = tuple(dict.fromkeys(describe(r) for r in watching))
    return Verdict(True, "a property a rule names changed: its value is checked when planning", checks, named)


# -- checking a page's values (plan, after one read) ---------------------------------------------------


def _text(items: Any) -> str:
    if not isinstance(items, list):
        return ""
    parts = []
    for item in items:
        if isinstance(item, dict):
            text = item.get("plain_text")
            if text is None:
                text = (item.get("text") or {}).get("content", "")
            parts.append(str(text))
    return "".join(parts)


def _value(prop: Mapping[str, Any]) -> Any:
    kind = prop.get("type")
    value = prop.get(str(kind))
    if kind in ("status", "select"):
        return value.get("name") if isinstance(value, dict) else None
    if kind == "multi_select":
        return [o.get("name") for o in value or [] if isinstance(o, dict)]
    if kind in ("title", "rich_text"):
        return _text(value)
    if kind == "people":
        return [plain_id(str(p.get("id", ""))) for p in value or [] if isinstance(p, dict)]
    return value


def holds(check: PropertyCheck, page: Mapping[str, Any], bot_id: str) -> bool:
    """Whether ``page`` (as Notion returns it) has the value ``check`` asks: the property found by id;
    a people property holding ``bot_id`` for ``agent``; else equal to ``to`` (a multi_select holds it)."""
    properties = page.get("properties") or {}
    prop = next(
        (
            p
            for p in properties.values()
            if isinstance(p, dict) and _same_property(str(p.get("id", "")), check.property_id)
        ),
        None,
    )
    if prop is None:
        return False
    value = _value(prop)
    if check.agent:
        return bool(bot_id) and isinstance(value, list) and plain_id(bot_id) in value
    if isinstance(value, list):
        return check.to in value
    if isinstance(check.to, bool):
        return value is check.to
    return bool(value == check.to)


def page_matches(checks: Sequence[PropertyCheck], page: Mapping[str, Any], bot_id: str) -> bool:
    """Whether any of ``checks`` holds for ``page``."""
    return any(holds(c, page, bot_id) for c in checks)


# -- resolving names to ids (settings, against the data source's schema) ------------------------------


class RuleProblem(ValueError):
    """A rule that does not fit the data source's schema; ``field`` names where it is."""

    def __init__(self, reason: str, field: str) -> None:
        super().__init__(reason)
        self.reason, self.field = reason, field


def _find(schema: Mapping[str, Any], wanted: str) -> tuple[str, Mapping[str, Any]] | None:
    """A property of ``schema`` ({name: config}) by its exact name, else by its id."""
    if isinstance(schema.get(wanted), dict):
        return wanted, schema[wanted]
    for name, config in schema.items():
        if isinstance(config, dict) and _same_property(str(config.get("id", "")), wanted):
            return name, config
    return None


def _options(config: Mapping[str, Any]) -> list[str]:
    kind = str(config.get("type"))
    options = (config.get(kind) or {}).get("options") if isinstance(config.get(kind), dict) else None
    return [str(o.get("name")) for o in options or [] if isinstance(o, dict)]


def _resolve_one(rule: Rule, schema: Mapping[str, Any], where: str, source: str) -> Rule:
    if not isinstance(rule, PropertyChanged | AssignedToAgent):
        return rule
    found = _find(schema, rule.property)
    if found is None:
        names = ", ".join(sorted(schema)[:30])
        raise RuleProblem(
            f"data source {source} has no property {rule.property[:200]!r} (its properties: {names})",
            f"{where}.property",
        )
    name, config = found
    kind = str(config.get("type"))
    if isinstance(rule, AssignedToAgent) and kind not in AGENT_TYPES:
        raise RuleProblem(
            f"property {name!r} is of type {kind}: assigned_to_agent needs a people or checkbox property",
            f"{where}.property",
        )
    if isinstance(rule, PropertyChanged) and rule.to is not None:
        _check_value(rule.to, name, kind, config, f"{where}.to")
    return rule.model_copy(
        update={"property": name, "property_id": str(config.get("id")), "property_type": kind}
    )


def _check_value(to: str | bool, name: str, kind: str, config: Mapping[str, Any], field: str) -> None:
    if kind not in VALUE_TYPES:
        raise RuleProblem(
            f"property {name!r} is of type {kind}: a rule's 'to' compares only status, select, "
            "multi_select, checkbox and text properties; leave 'to' out to start on any change",
            field,
        )
    if kind == "checkbox" and not isinstance(to, bool):
        raise RuleProblem(f"property {name!r} is a checkbox: 'to' must be true or false", field)
    if kind != "checkbox" and isinstance(to, bool):
        raise RuleProblem(f"property {name!r} is of type {kind}: 'to' must be text, not true or false", field)
    if kind in CHOICE_TYPES and to not in (options := _options(config)):
        raise RuleProblem(
            f"property {name!r} has no option {str(to)[:100]!r} (its options: {', '.join(options[:50])})",
            field,
        )


def resolve(rules: Sequence[Rule], schema: Mapping[str, Any], source: str, where: str) -> list[Rule]:
    """``rules`` checked against a data source's ``schema`` (its ``properties``, {name: config}), each
    property named by its current name with its id and type: :class:`RuleProblem` names the first
    unknown property, property of the wrong type, or unknown option."""
    return [_resolve_one(rule, schema, f"{where}.{i}", source) for i, rule in enumerate(rules)]


class PropertyChoice(Record):
    """A data source's property as a trigger rule may name it (``GET .../properties``): its name, id
    and type, its options (status, select, multi_select), and which rules may use it."""

    name: str
    id: str
    type: str
    options: list[str] = Field(
        default_factory=list, description="Option names (status, select, multi_select)"
    )
    compares: bool = Field(description="Whether a property_changed rule may name a value ('to') of it")
    assigns: bool = Field(description="Whether an assigned_to_agent rule may watch it (people, checkbox)")


def property_choices(schema: Mapping[str, Any]) -> list[PropertyChoice]:
    """Every property of a data source's ``schema`` ({name: config}), by name, as the console offers
    them to a trigger rule: what :func:`resolve` accepts, so a rule picked from them cannot be wrong."""
    choices = []
    for name, config in sorted(schema.items(), key=lambda item: item[0].lower()):
        if not isinstance(config, dict):
            continue
        kind = str(config.get("type"))
        options = _options(config) if kind in CHOICE_TYPES else []
        compares, assigns = kind in VALUE_TYPES, kind in AGENT_TYPES
        choices.append(
            PropertyChoice(
                name=name,
                id=str(config.get("id", "")),
                type=kind,
                options=options,
                compares=compares,
                assigns=assigns,
            )
        )
    return choices


# Schedules: when an agent starts by itself. A workspace value like the rules above: the tenant keeps a
# copy of its agents' schedules (``Tenant.agent_schedules``) so that the hourly tick reads no agent
# (decision 0081).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
type Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Schedule(Record):
    """When a routine starts: ``every`` day, weekday, chosen weekdays or month (on ``day_of_month``), at
    ``hour`` in the workspace's time zone."""

    every: Literal["daily", "weekdays", "weekly", "monthly"]
    hour: Annotated[int, Field(ge=0, le=23), JSON_INTEGER]
    days: Annotated[list[Weekday], Field(max_length=7)] = Field(default_factory=list)
    day_of_month: Annotated[int, Field(ge=1, le=28), JSON_INTEGER] | None = None

    @model_validator(mode="after")
    def _days_fit(self) -> "Schedule":
        if self.every == "weekly" and not self.days:
            raise ValueError("a weekly schedule names its days (days: mon ... sun)")
        if self.every != "weekly" and self.days:
            raise ValueError("days are for a weekly schedule only")
        if (self.every == "monthly") != (self.day_of_month is not None):
            raise ValueError("day_of_month is needed by a monthly schedule, and only by one")
        return self

    def on(self, day: date) -> bool:
        """Whether the routine runs on the local date ``day``."""
        if self.every == "weekdays":
            return day.weekday() < 5
        if self.every == "weekly":
            return WEEKDAYS[day.weekday()] in self.days
        if self.every == "monthly":
            return day.day == self.day_of_month
        return True
