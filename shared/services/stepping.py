"""Carrying out one step once: resolve and check the arguments, then record an intent before any
side effect, perform it (or find it, after a crash), and return the events of the result.

The intent is one created event document (``seq = last_seq + 1``) and is *not* cached in the run
document, so a write step costs one extra write. A second delivery that reads the same run document
collides on that seq: it finds the intent, and either backs off while the intent's lease lasts or,
once it expired (its holder crashed), records a new attempt (the next seq, again exclusive) and
reconciles: the tool looks for the effect by its key before doing anything.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel

from shared.agent import context as prompt_context
from shared.agent.planning import ArgsFix, parse_args
from shared.agent.tools import REGISTRY, SideEffect, Tool, ToolContext, idempotency_key, resolve, validate
from shared.domain.events import (
    HumanRequested,
    ModelUsed,
    RunEvent,
    RunFinished,
    RunStatus,
    ToolIntent,
    ToolResult,
)
from shared.domain.runs import RunState, apply
from shared.errors import ModelFixableError, TransientError
from shared.ports import Model, ModelReply, ModelUsage
from shared.services import spend
from shared.services.deps import NO_NOTION, Deps


class Stale(Exception):
    """Another delivery moved the run on meanwhile: acknowledge without effect."""


class OverBudget(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Recorder:
    """The model as tools see it: budget-checked before each call, usage kept for the log."""

    deps: Deps
    tenant_id: str
    state: RunState
    usage: list[tuple[str, ModelUsage]] = field(default_factory=list)

    def generate[T: BaseModel](
        self, purpose: Literal["plan", "draft"], prompt: str, schema: type[T]
    ) -> ModelReply[T]:
        spent = self.state.cost_usd + sum(u.cost_usd for _, u in self.usage)
        problem = spend.budget_problem(self.deps, self.tenant_id, spent, self.state.budget_grants)
        if problem:
            raise OverBudget(problem)
        model: Model = self.deps.need_model()
        reply = model.generate(purpose, prompt, schema)
        self.usage.append((purpose, reply.usage))
        spend.note_spent(self.tenant_id, reply.usage.cost_usd)
        return reply

    def events(self, first_seq: int, deps: Deps) -> list[RunEvent]:
        return [
            ModelUsed(
                seq=first_seq + i,
                at=deps.clock(),
                purpose=p,
                model=u.model,
                input_tokens=u.input_tokens,
                output_tokens=u.output_tokens,
                cost_usd=u.cost_usd,
            )
            for i, (p, u) in enumerate(self.usage)
        ]


class Step(NamedTuple):
    deps: Deps
    tenant_id: str
    run_id: str
    state: RunState
    model: Recorder

    def context(self, tool: Tool, args: dict[str, Any]) -> ToolContext:
        uses_notion = tool.name not in _NO_NOTION and tool.effect != SideEffect.CODE
        notion = self.deps.need_notion(self.tenant_id) if uses_notion else NO_NOTION
        task_context = {"goal": self.state.goal, "page": self.state.last_page}

        def prompt(instructions: str) -> str:
            return prompt_context.step_prompt(
                self.state, instructions, task_context | {"instructions": instructions}
            )

        return ToolContext(
            tenant_id=self.tenant_id,
            run_id=self.run_id,
            step=self.state.cursor,
            key=idempotency_key(self.run_id, self.state.cursor),
            notion=notion,
            token=lambda: "",  # bound by deps.notion_for (NotionAccess: refreshed on 401)
            model=self.model,
            queue=self.deps.queue,
            prompt=prompt,
            page_id=self.state.page_id,
            code=self.deps.code,
            approved=any(s.tool == "request_approval" for s in self.state.steps[: self.state.cursor - 1]),
        )


_NO_NOTION = {"draft_text", "request_approval", "ask_question", "send_notification", "finish"}


def arguments(step: Step) -> tuple[Tool, dict[str, Any]]:
    """The checked arguments of the current step, repaired by the model after a fixable error."""
    planned = step.state.current_step()
    tool = REGISTRY.get(planned.tool)
    if tool is None or planned.tool not in step.state.tools:
        raise ModelFixableError(f"tool {planned.tool!r} is not allowed in this run")
    args = planned.args
    if step.state.consecutive_errors:
        task = f"The last attempt of step {step.state.cursor} ({tool.name}) failed. Give corrected args_json."
        reply = step.model.generate(
            "plan", prompt_context.step_prompt(step.state, task, {"args": args}), ArgsFix
        )
        args = parse_args(reply.value.args_json)
    resolved = resolve(args, step.state.outputs)
    validate(tool.name, resolved, step.state.tools)
    return tool, resolved


def perform(step: Step) -> tuple[RunState, list[RunEvent]]:
    """The effect of the current step, once; returns the state it builds on and the result events."""
    tool, args = arguments(step)
    typed = tool.args.model_validate(args)
    state = step.state
    reconciled = False
    if tool.needs_intent:
        state, prior = _claim(step, tool, args)
        step.model.state = state  # errors from here on are recorded after the intent (releasing it)
        step = Step(step.deps, step.tenant_id, step.run_id, state, step.model)
        found = tool.find(step.context(tool, args), typed) if prior and tool.find else None
        reconciled = found is not None
        output = found if found is not None else tool.run(step.context(tool, args), typed)
    else:
        output = tool.run(step.context(tool, args), typed)
    seq, at = state.last_seq + 1, step.deps.clock()
    events: list[RunEvent] = step.model.events(seq, step.deps)
    seq += len(events)
    events.append(
        ToolResult(
            seq=seq, at=at, step=state.cursor, tool=tool.name, args=args, output=output, reconciled=reconciled
        )
    )
    if tool.name == "finish":
        events.append(
            RunFinished(seq=seq + 1, at=at, status=RunStatus.COMPLETED, summary=str(output["summary"]))
        )
    if tool.effect == SideEffect.HUMAN:
        events.append(
            HumanRequested(
                seq=seq + 1,
                at=at,
                request_id=str(output["request_id"]),
                step=state.cursor,
                purpose=output["purpose"],
                prompt=str(output["prompt"])[:2000],
            )
        )
    return state, events


def _claim(step: Step, tool: Tool, args: dict[str, Any]) -> tuple[RunState, bool]:
    """Record the intent (exclusive by seq); True in the result if an earlier attempt exists."""
    state, deps = step.state, step.deps
    prior = state.pending is not None and state.pending.step == state.cursor
    while True:
        now = deps.clock()
        attempt = state.pending.attempt + 1 if prior and state.pending else 1
        intent = ToolIntent(
            seq=state.last_seq + 1,
            at=now,
            step=state.cursor,
            tool=tool.name,
            args=args,
            key=idempotency_key(step.run_id, state.cursor),
            attempt=attempt,
            lease_until=now + timedelta(seconds=deps.settings.step_lease_s),
        )
        if deps.store.add_event(step.tenant_id, step.run_id, intent):
            return apply(state, intent), prior
        other = deps.store.get_event(step.tenant_id, step.run_id, intent.seq)
        if not isinstance(other, ToolIntent) or other.step != state.cursor:
            raise Stale()
        if other.lease_until > now:
            wait = (other.lease_until - now).total_seconds()
            raise TransientError(f"step {state.cursor} is in progress elsewhere", retry_after_s=wait)
        state, prior = apply(state, other), True
