"""What the feedback routes answer (``functions.routes.agents_api.feedback``)."""

from datetime import datetime

from pydantic import Field

from shared.agents.domain.feedback import Proposal
from shared.platform.domain.schema import Schema


class Rated(Schema):
    run_id: str
    verdict: str
    reason: str
    by: str = Field(description="The member who rated it")
    at: datetime
    agent_id: str = Field(description="The agent the rating teaches")
    proposal: Proposal | None = Field(
        description="An edit of the agent's instructions this reason, given again, proposes (the owner decides)"
    )


class ProposalDecided(Schema):
    agent_id: str
    proposal: Proposal
