"""The plan the model answers with, and its validation against the tool registry.

Arguments travel as a JSON string (``args_json``) because a structured-output schema needs fixed
properties; they are parsed and validated against each tool's argument model here. Any problem is a
ModelFixableError whose compact text goes back to the model (the planner re-asks at most twice).
"""

import functools
import json
import re
from collections.abc import Sequence
from typing import Any, Literal

from shared.engine.agent.approvals import asks_at_its_step
from shared.platform.domain.model_replies import PlanOut, StepOut
from shared.platform.domain.schema import Schema
from shared.platform.errors import ModelFixableError, PermanentError
from shared.runs.domain.approval_digests import is_production
from shared.runs.domain.events import PlannedStep, Risk
from shared.runs.domain.plan_task import page_key
from shared.tools import CODE_PLANNED, REGISTRY, SideEffect, validate
from shared.tools.base import REFERENCE

_REF = re.compile(r"\$\{steps\.(\d+)")
_RANK = [Risk.LOW, Risk.MEDIUM, Risk.HIGH]


class ValidPlan(Schema):
    goal: str
    risk: Risk
    on_reject: Literal["end", "replan"]
    steps: list[PlannedStep]
    tools: list[str]


@functools.cache
def catalogue() -> str:
    """The tool list as the model sees it: name, class, description, argument schema. Made once per
    process: the registry is fixed, and making its schemas cost every plan prompt ~20 ms."""
    lines = []
    for tool in REGISTRY.values():
        if tool.name in CODE_PLANNED:
            continue
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
    if out.tool in CODE_PLANNED:
        raise ModelFixableError(f"step {n}: {out.tool} is planned by code only; use another tool")
    args = parse_args(out.args_json)
    try:
        validate(out.tool, args)
    except ModelFixableError as exc:
        raise ModelFixableError(f"step {n}: {exc.reason}") from exc
    for ref in _REF.findall(out.args_json):
        if not 1 <= int(ref) < n:
            raise ModelFixableError(f"step {n}: ${{steps.{ref}...}} must refer to an earlier step")
    return PlannedStep(tool=out.tool, args=args, rationale=out.rationale[:300])


_WHOLE_REF = re.compile(r"\$\{steps\.(\d+)\.page_id\}")


def _target(step: PlannedStep) -> Any:
    """The page a Notion write changes (create_page: the new page's parent), else None."""
    tool = REGISTRY[step.tool]
    return step.args.get(tool.targets[0]) if tool.effect == SideEffect.NOTION_WRITE else None


def _own_pages(steps: list[PlannedStep], trigger_page_id: str | None) -> list[bool]:
    """For each step, whether the page it writes is the run's own: the trigger page, a page the run
    created (a create_page's output) or, by reference, a page an earlier own write named."""
    trigger = page_key(trigger_page_id) if trigger_page_id else None
    own: list[bool] = []
    for step in steps:
        target = _target(step)
        ref = _WHOLE_REF.fullmatch(target) if isinstance(target, str) else None
        if ref:
            n = int(ref[1])
            earlier = steps[n - 1]
            own.append(earlier.tool == "create_page" or (_target(earlier) is not None and own[n - 1]))
        else:
            own.append(isinstance(target, str) and trigger is not None and page_key(target) == trigger)
    return own


def _risky(step: PlannedStep, own: bool) -> bool:
    """A code tool, or a Notion write to a page that is not the run's own."""
    effect = REGISTRY[step.tool].effect
    return effect == SideEffect.CODE or (effect == SideEffect.NOTION_WRITE and not own)


def risk_floor(steps: list[PlannedStep], trigger_page_id: str | None) -> Risk:
    """The least risk a plan has, from its steps alone (the model's own rating can be talked down by
    the page it reads). High when it uses a code tool, or writes to Notion anywhere but the run's own
    pages (:func:`_own_pages`). A run without a trigger page has only the pages it creates, and a
    create_page in a data source writes there. Notifications go to the owner and do not count. A
    run a person asked for in the app gets no discount: the model still reads the workspace."""
    own = _own_pages(steps, trigger_page_id)
    return Risk.HIGH if any(map(_risky, steps, own)) else Risk.LOW


