"""Feedback on runs (docs/engine.md, "Earlier runs and feedback"; decision 0099). A person rates an
ended run of an agent, good or bad with a reason. Reasons repeated for different runs become a
proposed edit of the agent's instructions page, which only the owner applies (accept) or drops.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from shared.agents.domain.agents import DEFAULT_AGENT_ID
from shared.agents.domain.feedback import (
    PROPOSALS,
    REASON_CHARS,
    ProposalStatus,
    Rating,
    decided,
    proposal_from,
    rated,
)
from shared.agents.domain.records import RunRating
from shared.agents.services.records import keep_rating
from shared.notion.domain.blocks import text_blocks
from shared.platform.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from shared.agents.ports import AgentStore
    from shared.notion.ports import TenantNotion
    from shared.runs.ports import RunStore

type JSON = dict[str, Any]
ENDED = frozenset({"completed", "failed", "cancelled", "rolled_back"})


def rate_run(
    tenant_id: str,
    run_id: str,
    member_id: str,
    verdict: str,
    reason: str,
    *,
    runs: RunStore,
    agents: AgentStore,
    now: datetime | None = None,
) -> JSON:
    """``member_id``'s verdict on the ended run ``run_id`` (``good``, or ``bad`` with a ``reason``),
    kept on the run's agent in place of their earlier one of it. A bad one whose reason was given,
    similar, for another run too proposes an edit of the agent's instructions (returned as
    ``proposal``; never applied here). NotFound for an unknown run or a deleted agent; InvalidInput
    for a bad verdict without a reason; Conflict for a run not ended."""
    now = now or datetime.now(UTC)
    reason = " ".join(reason.split())
    if verdict not in ("good", "bad"):
        raise InvalidInput("a rating is good or bad", ["verdict"])
    if verdict == "bad" and not reason:
        raise InvalidInput("say why the run was not right: the reason teaches the agent", ["reason"])
    if len(reason) > REASON_CHARS:
        raise InvalidInput(f"a reason has at most {REASON_CHARS} characters", ["reason"])
    run = runs.get_run(tenant_id, run_id)
    if run is None:
        raise NotFound("this workspace has no run of that id")
    if str(run.state.status) not in ENDED:
        raise Conflict("rate a run once it has ended")
    agent_id = run.state.agent_id or DEFAULT_AGENT_ID
    rating = Rating(
        run_id=run_id, verdict="good" if verdict == "good" else "bad", reason=reason, by=member_id, at=now
    )
    made: list[Any] = []

    def change(agent: Any) -> Any:
        ratings = rated(agent.ratings, rating)
        proposal = (
            proposal_from(ratings, agent.proposals, uuid4().hex[:12], now) if verdict == "bad" else None
        )
        made[:] = [proposal] if proposal else []
        proposals = (*agent.proposals, *made)[-PROPOSALS:]
        return agent.model_copy(update={"ratings": ratings, "proposals": proposals})

    if agents.update(tenant_id, agent_id, change) is None:
        raise NotFound("the run's agent was deleted: there is nothing to teach")
    kept = RunRating(by=member_id, verdict=rating.verdict, reason=reason, at=now)
    keep_rating(agents, tenant_id, run_id, run.state, kept)  # its record (decision 0170)
    shown = rating.model_dump(mode="json")
    return shown | {"agent_id": agent_id, "proposal": made[0].model_dump(mode="json") if made else None}


def decide_proposal(
    tenant_id: str,
    agent_id: str,
    proposal_id: str,
    decision: str,
    member_id: str,
    *,
    agents: AgentStore,
    notion: TenantNotion,
    now: datetime | None = None,
) -> JSON:
    """The owner's decision on an open proposal: ``accept`` appends its line to the agent's
    instructions page (then that version is the accepted one, when the page was as last accepted),
    ``dismiss`` drops it. NotFound for an unknown agent or proposal; Conflict for one decided already
    or an agent without an instructions page."""
    from shared.agents.services.agents import agent_of, read_instructions

    now = now or datetime.now(UTC)
    if decision not in ("accept", "dismiss"):
        raise InvalidInput("a proposal is accepted or dismissed", ["decision"])
    agent = agent_of(tenant_id, agent_id, agents)
    proposal = next((p for p in agent.proposals if p.proposal_id == proposal_id), None)
    if proposal is None:
        raise NotFound("this agent has no proposal of that id")
    if proposal.status != "open":
        raise Conflict(f"this proposal was {proposal.status} already")
    update: JSON = {}
    if decision == "accept":
        if not agent.instructions_page_id:
            raise Conflict("this agent has no instructions page to edit")
        before = read_instructions(notion, agent)
        notion.append_blocks(agent.instructions_page_id, text_blocks("paragraph", proposal.line))
        after = read_instructions(notion, agent)
        accepted = agent.accepted.content_hash if agent.accepted is not None else None
        if before is not None and after is not None and before.version.content_hash == accepted:
            update["accepted"] = after.version.model_copy(update={"text": after.text})
    status: ProposalStatus = "accepted" if decision == "accept" else "dismissed"

    def change(current: Any) -> Any:
        return current.model_copy(
            update=update | {"proposals": decided(current.proposals, proposal_id, status, member_id, now)}
        )

    changed = agents.update(tenant_id, agent.agent_id, change)
    if changed is None:
        raise NotFound("this workspace has no agent of that id")
    done = next(p for p in changed.proposals if p.proposal_id == proposal_id)
    return {"agent_id": agent.agent_id, "proposal": done.model_dump(mode="json")}
