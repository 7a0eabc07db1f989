"""Debate and expert panel, tools the planner calls as it calls ``map_rows``.
``debate`` and ``panel`` start the first stage's children; ``settle`` waits durably as ``fan_in``
does, starting each later stage (a round, the judge, the lead) by name when the one before ended or
its deadline passed. Why: docs/decisions/0120-debate-and-panel-are-staged-children.md.
"""

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from shared.platform.errors import ModelFixableError, TransientError
from shared.platform.topology import Queue
from shared.runs.domain.children import patterns as pt
from shared.tools.base import Args, Output, Patterns, SideEffect, Tool, ToolContext, problems

Input = Annotated[str, Field(min_length=1, max_length=2000)]


class DebateArgs(Args):
    input: Input
    participants: Annotated[list[pt.Member], Field(min_length=2, max_length=pt.MAX_MEMBERS)]
    rounds: Annotated[int, Field(ge=1, le=pt.MAX_ROUNDS)] = 2
    judge: pt.AgentId | Literal["owner"] | None = None  # None: this run's own agent


class PanelArgs(Args):
    input: Input
    specialists: Annotated[list[pt.Member], Field(min_length=2, max_length=pt.MAX_MEMBERS)]
    lead: pt.AgentId | None = None  # None: this run's own agent


def _room(ctx: ToolContext) -> Patterns:
    if ctx.patterns is None:
        raise RuntimeError("debate, panel and settle run with their run's patterns (ToolContext.patterns)")
    return ctx.patterns


def _start(ctx: ToolContext, fields: dict[str, Any]) -> Output:
    """The pattern's spec (its step's output) and its first stage's children, started by name."""
    room = _room(ctx)
    lineage = room.lineage
    if lineage is None:
        raise RuntimeError("debate and panel run with their run's lineage (Patterns.lineage)")
    if len(lineage.chain) >= lineage.max_depth + 1:
        raise ModelFixableError(
            f"{fields['kind']}: the chain {' > '.join(lineage.chain)} is at its bound of hand-offs"
        )
    spec = fields | {
        "agent": lineage.chain[-1],
        "chain": list(lineage.chain),
        "bounds": [b for b in lineage.bounds if b.get("read") or b.get("change")],
        "by_owner": not lineage.member,
        "page": ctx.page_id,
        "started_at": room.now.isoformat(),
        "deadline_s": room.deadline_s,
    }
    count = sum(len(pt.indexes(spec, s)) for s in range(pt.stages(spec)))
    left = room.budget_left_usd
    spec["share_usd"] = None if left is None else round(max(0.0, left) / count, 9)
    try:  # every first-stage task checked before any starts
        tasks = [
            pt.child_task(ctx.tenant_id, ctx.run_id, ctx.step, spec, stage=0, position=i, before=[])
            for i in range(len(pt.indexes(spec, 0)))
        ]
    except ValidationError as exc:
        raise ModelFixableError(f"bad arguments for {fields['kind']}: {problems(exc)}") from exc
    for task in tasks:
        ctx.queue.enqueue(Queue.PLAN, task, f"plan:{ctx.tenant_id}:{task.run_id}")
    return spec | {"first": [t.run_id for t in tasks], "count": count}


def debate(ctx: ToolContext, args: DebateArgs) -> Output:
    """Participants (agents, or model families) answer ``input``; each later round sees the others'
    answers; then the judge (an agent, or the owner through a question) settles. Rounds beyond the
    workspace's bound (NA_DEBATE_MAX_ROUNDS, at most 4) are a fixable error."""
    bound = _room(ctx).max_rounds
    if args.rounds > bound:
        raise ModelFixableError(
            f"debate: rounds must be at most {bound} (the workspace's NA_DEBATE_MAX_ROUNDS)"
        )
    members = [m.model_dump(exclude_defaults=True) for m in args.participants]
    fields = {"kind": "debate", "input": args.input, "members": members, "rounds": args.rounds}
    return _start(ctx, fields | {"judge": args.judge})


def panel(ctx: ToolContext, args: PanelArgs) -> Output:
    """Specialists each write the section on their topic; the lead merges them into one result."""
    if any(not m.topic for m in args.specialists):
        raise ModelFixableError("panel: give every specialist a topic (the section it writes)")
    members = [m.model_dump(exclude_defaults=True) for m in args.specialists]
    return _start(ctx, {"kind": "panel", "input": args.input, "members": members, "lead": args.lead})


class SettleArgs(Args):
    pattern_step: Annotated[
        int, Field(ge=1, le=500, description="the step of the debate or panel it settles")
    ]


def settle(ctx: ToolContext, args: SettleArgs) -> Output:
    """The pattern's result once its last stage ended (the judge's verdict or the lead's merge, every
    answer, who was missing, the children's cost); an owner's debate then waits for the owner's
    verdict, the engine's request (decision 0128). Until then a transient wait as ``fan_in``'s. A look
    starts the stage due (by name: once). Past a stage's deadline its stuck children are cancelled
    and the next stage works with what came."""
    room, step = _room(ctx), args.pattern_step
    spec, ended = room.spec(step), room.ended(step)
    seen = pt.look(spec, ctx.run_id, step, ended, now=room.now)
    if seen.overdue:
        gone = frozenset(r for r in seen.waiting if room.cancel(r) is False)
        ended = room.ended(step)  # the cancels' markers
        seen = pt.look(spec, ctx.run_id, step, ended, now=room.now, gone=gone)
    total = pt.stages(spec)
    if seen.stage >= total:
        return pt.result(spec, ctx.run_id, step, ended)
    for position in range(len(pt.indexes(spec, seen.stage))):
        task = pt.child_task(
            ctx.tenant_id, ctx.run_id, step, spec, stage=seen.stage, position=position, before=seen.before
        )
        ctx.queue.enqueue(Queue.PLAN, task, f"plan:{ctx.tenant_id}:{task.run_id}")
    until = (pt.deadline(spec, seen.stage) - room.now).total_seconds()
    raise TransientError(
        f"settle: {spec['kind']} stage {seen.stage + 1} of {total}: {len(seen.waiting)} still running",
        max(1.0, min(room.wait_s, until)),
    )


TOOLS = [
    Tool(
        "debate",
        SideEffect.EXTERNAL,
        DebateArgs,
        "Start a debate: participants (each {agent_id?, family?: gemini|claude}) answer input, each round "
        "sees the others' answers, for rounds rounds; judge (agent id, or owner) settles. Then call settle.",
        debate,
        uses_notion=False,
    ),
    Tool(
        "panel",
        SideEffect.EXTERNAL,
        PanelArgs,
        "Start an expert panel: specialists (each {agent_id?, topic}) write a section on input each; "
        "lead (agent id) merges them. Then call settle.",
        panel,
        uses_notion=False,
    ),
    Tool(
        "settle",
        SideEffect.READ,
        SettleArgs,
        "Wait for the debate or panel at pattern_step and return its result: verdict (the judge's or the "
        "lead's), rounds or sections, missing, settled_by; an owner's debate then waits for the owner's "
        "verdict (verdict, settled_by, settled_at).",
        settle,
        uses_notion=False,
    ),
]
