"""What an owner may send as settings (PATCH /settings on api): :class:`SettingsInput`.

Every value is checked strictly and every string and list is bounded, so a tenant document stays far
below Firestore's 1 MiB. Stored settings (:class:`shared.workspace.domain.settings.TenantSettings`) keep the
looser checks of the day each document was written. This model lives apart from them because only
api's settings route validates input: every other function loads stored tenants without building
(or importing) these checks.
"""

import re
import unicodedata
from collections.abc import Callable
from importlib import resources
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from shared.platform.domain.schema import JSON_INTEGER
from shared.platform.errors import InvalidInput
from shared.workspace.domain.code_names import CODE_REPOSITORY, PROJECT, check_code_repository, check_project
from shared.workspace.domain.code_policy import CodePolicy
from shared.workspace.domain.daily import zone_of
from shared.workspace.domain.settings import EMAIL, MAX_BUDGET_USD, NOTION_ID, TenantSettings, plain_notion_id
from shared.workspace.domain.triggers import MAX_RULES, NO_OTHER_KEYS, SourceRules

# The IANA zones an owner may choose: those of the tzdata package (a pinned release), each one the
# planner and quiet hours find (the same ``zone_of``). The contract lists them; no host's own files.
ZONES = tuple(sorted(resources.files("tzdata").joinpath("zones").read_text().split()))
_ZONE_SET = frozenset(ZONES)
MAX_NOTION_IDS = 100  # data sources, and pages, that start work
# An address as an owner may send it: the stored pattern's, no control character either. Other
# characters str.isprintable refuses (format, unassigned, private use) are refused in words: hundreds
# of ranges, too many for the contract's pattern (docs/decisions/0078).
EMAIL_INPUT = EMAIL.replace(r"\s", r"\s\x00-\x1f\x7f-\x9f")


def _zone_name(name: str) -> str:
    """``name`` when it is an IANA zone the planner and quiet hours will find (the same ``zone_of``)."""
    if name not in _ZONE_SET or zone_of(name) is None:
        raise ValueError("is not an IANA time zone name such as Europe/Paris")
    return name


def _once[T](key: Callable[[T], object], what: str) -> AfterValidator:
    """A list validator: no two items with the same ``key``."""

    def check(items: list[T]) -> list[T]:
        if len({key(item) for item in items}) != len(items):
            raise ValueError(f"names the same {what} more than once")
        return items

    return AfterValidator(check)


def _address(text: object) -> object:
    """An address's problem in words, before its pattern (which says most of it) is checked."""
    if not isinstance(text, str):
        return text
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise ValueError("has a control character")
    if not text.isprintable():
        raise ValueError("has an invisible or unassigned character")
    if len(text) <= 254 and not re.fullmatch(EMAIL_INPUT, text):
        raise ValueError("is not one email address such as you@example.com")
    return text


def _distinct_hours(hours: tuple[int, int] | None) -> tuple[int, int] | None:
    if hours is not None and hours[0] == hours[1]:
        raise ValueError("starts and ends at the same hour: send null for no quiet hours")
    return hours


# Checked values (SettingsInput). A string with any constraint is also checked to be valid UTF-8 (no
# lone surrogate, which Firestore refuses), so every string below has one.
Hour = Annotated[int, Field(ge=0, le=23), JSON_INTEGER]  # neither true nor "7" is an hour; 7.0 is JSON's 7
ZoneName = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_zone_name),
    Field(json_schema_extra={"enum": ZONES}),
]
NotionId = Annotated[str, StringConstraints(pattern=NOTION_ID)]
# Lists of each item once: uniqueItems says so of the same text; one item in two spellings (an id's
# hyphens, a name's case) is a 400 the contract cannot state.
UNIQUE = Field(json_schema_extra={"uniqueItems": True})
NotionIds = Annotated[list[NotionId], _once(plain_notion_id, "id"), UNIQUE]
Email = Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_INPUT), BeforeValidator(_address)]
QuietHours = Annotated[
    Annotated[tuple[Hour, Hour], Field(json_schema_extra={"uniqueItems": True})] | None,
    AfterValidator(_distinct_hours),
]
# The very checks the code tools make (shared.workspace.domain.code_names): a repository or project an owner allows is
# one a run can use.
# Their patterns are the contract's too (the checks say what is wrong in words).
UsableRepository = Annotated[
    str,
    StringConstraints(max_length=201),
    AfterValidator(check_code_repository),
    Field(json_schema_extra={"pattern": CODE_REPOSITORY}),
]
UsableProject = Annotated[
    str,
    StringConstraints(max_length=100),
    AfterValidator(check_project),
    Field(json_schema_extra={"pattern": PROJECT}),
]


def _budget(default: float, name: str, what: str) -> float:
    limit = MAX_BUDGET_USD[name]
    return Field(
        default,
        strict=True,
        ge=0,
        le=limit,
        allow_inf_nan=False,
        description=f"USD {what}, from 0 to {limit:g}",
    )


