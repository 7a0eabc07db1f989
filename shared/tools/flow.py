"""Tools that draft with the model, involve people, notify, or end the run."""

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import ModelFixableError, PermanentError
from shared.platform.topology import Queue
from shared.tools.base import Args, Output, SideEffect, Tool, ToolContext, build
from shared.tools.code.files import SecretsInArguments


class DraftTextArgs(Args):
    instructions: Annotated[str, Field(min_length=1, max_length=4000)]


def draft_text(ctx: ToolContext, args: DraftTextArgs) -> Output:
    from shared.platform.domain.model_replies import (
        Draft,  # a pydantic model: loaded by a draft, not by finish
    )

    reply = ctx.model.generate("strong", ctx.prompt(args.instructions), Draft)
    return {"title": reply.value.title, "text": reply.value.text}


class RequestApprovalArgs(Args):
    summary: Annotated[str, Field(min_length=1, max_length=2000)]


def request_approval(ctx: ToolContext, args: RequestApprovalArgs) -> Output:
    return {"request_id": f"approval-{ctx.step}", "purpose": "approval", "prompt": args.summary}


class AskQuestionArgs(Args):
    question: Annotated[str, Field(min_length=1, max_length=2000)]


def ask_question(ctx: ToolContext, args: AskQuestionArgs) -> Output:
    return {"request_id": f"question-{ctx.step}", "purpose": "question", "prompt": args.question}


class SendNotificationArgs(Args):
    subject: Annotated[str, Field(min_length=1, max_length=300)]
    text: Annotated[str, Field(max_length=20_000)]


def notification_id(key: str) -> str:
    return "n-" + key.replace(":", "-")


def send_notification(ctx: ToolContext, args: SendNotificationArgs) -> Output:
    """Idempotent by the key: the task and the notification are both named from it."""
    nid = notification_id(ctx.key)
    fields = {
        "notification_id": nid,
        "tenant_id": ctx.tenant_id,
        "run_id": ctx.run_id,
        "subject": args.subject,
        "text": args.text,
        "data": {"page_id": ctx.page_id} if ctx.page_id else {},
        "run_started_at": ctx.started_at,
    }
    task = build("send_notification", NotifyTask, fields)  # refused before anything is enqueued
    ctx.queue.enqueue(Queue.NOTIFY, task, f"notify:{ctx.tenant_id}:{nid}")
    return {"notification_id": nid}


class HandOffArgs(Args):
    agent_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
    input: Annotated[str, Field(min_length=1, max_length=2000)]
    page_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None


def hand_off(ctx: ToolContext, args: HandOffArgs) -> Output:
    """Start another agent's run with ``input`` as its goal, named from the key (a repeat starts it
    once). Its chain is this run's plus this run's agent; its reach is bounded by every reach of the
    chain (``PlanTask.bounds``). A chain past its bound, or back to an agent in it, is refused."""
    from shared.runs.domain.plan_task import PlanTask, Trigger  # a hand-off's: not every step's

    lineage = ctx.lineage
    if lineage is None:
        raise RuntimeError("hand_off runs with its run's lineage (ToolContext.lineage)")
    if args.agent_id in lineage.chain:
        raise ModelFixableError(
            f"hand_off: agent {args.agent_id} is already in this chain ({' > '.join(lineage.chain)}): "
            "a hand-off never goes back to it"
        )
    if len(lineage.chain) >= lineage.max_depth + 1:
        raise ModelFixableError(
            f"hand_off: the chain {' > '.join(lineage.chain)} is at its bound of {lineage.max_depth} "
            "hand-offs (handoff_max_depth); finish here instead"
        )
    child = f"{ctx.run_id[:100]}-h{ctx.step}"
    trigger = Trigger(kind="api", page_id=args.page_id or ctx.page_id, by_owner=not lineage.member)
    fields = {
        "tenant_id": ctx.tenant_id,
        "run_id": child,
        "goal": args.input,
        "trigger": trigger,
        "agent_id": args.agent_id,
        "parent_run_id": ctx.run_id,
        "chain": list(lineage.chain),
        "bounds": [b for b in lineage.bounds if b.get("read") or b.get("change")],
    }
    task = build("hand_off", PlanTask, fields)  # refused before anything is enqueued
    ctx.queue.enqueue(Queue.PLAN, task, f"plan:{ctx.tenant_id}:{child}")
    return {"run_id": child, "agent_id": args.agent_id}


