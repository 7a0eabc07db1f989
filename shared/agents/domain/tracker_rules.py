"""Trigger rules on Linear and GitLab events (decision 0121): an issue assigned to the agent's tracker
user, or an issue or comment newly mentioning it, in a team or project the rule names and the agent's
reach holds. Pure: which agent's rule an event meets, and the run it names (one per event and agent)."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Literal

from pydantic import Field

from shared.platform.domain.schema import Record
from shared.sync.domain.tracker_signals import TrackerSignal

MAX_TRACKER_RULES = 10  # per agent
TRIGGER_TOOLS = ("linear", "gitlab")  # the trackers whose events start runs (Motion's come by polling)


class TrackerRule(Record):
    """An event of ``target`` (``linear:<team id>``, ``gitlab:<project id or path>``) that starts the
    agent: ``assigned``, an issue assigned to ``user`` (the tracker's user id or username);
    ``mentioned``, text newly holding ``@user`` (a username)."""

    on: Literal["assigned", "mentioned"]
    target: Annotated[str, Field(pattern=r"^(linear|gitlab):[A-Za-z0-9_.\-/]{1,200}$")]
    user: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]{1,100}$")]

    def words(self) -> str:
        """The rule as a run's StartedBy shows it."""
        what = "an issue assigned to" if self.on == "assigned" else "an issue or comment mentioning"
        return f"{what} {self.user} in {self.target}"


def mentions(text: str, user: str) -> bool:
    """Whether ``text`` mentions ``user``: ``@user`` as a whole word, or a link to the user's Linear
    profile (``/profiles/<user>``), in any case."""
    name = re.escape(user)
    found = rf"(?<![\w@])@{name}(?![\w.-])|/profiles/{name}(?![\w.-])"
    return re.search(found, text, re.IGNORECASE) is not None


def within_reach(signal: TrackerSignal, reach: list[str] | tuple[str, ...]) -> bool:
    """Whether the event's team or project is in an agent's tracker reach. An empty reach is the
    connected team or project, the only one the intake passes on (decision 0116)."""
    if not reach:
        return True
    return any(f"{signal.tool}:{name}" in reach for name in signal.targets)


def meets(rule: TrackerRule, signal: TrackerSignal) -> bool:
    """Whether ``signal`` is an event ``rule`` names: its tool and target, and its user newly assigned
    or newly mentioned."""
    tool, _, target = rule.target.partition(":")
    if tool != signal.tool or target not in signal.targets:
        return False
    if rule.on == "assigned":
        return rule.user.lower() in {a.lower() for a in signal.assigned}
    return mentions(signal.text, rule.user) and not mentions(signal.before, rule.user)


def rule_met(
    rules: tuple[TrackerRule, ...], reach: list[str] | tuple[str, ...], signal: TrackerSignal
) -> TrackerRule | None:
    """The first of an agent's ``rules`` the event meets, if the event is within its ``reach``."""
    if signal.tool not in TRIGGER_TOOLS or not within_reach(signal, reach):
        return None
    return next((r for r in rules if meets(r, signal)), None)


def tracker_run_id(agent_id: str, signal: TrackerSignal) -> str:
    """The run an event starts for an agent: the same for every delivery of the event, so the run's
    create-if-absent lets one through."""
    digest = hashlib.sha256(f"{signal.tool}\n{signal.key}\n{agent_id}".encode()).hexdigest()[:24]
    return f"tk-{signal.tool}-{digest}"
