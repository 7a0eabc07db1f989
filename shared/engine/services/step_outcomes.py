"""The outcomes a step tells apart, each an exception its carrying out raises: stale (the run moved on),
needs an approval (with the request to record, and a pull request's files at its base for its diff),
over budget."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.engine.agent import approvals
from shared.engine.services.run_log import RunLog
from shared.runs.domain.events import HumanRequested
from shared.runs.domain.state import RunState


class Stale(Exception):
    """Another delivery moved the run on meanwhile: acknowledge without effect."""


class NeedsApproval(Exception):
    """The step's effect needs its owner's approval, not given yet: the request to record instead."""

    def __init__(
        self, prompt: str, digest: str, args: dict[str, Any], before: dict[str, str | None] | None = None
    ) -> None:
        super().__init__(prompt)
        self.prompt, self.digest, self.call, self.before = prompt, digest, args, before

    def request(self, state: RunState, at: datetime) -> HumanRequested:
        seqs = RunLog.after(state)
        return seqs.event(
            HumanRequested,
            at=at,
            request_id=f"effect-{state.cursor}-{seqs.upcoming}",
            step=state.cursor,
            purpose="approval",
            prompt=self.prompt[: approvals.PROMPT_CHARS],
            effects=(self.digest,),
            call=self.call,
            before=self.before,
        )


BEFORE_CHARS = 200_000  # of a pull request's base files kept with its request (an event is a document)


def once(read: approvals.Current | None) -> approvals.Current | None:
    """``read`` remembering its last answer: the request's diffs and the kept base read GitHub once."""
    if read is None:
        return None
    seen: dict[str, dict[str, str | None]] = {}

    def again(repository: str, base: str, paths: list[str]) -> dict[str, str | None]:
        asked = repr((repository, base, paths))
        if asked not in seen:
            seen[asked] = read(repository, base, paths)
        return seen[asked]

    return again


def kept_base(read: approvals.Current | None, args: dict[str, Any]) -> dict[str, str | None] | None:
    """A pull request's files at its base, for the console's diff (None: no files, no code access, not
    readable now, or more than ``BEFORE_CHARS``)."""
    files = args.get("files")
    if not isinstance(files, list) or read is None:
        return None
    paths = [str(f.get("path", "")) for f in files if isinstance(f, dict)]
    try:
        found = read(str(args.get("repository", "")), str(args.get("base", "")), paths)
    except Exception:  # unreadable now (any failure): the console shows the new content only
        return None
    return found if sum(len(v or "") for v in found.values()) <= BEFORE_CHARS else None


class OverBudget(Exception):
    """A model call would pass the run's (or the workspace's) budget: the reason, for the owner."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
