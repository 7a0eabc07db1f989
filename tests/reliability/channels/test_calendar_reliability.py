"""Calendars in the storm (docs/calendar.md, decision 0193): two people's calendars on the Firestore
emulator and the Calendar sandbox, meetings made and changed (one in both calendars), every
notification delivered twice (some pairs at once), one in four again late, all shuffled, a third of
the first deliveries killed after the calendar was read and before the sync token was stored (Google
delivers again after the 500), the tick called between deliveries and again after. Each agent's rule
starts one run per meeting; prints ``RESULT calendar_notifications=<n> runs_started=<n> lost=0
duplicated=0``, each figure asserted, and adds its runs to the storm's totals."""

from typing import Any

import pytest

from tests.reliability.conftest import counted, scale
from tests.support.calendar.calendar_storm import connected, forged, storm
from tests.support.calendar.calendar_world import calendar_world

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
__all__ = ["calendar_world"]


def test_each_meeting_starts_one_run_per_rule_whatever_the_deliveries(calendar_world: dict[str, Any]) -> None:
    connected(calendar_world)
    figures = storm(calendar_world, scale(12, 120))
    counted(
        figures,
        f"RESULT calendar_notifications={figures['notifications']} "
        f"runs_started={figures['runs_started']} lost={figures['lost']} duplicated={figures['duplicated']}",
    )


def test_a_forged_channel_token_reads_nothing(calendar_world: dict[str, Any]) -> None:
    connected(calendar_world)
    assert forged(calendar_world, 4) == {"sent": 4, "accepted": 0}
