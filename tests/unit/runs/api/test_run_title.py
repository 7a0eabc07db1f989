"""A run's title, what a person reads (the list, its heading, its comments and mail subjects): short,
the agent and the page, never the agent's whole instructions."""

from shared.runs.domain import page_notes
from shared.runs.domain.state import TITLE_MAX, RunState, RunStatus, run_title

INSTRUCTIONS = "Summarise what the team finished this week. " * 20  # hundreds of characters


def test_an_agents_run_is_named_by_its_agent_and_page() -> None:
    goal = f"{INSTRUCTIONS}\n\nThis run: Work on the page 'Launch notes'"
    assert run_title(goal, "weekly", "Weekly report", "Launch notes") == "Weekly report: Launch notes"
    assert run_title(goal, "weekly", "Weekly report", "") == "Weekly report: Work on the page 'Launch notes'"
    assert run_title("Write a note\nwith two lines", "", "", "") == "Write a note"
    assert run_title("Help with 'X'", "default", "Notion Agent", "X") == "X"
    long = run_title("w " * 400, "", "", "")
    assert len(long) == TITLE_MAX and long.endswith("…")


def test_comments_carry_the_title_not_the_instructions() -> None:
    state = RunState(
        goal=f"{INSTRUCTIONS}\n\nThis run: x",
        agent_id="weekly",
        agent_name="Weekly report",
        page_title="Launch notes",
        status=RunStatus.COMPLETED,
    )
    assert page_notes.start("r1", state, "").subject.startswith("Started: Weekly report: Launch notes")
    assert page_notes.end("r1", state).subject.startswith("Done: Weekly report: Launch notes")
    assert INSTRUCTIONS[:40] not in page_notes.end("r1", state).subject
