"""Carrying out one step once: resolve and check the arguments, record an intent before any side
effect, perform it (or find it by its key, after a crash), and return the events of the result.

The intent is a created event (the log's next seq), not cached in the run document. A retry after an
intent whose effect may have happened uses that intent's arguments, so the tool finds the effect. A
repair's paid-for arguments are kept in an intent too. A result too large to record (``RECORD_BYTES``)
is a fixable error, or fails the run after an effect. Why: docs/engine.md, "Intents and reconciliation".
Past the limit: one job, a step carried out once, its recovery after a crash included."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.agents.domain.agents import reviewer_tier
from shared.engine.agent import approvals
from shared.engine.services.run_log import Collided, RunLog, Seqs, StepHeld
from shared.platform.errors import AgentError, ModelFixableError, PermanentError
from shared.runs.domain.children import patterns
from shared.runs.domain.events import (
    ErrorKind,
    ErrorRecorded,
    HumanRequested,
    ModelUsed,
    RunEvent,
    RunFinished,
    RunReplanned,
    RunStatus,
    ToolIntent,
    ToolResult,
)
from shared.runs.domain.page_links import known_urls, page_link
from shared.runs.domain.state import RunState, apply, fold, rolled_back_summary
from shared.tools import REGISTRY, SideEffect, Tool, resolve, validate
from shared.undo.domain import inverses
from shared.workspace.domain.integrations import Integration

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion

from shared.engine.services.step_outcomes import NeedsApproval, Stale, kept_base, once
from shared.engine.services.step_state import Step, step_key

RECORD_BYTES = 900_000  # an event or the run document, as UTF-8 JSON: Firestore's limit is 1 MiB
ROOM_BYTES = 100_000  # what a step's result may add to the run document (a read's output: 50 KB)


class Call(NamedTuple):
    tool: Tool
    args: dict[str, Any]
    repaired: bool  # the model repaired them in this attempt: paid for, so kept in an intent


def arguments(step: Step) -> Call:
    """The checked arguments of the current step: an earlier intent's whose effect may have happened
    (or that the model repaired: paid for), else the planned ones, repaired by the model after a
    fixable error."""
    planned = step.state.current_step()
    tool = REGISTRY.get(planned.tool)
    if tool is None or planned.tool not in step.state.tools:
        raise ModelFixableError(f"tool {planned.tool!r} is not allowed in this run")
    earlier = _earlier_args(step)
    granted = step.state.granted.get(str(step.state.cursor))
    if granted is not None and granted != earlier:
        # The owner approved this call for the step, after an intent with other arguments (the
        # tool refused them, then the model repaired them): it runs as approved.
        validate(tool.name, granted, step.state.tools)
        return Call(tool, granted, repaired=False)
    if earlier is not None:  # already resolved when the intent was recorded
        validate(tool.name, earlier, step.state.tools)
        return Call(tool, earlier, repaired=False)
    args = planned.args
    repaired = step.state.consecutive_errors > 0
    if repaired:
        from shared.engine.agent import context as prompt_context  # a repair's modules: not every step's
        from shared.engine.agent.plans import parse_args
        from shared.platform.domain.model_replies import ArgsFix

        task = f"The last attempt of step {step.state.cursor} ({tool.name}) failed. Give corrected args_json."
        reply = step.model.generate(
            "fast", prompt_context.step_prompt(step.state, task, {"args": args}), ArgsFix, thinking="repair"
        )
        args = parse_args(reply.value.args_json)
        _keep_targets(tool, step.state.cursor, planned.args, args)
    resolved = resolve(args, step.state.outputs)
    validate(tool.name, resolved, step.state.tools)
    return Call(tool, resolved, repaired)


# Targets the code tools check against the owner's own lists (github_repositories, vercel_projects)
# whatever the arguments: a repair may move a step from one the owner did not allow to one they did.
OWNER_LISTED = frozenset({"repository", "project"})


def _keep_targets(tool: Tool, cursor: int, planned: dict[str, Any], repaired: dict[str, Any]) -> None:
    """A repair may fix a step's arguments but not where its effect lands (``Tool.targets``: the page
    it writes, production or not), except within the owner's lists (:data:`OWNER_LISTED`). The targets
    are what the risk floor judged and an approval listed, and a repair prompt holds what the run read.
    Compared as written (a reference must stay that reference), a field left out at its default."""
    defaults = {f: _default(tool, f) for f in tool.targets}
    fixed = [f for f in tool.targets if f not in OWNER_LISTED]
    moved = [f for f in fixed if repaired.get(f, defaults[f]) != planned.get(f, defaults[f])]
    if moved:
        kept = ", ".join(f"{f}={planned.get(f, defaults[f])!r}" for f in moved)
        raise ModelFixableError(
            f"step {cursor} ({tool.name}): a repair may change its other arguments but not where it "
            f"writes; keep {kept}"
        )


def _default(tool: Tool, name: str) -> Any:
    """The default of argument ``name``; None for a required one (a repair leaving it out moves it)."""
    field = tool.args.model_fields.get(name)
    if field is None or field.is_required():
        return None
    return field.get_default(call_default_factory=True)


def _earlier_args(step: Step) -> dict[str, Any] | None:
    """The arguments of this step's earlier intent, unless the tool refused them.

    A released intent (a transient error: Notion may have written and the reply got lost) or one
    whose holder stopped may have had its effect; for a step without effects, the intent holds
    arguments the model repaired (paid for). A model-fixable error recorded right after the
    intent means the tool refused those arguments and nothing happened: the model repairs them
    then. Only that case reads the log's last event (one read, on a retry after errors).
    """
    state = step.state
    pending = state.pending
    if pending is None or pending.step != state.cursor:
        return None
    if state.consecutive_errors and _ends_with_fixable_error(step):
        return None
    return pending.args


def _ends_with_fixable_error(step: Step) -> bool:
    """Whether the log ends with a model-fixable error of this step (the error after the intent),
    past any usage a duplicate delivery recorded alone after it (``RunLog.keep_usage``)."""
    last = step.log.last_but_usage(step.state)
    return (
        isinstance(last, ErrorRecorded)
        and last.step == step.state.cursor
        and last.error == ErrorKind.MODEL_FIXABLE
    )


def titles(step: Step) -> approvals.Titles:
    """Pages' titles for an approval, each read once when asked; a page that cannot be read (gone,
    closed to us, Notion failing) shows its id alone."""
    from shared.notion.services import notion_text as nt  # an approval's: not every step's

    seen: dict[str, str | None] = {}

    def title(page_id: Any) -> str | None:
        if not isinstance(page_id, str) or not page_id or "${" in page_id:
            return None
        if page_id not in seen:
            try:
                page = step.deps.need_notion(step.tenant_id).retrieve_page(page_id)
                seen[page_id] = nt.title_of(page) or None
            except AgentError:
                seen[page_id] = None
        return seen[page_id]

    return title


# The effects a reviewer pass checks: what the run writes or sends (drafts reach the world through them).
REVIEWED = frozenset({SideEffect.NOTION_WRITE, SideEffect.EXTERNAL, SideEffect.CODE})


def review(step: Step, tool: str, args: dict[str, Any]) -> None:
    """The reviewer pass (another model call; ``other``: the other model) on the step's resolved
    effect against the agent's instructions. Its verdict goes to the log; a failed one is a
    ModelFixableError, so the model revises the arguments, and after the run's bound of errors in a
    row the owner is asked."""
    from shared.engine.agent import context as prompt_context  # a review's: not every step's
    from shared.platform.domain.model_replies import Verdict

    state = step.state
    candidate = {"instructions": state.review_against, "tool": tool, "args": args}
    task = (
        "Review the candidate below against the agent's instructions: passed=true only if it follows "
        "them; reasons say what breaks them, or why it follows them."
    )
    prompt = prompt_context.step_prompt(state, task, {"review": candidate})
    tier = reviewer_tier(state.review, state.model_tier)
    reply = step.model.generate(tier, prompt, Verdict, tiered=False, kind="review")
    verdict = reply.value
    fields = {"step": state.cursor, "tool": tool, "passed": verdict.passed, "reasons": verdict.reasons}
    step.model.reviews.append(fields | {"model": reply.usage.model})
    if not verdict.passed:
        raise ModelFixableError(f"the reviewer refused {tool}: {verdict.reasons}")


def parents(step: Step) -> approvals.Parents:
    """A page's parent for the reach rules (:func:`approvals.parents_of`), read through the tenant's Notion."""
    return approvals.parents_of(lambda page_id: step.deps.need_notion(step.tenant_id).retrieve_page(page_id))


def block_texts(step: Step) -> approvals.Titles:
    """A block's text (or its type, for one without text) for an approval; None when unreadable."""
    from shared.notion.services import notion_text as nt  # an approval's: not every step's

    def text(block_id: Any) -> str | None:
        if not isinstance(block_id, str) or not block_id or "${" in block_id:
            return None
        try:
            block = step.deps.need_notion(step.tenant_id).retrieve_block(block_id)
        except AgentError:
            return None
        return nt.block_text(block) or f"a {block.get('type', 'block')} block"

    return text


