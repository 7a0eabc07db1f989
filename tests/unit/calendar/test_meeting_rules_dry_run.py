"""Meeting rules' dry run: which runs a rule would start for a meeting and when, as the calendar's
tick starts them (every 5 minutes, the first due rule at each tick, once per rule and meeting); and
its route: an admin tries rules as sent or as saved, an editor may not, a bad rule is refused in the
builder's words, a stranger's calendar and a meeting in two calendars are not counted twice."""

from datetime import UTC, datetime, timedelta

import pytest

from shared.agents.domain.agents import Agent
from shared.agents.domain.calendar_rules import CalendarRule, due, planned_starts
from shared.calendar.domain.connections import CalendarLink, Meeting
from tests.support.calendar.calendar_fakes import FakeCalendarLinks
from tests.support.calendar.stack_meetings import meeting_at
from tests.support.platform.fake_container import client, json_body
from tests.support.team.role_team import Team, team

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
NOW = START - timedelta(days=1)


def _before(minutes: int, matching: str = "") -> CalendarRule:
    return CalendarRule(on="before", minutes=minutes, matching=matching)


AFTER = CalendarRule(on="after")


def test_a_before_rule_starts_at_the_first_tick_of_its_window_and_an_after_rule_at_the_end() -> None:
    starts = planned_starts([_before(15), AFTER], "Weekly sync", START, END, NOW)
    assert starts == [(0, START - timedelta(minutes=15)), (1, END)]
    late = START + timedelta(minutes=3)  # 10:03: its window opens at 9:51, the first tick is 9:55
    assert planned_starts([_before(12)], "Sync", late, late + timedelta(hours=1), NOW) == [
        (0, datetime(2026, 12, 1, 9, 55, tzinfo=UTC))
    ]


def test_each_planned_start_is_a_tick_at_which_the_tick_would_find_that_rule_first_due() -> None:
    rules = [_before(60), _before(30, "sync"), AFTER]
    for index, at in planned_starts(rules, "Weekly sync", START, END, NOW):
        assert at.minute % 5 == 0 and at.second == 0
        assert next(i for i, r in enumerate(rules) if due(r, "Weekly sync", START, END, at)) == index


def test_a_rule_behind_a_longer_one_or_shorter_than_the_tick_starts_nothing() -> None:
    # At every tick of the 15-minute rule's window the 60-minute rule is due first: only it starts.
    assert [i for i, _ in planned_starts([_before(60), _before(15)], "x", START, END, NOW)] == [0]
    # "1 minute before" a meeting at 10:00: the ticks are 9:55 (too early) and 10:00 (started).
    assert planned_starts([_before(1)], "x", START, END, NOW) == []


def test_words_not_in_the_title_start_nothing_and_a_past_window_is_left_out() -> None:
    assert planned_starts([_before(15, "board review")], "Weekly sync", START, END, NOW) == []
    assert planned_starts([_before(15), AFTER], "x", START, END, START + timedelta(minutes=5)) == [(1, END)]
    assert planned_starts([], "x", START, END, NOW) == []


# -- the route ---------------------------------------------------------------------------------

SOON = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)


def _meeting(person: str, event_id: str, title: str) -> Meeting:
    return meeting_at("t1", person, event_id, title, SOON)


def _made(rules: tuple[CalendarRule, ...] = ()) -> Team:
    t = team()
    now = datetime.now(UTC)
    agent = Agent(agent_id="brief", name="Brief", created_at=now, updated_at=now, calendar_triggers=rules)
    assert t.container.fake_agents.create("t1", agent)
    links = t.container.instance.built["calendar_links"]
    assert isinstance(links, FakeCalendarLinks)
    for person in ("owner@example.com", "editor@example.com", "stranger@elsewhere.example"):
        link = CalendarLink(person=person, tenant_id="t1", token_secret="s", connected_at=now)
        links.put(link)
        shared = _meeting(person, "ev-board", "Board review")  # in every calendar: one run
        links.keep(link, [shared, _meeting(person, f"ev-{person[:5]}", "Lunch")], [], replace=False)
    return t


def _as(t: Team, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t.sessions[role]}"}


def test_an_admin_sees_which_meetings_the_rules_as_sent_would_start_and_when() -> None:
    t = _made()
    sent = {"rules": [{"on": "before", "minutes": 30, "matching": "board"}], "days": 3}
    shown = json_body(
        client("api", t.container).post("/agents/brief/meeting-preview", json=sent, headers=_as(t, "admin"))
    )
    assert (shown["calendars"], shown["meetings"], shown["days"]) == (3, 4, 3)  # the stranger's two left out
    (start,) = shown["starts"]
    assert start["title"] == "Board review" and start["rule"] == 1
    assert start["rule_words"] == '30 minutes before a meeting matching "board"'
    assert datetime.fromisoformat(start["at"]) == SOON - timedelta(minutes=30)
    assert start["link"].startswith("https://www.google.com/calendar/") and start["calendar"] in (
        "owner@example.com",
        "editor@example.com",
    )
    assert t.container.queue.tasks == []  # nothing started


def test_left_out_rules_are_the_agents_saved_ones() -> None:
    t = _made((AFTER,))
    shown = json_body(
        client("api", t.container).post("/agents/brief/meeting-preview", json={}, headers=_as(t, "admin"))
    )
    assert sorted(s["title"] for s in shown["starts"]) == ["Board review", "Lunch", "Lunch"]
    assert {s["rule_words"] for s in shown["starts"]} == {"after a meeting ends"}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            {"rules": [{"on": "before", "minutes": 0}]},
            "calendar_triggers.0.minutes",
            "meeting trigger rules, item 1",
        ),
        ({"rules": [{"on": "during"}]}, "calendar_triggers.0.on", "meeting trigger rules, item 1"),
        ({"days": 15}, "days", "days"),
        ({"days": "7"}, "days", "days"),
        ({"rules": [], "extra": 1}, "extra", "extra"),
    ],
)
def test_a_bad_body_is_refused_naming_the_field_in_the_builders_words(
    body: dict[str, object], field: str, words: str
) -> None:
    t = _made()
    refused = client("api", t.container).post(
        "/agents/brief/meeting-preview", json=body, headers=_as(t, "admin")
    )
    assert refused.status_code == 400
    said = json_body(refused)
    assert field in [f["field"] for f in said["fields"]] and words in said["reason"]


def test_an_editor_may_not_try_meeting_rules_and_an_unknown_agent_is_not_found() -> None:
    t = _made()
    api = client("api", t.container)
    assert api.post("/agents/brief/meeting-preview", json={}, headers=_as(t, "editor")).status_code == 403
    assert api.post("/agents/nobody/meeting-preview", json={}, headers=_as(t, "admin")).status_code == 404
