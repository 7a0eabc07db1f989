"""Fixtures of the unit tests that drive entry points (test modules may still define their own)."""

import pytest

from tests.support.platform.fake_container import FakeContainer


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    """The ports of every entry point, as fakes, for the test's requests."""
    container = FakeContainer()
    return container
