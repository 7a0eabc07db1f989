"""Calendars' storm (docs/calendar.md, decision 0193), shared by the reliability test and ``make
bench-channels``: meetings made and changed in two calendars, every notification delivered twice,
some late, shuffled, a third killed before the sync token was stored; and forged notifications (a
channel token not the channel's), each to be refused. :func:`storm` asserts, returns its figures."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.agents.adapters.firestore_agents import FirestoreAgents
from shared.agents.domain.agents import Agent
from shared.agents.domain.calendar_rules import CalendarRule, calendar_run_id
from shared.calendar.services.connect import connect_calendar
from shared.calendar.services.intake import receive
from shared.calendar.services.triggers import CalendarTick, tick
from shared.platform.errors import Forbidden, TransientError, Unauthenticated
from shared.runs.domain.plan_task import PlanTask
from tests.support.calendar.calendar_world import EDITOR, OWNER, REFRESH
from tests.support.calendar.events import meeting
from tests.support.platform.platform_fakes import FakeQueue

RULES = (CalendarRule(on="before", minutes=15), CalendarRule(on="after"))
BO_REFRESH = "1//sandbox-refresh-bo-calendar"


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


def connected(world: dict[str, Any]) -> None:
    """Ada's and Bo's calendars connected for the workspace (each channel's ``sync`` sent)."""
    world["sandbox"].connect(EDITOR, BO_REFRESH)
    connect_calendar(OWNER, world["tenant"].tenant_id, "u-ada", REFRESH, world["intake"])
    connect_calendar(EDITOR, world["tenant"].tenant_id, "u-bo", BO_REFRESH, world["intake"])


def forged(world: dict[str, Any], n: int) -> dict[str, int]:
    """``n`` notifications of the connected channels, past their last number, each with a channel token
    not the channel's (or none): ``sent``, and ``accepted`` (answered as Google's)."""
    channels = {h["X-Goog-Channel-ID"]: h for _, h in world["sandbox"].pushes}
    accepted = 0
    for i in range(n):
        real = list(channels.values())[i % len(channels)]
        headers = real | {"X-Goog-Message-Number": str(10_000 + i), "X-Goog-Resource-State": "exists"}
        if i % 4:
            headers["X-Goog-Channel-Token"] = f"forged-{i}"
        else:
            headers.pop("X-Goog-Channel-Token", None)
        try:
            receive(headers, world["intake"])
            accepted += 1
        except (Unauthenticated, Forbidden):
            pass
    return {"sent": n, "accepted": accepted}


def storm(world: dict[str, Any], meetings: int, seed: int = 81) -> dict[str, int]:
    """``meetings`` meetings through the storm, the calendars connected first (:func:`connected`), every
    planned kill asserted made: ``notifications``, ``runs_started`` (of ``runs_expected``), ``lost``,
    ``duplicated``, for the caller to assert."""
    sandbox, rng = world["sandbox"], random.Random(seed)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    agents = FirestoreAgents(world["db"])
    agents.create(
        world["tenant"].tenant_id,
        Agent(agent_id="briefer", name="Briefer", created_at=now, updated_at=now, calendar_triggers=RULES),
    )
    made: dict[str, datetime] = {}
    for n in range(meetings):
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
    # a doomed push that came after a newer one read nothing, so reached no store to be killed at
    assert links.killed == outcomes["killed"] > 0
    assert outcomes["duplicate"] > 0 and outcomes["synced"] > 0
    return {
        "notifications": len(pushes),
        "runs_started": sum(started.values()),
        "runs_expected": 2 * len(made),
        "lost": lost,
        "duplicated": duplicated,
    }