def _guard_risk(steps: list[PlannedStep], risk: Risk, trigger_page_id: str | None) -> list[PlannedStep]:
    """A high-risk plan asks a person before its first write, whether or not the model said so. Only
    a request_approval counts (an ask_question is not a decision on the changes). None is inserted when
    every risky step is a code effect asked for at its own step anyway (``asks_at_its_step``): it
    would be a second decision on the same change. The approval lists
    the changes that follow it: the one inserted here, and the model's own (whose words alone may
    come from the page the run read)."""
    if risk != Risk.HIGH:
        return steps
    risky = [
        n
        for n, (s, o) in enumerate(zip(steps, _own_pages(steps, trigger_page_id), strict=True), 1)
        if _risky(s, o)
    ]
    for i, step in enumerate(steps):
        if step.tool == "request_approval":
            listed = _changes(str(step.args.get("summary", "")), steps, i + 1, set(risky))
            return [*steps[:i], step.model_copy(update={"args": {"summary": listed}}), *steps[i + 1 :]]
        if REGISTRY[step.tool].needs_intent:
            if risky and all(asks_at_its_step(steps[n - 1]) for n in risky):
                return steps  # each asked for at its own step, its diff shown: one decision a change
            later = [_shift(s, i + 1) for s in steps[i:]]
            planned = [*steps[:i], step, *later]  # as numbered once the approval is in (at i + 1)
            shifted = {n + 1 if n > i else n for n in risky}
            summary = _changes("Approve the next changes?", planned, i + 1, shifted)
            ask = PlannedStep(tool="request_approval", args={"summary": summary}, rationale="high risk")
            return [*steps[:i], ask, *later]
    return steps


