"""Agents' pure rules: schedules and their slots, a comment naming an agent, and which instructions
version a run may use."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from shared.agents.domain.agents import (
    Agent,
    AgentInput,
    Read,
    agent_id_for,
    comment_words,
    named_in,
    slot_of,
    usable_version,
    version_of,
)
from shared.workspace.domain.triggers import Schedule

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
OWNER, MEMBER, BOT = "a" * 32, "b" * 32, "c" * 32
BERLIN = ZoneInfo("Europe/Berlin")


def test_schedules_refuse_days_that_do_not_fit() -> None:
    for bad in (
        {"every": "weekly", "hour": 9},
        {"every": "daily", "hour": 9, "days": ["mon"]},
        {"every": "monthly", "hour": 9},
        {"every": "daily", "hour": 24},
        {"every": "daily", "hour": True},  # JSON Schema's integer: no boolean nor text
        {"every": "daily", "hour": "9"},
        {"every": "monthly", "hour": 9, "day_of_month": "1"},
    ):
        with pytest.raises(ValidationError):
            Schedule.model_validate(bad)


def test_slots_are_local_hours_on_the_chosen_days() -> None:
    friday = Schedule(every="weekly", hour=16, days=["fri"])
    # 2026-01-09 is a Friday; 16:00 in Berlin is 15:00 UTC in winter.
    assert slot_of(friday, datetime(2026, 1, 9, 15, tzinfo=UTC), BERLIN) == datetime(2026, 1, 9, 16)
    assert slot_of(friday, datetime(2026, 1, 9, 16, tzinfo=UTC), BERLIN) is None
    assert slot_of(friday, datetime(2026, 1, 8, 15, tzinfo=UTC), BERLIN) is None
    weekdays = Schedule(every="weekdays", hour=8)
    assert slot_of(weekdays, datetime(2026, 1, 10, 7, tzinfo=UTC), BERLIN) is None  # Saturday
    monthly = Schedule(every="monthly", hour=0, day_of_month=1)
    assert slot_of(monthly, datetime(2026, 1, 31, 23, tzinfo=UTC), BERLIN) == datetime(2026, 2, 1, 0)
    # A spring-forward gap (2026-03-29, 02:00 → 03:00 in Berlin): the 02:00 slot is due at 03:00.
    gap = Schedule(every="daily", hour=2)
    assert slot_of(gap, datetime(2026, 3, 29, 1, tzinfo=UTC), BERLIN) == datetime(2026, 3, 29, 2)


def test_a_comment_names_an_agent_by_its_whole_name_longest_first() -> None:
    agents = [
        Agent(agent_id=i, name=n, created_at=NOW, updated_at=NOW)
        for i, n in (("r", "Report"), ("w", "Weekly report"), ("x", "Ex"))
    ]
    assert named_in(agents, "@Notion Agent weekly  REPORT please") == agents[1]
    assert named_in(agents, "a report please") == agents[0]
    assert named_in(agents, "an example") is None
    assert agent_id_for("Weekly report!", ["weekly-report"]) == "weekly-report-2"
    assert agent_id_for("default", []) == "default-2"


@pytest.mark.parametrize("blank", ["   ", "\t \n", "\u3000"])
def test_a_name_of_only_spaces_is_refused_and_a_stored_one_names_nothing(blank: str) -> None:
    """A name of spaces was accepted and then matched every comment in ``named_in``."""
    with pytest.raises(ValidationError, match="not only spaces"):
        AgentInput.model_validate({"name": blank})
    assert AgentInput.model_validate({"name": "  Triage  "}).name == "Triage"
    stored = Agent(agent_id="blank", name=blank, created_at=NOW, updated_at=NOW)  # from before the check
    assert named_in([stored], "please summarise this page") is None
    assert named_in([stored], blank) is None


def test_a_version_someone_else_edited_waits_for_the_owner() -> None:
    owners = Read("Do A", version_of("Do A", NOW, [OWNER, BOT]))
    assert usable_version(owners, None, OWNER, BOT).owners
    theirs = Read("Do B", version_of("Do B", NOW, [OWNER, MEMBER]))
    waiting = usable_version(theirs, None, OWNER, BOT)
    assert waiting.version is None and "accept" in waiting.why
    accepted = owners.version.model_copy(update={"text": "Do A"})
    fallback = usable_version(theirs, accepted, OWNER, BOT)
    assert fallback.version == accepted and not fallback.owners
    now_accepted = theirs.version.model_copy(update={"text": "Do B"})
    assert usable_version(theirs, now_accepted, OWNER, BOT).version == now_accepted
    assert usable_version(owners, None, "", BOT).version is None  # an unknown owner: nobody's words


def test_a_comments_mention_of_the_integration_names_no_agent() -> None:
    notion = Agent(agent_id="n", name="Notion", created_at=NOW, updated_at=NOW)
    comment = {
        "rich_text": [
            {
                "type": "mention",
                "plain_text": "@Notion Agent",
                "mention": {"type": "user", "user": {"id": BOT}},
            },
            {"type": "text", "plain_text": " please summarise", "text": {"content": " please summarise"}},
        ]
    }
    assert named_in([notion], comment_words(comment)) is None
    assert named_in([notion], "@Notion Agent please summarise") == notion  # what the mention would do
    asked = {"rich_text": [*comment["rich_text"], {"type": "text", "text": {"content": " Notion, go"}}]}
    assert named_in([notion], comment_words(asked)) == notion


@pytest.mark.parametrize(
    "body",
    [{"paused": 1}, {"paused": "yes"}, {"max_cost_per_run_usd": "5"}, {"max_cost_per_run_usd": True}],
)
def test_an_agent_s_flag_and_budget_take_json_s_own_types_only(body: dict[str, object]) -> None:
    """What JSON Schema's boolean and number refuse (the contract's types), the agent's input refuses."""
    with pytest.raises(ValidationError):
        AgentInput.model_validate(body)
    assert AgentInput.model_validate({"paused": False, "max_cost_per_run_usd": 5}).max_cost_per_run_usd == 5
