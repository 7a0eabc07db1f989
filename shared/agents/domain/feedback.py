"""Feedback that teaches an agent: a person rates one of its runs (good, or bad with a reason).
Reasons given again and again become a proposed edit of its instructions page, which the owner
accepts or dismisses; nothing changes the instructions by itself. Pure models and rules.

Kept on the agent's document (``tenants/{t}/agents/{agent_id}``): its latest ``RATINGS`` ratings and
``PROPOSALS`` proposals, so a rating costs one document write and the planner reads them with the
agent it already reads.
"""

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from shared.platform.domain.schema import Record

RATINGS = 50  # latest ratings an agent keeps
PROPOSALS = 20  # latest proposals an agent keeps
REASON_CHARS = 500
SIMILAR = 0.5  # the share of salient words two reasons have in common (Jaccard) to count as one
REPEATED = 2  # similar reasons of different runs that make a proposal
_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)
_PLAIN_WORDS = (  # words too common to tell two reasons alike
    "the and but not you your this that these those with from into for are was were has have had its "
    "please should would could can will just also very more less about when what which who"
)
_PLAIN = frozenset(_PLAIN_WORDS.split())
type Verdict = Literal["good", "bad"]
type ProposalStatus = Literal["open", "accepted", "dismissed"]


class Rating(Record):
    """A person's verdict on one run of the agent; ``reason`` is required when it is bad."""

    run_id: str
    verdict: Verdict
    reason: Annotated[str, Field(max_length=REASON_CHARS)] = ""
    by: str  # the member who rated it
    at: datetime


class Proposal(Record):
    """An edit of the agent's instructions proposed from repeated reasons: ``line`` appended to its
    instructions page when the owner accepts it."""

    proposal_id: str
    line: Annotated[str, Field(max_length=REASON_CHARS + 40)]
    runs: tuple[str, ...]  # the rated runs whose reasons it comes from
    status: ProposalStatus = "open"
    at: datetime
    decided_by: str = ""
    decided_at: datetime | None = None


def salient(text: str) -> frozenset[str]:
    """The words of ``text`` that carry its meaning: 3 letters or more, lower case, accents folded,
    common words left out."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return frozenset(w for w in _WORD.findall(plain) if w not in _PLAIN)


def similar(a: str, b: str) -> bool:
    """Whether two reasons say the same: at least ``SIMILAR`` of their salient words in common."""
    x, y = salient(a), salient(b)
    return bool(x and y) and len(x & y) / len(x | y) >= SIMILAR


def rated(ratings: Sequence[Rating], rating: Rating) -> tuple[Rating, ...]:
    """``ratings`` with ``rating`` in place of the same person's earlier one of the same run, the
    latest ``RATINGS`` kept."""
    kept = [r for r in ratings if (r.run_id, r.by) != (rating.run_id, rating.by)]
    return (*kept, rating)[-RATINGS:]


def proposal_from(
    ratings: Sequence[Rating], proposals: Sequence[Proposal], proposal_id: str, now: datetime
) -> Proposal | None:
    """A proposal when the latest bad rating's reason was given, similar, for ``REPEATED`` different
    runs or more. None when a proposal came from a reason like it already (open, accepted or
    dismissed: a dismissed edit is not proposed again). Its line is that latest reason."""
    bad = [r for r in ratings if r.verdict == "bad" and r.reason.strip()]
    if not bad:
        return None
    latest = bad[-1]
    alike = {r.run_id for r in bad if similar(r.reason, latest.reason)}
    if len(alike) < REPEATED:
        return None
    if any(similar(p.line, latest.reason) for p in proposals):
        return None
    line = " ".join(latest.reason.split())
    return Proposal(proposal_id=proposal_id, line=line, runs=tuple(sorted(alike)), at=now)


def decided(
    proposals: Sequence[Proposal], proposal_id: str, status: ProposalStatus, by: str, now: datetime
) -> tuple[Proposal, ...]:
    """``proposals`` with the open one named ``proposal_id`` marked ``status``."""
    return tuple(
        p.model_copy(update={"status": status, "decided_by": by, "decided_at": now})
        if p.proposal_id == proposal_id and p.status == "open"
        else p
        for p in proposals
    )
