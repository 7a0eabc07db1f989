"""The plan the model answers with, and its validation against the tool registry.

Arguments travel as a JSON string (``args_json``) because a structured-output schema needs fixed
properties; they are parsed and validated against each tool's pydantic model here. Any problem is a
ModelFixableError whose compact text goes back to the model (the planner re-asks at most twice).
"""

import json
import re
from typing import Any, Literal

from pydantic import Field

from shared.agent.tools import REGISTRY, SideEffect, validate
from shared.domain.events import PlannedStep, Risk
from shared.domain.schema import Schema
from shared.errors import ModelFixableError

_REF = re.compile(r"\$\{steps\.(\d+)")


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


class ValidPlan(Schema):
    goal: str
    risk: Risk
    on_reject: Literal["end", "replan"]
    steps: list[PlannedStep]
    tools: list[str]


def catalogue() -> str:
    """The tool list as the model sees it: name, class, description, argument schema."""
    lines = []
    for tool in REGISTRY.values():
        schema = json.dumps(tool.args.model_json_schema().get("properties", {}), separators=(",", ":"))
        lines.append(f"- {tool.name} ({tool.effect.value}): {tool.description} args: {schema}")
    return "\n".join(lines)


def parse_args(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise ModelFixableError(f"args_json is not JSON: {exc.msg} at {exc.pos}") from exc
    if not isinstance(value, dict):
        raise ModelFixableError("args_json must be a JSON object")
    return value


def _step(n: int, out: StepOut) -> PlannedStep:
    args = parse_args(out.args_json)
    try:
        validate(out.tool, args)
    except ModelFixableError as exc:
        raise ModelFixableError(f"step {n}: {exc.reason}") from exc
    for ref in _REF.findall(out.args_json):
        if not 1 <= int(ref) < n:
            raise ModelFixableError(f"step {n}: ${{steps.{ref}...}} must refer to an earlier step")
    return PlannedStep(tool=out.tool, args=args, rationale=out.rationale[:300])


def _guard_risk(steps: list[PlannedStep], risk: Risk) -> list[PlannedStep]:
    """A high-risk plan asks a person before its first write, whether or not the model said so."""
    if risk != Risk.HIGH:
        return steps
    for i, step in enumerate(steps):
        effect = REGISTRY[step.tool].effect
        if effect == SideEffect.HUMAN:
            return steps
        if effect in (SideEffect.NOTION_WRITE, SideEffect.EXTERNAL, SideEffect.CODE):
            ask = PlannedStep(
                tool="request_approval", args={"summary": "Approve the next changes?"}, rationale="high risk"
            )
            return [*steps[:i], ask, *(_shift(s, i + 1) for s in steps[i:])]
    return steps


def _guard_production(steps: list[PlannedStep]) -> list[PlannedStep]:
    """A production deployment runs only after a person approved: if no approval comes before one,
    one is inserted right before it, whatever the model planned."""
    for i, step in enumerate(steps):
        if step.tool == "request_approval":
            return steps
        if step.tool == "deploy_vercel" and step.args.get("target", "preview") != "preview":
            project = str(step.args.get("project", ""))[:100]
            ask = PlannedStep(
                tool="request_approval",
                args={"summary": f"Approve the production deployment of {project}?"},
                rationale="production deployments need a person's approval",
            )
            return [*steps[:i], ask, *(_shift(s, i + 1) for s in steps[i:])]
    return steps


def _shift(step: PlannedStep, inserted: int) -> PlannedStep:
    """Renumber ``${steps.N`` references after a step was inserted at number ``inserted``."""
    text = _REF.sub(lambda m: f"${{steps.{int(m[1]) + (int(m[1]) >= inserted)}", json.dumps(step.args))
    return step.model_copy(update={"args": json.loads(text)})


def validate_plan(plan: PlanOut, max_steps: int) -> ValidPlan:
    if not plan.steps:
        raise ModelFixableError("the plan has no steps; end it with finish")
    if len(plan.steps) > max_steps - 1:
        raise ModelFixableError(f"the plan has {len(plan.steps)} steps; at most {max_steps - 1} are allowed")
    steps = [_step(n, s) for n, s in enumerate(plan.steps, start=1)]
    if steps[-1].tool != "finish" or any(s.tool == "finish" for s in steps[:-1]):
        raise ModelFixableError("finish must be the last step, and only the last")
    risk = Risk(plan.risk)
    steps = _guard_production(_guard_risk(steps, risk))
    if len(steps) > max_steps:
        raise ModelFixableError(f"the plan has too many steps (at most {max_steps - 1})")
    tools = sorted({s.tool for s in steps})
    return ValidPlan(goal=plan.goal[:2000], risk=risk, on_reject=plan.on_reject, steps=steps, tools=tools)