# Its base is the stored settings (one definition of their fields and descriptions).
class SettingsInput(TenantSettings):
    """Settings as an owner sends them (PATCH /settings): strict types (true is not an hour, "5" not a
    number) and bounded strings and lists. Every field has a default, so a partial change validates
    on its own, without checking again the stored values it is merged with. Fields not declared here
    are the stored settings' own (``TenantSettings``)."""

    timezone: ZoneName = Field("UTC", description="IANA zone of planning_hour and quiet_hours")
    planning_hour: Hour = Field(8, description="Local hour (0-23) at which the day is planned")
    data_source_ids: NotionIds = Field(
        default_factory=list,
        max_length=MAX_NOTION_IDS,
        description=f"Notion ids of data sources the agent knows, each once, at most {MAX_NOTION_IDS}; "
        "their pages' changes start work by their trigger rules",
    )
    page_ids: NotionIds = Field(
        default_factory=list,
        max_length=MAX_NOTION_IDS,
        description=f"Notion ids of pages the agent knows (reads and remembers), each once, at most "
        f"{MAX_NOTION_IDS}; choosing one starts nothing unless it is also among trigger_page_ids",
    )
    trigger_page_ids: NotionIds | None = Field(
        None,
        max_length=MAX_NOTION_IDS,
        description="Notion ids of the chosen pages (each one of page_ids) whose every change starts a run "
        "(a run per edit); []: none; null: every one of page_ids",
    )
    daily_plan: bool = Field(
        True, strict=True, description="Whether a plan page is written each day at planning_hour"
    )
    daily_plan_sources: NotionIds = Field(
        default_factory=list,
        max_length=MAX_NOTION_IDS,
        description="Notion ids of the data sources the daily plan reads, each one of data_source_ids "
        "or the home's Tasks; []: all of them",
    )
    triggers: Annotated[dict[NotionId, SourceRules], NO_OTHER_KEYS] = Field(
        default_factory=dict,
        max_length=MAX_NOTION_IDS,
        description="Trigger rules by data source id (each one of data_source_ids), at most "
        f"{MAX_RULES} a source; the whole map is replaced, and checked against each source's schema",
    )
    react_to_mentions: bool = Field(True, strict=True, description="Whether a mention of the bot starts work")
    digest: bool = Field(False, strict=True, description=TenantSettings.model_fields["digest"].description)
    notification_email: Email | None = Field(
        None,
        description="Where email notifications go once its recipient confirmed it (a link is mailed to it); "
        "until then and when none: the email of the person who connected the workspace",
    )
    quiet_hours: QuietHours = Field(
        None,
        description="[start, end]: two different local hours (0-23), end excluded, may wrap midnight "
        "([22, 7]): normal notifications wait for the end; null: no quiet hours",
    )
    max_cost_per_run_usd: float = _budget(1.0, "max_cost_per_run_usd", "a run may spend")
    max_cost_per_day_usd: float = _budget(5.0, "max_cost_per_day_usd", "the workspace may spend a day")
    max_cost_per_month_usd: float = _budget(50.0, "max_cost_per_month_usd", "the workspace may spend a month")
    github_repositories: Annotated[list[UsableRepository], _once(str.lower, "repository"), UNIQUE] = Field(
        default_factory=list,
        max_length=50,
        description="owner/name of repositories runs may open pull requests in, each once (a GitLab "
        "project in nested groups: group/subgroup/name)",
    )
    vercel_projects: Annotated[list[UsableProject], _once(str.lower, "project"), UNIQUE] = Field(
        default_factory=list, max_length=50, description="Vercel projects runs may deploy, each once"
    )
    code_policies: dict[UsableRepository, CodePolicy] = Field(
        default_factory=dict,
        max_length=50,
        json_schema_extra={"additionalProperties": False},  # a key no repository matches is refused
        description=TenantSettings.model_fields["code_policies"].description,
    )


# Budgets that must not exceed another (a run's within a day's, a day's within a month's).
BUDGET_ORDER = (
    ("max_cost_per_run_usd", "max_cost_per_day_usd", "a run", "a day"),
    ("max_cost_per_day_usd", "max_cost_per_month_usd", "a day", "a month"),
)


def check_budget_order(settings: TenantSettings, sent: set[str]) -> None:
    """InvalidInput naming the sent budget when a run's budget is above a day's, or a day's above a
    month's, in the settings as they would be stored (checked only when one of the pair is sent)."""
    for small, large, small_words, large_words in BUDGET_ORDER:
        low, high = getattr(settings, small), getattr(settings, large)
        if low > high and sent & {small, large}:
            field = small if small in sent else large
            raise InvalidInput(
                f"{small_words} may spend at most what {large_words} may: ${low:g} is above ${high:g}",
                [field],
            )
