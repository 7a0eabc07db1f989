"""A calendar's pushes over the Firestore emulator and the Calendar sandbox: connecting reads the
calendar and watches it; each notification is read once from the stored sync token, however often and
in whatever order it comes; a 410 falls back to a full sync; a forged, absent or old channel's token
reads and stores nothing; the channel is renewed before it ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.calendar.adapters.firestore_links import MEETINGS
from shared.calendar.services.connect import renew_channels
from shared.calendar.services.intake import receive
from shared.platform.errors import Forbidden, InvalidInput, Unauthenticated
from shared.workspace.domain.tenants import address_hash
from tests.support.calendar.calendar_world import OWNER, PUSH_URL, calendar_world, connect, pushed
from tests.support.calendar.events import meeting

__all__ = ["calendar_world"]
SOON = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=3)


def _kept(world: dict[str, Any]) -> list[str]:
    return sorted(s.to_dict()["summary"] for s in world["db"].collection(MEETINGS).stream())


def test_connecting_reads_the_calendar_and_each_push_is_read_once(calendar_world: dict[str, Any]) -> None:
    world, sandbox = calendar_world, calendar_world["sandbox"]
    sandbox.put_event(OWNER, meeting("Pricing review", SOON, attendees=("bo@acme.example",)))
    sandbox.put_event(OWNER, meeting("Offsite", SOON + timedelta(days=30)))  # beyond two weeks
    link = connect(world)
    assert link.channel_id and link.sync_token and len(link.channel_token_sha256) == 64
    assert _kept(world) == ["Pricing review"]
    [sync] = pushed(world)
    stored = world["db"].collection("calendar_links").document(address_hash(OWNER)).get().to_dict()
    assert stored["channel_id"] == link.channel_id  # the token itself is nowhere in it
    assert sync["X-Goog-Resource-State"] == "sync" and sync["X-Goog-Channel-Token"] not in str(stored)
    assert receive(sync, world["intake"]) == {"result": "sync"}
    moved = sandbox.put_event(OWNER, meeting("Roadmap", SOON + timedelta(hours=1)))
    first = pushed(world)[-1]
    assert receive(first, world["intake"]) == {"result": "synced", "changed": 1, "full_sync": False}
    reads = len(sandbox.calls)
    assert receive(first, world["intake"]) == {"result": "duplicate"}
    assert len(sandbox.calls) == reads  # a repeat reads nothing of the calendar
    sandbox.cancel_event(OWNER, moved["id"])
    sandbox.put_event(OWNER, meeting("Standup", SOON))
    late, last = pushed(world)[-2:]
    assert receive(last, world["intake"])["changed"] == 2  # the newer first: it reads both changes
    assert receive(late, world["intake"]) == {"result": "duplicate"}  # the older, late: nothing
    assert _kept(world) == ["Pricing review", "Standup"]


def test_a_sync_token_google_no_longer_takes_is_a_full_sync(calendar_world: dict[str, Any]) -> None:
    world, sandbox = calendar_world, calendar_world["sandbox"]
    gone = sandbox.put_event(OWNER, meeting("Old", SOON))
    connect(world)
    sandbox.expire_sync_tokens(OWNER)
    sandbox.calendars[OWNER].events.pop(gone["id"])  # gone without a trace: only a full sync sees it
    sandbox.put_event(OWNER, meeting("New", SOON))
    answer = receive(pushed(world)[-1], world["intake"])
    assert answer == {"result": "synced", "changed": 1, "full_sync": True}
    assert _kept(world) == ["New"]


def test_forged_absent_and_foreign_tokens_read_and_store_nothing(calendar_world: dict[str, Any]) -> None:
    world, sandbox = calendar_world, calendar_world["sandbox"]
    connect(world)
    sandbox.put_event(OWNER, meeting("Board", SOON))
    real = pushed(world)[-1]
    calls = len(sandbox.calls)
    with pytest.raises(Forbidden):
        receive(real | {"X-Goog-Channel-Token": "guessed"}, world["intake"])
    with pytest.raises(Forbidden):  # the same length, one character off
        receive(real | {"X-Goog-Channel-Token": real["X-Goog-Channel-Token"][:-1] + "x"}, world["intake"])
    absent = {k: v for k, v in real.items() if k != "X-Goog-Channel-Token"}
    with pytest.raises(Unauthenticated):
        receive(absent, world["intake"])
    with pytest.raises(InvalidInput):
        receive(real | {"X-Goog-Message-Number": "many"}, world["intake"])
    assert receive(real | {"X-Goog-Channel-ID": "cal-someone-else"}, world["intake"]) == {"result": "unknown"}
    assert len(sandbox.calls) == calls and _kept(world) == []  # nothing read, nothing kept
    assert receive(real, world["intake"])["result"] == "synced"


def test_a_channel_is_renewed_before_it_ends_and_the_old_one_stopped(calendar_world: dict[str, Any]) -> None:
    world, sandbox = calendar_world, calendar_world["sandbox"]
    old = connect(world)
    assert renew_channels(world["intake"], datetime.now(UTC)) == {"renewed": 0, "failed": 0}
    later = datetime.now(UTC) + timedelta(days=6, hours=12)  # within a day of its end
    assert renew_channels(world["intake"], later) == {"renewed": 1, "failed": 0}
    fresh = world["intake"].links.get(OWNER)
    assert fresh.channel_id != old.channel_id and list(sandbox.channels) == [fresh.channel_id]
    assert sandbox.pushes[-1][0] == PUSH_URL
    sandbox.put_event(OWNER, meeting("After renewal", SOON))
    assert receive(pushed(world)[-1], world["intake"])["result"] == "synced"
    assert _kept(world) == ["After renewal"]
