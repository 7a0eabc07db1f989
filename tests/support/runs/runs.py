"""Shared by several test modules: helpers first written for ``tests/unit/runs/test_runs.py``."""

from shared.runs.services.deps import Deps
from tests.fakes import FakeQueue, FakeRunStore


def queue_of(deps: Deps) -> FakeQueue:
    assert isinstance(deps.queue, FakeQueue)
    return deps.queue


def store_of(deps: Deps) -> FakeRunStore:
    assert isinstance(deps.store, FakeRunStore)
    return deps.store
