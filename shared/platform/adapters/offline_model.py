"""Offline mode: a deterministic stand-in for Gemini, for the local stack (``NA_MODEL_BACKEND=offline``).

It reads our prompts' JSON context block and answers the schemas a real model gets: plans from the
page, its data source and the trigger; drafts from the goal, instructions and page; a fix drops
what the review refused. Same input, same output, no network. Usage: chars / 4, plus thinking
tokens up to the call kind's budget (:func:`thoughts`), counted as output as Gemini bills them. A reply may be streamed in pieces, its last held for a test.
Past the limit: the answers of each schema it stands in for are read here, the plans' in the domain.
"""

import json
import re
import threading
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from shared.platform.domain.model_calls import ModelReply, ModelUsage, give_out, thinking_kind
from shared.platform.domain.model_replies import ArgsFix, Draft, PlanOut, Verdict, extract_context
from shared.platform.domain.offline_ideas import (
    brief_plan,
    idea_plan,
    idea_repository,
    read_then_plan,
    requirements_phase,
)
from shared.platform.domain.offline_ideas import plan_step as _step
from shared.platform.domain.offline_intents import Where, intent_of, not_understood, plain
from shared.platform.domain.offline_patterns import child_plan, mcp_plan, pattern_plan
from shared.platform.domain.offline_release import (
    RELEASE_TOOLS,
    recovered,
    release_phase,
    release_project,
    revision_plan,
)
from shared.platform.errors import ModelFixableError, NotUnderstood

NAME = "offline"


def _next_status(ctx: dict[str, Any]) -> dict[str, Any] | None:
    """The status option after the page's current one, if its data source has a status property."""
    for name, prop in (ctx.get("data_source") or {}).get("properties", {}).items():
        options = prop.get("options") or []
        if prop.get("type") == "status" and options:
            current = (ctx.get("page") or {}).get("properties", {}).get(name)
            later = options[options.index(current) + 1 :] if current in options else options[1:]
            return {name: {"status": {"name": later[0]}}} if later else None
    return None


_NEVER = re.compile(r"never(?: write| say| mention)?\s+\"([^\"]{1,200})\"", re.IGNORECASE)


def verdict_for(review: dict[str, Any]) -> dict[str, Any]:
    """A deterministic review: it fails a candidate whose arguments hold a phrase the instructions
    say never to write (``never "phrase"``, any case), naming the phrase; else it passes."""
    said = json.dumps(review.get("args") or {}, ensure_ascii=False).lower()
    broken = [p for p in _NEVER.findall(str(review.get("instructions") or "")) if p.lower() in said]
    if broken:
        return {"passed": False, "reasons": f'the instructions say never to write "{broken[0]}"'}
    return {"passed": True, "reasons": "nothing in it goes against the instructions"}


def daily_plan(source_id: str, goal: str) -> dict[str, Any]:
    """The scheduled run: read the tasks now, draft the day from them, send it to the owner."""
    instructions = (
        "Write a short, prioritised plan for today from these tasks (skip done ones):\n${steps.1.titles}"
    )
    steps = [
        _step("query_data_source", "read the tasks as they are now", data_source_id=source_id, limit=20),
        _step("draft_text", "plan the day", instructions=instructions),
        _step(
            "send_notification",
            "send the plan",
            subject=goal.split(":", 1)[0][:200] or "Your day",
            text="${steps.2.text}",
        ),
        _step("finish", "done", summary=f"Sent the day's plan: {goal}"[:2000]),
    ]
    return {"goal": goal or "Plan my day", "risk": "low", "on_reject": "end", "steps": steps}


_PULL = re.compile(r"pull request in ([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)", re.IGNORECASE)
_PREVIEW = re.compile(r"deploy a preview of ([A-Za-z0-9_.-]+)", re.IGNORECASE)


