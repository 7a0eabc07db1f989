"""What a model answers (a plan, corrected arguments, a draft) and the context block every prompt ends
with: shared by the agent, which asks, and the model adapters, which answer (the offline model reads
the block)."""

import json
from typing import Any, Literal

from pydantic import Field

from shared.platform.domain.schema import Schema


class StepOut(Schema):
    tool: str
    args_json: str = Field(description="The tool's arguments as a JSON object")
    rationale: str = ""


class PlanOut(Schema):
    goal: str
    risk: Literal["low", "medium", "high"] = "low"
    on_reject: Literal["end", "replan"] = "end"
    steps: list[StepOut]


class ArgsFix(Schema):
    """The model's corrected arguments for one step (after a model-fixable error)."""

    args_json: str


class Draft(Schema):
    """The model's answer to a drafting request."""

    title: str = Field("", max_length=200)
    text: str = Field(min_length=1, max_length=20_000)


class Verdict(Schema):
    """A reviewer's answer: whether the candidate follows the agent's instructions, and why."""

    passed: bool
    reasons: str = Field(min_length=1, max_length=1000)


def extract_context(prompt: str) -> dict[str, Any]:
    """The JSON block at the end of a prompt built here (what the offline model reads)."""
    start = prompt.rfind("```json\n")
    end = prompt.find("\n```", start + 8)
    if start < 0 or end < 0:
        return {}
    try:
        value = json.loads(prompt[start + 8 : end])
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
