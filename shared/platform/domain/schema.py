"""The base of every pydantic model of ours, and of the checked records the domain stores and sends."""

import re
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, ValidationError

# RFC 3339's date-time, what the contract's ``format: date-time`` promises: no bare number or date.
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")


def _date_time(value: object) -> object:
    if isinstance(value, str) and not _DATE_TIME.match(value):
        raise ValueError("must be a date and time with its timezone, as 2026-01-31T09:00:00Z")
    return value


# A moment a request names: an RFC 3339 date-time with its offset (pydantic alone takes "0.5" as 1970).
Instant = Annotated[AwareDatetime, BeforeValidator(_date_time)]


def matched(value: str, pattern: re.Pattern[str], says: str) -> str:
    """``value`` when ``pattern`` matches all of it; else a ValueError "``says``, got ``value``"
    (quoted as Python writes it)."""
    if not pattern.fullmatch(value):
        raise ValueError(f"{says}, got {value!r}")
    return value


def some_text(what: str) -> AfterValidator:
    """A text field's check that it holds some text besides spaces: a ValueError "``what`` needs some
    text besides spaces" otherwise (after the field's own bounds). The contract says it with the
    pattern ``\\S``."""

    def check(text: str) -> str:
        if not text.strip():
            raise ValueError(f"{what} needs some text besides spaces")
        return text

    return AfterValidator(check)


def _json_integer(value: object) -> object:
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON number without a fraction, as 7")
    return value


# A whole number as JSON Schema's ``integer`` reads one: 7 or 7.0, never true nor "7" (lax pydantic
# takes both; a strict int refuses the 7.0 the contract allows). Last in an Annotated, after its bounds.
JSON_INTEGER = BeforeValidator(_json_integer)


class Schema(BaseModel):
    """A pydantic model whose validator is built on first use, not when its class is defined.

    Building a model's schema costs a few milliseconds; a function imports dozens of models (every task
    body, event and route) yet a request uses a handful. Deferred, a cold start builds only the models
    its requests touch. Subclasses' own ``model_config`` merges with this one.
    """

    model_config = ConfigDict(defer_build=True)


class Record(Schema):
    """A checked record (a task body, an event, a stored document): immutable, unknown fields refused.

    A class that ignores unknown fields (a stored document a newer version may add to) says
    ``model_config = ConfigDict(extra="ignore")``."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def problems(error: ValidationError) -> list[tuple[str, str]]:
    """Every problem ``error`` names, in order: the field it is about, dotted (``trigger.checks.0.to``;
    ``(body)`` for the whole; a member of a tagged union by its tag, ``tool_intent.step``), and what is
    wrong with it, in pydantic's words. A tag that names no member is a problem of the tag's field."""
    found = []
    for e in error.errors(include_url=False):
        loc = [str(p) for p in e["loc"]]
        if e["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc.append(str((e.get("ctx") or {}).get("discriminator", "")).strip("'"))
        found.append((".".join(loc) or "(body)", e["msg"].removeprefix("Value error, ")))
    return found