def code_plan(goal: str, repository: str, project: str | None) -> dict[str, Any]:
    """A goal naming "a pull request in owner/name" (and "deploy a preview of project"): draft the
    change, open the pull request, deploy its branch as a preview, tell the owner."""
    about = goal.split(":", 1)[-1].strip() or goal
    slug = re.sub(r"[^a-z0-9]+", "-", about.lower()).strip("-")[:60] or "change"
    steps = [
        _step("draft_text", "write the change", instructions=f"Write the file for: {about}"),
        _step(
            "open_pull_request",
            "propose it for review",
            repository=repository,
            title=about[:200],
            body=f"Requested in Notion: {goal}"[:2000],
            files=[{"path": f"notes/{slug}.md", "content": "${steps.1.text}"}],
        ),
    ]
    if project:
        steps.append(
            _step(
                "deploy_vercel",
                "a preview to look at",
                project=project,
                repository=repository,
                ref="${steps.2.branch}",
            )
        )
    link = "${steps.3.url}" if project else "${steps.2.url}"
    steps += [
        _step(
            "send_notification",
            "tell the owner",
            subject=f"Pull request: {about}"[:200],
            text=f"Review: ${{steps.2.url}}\nPreview: {link}" if project else "Review: ${steps.2.url}",
        ),
        _step("finish", "done", summary=f"Opened ${{steps.2.url}} for: {about}"[:2000]),
    ]
    return {"goal": goal, "risk": "medium", "on_reject": "end", "steps": steps}


_PHASED = re.compile(r"\bread (it )?first\b|\bthen decide\b", re.IGNORECASE)


def first_phase(page_id: str, goal: str) -> dict[str, Any]:
    """A goal saying to read first ("read first", "then decide"): read the page, then plan the rest."""
    steps = read_then_plan(
        _step("read_page", "read the page as it is now", page_id=page_id),
        "what to write depends on what the page says",
        "decide from the page as read",
        ["append_blocks", "add_comment"],
    )
    return {"goal": goal, "risk": "low", "on_reject": "end", "steps": steps}


def next_phase(ctx: dict[str, Any], goal: str) -> dict[str, Any]:
    """A later phase, from what the run read: note on the page how much it holds, or ask on an
    empty page what it should hold."""
    page = (ctx.get("read") or {}).get("page") or {}
    pid, title = str(page.get("page_id") or ""), str(page.get("title") or "Untitled")
    lines = [s.strip() for s in str(page.get("text") or "").splitlines() if s.strip()]
    if lines:
        text = f"Read '{title}': {len(lines)} lines, starting with: {lines[0][:200]}"
        write = _step("append_blocks", "note what was read", page_id=pid, text=text)
    else:
        write = _step(
            "add_comment", "the page is empty", page_id=pid, text=f"'{title}' is empty: what should it hold?"
        )
    done = _step("finish", "done", summary=f"Phase {ctx.get('phase')} of: {goal}"[:2000])
    return {"goal": goal, "risk": "low", "on_reject": "end", "steps": [write, done]}


_ROW = "On this row:"  # how a map's input starts: a goal holding it is one row's work, not a map
_MAP = re.compile(r"\bfor each (?:row|page|idea|task)\b[^,.:;\n]*[,:]?\s*([^\n]*)", re.IGNORECASE)
_HAND_OFF = re.compile(
    r"\bhand (?:it |this |the page )?(?:off |over )?to (?:the )?\"?([a-z0-9][a-z0-9-]{0,39})\b", re.IGNORECASE
)
_COMMENT = re.compile(r"\bcomment(?:ing)?\s+(?:with\s+|saying\s+)?\"([^\"\n]{1,500})\"", re.IGNORECASE)
_APPEND = re.compile(
    r"(?<!never )\b(?:append|add|write)\s+(?:the line\s+|a line\s+|the words\s+)?\"([^\"\n]{1,500})\"",
    re.IGNORECASE,
)
_SET = re.compile(
    r"\bset (?:its |the (?:row's |page's )?)?([A-Za-z][\w ]{0,40}?) to \"([^\"\n]{1,100})\"", re.IGNORECASE
)