_HOLDERS = 20  # blocks a block may lie under before its page is reached (Notion nests far fewer)


def blocks(step: Step) -> approvals.Blocks:
    """A block as the authority rules judge it: the page it lies on (through the blocks holding it)
    and whether the agent's own bot created and last edited it and all it holds. Notion's refusal
    raises."""
    notion = step.deps.need_notion(step.tenant_id)
    tenant = step.deps.tenants.get(step.tenant_id) if step.deps.tenants is not None else None
    bot = tenant.bot_id if tenant is not None and tenant.bot_id else ""

    def read(block_id: str) -> approvals.Block:
        nonlocal bot
        block = notion.retrieve_block(block_id)
        parent = block.get("parent") or {}
        for _ in range(_HOLDERS):
            if parent.get("type") != "block_id":
                break
            parent = notion.retrieve_block(str(parent["block_id"])).get("parent") or {}
        bot = bot or str(notion.me().get("id", ""))
        return approvals.Block(str(parent.get("page_id") or ""), _all_by(notion, block, bot))

    return read


_HELD = 200  # blocks below an edited block read to tell whose they are; more: counted as a person's


def _all_by(notion: TenantNotion, block: dict[str, Any], bot: str) -> bool:
    """Whether ``bot`` created and last edited ``block`` and every block it holds (a person may have
    written inside the agent's toggle: deleting or moving it would take their words along)."""
    todo, seen = [block], 0
    while todo:
        current = todo.pop()
        by = {(current.get(k) or {}).get("id") for k in ("created_by", "last_edited_by")}
        if by != {bot}:
            return False
        if current.get("has_children"):
            for child in notion.list_children(str(current["id"])):
                seen += 1
                if seen > _HELD:
                    return False
                todo.append(child)
    return True


