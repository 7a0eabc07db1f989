"""Calendars in the storm (docs/calendar.md, decision 0193): two people's calendars on the Firestore
emulator and the Calendar sandbox, meetings made and changed (one in both calendars), every
notification delivered twice (some pairs at once), one in four again late, all shuffled, a third of
the first deliveries killed after the calendar was read and before the sync token was stored (Google
delivers again after the 500), the tick called between deliveries and again after. Each agent's rule
starts one run per meeting; prints ``RESULT calendar_notifications=<n> runs_started=<n> lost=0
duplicated=0``, each figure asserted, and adds its runs to the storm's totals."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.agents.adapters.firestore_agents import FirestoreAgents
from shared.agents.domain.agents import Agent
from shared.agents.domain.calendar_rules import CalendarRule, calendar_run_id
from shared.calendar.services.connect import connect_calendar
from shared.calendar.services.intake import receive
from shared.calendar.services.triggers import CalendarTick, tick
from shared.platform.errors import TransientError
from shared.runs.domain.plan_task import PlanTask
from tests.reliability.conftest import TOTALS, scale
from tests.support.calendar.calendar_world import EDITOR, OWNER, REFRESH, calendar_world
from tests.support.calendar.events import meeting
from tests.support.platform.platform_fakes import FakeQueue

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
__all__ = ["calendar_world"]
RULES = (CalendarRule(on="before", minutes=15), CalendarRule(on="after"))


class KilledLinks:
    """The links whose instance dies once for each (channel, message number) of ``doomed`` that gets
    as far as storing: after the calendar was read and kept, before the sync token and number are."""

    def __init__(self, inner: Any, doomed: set[tuple[str, int]]) -> None:
        self.inner, self.doomed, self.killed = inner, set(doomed), 0

    def advance(self, person: str, channel_id: str, number: int, sync_token: str) -> bool:
        if (channel_id, number) in self.doomed:
            self.doomed.discard((channel_id, number))
            self.killed += 1
            raise TransientError("the instance died before the sync token was stored")
        return bool(self.inner.advance(person, channel_id, number, sync_token))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _deliver(intake: Any, headers: dict[str, str]) -> str:
    try:
        return str(receive(headers, intake)["result"])
    except TransientError:
        return "killed"


def test_each_meeting_starts_one_run_per_rule_whatever_the_deliveries(calendar_world: dict[str, Any]) -> None:
    world, sandbox, rng = calendar_world, calendar_world["sandbox"], random.Random(81)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    bo = "1//sandbox-refresh-bo-calendar"
    sandbox.connect(EDITOR, bo)
    connect_calendar(OWNER, world["tenant"].tenant_id, "u-ada", REFRESH, world["intake"])
    connect_calendar(EDITOR, world["tenant"].tenant_id, "u-bo", bo, world["intake"])
    agents = FirestoreAgents(world["db"])
    agents.create(
        world["tenant"].tenant_id,
        Agent(agent_id="briefer", name="Briefer", created_at=now, updated_at=now, calendar_triggers=RULES),
    )
    made: dict[str, datetime] = {}
    for n in range(scale(12, 120)):
        start = now + timedelta(minutes=5 + n % 10)
        body = meeting(f"Meeting {n}", start, minutes=15 + n % 3 * 5) | {"id": f"ev{n:04d}"}
        for person in (OWNER, EDITOR) if n % 4 == 0 else (rng.choice((OWNER, EDITOR)),):
            sandbox.put_event(person, body)
        if n % 3 == 0:
            sandbox.put_event(OWNER if n % 4 else EDITOR, body | {"location": "Room 2"})
        made[body["id"]] = start
    pushes = [h for _, h in sandbox.pushes]
    doomed = {(h["X-Goog-Channel-ID"], int(h["X-Goog-Message-Number"])) for h in pushes[0::3]}
    links = KilledLinks(world["intake"].links, doomed)
    intake = replace(world["intake"], links=links)
    parts = CalendarTick(intake, world["tenants"], agents, FakeQueue())
    together = {id(h) for h in pushes[1::4]}
    deliveries = [h for h in pushes for _ in range(1 if id(h) in together else 2)]
    rng.shuffle(deliveries)
    deliveries += pushes[::4]  # late, after all the others
    outcomes: Counter[str] = Counter()
    while deliveries:
        one = deliveries.pop(0)
        pair = 2 if id(one) in together else 1
        together.discard(id(one))
        with ThreadPoolExecutor(pair) as both:
            for outcome in both.map(_deliver, [intake] * pair, [one] * pair):
                outcomes[outcome] += 1
                if outcome == "killed":  # Google's retry, later
                    deliveries.insert(rng.randrange(len(deliveries) + 1), one)
        if rng.random() < 0.2:
            tick(parts, now)  # the tick, between deliveries
    for minutes in (0, 0, 1, 4, 60, 60, 65):  # before every meeting's start, then after every end
        tick(parts, now + timedelta(minutes=minutes))
    queue = parts.queue
    assert isinstance(queue, FakeQueue)
    started = Counter(b.run_id for _, b, _, _ in queue.tasks if isinstance(b, PlanTask))
    expected = {calendar_run_id("briefer", r, e, s) for e, s in made.items() for r in RULES}
    lost = len(expected - set(started))
    duplicated = sum(n - 1 for n in started.values()) + len(set(started) - expected)
    print(
        f"RESULT calendar_notifications={len(pushes)} runs_started={sum(started.values())} "
        f"lost={lost} duplicated={duplicated}"
    )
    TOTALS.update({"runs": sum(started.values()), "lost": lost})
    TOTALS["duplicated_effects"] += duplicated
    assert (lost, duplicated) == (0, 0), (outcomes, started)
    assert sum(started.values()) == 2 * len(made)
    # a doomed push that came after a newer one read nothing, so reached no store to be killed at
    assert links.killed == outcomes["killed"] > 0
    assert outcomes["duplicate"] > 0 and outcomes["synced"] > 0