def told_plan(ctx: dict[str, Any], goal: str) -> dict[str, Any] | None:
    """A goal on a page that says what to do in so many words: map over the page's data source ("for
    each row"), hand off ("hand off to <agent id>"), comment, append or set a property ("…")."""
    page, source = ctx.get("page") or {}, (ctx.get("data_source") or {}).get("id")
    pid = str(page.get("id") or "")
    mapped = None if _ROW.lower() in goal.lower() else _MAP.search(goal)
    if pid and source and mapped:
        work = re.split(r"(?<=[.!?])\s", mapped[1].strip(), maxsplit=1)[0] or "summarise the row"
        steps = [
            _step("map_rows", "one child run per row", data_source_id=source, input=f"{_ROW} {work}"[:2000]),
            _step("fan_in", "gather what the rows' runs did", map_step=1),
            _step(
                "append_blocks",
                "report on the page",
                page_id=pid,
                text="Went through ${steps.1.count} rows: ${steps.2.completed} done, ${steps.2.failed} failed.",
            ),
            _step("finish", "done", summary="Mapped ${steps.1.count} rows"),
        ]
        return {"goal": goal, "risk": "low", "on_reject": "end", "steps": steps}
    steps = []
    handed = _HAND_OFF.search(goal)
    if pid and handed:
        about = f"Handed over from a run on '{page.get('title') or 'a page'}'."
        steps.append(
            _step("hand_off", "another agent does this", agent_id=handed[1].lower(), input=about, page_id=pid)
        )
    for words in dict.fromkeys(_COMMENT.findall(goal)) if pid else []:
        steps.append(_step("add_comment", "say it on the page", page_id=pid, text=words))
    for words in dict.fromkeys(_APPEND.findall(goal)) if pid else []:
        steps.append(_step("append_blocks", "write it on the page", page_id=pid, text=words))
    props = (ctx.get("data_source") or {}).get("properties") or {}
    for said, value in dict.fromkeys(_SET.findall(goal)) if pid else []:
        name = next((n for n in props if n.lower() == said.strip().lower()), said.strip())  # any case
        kind = (props.get(name) or {}).get("type")
        if kind in ("status", "select"):
            change = {name: {kind: {"name": value}}}
            steps.append(_step("update_properties", "set the property", page_id=pid, properties=change))
    if not steps:
        return None
    steps.append(_step("finish", "done", summary=f"Did as told on '{page.get('title') or pid}'"[:2000]))
    return {"goal": goal, "risk": "low", "on_reject": "end", "steps": steps}


_EACH = re.compile(r"^(?P<what>.+?)\s+for each of:\s*(?P<items>.+)$", re.IGNORECASE | re.DOTALL)


def map_plan(what: str, items: list[str], goal: str) -> dict[str, Any]:
    """A goal "<what> for each of: a, b": one child run per item (a parallel map), then their outcomes."""
    steps = [
        _step("map_rows", "one child run per item", input=what[:2000], items=items),
        _step("fan_in", "gather the children's outcomes", map_step=1),
        _step("finish", "done", summary="Mapped: ${steps.2.completed} completed, ${steps.2.failed} failed"),
    ]
    return {"goal": goal, "risk": "low", "on_reject": "end", "steps": steps}


def _phased_or_mapped(ctx: dict[str, Any], goal: str, page: dict[str, Any]) -> dict[str, Any] | None:
    """A later phase, a first phase that reads, or a map over a goal's items; None: none of them.
    A child's goal (its item appended on a line of its own) maps nothing."""
    if ctx.get("phase"):
        return release_phase(ctx, goal) or requirements_phase(ctx, goal) or next_phase(ctx, goal)
    each = _EACH.match(goal.strip()) if "\n" not in goal else None
    if each and not page.get("id"):
        items = [i.strip()[:200] for i in re.split(r"[,;]", each["items"]) if i.strip()][:20]
        return map_plan(each["what"], items, goal)
    if page.get("id") and _PHASED.search(goal):
        return first_phase(str(page["id"]), goal)
    return None


def plan_for(ctx: dict[str, Any], goal: str) -> dict[str, Any]:
    """The plan for ``goal`` in ``ctx``, read in its plain form (the paraphrases of
    ``offline_intents``), with the goal as given; :class:`NotUnderstood` when it asks for nothing the
    offline model understands, saying what it does."""
    answer = _plan_plain(ctx, plain(goal))
    if answer.get("goal") == plain(goal):
        answer["goal"] = goal
    return answer