def current(step: Step) -> approvals.Current | None:
    """A repository's current files for a pull request's approval, read with the tenant's GitHub
    token; None where the step has no code access (execute-step)."""
    code = step.deps.code
    if code is None:
        return None
    tenant_id = step.tenant_id

    def read(repository: str, base: str, paths: list[str]) -> dict[str, str | None]:
        return code.host.current_files(code.token(tenant_id, Integration.GITHUB), repository, base, paths)

    return read


def _unasked(step: Step, tool: Tool, args: dict[str, Any]) -> str | None:
    """Code's reason to do a gated, unapproved effect without asking (``Tool.unasked``), else None."""
    if tool.unasked is None:
        return None
    return tool.unasked(step.context(tool, args), validate(tool.name, args))


def perform(step: Step) -> tuple[RunState, list[RunEvent]]:
    """The effect of the current step, once; returns the state it builds on and the result events."""
    _check_room(step.state)
    tool, args, repaired = arguments(step)
    state = step.state
    _check_bill(step, tool)
    if why := approvals.outside_reach(state, tool.name, args, parents(step)):  # never asked
        raise ModelFixableError(why)
    if state.review and tool.effect in REVIEWED:  # before it is done or asked for
        review(step, tool.name, args)
    digest = approvals.gated(state, tool, args, blocks(step) if tool.name in approvals.BLOCK_EDITS else None)
    unasked = _unasked(step, tool, args) if digest is not None and digest not in state.approved else None
    if digest is not None and digest not in state.approved and unasked is None:
        rationale = state.current_step().rationale
        texts = block_texts(step) if tool.name in approvals.BLOCK_EDITS else None
        facts = (
            tool.before_asking(step.context(tool, args), validate(tool.name, args))
            if tool.before_asking
            else ""
        )
        read = once(current(step))
        prompt = approvals.effect_request(
            tool.name, args, rationale, titles(step), read, texts=texts, facts=facts
        )
        raise NeedsApproval(prompt, digest, args, kept_base(read, args))
    reconciled = False
    if tool.needs_intent or repaired:  # repaired: paid for, kept for a retry (see the module's doc)
        state, prior, args = _claim_intent(step, tool, args)  # an expired intent taken over brings its own
        step.model.state = state  # errors from here on are recorded after the intent (releasing it)
        typed = validate(tool.name, args)  # a taken-over intent's arguments, by today's checks
        step = Step(step.log, state, step.model, step.whole)
        found = tool.find(step.context(tool, args), typed) if prior and tool.find else None
        reconciled = found is not None
        output = found if found is not None else tool.run(step.context(tool, args), typed)
    else:
        output = tool.run(step.context(tool, args), tool.args.model_validate(args))
    _annotate(output, tool, unasked)
    seqs, at = RunLog.after(state), step.deps.clock()
    events: list[RunEvent] = step.model.events(seqs, step.deps)
    phase = output.pop("steps") if tool.name == "plan_next" else None  # a run_replanned's, below
    if phase is not None:
        output["steps"] = len(phase)
    events.append(
        seqs.event(
            ToolResult,
            at=at,
            step=state.cursor,
            tool=tool.name,
            args=args,
            output=output,
            reconciled=reconciled,
        )
    )
    if phase is not None:  # the phase planned, with what asking the model for it cost
        used = [u for _, u in step.model.usage]
        events.append(
            seqs.event(
                RunReplanned,
                at=at,
                step=state.cursor,
                phase=output["phase"],
                steps=phase,
                cost_usd=round(sum(u.cost_usd for u in used), 9),
                tokens=sum(u.input_tokens + u.output_tokens for u in used),
            )
        )
    if tool.name == "finish":
        events.append(_finished(state, seqs, at, str(output["summary"])))
    if tool.effect == SideEffect.HUMAN:
        prompt, effects, about = str(output["prompt"])[:2000], tuple[str, ...](), ""
        if tool.name == "request_approval":  # written by code: what approving it lets happen
            (prompt, effects), about = (
                approvals.approval_prompt(state, state.cursor, prompt, titles(step)),
                page_written(state, step.deps.settings.notion_web_base_url),
            )
        events.append(
            seqs.event(
                HumanRequested,
                at=at,
                request_id=str(output["request_id"]),
                step=state.cursor,
                purpose=output["purpose"],
                prompt=prompt,
                effects=effects,
                page_url=about,
            )
        )
    if tool.name == "settle" and (asked := patterns.verdict_request(output)) is not None:
        # An owner's debate: its settlement is the owner's own decision (decision 0128).
        request_id = f"verdict-{state.cursor}"
        events.append(seqs.event(HumanRequested, at=at, request_id=request_id, step=state.cursor, **asked))
    _check_size(tool, state, events)
    return state, events


