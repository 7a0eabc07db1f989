"""The schemathesis modules' stack: each test on a local stack of its own, started for it and stopped
after (the flows' shared stacks, tests/web/conftest.py, hold other tenants' state)."""

from collections.abc import Iterator

import pytest

from local.stack import LocalStack
from tests.web.browser import FAST_NOTION


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    """A whole local stack for one test, its Notion and the api unpaced (``FAST_NOTION``)."""
    # A stream (GET /runs/{id}/events) of a run still going ends at its deadline: short here, so each
    # such case answers within schemathesis' max_response_time and the pass stays quick.
    with LocalStack(
        extra_env=FAST_NOTION | {"NA_STREAM_DEADLINE_S": "0.5", "NA_STREAM_POLL_S": "0.1"}
    ) as running:
        yield running
