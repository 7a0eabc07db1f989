"""Shared by several test modules: helpers first written for ``tests/unit/test_runs.py``."""

from shared.services.deps import Deps
from tests.fakes import FakeQueue, FakeRunStore


def queue_of(deps: Deps) -> FakeQueue:
    assert isinstance(deps.queue, FakeQueue)
    return deps.queue


def store_of(deps: Deps) -> FakeRunStore:
    assert isinstance(deps.store, FakeRunStore)
    return deps.store