def _annotate(output: dict[str, Any], tool: Tool, unasked: str | None) -> None:
    """What the log keeps beside a tool's output: why nobody was asked (``unasked``), and for an
    effect whose tool records no inverse, that it cannot be taken back and why (decision 0160)."""
    if unasked is not None:
        output["without_asking"] = unasked
    if tool.needs_intent and "inverse" not in output:
        output["inverse"] = inverses.cannot(inverses.final_reason(tool.name) or inverses.NOT_YET)


def page_written(state: RunState, web: str) -> str:
    """The page the run's steps wrote on since it last asked a person (the latest of them): what a
    ``request_approval`` after them speaks of. It is linked by the url Notion gave (the trigger
    page's, kept at planning), else by its id under ``web`` (Notion's web address); "" when none."""
    known = known_urls([(state.page_id, state.page_url)])
    for planned in reversed(state.steps[: state.cursor - 1]):
        tool = REGISTRY.get(planned.tool)
        if tool is None or tool.effect == SideEffect.HUMAN:
            break
        link = (
            page_link(planned.args.get("page_id"), known, web=web)
            if tool.effect == SideEffect.NOTION_WRITE
            else ""
        )
        if link:
            return link[:500]
    return ""


def _finished(state: RunState, seqs: Seqs, at: datetime, summary: str) -> RunEvent:
    """The run's end at its ``finish``: completed with its summary, or, when its production failed its
    health check and was rolled back, that outcome in code's words (decision 0142)."""
    rolled = state.rolled_back
    if rolled:
        return seqs.event(
            RunFinished, at=at, status=RunStatus.ROLLED_BACK, summary=rolled_back_summary(rolled)
        )
    return seqs.event(RunFinished, at=at, status=RunStatus.COMPLETED, summary=summary)


