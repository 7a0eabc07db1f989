"""Fixtures of the unit tests that drive entry points (test modules may still define their own)."""

import pytest

from tests.api_fakes import FakeContainer


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    """The ports of every entry point, as fakes, for the test's requests."""
    container = FakeContainer()
    return container
