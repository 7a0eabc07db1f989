"""A Run now run says it was run by hand, in its goal and its title; a routine's run at
its scheduled time says that."""

from datetime import UTC, datetime

from shared.agents.domain.agents import RUN_NOW, Agent, InstructionsVersion, slot_words
from shared.agents.services.agents import RunAgent
from shared.runs.domain.state import run_title
from shared.workspace.domain.triggers import Schedule

NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)


def _title(slot: str) -> str:
    agent = Agent(agent_id="digest", name="Digest", created_at=NOW, updated_at=NOW)
    ran = RunAgent(agent, InstructionsVersion(content_hash="h", text="Write the week's digest."))
    return run_title(ran.goal("a fallback", scheduled=True, slot=slot), "digest", "Digest", "")


def test_a_run_now_run_is_titled_as_run_by_hand_and_a_scheduled_one_as_scheduled() -> None:
    words = slot_words(Schedule(every="daily", hour=9), NOW.replace(tzinfo=None), UTC)
    assert _title(RUN_NOW + words) == "Digest: its routine, run now by hand (every day at 09:00)"
    assert _title(words) == "Digest: the routine's scheduled time came"