_HEAD_CHARS = 300  # the question an approval asks, before the changes it lists
_TARGET_CHARS = 120  # a change's target (a page id, a repository) as listed
_VALUE_CHARS = 60  # any other argument of a change
_SUMMARY_CHARS = 2000  # request_approval's summary


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _named(value: Any, planned: list[PlannedStep]) -> str:
    """``value`` as the approver reads it: on one line, an earlier step's output named rather than
    referenced. The summary holds no reference, so it is read as planned: a reference resolved when
    the approval runs could make it too long, and its repair would drop the list of changes."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def named(m: re.Match[str]) -> str:
        n = int(m[1])
        return f"<step {n} {planned[n - 1].tool if 0 < n <= len(planned) else ''}{m[2]}>"

    return " ".join(REFERENCE.sub(named, text).replace("${", "$ {").split())


def _change(n: int, step: PlannedStep, planned: list[PlannedStep], *, compact: bool) -> str:
    """One listed change: its targets in full, then (unless ``compact``) its other arguments, clipped."""
    targets = REGISTRY[step.tool].targets
    shown = [(k, _clip(_named(v, planned), _TARGET_CHARS)) for k, v in step.args.items() if k in targets]
    if not compact:
        shown += [
            (k, _clip(_named(v, planned), _VALUE_CHARS)) for k, v in step.args.items() if k not in targets
        ]
    return f"{n}. {step.tool}(" + ", ".join(f"{k}={v}" for k, v in shown) + ")"


def _changes(head: str, planned: list[PlannedStep], after: int, risky: set[int]) -> str:
    """``head`` followed by the steps with effects after step number ``after`` of ``planned``: what
    the approver is asked to let happen. Every change is listed with its arguments when the summary
    has room, else with its targets only. When even that is too long, the risky ones (``risky``: step
    numbers) come first and the rest are counted, so no write elsewhere is hidden behind harmless ones."""
    head = _clip(_named(head, planned), _HEAD_CHARS)
    numbered = [
        (n, s) for n, s in enumerate(planned[after:], start=after + 1) if REGISTRY[s.tool].needs_intent
    ]
    if not numbered:
        return head
    room = _SUMMARY_CHARS - len(head) - len(" It will: ")
    for short in (False, True):
        lines = [_change(n, s, planned, compact=short) for n, s in numbered]
        if len("; ".join(lines)) <= room:
            return f"{head} It will: " + "; ".join(lines)
    compact = dict(zip((n for n, _ in numbered), lines, strict=True))  # the last pass's lines
    reserve = len(f"; and {len(compact)} more changes (steps {', '.join(map(str, compact))})")
    kept: set[int] = set()
    used = 0
    for n in sorted(compact, key=lambda n: (n not in risky, n)):  # risky first, in order
        used += len(compact[n]) + 2
        if used > room - reserve:
            break
        kept.add(n)
    lines = [line for n, line in compact.items() if n in kept]
    rest = [n for n in compact if n not in kept]
    lines.append(f"and {len(rest)} more changes (steps {', '.join(map(str, rest))})")
    return _clip(f"{head} It will: " + "; ".join(lines), _SUMMARY_CHARS)


def _guard_production(steps: list[PlannedStep]) -> list[PlannedStep]:
    """A production deployment runs only after a person approved: if no approval comes before one,
    one is inserted right before it, whatever the model planned. None is, for one asked for at its
    own step anyway (``asks_at_its_step``: its commit is an earlier step's output), in code's words
    ("to production"): it would be a second decision on the same deployment."""
    for i, step in enumerate(steps):
        if step.tool == "request_approval":
            return steps
        if (
            is_production(step.tool, step.args)
            and step.tool == "deploy_vercel"
            and not asks_at_its_step(step)
        ):
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


def validate_plan(
    plan: PlanOut,
    max_steps: int,
    *,
    trigger_page_id: str | None = None,
    repositories: Sequence[str] | None = None,
) -> ValidPlan:
    """The plan checked against the registry, with the approvals it needs. ``trigger_page_id``: the
    page the run is about, if any; writes elsewhere (and code tools) raise its risk to high.
    ``repositories``: the owner's allowed ones, when known; a step naming another is the model's to fix.
    The engine asks again, when a step runs, for any effect no approval named (shared.engine.agent.approvals)."""
    if not plan.steps:
        raise ModelFixableError("the plan has no steps; end it with finish")
    if len(plan.steps) > max_steps - 1:
        raise ModelFixableError(f"the plan has {len(plan.steps)} steps; at most {max_steps - 1} are allowed")
    steps = [_step(n, s) for n, s in enumerate(plan.steps, start=1)]
    if repositories is not None:
        check_reach(steps, repositories)
    if steps[-1].tool not in LAST or any(s.tool in LAST for s in steps[:-1]):
        raise ModelFixableError("the last step, and only the last, is finish (or plan_next, ending a phase)")
    risk = max(Risk(plan.risk), risk_floor(steps, trigger_page_id), key=_RANK.index)
    steps = _guard_production(_guard_risk(steps, risk, trigger_page_id))
    if len(steps) > max_steps:
        raise ModelFixableError(f"the plan has too many steps (at most {max_steps - 1})")
    tools = {s.tool for s in steps}
    if steps[-1].tool == "plan_next":  # the later phases' tools: chosen now, before anything is read
        tools |= {*steps[-1].args.get("tools", []), *LATER}
    return ValidPlan(
        goal=plan.goal[:2000], risk=risk, on_reject=plan.on_reject, steps=steps, tools=sorted(tools)
    )


LAST = ("finish", "plan_next")  # the tools that end a plan's phase
LATER = ("finish", "request_approval")  # a later phase may always end, and ask a person


def check_reach(steps: list[PlannedStep], repositories: Sequence[str]) -> None:
    """ModelFixableError naming each step whose ``repository`` (written out, not a reference) is not one
    of the owner's ``repositories``: the plan is corrected before it runs. The code tools still refuse
    one when they run (a reference resolves then, and the owner's list may have changed)."""
    named = [
        f"step {n} ({s.tool}): repository {repo!r} is not one the owner allowed"
        for n, s in enumerate(steps, start=1)
        if isinstance(repo := s.args.get("repository"), str)
        and not REFERENCE.search(repo)
        and repo not in repositories
    ]
    if named:
        allowed = ", ".join(repositories) or "none"
        raise ModelFixableError(f"{'; '.join(named)}; a run may touch only these: {allowed}")


def validate_phase(
    plan: PlanOut,
    steps_left: int,
    after: int,
    allowed: tuple[str, ...],
    *,
    trigger_page_id: str | None,
    repositories: Sequence[str] | None = None,
) -> list[PlannedStep]:
    """A later phase's steps, checked as a first plan is (:func:`validate_plan`), numbered after step
    ``after`` (its references too), each a tool of the run's allow-list ``allowed``."""
    if steps_left < 1:
        raise PermanentError("the run has no steps left for another phase (run_max_steps)")
    valid = validate_plan(plan, steps_left + 1, trigger_page_id=trigger_page_id, repositories=repositories)
    outside = sorted({s.tool for s in valid.steps} - set(allowed))
    if outside:
        raise ModelFixableError(
            f"a later phase may use only the tools the run's first plan named ({', '.join(allowed)}); "
            f"not {', '.join(outside)}"
        )
    return [_shift_by(s, after) for s in valid.steps]


def _shift_by(step: PlannedStep, offset: int) -> PlannedStep:
    """``step`` with its ``${steps.N`` references numbered ``offset`` later (a phase's steps follow)."""
    text = _REF.sub(lambda m: f"${{steps.{int(m[1]) + offset}", json.dumps(step.args))
    return step.model_copy(update={"args": json.loads(text)})
