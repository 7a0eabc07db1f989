"""Feedback on runs: ``POST /runs/<run_id>/rating`` (good, or bad with a reason) and the owner's
decision on an instructions edit proposed from repeated reasons, ``POST
/agents/<agent_id>/proposals/<proposal_id>`` (``shared.agents.services.feedback``)."""

import re
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from functions.routes.agents_api.agents import _agent_id
from functions.routes.runs_api.runs import run_id_of
from shared.agents.domain.feedback import REASON_CHARS
from shared.agents.services import feedback
from shared.platform.domain.schema import Schema
from shared.platform.errors import NotFound


class RatingBody(Schema):
    model_config = ConfigDict(extra="forbid")

    verdict: Literal["good", "bad"] = Field(description="Whether the run did what was wanted")
    reason: Annotated[str, Field(max_length=REASON_CHARS)] = Field(
        "", description="Why it was not right (required when bad): the agent's next runs are told it"
    )


class Decision(Schema):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept", "dismiss"] = Field(
        description="accept: its line is appended to the agent's instructions page; dismiss: dropped"
    )


def rate(call: Call) -> Reply:
    body = parse_json(call.request, RatingBody)
    c = call.container
    return feedback.rate_run(
        call.tenant_id, run_id_of(call), call.member_id, body.verdict, body.reason,
        runs=c.engine(with_model=False).store, agents=c.agents.agents,
    ), 200  # fmt: skip


def decide(call: Call) -> Reply:
    body = parse_json(call.request, Decision)
    proposal_id = str(call.args["proposal_id"])
    if not re.fullmatch(r"[0-9a-f]{12}", proposal_id):
        raise NotFound("this agent has no proposal of that id")
    c = call.container
    return feedback.decide_proposal(
        call.tenant_id, _agent_id(call), proposal_id, body.decision, call.member_id,
        agents=c.agents.agents, notion=c.notion.tenant_notion(call.tenant_id),
    ), 200  # fmt: skip
