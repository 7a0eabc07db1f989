"""The offline model's debates and panels. An agent told to "hold a debate" or
"hold a panel" plans one, settles it and writes the verdict on its page. A child of one (its goal
names its role) answers at once, saying whose fenced answers it was shown."""

import re
from typing import Any

from shared.platform.domain.offline_ideas import plan_step as _step

_DEBATE = re.compile(r"\bhold a debate\b", re.IGNORECASE)
_PANEL = re.compile(r"\bhold (?:a |an )?(?:expert )?panel\b", re.IGNORECASE)
_ROUNDS = re.compile(r"\bover (\d) rounds\b", re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween (?:the )?agents? ([a-z0-9-]+) and ([a-z0-9-]+)\b", re.IGNORECASE)
_BY = re.compile(r"\b(?:judged|merged|settled) by (?:the )?\"?([a-z0-9][a-z0-9-]{0,39})\b", re.IGNORECASE)
_TOPIC = re.compile(r"\bon \"([^\"\n]{1,200})\"", re.IGNORECASE)
_ROLE = re.compile(
    r"You are (?:participant \d+ of a debate|specialist \d+ of a panel|the judge of a debate|the lead of a panel)"
    r"|Round \d+ of a debate"
)
_QUOTED = re.compile(r'<untrusted from="([^"]+)">')


def child_plan(goal: str) -> dict[str, Any] | None:
    """A debate's or panel's child: finish with its answer (its role, whom it read); None otherwise."""
    role = _ROLE.search(goal)
    if role is None:
        return None
    seen = list(dict.fromkeys(_QUOTED.findall(goal)))
    judging = "judge" in role[0] or "lead" in role[0]
    head = "Verdict" if "judge" in role[0] else "Merged result" if "lead" in role[0] else "Answer"
    said = f"{head} after reading {len(seen)}: {', '.join(seen)}" if seen else f"{head}: a first view"
    summary = said if judging or seen else f"{said} on {goal.splitlines()[-1][:200]}"
    return {
        "goal": goal,
        "risk": "low",
        "on_reject": "end",
        "steps": [_step("finish", "answered", summary=summary[:2000])],
    }


def pattern_plan(page: dict[str, Any], goal: str) -> dict[str, Any] | None:
    """A debate or a panel, settled, its verdict written on the page; None for any other goal. A
    debate: "hold a debate between agents a and b" (else the two model families), "over N rounds",
    "judged by <agent>". A panel: "hold a panel", topics "on \"…\"", "merged by <agent>"."""
    pid = str(page.get("id") or "")
    by = _BY.search(goal)
    about = f"{page.get('title') or 'this page'}"[:600]
    if pid and _DEBATE.search(goal):
        pair = _BETWEEN.search(goal)
        members = (
            [{"agent_id": pair[1].lower()}, {"agent_id": pair[2].lower()}]
            if pair
            else [{"family": "gemini"}, {"family": "claude"}]
        )
        rounds = _ROUNDS.search(goal)
        start = _step(
            "debate",
            "several answers, then a judge",
            input=about,
            participants=members,
            rounds=int(rounds[1]) if rounds else 2,
            judge=by[1].lower() if by else None,
        )
    elif pid and _PANEL.search(goal) and (topics := _TOPIC.findall(goal)):
        start = _step(
            "panel",
            "a section each, then merged",
            input=about,
            specialists=[{"topic": t} for t in topics[:4]],
            lead=by[1].lower() if by else None,
        )
    else:
        return None
    verdict = "Settled by ${steps.2.settled_by}: ${steps.2.verdict}"
    settle = _step("settle", "wait for the verdict", pattern_step=1)
    write = _step("append_blocks", "write the verdict", page_id=pid, text=verdict)
    steps = [start, settle, write, _step("finish", "done", summary="Settled: ${steps.2.verdict}")]
    return {"goal": goal, "risk": "low", "on_reject": "end", "steps": steps}
