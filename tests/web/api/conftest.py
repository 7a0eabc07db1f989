"""The schemathesis modules' stack: each test on a local stack of its own, started for it and stopped
after (the flows' shared stacks, tests/web/conftest.py, hold other tenants' state)."""

from collections.abc import Iterator

import pytest

from local.stack import LocalStack
from tests.web.browser import FAST_NOTION


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    """A whole local stack for one test, its Notion and the api unpaced (``FAST_NOTION``)."""
    with LocalStack(extra_env=FAST_NOTION) as running:
        yield running