def _check_bill(step: Step, tool: Tool) -> None:
    """A step whose call a server may bill (an MCP tool's, decision 0221) stops first when the run's,
    the day's or the month's budget is spent, before its intent: the call is not made. A step with an
    intent already goes on, to find its earlier call."""
    state = step.state
    if tool.uses_mcp and not (state.pending is not None and state.pending.step == state.cursor):
        step.model.check()


def _check_room(state: RunState) -> None:
    """A run whose document has no room left for a result (earlier outputs later steps refer to)
    stops before the step, saying why: a write would happen and then not be recorded, a read would
    be refused at every repair. A step with an intent already goes on, to find its earlier effect."""
    if state.pending is not None and state.pending.step == state.cursor:
        return
    used = len(state.model_dump_json().encode())
    if used > RECORD_BYTES - ROOM_BYTES:
        raise PermanentError(
            f"the run's record is full ({used:,} of {RECORD_BYTES:,} bytes, kept for the outputs later "
            f"steps refer to); the run stops before step {state.cursor}, which did not run"
        )


def _check_size(tool: Tool, state: RunState, events: list[RunEvent]) -> None:
    """Refuse a result Firestore would refuse (see the module's doc): fixable when nothing happened."""
    sizes = [len(e.model_dump_json().encode()) for e in events]
    sizes.append(len(fold(events, state).model_dump_json().encode()))  # the run document
    if max(sizes) <= RECORD_BYTES:
        return
    size = f"{max(sizes):,} bytes, over the {RECORD_BYTES:,} a run may record"
    if tool.needs_intent:
        raise PermanentError(
            f"step {state.cursor} ({tool.name}) was carried out, but its result is too large to "
            f"record ({size}); the run stops here"
        )
    raise ModelFixableError(
        f"the result of step {state.cursor} ({tool.name}) is too large to record ({size}): "
        "ask for less (a smaller limit, a narrower filter)"
    )


def held_elsewhere(state: RunState, now: datetime) -> float | None:
    """Seconds for which another delivery still holds the current step: its intent (the log's, which
    the engine folds in from past the run document) is not given up (no error after it) and its
    lease lasts. None when nobody holds it: no intent, a released one, an expired lease (its holder
    died: taken over, :func:`_claim_intent`), or one that keeps repaired arguments only (taken as it is)."""
    pending = state.pending
    if pending is None or pending.step != state.cursor or pending.released:
        return None
    tool = REGISTRY.get(pending.tool)
    wait = (pending.lease_until - now).total_seconds()
    return wait if tool is not None and tool.needs_intent and wait > 0 else None


class IntentClaim(NamedTuple):
    state: RunState  # with the new intent applied
    prior: bool  # an earlier attempt exists: look for its effect before acting
    args: dict[str, Any]  # the intent's arguments: those of an expired intent taken over, if any


def _claim_intent(step: Step, tool: Tool, args: dict[str, Any]) -> IntentClaim:
    """Record the intent (exclusive by seq). Taking over an expired intent keeps its arguments, so
    the tool looks for the effect its holder may have had. A step without effects records one only
    for arguments the model repaired; another delivery's is taken as it is, whatever its lease (a
    duplicate read or draft is harmless: the result write is the exclusive one)."""
    state, deps = step.state, step.deps
    prior = state.pending is not None and state.pending.step == state.cursor
    while True:
        now = deps.clock()
        attempt = state.pending.attempt + 1 if prior and state.pending else 1
        intent = RunLog.after(state).event(
            ToolIntent,
            at=now,
            step=state.cursor,
            tool=tool.name,
            args=args,
            key=step_key(step.tenant_id, step.run_id, state),
            attempt=attempt,
            lease_until=now + timedelta(seconds=deps.settings.step_lease_s),
        )
        if step.log.add_alone(intent):
            return IntentClaim(apply(state, intent), prior, args)
        if not step.whole:  # past the document: an intent, perhaps followed by its result
            raise Collided(state.cursor)
        other = step.log.event_at(intent.seq)
        if isinstance(other, ModelUsed):  # a duplicate's paid calls, recorded alone: the log goes on after
            state = apply(state, other)
            continue
        if not isinstance(other, ToolIntent) or other.step != state.cursor:
            raise Stale()
        if not tool.needs_intent:  # repaired arguments kept, no effect to hold: take them, no lease
            return IntentClaim(apply(state, other), True, other.args)
        if other.lease_until > now:
            raise StepHeld(state.cursor, (other.lease_until - now).total_seconds())
        state, prior, args = apply(state, other), True, other.args
