"""What a run's write to a connected tracker names (decisions 0116, 0122): where it lands, what it answers,
the marker standing for its step key, and the refusal for a tool not connected. Pure."""

from __future__ import annotations

import hashlib
from typing import Any, Literal, NamedTuple

WriteTool = Literal["linear", "gitlab", "motion"]
Output = dict[str, Any]


class Place(NamedTuple):
    """Where a write lands: the tenant's tool and its target (Linear's team id, GitLab's project id or path,
    Motion's workspace id)."""

    tenant_id: str
    tool: WriteTool
    target: str


def marker_of(key: str) -> str:
    """The 32 hex characters standing for ``key`` where the sync puts a page's id."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def unconnected(tool: str) -> str:
    """Why a write to ``tool`` cannot be made: the workspace has not connected it (a model-fixable reason)."""
    return f"{tool} is not connected to this workspace: the owner connects it on the Integrations screen"
