"""Tools that draft with the model, involve people, notify, or end the run."""

from typing import Annotated

from pydantic import Field

from shared.agent.tools.base import Args, Output, SideEffect, Tool, ToolContext, build
from shared.domain.tasks.notify import NotifyTask
from shared.topology import Queue


class DraftTextArgs(Args):
    instructions: Annotated[str, Field(min_length=1, max_length=4000)]


def draft_text(ctx: ToolContext, args: DraftTextArgs) -> Output:
    from shared.domain.model_replies import Draft  # a pydantic model: loaded by a draft, not by finish

    reply = ctx.model.generate("draft", ctx.prompt(args.instructions), Draft)
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


class FinishArgs(Args):
    summary: Annotated[str, Field(min_length=1, max_length=2000)]


def finish(_ctx: ToolContext, args: FinishArgs) -> Output:
    return {"summary": args.summary}


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
        "finish",
        SideEffect.READ,
        FinishArgs,
        "End the run with a summary (always the last step).",
        finish,
        uses_notion=False,
    ),
]
