"""An agent's Slack channels (docs/slack.md): the channels whose mentions and ``/agent`` commands start
it rather than the default agent, each one agent's at most. Pure: which agent a channel starts, and
which channels of a change another agent holds already."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Protocol

from pydantic import Field

SLACK_CHANNEL = r"^[CG][A-Z0-9]{2,31}$"  # a channel's id as Slack writes it (public C…, private G…)
MAX_SLACK_CHANNELS = 20
type SlackChannels = Annotated[
    list[Annotated[str, Field(pattern=SLACK_CHANNEL)]], Field(max_length=MAX_SLACK_CHANNELS)
]


class Agent(Protocol):
    """What of an agent (``shared.agents.domain.agents.Agent``) its channels are read with."""

    @property
    def agent_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def paused(self) -> bool: ...
    @property
    def slack_channels(self) -> tuple[str, ...]: ...


def channel_agent(agents: Sequence[Agent], channel: str) -> str | None:
    """The agent a Slack ``channel``'s mention starts: the one whose ``slack_channels`` hold it (a
    channel is one agent's at most), unless it is paused; None (the default agent) otherwise."""
    found = next((a for a in agents if channel and channel in a.slack_channels), None)
    return found.agent_id if found is not None and not found.paused else None


def channel_clashes(
    channels: Sequence[str], taken: Sequence[Agent], agent_id: str | None
) -> list[tuple[str, str]]:
    """Each of ``channels`` (of agent ``agent_id``'s change) another of ``taken`` holds: its field and why."""
    found = []
    for i, channel in enumerate(channels):
        holder = next((a for a in taken if a.agent_id != agent_id and channel in a.slack_channels), None)
        if holder is not None:
            found.append((f"slack_channels.{i}", f"{holder.name} is started from that channel already"))
    return found