def _plan_plain(ctx: dict[str, Any], goal: str) -> dict[str, Any]:
    page = ctx.get("page") or {}
    special = (
        revision_plan(goal)
        or child_plan(goal)
        or (pattern_plan(page, goal) or mcp_plan(ctx, goal))
        or _phased_or_mapped(ctx, goal, page)
    )
    if special is not None:
        return special
    if (repository := idea_repository(goal, page)) is not None:
        return idea_plan(page, goal, repository, RELEASE_TOOLS if release_project(goal) else ())
    return told_plan(ctx, goal) or _other_plan(ctx, goal)


def _other_plan(ctx: dict[str, Any], goal: str) -> dict[str, Any]:
    """A code change, the day's plan, a note, or a page's plan with an approval."""
    page = ctx.get("page") or {}
    pull = _PULL.search(goal)
    if pull and not page.get("id"):
        preview = _PREVIEW.search(goal)
        return code_plan(goal, pull[1], preview[1] if preview else None)
    source_id = (ctx.get("data_source") or {}).get("id")
    if (ctx.get("trigger") or {}).get("kind") == "schedule" and source_id and not page.get("id"):
        return daily_plan(source_id, goal)
    trigger = ctx.get("trigger") or {}
    home = (ctx.get("home") or {}).get("page_id")
    if trigger.get("event_type") == "calendar.before" and home and not page.get("id"):
        return brief_plan(home, trigger, goal)
    where: Where = "page" if page.get("id") else "no page"
    intent = intent_of(goal, where)
    if intent is None or intent.name not in ("note", "summarise", "plan the page"):
        raise NotUnderstood(not_understood(goal, where, intent))
    if not page.get("id"):
        about = " ".join(goal.split())
        steps = [
            _step("draft_text", "summarise", instructions=f"Write a short note about: {about}"),
            _step("send_notification", "tell the owner", subject=about[:200], text="${steps.1.text}"),
            _step("finish", "done", summary=f"Sent a note about: {about}"[:2000]),
        ]
        return {"goal": goal, "risk": "low", "on_reject": "end", "steps": steps}
    title, pid = page.get("title") or "Untitled", page["id"]
    if intent.name == "summarise":
        return summary_plan(pid, title, goal)
    steps = [
        _step("read_page", "read the page as it is now", page_id=pid),
        _step("draft_text", "draft a plan", instructions=f"Draft a short, concrete plan for '{title}'."),
        _step(
            "create_page",
            "put the draft in Notion",
            parent_page_id=pid,
            title=f"Plan: {title}",
            content="${steps.2.text}",
        ),
        _step(
            "request_approval",
            "a person decides",
            summary=f"Approve the plan for '{title}'? ${{steps.3.url}}",
        ),
        _step("append_blocks", "record the outcome", page_id=pid, text="Plan approved: ${steps.3.url}"),
    ]
    status = _next_status(ctx)
    if status:
        steps.append(_step("update_properties", "move the idea on", page_id=pid, properties=status))
    steps.append(_step("finish", "done", summary=f"Planned '{title}': ${{steps.3.url}}"))
    return {"goal": goal or f"Plan the idea '{title}'", "risk": "medium", "on_reject": "end", "steps": steps}


SUMMARISE = "Summarise in a few short lines"  # how a summary's draft is asked (draft_for reads it)


def summary_plan(pid: str, title: str, goal: str) -> dict[str, Any]:
    """Read the page, draft a short summary of what it says, write it on the page."""
    steps = [
        _step("read_page", "read the page as it is now", page_id=pid),
        _step("draft_text", "summarise it", instructions=f"{SUMMARISE} '{title}':\n${{steps.1.text}}"),
        _step("append_blocks", "write the summary on the page", page_id=pid, text="Summary: ${steps.2.text}"),
        _step("finish", "done", summary=f"Summarised '{title}' on the page"[:2000]),
    ]
    return {"goal": goal, "risk": "low", "on_reject": "end", "steps": steps}