SUMMARY_MAX = 2000


def _clipped(value: object) -> object:
    """A summary longer than :data:`SUMMARY_MAX` cut to it (ending "…"). A run whose work is done does
    not fail at its last step for its report's length. Before, a goal at the box's own limit,
    echoed in the summary, failed at ``finish``."""
    if isinstance(value, str) and len(value) > SUMMARY_MAX:
        return value[: SUMMARY_MAX - 1] + "…"
    return value


class FinishArgs(Args):
    summary: Annotated[str, BeforeValidator(_clipped), Field(min_length=1, max_length=SUMMARY_MAX)]


def finish(_ctx: ToolContext, args: FinishArgs) -> Output:
    return {"summary": args.summary}


def _tool_names(names: list[str]) -> list[str]:
    from shared.tools import TOOL_MODULES  # the registry's names: known when a plan is checked

    unknown = sorted(set(names) - set(TOOL_MODULES))
    if unknown:
        raise ValueError(f"unknown tools {unknown}; name tools of the list")
    return names


class PlanNextArgs(Args):
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    tools: Annotated[list[str], Field(max_length=30), AfterValidator(_tool_names)] = Field(
        default_factory=list
    )


def plan_next(ctx: ToolContext, args: PlanNextArgs) -> Output:
    """The next phase's steps, planned from what the run read, within the run's bound of phases (past
    it the run stops, saying so). The engine records them as a ``run_replanned`` event."""
    phase = ctx.phase
    if phase is None:
        raise RuntimeError("plan_next runs with its run's phase (ToolContext.phase)")
    if phase.number > phase.bound:
        raise PermanentError(
            f"the run asked to plan phase {phase.number + 1}, past its bound of {phase.bound} phases "
            "after the first (run_max_replans, or one per stage of the code pipeline its tools name): "
            "it stops here, with what the earlier phases did"
        )
    try:
        steps = phase.plan(args.reason)
    except ModelFixableError as exc:  # a repair of plan_next's own arguments cannot take a secret out
        if isinstance(exc, SecretsInArguments) or isinstance(exc.__cause__, SecretsInArguments):
            raise PermanentError(exc.reason) from None
        raise
    return {"phase": phase.number + 1, "steps": steps}


TOOLS = [
    Tool(
        "draft_text",
        SideEffect.READ,
        DraftTextArgs,
        "Draft text with the model from instructions and the run's context; output: title, text.",
        draft_text,
        uses_notion=False,
        uses_model=True,
    ),
    Tool(
        "request_approval",
        SideEffect.HUMAN,
        RequestApprovalArgs,
        "Ask the owner to approve before going on (the run waits).",
        request_approval,
        uses_notion=False,
    ),
    Tool(
        "ask_question",
        SideEffect.HUMAN,
        AskQuestionArgs,
        "Ask the owner a question (the run waits; the answer is ${steps.N.answer}).",
        ask_question,
        uses_notion=False,
    ),
    Tool(
        "send_notification",
        SideEffect.EXTERNAL,
        SendNotificationArgs,
        "Send the owner a notification.",
        send_notification,
        uses_notion=False,
    ),
    Tool(
        "hand_off",
        SideEffect.EXTERNAL,
        HandOffArgs,
        "Hand work to another agent of the workspace (its agent_id): its run starts with input as its "
        "goal, within this run's reach; output: run_id.",
        hand_off,
        uses_notion=False,
    ),
    Tool(
        "plan_next",
        SideEffect.READ,
        PlanNextArgs,
        "End this phase and plan the next one from what the run read (always the last step of a "
        "phase); tools: every tool the later phases may use.",
        plan_next,
        uses_notion=False,
        uses_model=True,
    ),
    Tool(
        "finish",
        SideEffect.READ,
        FinishArgs,
        "End the run with a summary (always the last step).",
        finish,
        uses_notion=False,
    ),
]
