"""Shared by several test modules: helpers first written for ``tests/unit/runs/test_runs.py``."""

from datetime import datetime
from typing import Any

from shared.runs.domain.events import PlannedStep, RunPlanned
from shared.runs.services.deps import Deps
from tests.support.platform.platform_fakes import FakeQueue
from tests.support.runs.run_store import FakeRunStore


def queue_of(deps: Deps) -> FakeQueue:
    assert isinstance(deps.queue, FakeQueue)
    return deps.queue


def store_of(deps: Deps) -> FakeRunStore:
    assert isinstance(deps.store, FakeRunStore)
    return deps.store


def finish_head(at: datetime, goal: str, trigger: str, summary: str = "x", **fields: Any) -> RunPlanned:
    """A run's first event: a plan of one ``finish`` step (with ``summary``) made at ``at`` for ``goal``,
    started by ``trigger``; ``fields``: :class:`RunPlanned`'s others (a page, a reach, an agent...)."""
    step = PlannedStep(tool="finish", args={"summary": summary})
    return RunPlanned(seq=1, at=at, goal=goal, trigger=trigger, steps=[step], **fields)