def ask_for(ctx: dict[str, Any]) -> dict[str, Any]:
    """An Ask's answer offline: the first passage's words, quoted and cited; none found, said so."""
    passages = [p for p in ctx.get("passages") or [] if isinstance(p, dict)]
    if not passages:
        return {"answer": "The workspace's pages I can search say nothing about this.", "cited": []}
    first = passages[0]
    quote = " ".join(str(first.get("text") or "").split())[:400]
    return {"answer": f'"{first.get("title", "")}" says: {quote}', "cited": [first.get("n", 1)]}


def taught_goal(ctx: dict[str, Any], goal: str) -> str:
    """The goal a plan is made from offline: ``goal``, then the reasons people gave when they rated an
    earlier run on the page bad (``earlier_runs``), each on a line of its own. So a reason given once
    is heeded next time. Only those reasons: the earlier runs' goals, summaries and writes are
    workspace data and never read as something to do."""
    earlier = (ctx.get("earlier_runs") or {}).get("runs") or []
    reasons = [
        str(r.get("reason") or "")
        for run in earlier
        if isinstance(run, dict)
        for r in run.get("ratings") or []
        if isinstance(r, dict) and r.get("verdict") == "bad"
    ]
    return "\n".join([goal, *dict.fromkeys(r for r in reasons if r.strip())])


_SAY = re.compile(r"[^\W_]{4,}", re.UNICODE)
_PLAIN = frozenset(
    [
        "what",
        "when",
        "where",
        "which",
        "whom",
        "whose",
        "does",
        "about",
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "they",
        "them",
        "with",
        "from",
        "have",
        "will",
        "would",
        "could",
        "should",
        "into",
        "also",
        "then",
        "than",
        "your",
        "ours",
        "just",
        "more",
        "most",
        "some",
        "tell",
        "know",
    ]
)


def standalone_for(ctx: dict[str, Any]) -> dict[str, Any]:
    """A follow-up made standalone offline, honestly and without understanding it. The question gets
    the previous question's salient words it lacks (4 letters or more, question words left out),
    folded in after it in brackets; a first question is returned as it is."""
    question = " ".join(str(ctx.get("question") or "").split())
    turns = [t for t in ctx.get("earlier_turns") or [] if isinstance(t, dict)]
    if not turns:
        return {"question": question}
    have = {w.lower() for w in _SAY.findall(question)}
    before = [w for w in _SAY.findall(str(turns[-1].get("question") or "")) if w.lower() not in _PLAIN]
    folded = [w for w in dict.fromkeys(before) if w.lower() not in have]
    return {"question": f"{question} ({' '.join(folded)})" if folded else question}


def draft_for(ctx: dict[str, Any]) -> dict[str, Any]:
    """A draft: a summary's first lines (:data:`SUMMARISE`), else a plan from the goal and page."""
    goal, task = str(ctx.get("goal") or ""), str(ctx.get("instructions") or "")
    page = ctx.get("page") or {}
    if task.startswith(SUMMARISE):
        head, _, text = task.partition("\n")
        said = [" ".join(s.lstrip("#-*> ").split()) for s in text.splitlines()]
        lines = [s[:300] for s in said if s][:3] or ["The page is empty."]
        return {"title": head[len(SUMMARISE) :].strip(" ':")[:200], "text": "\n".join(lines)}
    subject = page.get("title") or goal or "the goal"
    lines = [f"# Plan for {subject}", f"- Goal: {goal or task}"]
    notes = [s.strip() for s in str(page.get("text") or "").splitlines() if s.strip()][:5]
    lines += [f"- Consider: {note}" for note in notes]
    listed = [s[2:].strip() for s in task.splitlines() if s.startswith("- ")][:10]  # e.g. the day's tasks
    lines += [f"- Today: {item}" for item in listed]
    lines += ["- Next: agree on the first step and an owner", "- Then: review progress in a week"]
    return {"title": f"Plan for {subject}"[:200], "text": "\n".join(lines)}


_REFUSED = re.compile(r"never to write \"([^\"]{1,200})\"")


def fixed_args(ctx: dict[str, Any], prompt: str) -> dict[str, Any]:
    """Corrected arguments: as they were, less a phrase a review refused (the error quotes it)."""
    args = ctx.get("args") or {}
    said = json.dumps(args, ensure_ascii=False)
    for phrase in _REFUSED.findall(prompt.replace('\\"', '"')):
        said = re.sub(re.escape(json.dumps(phrase)[1:-1]), "", said, flags=re.IGNORECASE)
    fixed = json.loads(said)
    return fixed if isinstance(fixed, dict) else args


