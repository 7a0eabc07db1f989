"""Slack in the storm (docs/slack.md, decisions 0173, 0195): mentions, direct messages, questions,
strangers' messages and ``/agent`` commands, then later words in their threads (the speaker's, and
another person's), on the Firestore emulator and the code sandbox's Slack, each delivered twice, some
again late, shuffled, a third killed after the ledger's record and a third before its mark, Slack
delivering again after each 500. Then presses on waiting runs, twice, killed after the decision.
Each member's message is one message of their session of the thread and starts one run (or Ask),
each thread gets one answer per message; prints ``RESULT slack_events= runs_started= lost=0
duplicated=0 answered_in_thread= session_messages=``, each figure asserted, its runs in the totals."""

from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from tests.integration.conftest import admin, sandbox
from tests.reliability.conftest import counted, scale
from tests.support.slack.slack_storm import forged, storm
from tests.support.slack.slack_world import world

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
# The fixtures: the code sandbox (its Slack) once per module, and the sandbox's Slack team installed for a
# workspace of Ada and Bo.
__all__ = ["admin", "sandbox", "world"]


def test_each_slack_message_starts_one_run_and_gets_one_answer_in_its_thread(
    world: dict[str, Any], admin: Admin
) -> None:
    figures = storm(world, admin, scale(30, 300), scale(6, 40))
    counted(
        figures,
        f"RESULT slack_events={figures['events']} runs_started={figures['runs_started']} "
        f"lost={figures['lost']} duplicated={figures['duplicated']} "
        f"answered_in_thread={figures['answered_in_thread']} session_messages={figures['session_messages']}",
    )
    assert figures["session_messages"] == figures["said_by_members"], figures
    assert figures["steers_refused"] == figures["later_own"] > 0, figures


def test_a_forged_signature_starts_nothing(world: dict[str, Any]) -> None:
    assert forged(world, 3) == {"sent": 3, "accepted": 0}
    assert world["queue"].tasks == []
