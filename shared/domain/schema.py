"""The base of every pydantic model of ours, and of the checked records the domain stores and sends."""

from pydantic import BaseModel, ConfigDict, ValidationError


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