def thoughts(prompt_chars: int, budget: int) -> int:
    """The thinking tokens the offline model reports for a prompt of ``prompt_chars``, as a thinking
    model does. Every call with a budget thinks: a token per 16 characters of the prompt, at least one,
    at most ``budget``. They are billed as output tokens with the answer's."""
    return min(budget, max(1, prompt_chars // 16)) if budget > 0 else 0


def _planned(ctx: dict[str, Any]) -> dict[str, Any]:
    """A plan for the context's goal, as taught by the agent's earlier feedback (the goal kept)."""
    goal = str(ctx.get("goal") or "")
    taught = taught_goal(ctx, goal)
    answer = plan_for(ctx, taught)
    if taught != goal:
        answer["goal"] = goal or answer["goal"]
    return answer


def answer_for(schema: str, prompt: str) -> dict[str, Any] | None:
    """The offline answer, as JSON, to ``prompt`` asking for the schema named ``schema`` (a plan, a
    draft, fixed arguments, a verdict, an Ask's answer or standalone follow-up) from the prompt's
    context; None for another schema. The Claude-on-Vertex stand-in (local/claude_vertex.py)
    answers with it too."""
    ctx = extract_context(prompt)
    answers: dict[str, Callable[[], dict[str, Any]]] = {
        PlanOut.__name__: lambda: _planned(recovered(ctx)),
        Draft.__name__: lambda: draft_for(ctx),
        "AskOut": lambda: ask_for(ctx),  # Ask (shared.memory.services.ask): the best passage, quoted
        "Standalone": lambda: standalone_for(ctx),  # Ask's follow-up, made standalone first
        Verdict.__name__: lambda: verdict_for(ctx.get("review") or {}),
        ArgsFix.__name__: lambda: {"args_json": json.dumps(fixed_args(ctx, prompt), ensure_ascii=False)},
    }
    answer = answers.get(schema)
    return answer() if answer is not None else None


class OfflineModel:
    """``hold``: when given, a streamed reply's last piece waits until it is set (a test releases it:
    the first pieces are seen before the reply is whole, with no timing)."""

    def __init__(
        self,
        prices: dict[str, tuple[float, float]] | None = None,
        thinking: dict[str, int] | None = None,
        *,
        hold: threading.Event | None = None,
    ) -> None:
        self._price = (prices or {}).get(NAME, (0.0, 0.0))
        self._thinking = thinking or {}  # call kind → thinking budget (Settings.thinking_budgets)
        self.hold = hold

    def generate[T: BaseModel](self, tier: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        """A plan, a draft, fixed arguments, or an Ask's answer, read from the prompt's context."""
        answer = answer_for(schema.__name__, prompt)
        if answer is None:
            raise ModelFixableError(f"the offline model cannot answer {schema.__name__}")
        value = schema.model_validate(answer)
        return ModelReply(value, self.usage(tier, prompt, value))

    def stream[T: BaseModel](
        self, tier: str, prompt: str, schema: type[T], on_text: Callable[[str], None]
    ) -> ModelReply[T]:
        """The reply of :meth:`generate`, its JSON given in pieces of ``PIECE_CHARS``; with ``hold``,
        the last waits for it (TransientError after ``HELD_S``: nobody released it)."""
        reply = self.generate(tier, prompt, schema)
        give_out(reply.value.model_dump_json(), on_text, self.hold)
        return reply

    def usage(self, tier: str, prompt: str, value: BaseModel) -> ModelUsage:
        """What answering ``prompt`` with ``value`` is counted as (test doubles that script their
        own plans are counted the same)."""
        tokens_in, tokens_out = len(prompt) // 4, len(value.model_dump_json()) // 4
        thought = thoughts(len(prompt), self._thinking.get(thinking_kind(tier), 0))
        tokens_out += thought
        cost = (tokens_in * self._price[0] + tokens_out * self._price[1]) / 1e6
        return ModelUsage(NAME, tokens_in, tokens_out, cost, thinking_tokens=thought)
