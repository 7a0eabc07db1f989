"""A thread's reply without a mention in Slack's worst case (decision 0201), on the Firestore emulator
and the code sandbox's Slack: the same reply as two events (two event ids) each delivered three times
at once, and the deliveries told to come back (503) delivered again a minute later. The run's question
is answered once, and the thread is told once."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.platform.errors import TransientError
from shared.runs.domain.events import HumanResponded
from shared.slack.services.events import SlackIntake, receive
from tests.integration.conftest import admin, sandbox
from tests.support.slack.slack_events import CHANNEL, signed
from tests.support.slack.slack_world import world
from tests.support.slack.thread_replies import asking_thread, reply

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
__all__ = ["admin", "sandbox", "world"]  # the fixtures: the sandbox, its Slack team installed for Ada and Bo


def _deliver(intake: SlackIntake, event: dict[str, Any], retry: int, now: datetime | None = None) -> str:
    try:
        return str(receive(*signed(event, retry=retry), intake, now=now)["result"])
    except TransientError:  # an earlier delivery is at work: Slack delivers again later
        return "later"


def test_a_reply_sent_as_twins_at_once_answers_the_question_once(world: dict[str, Any], admin: Admin) -> None:
    intake, ts, run_id = asking_thread(world, admin)
    said = reply(world["users"]["bo"], "formal, please", "Ev0TWIN00001", f"{ts}1", ts)
    twins = [said, said | {"event_id": "Ev0TWIN00002"}]
    deliveries = [(twin, retry) for retry in range(3) for twin in twins]
    with ThreadPoolExecutor(len(deliveries)) as pool:
        first = list(pool.map(lambda d: _deliver(intake, *d), deliveries))
    later = datetime.now(UTC) + timedelta(minutes=1)
    again = [
        _deliver(intake, twin, 3, later)
        for (twin, _), was in zip(deliveries, first, strict=True)
        if was == "later"
    ]
    results = [r for r in first + again if r != "later"]
    assert results.count("steered") == 1 and set(results) <= {"steered", "duplicate"}, (first, again)
    events = world["runs"].list_events(world["tenant"].tenant_id, run_id)
    assert [e.text for e in events if isinstance(e, HumanResponded)] == ["formal, please"]
    told = [m["text"] for m in admin.slack_messages(CHANNEL) if m.get("thread_ts") == ts and m.get("bot_id")]
    assert sum(t.startswith("Taken by the run this thread started") for t in told) == 1
