"""Sessions' pure rules (shared/sessions/domain/sessions.py): the same key names the same session and
the same run, another person's or session's does not, and a run's goal carries a bounded history."""

from datetime import UTC, datetime

from shared.platform.domain.tasks import is_run_id
from shared.sessions.domain.sessions import (
    GOAL_CHARS,
    HISTORY_CHARS,
    HISTORY_MESSAGES,
    Message,
    goal_with_history,
    run_id_for,
    session_id_for,
)

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def said(place: int, text: str, answer: str = "") -> Message:
    return Message(place, f"k{place}", text, "ask", "answered", T0, answer=answer)


def test_a_key_names_one_session_and_one_run_and_no_other() -> None:
    assert session_id_for("m1", "writer", "k") == session_id_for("m1", "writer", "k")
    assert session_id_for("m1", "writer", "k") != session_id_for("m2", "writer", "k")
    assert session_id_for("m1", "writer", "k") != session_id_for("m1", "other", "k")
    run = run_id_for("s1", "k")
    assert run == run_id_for("s1", "k") and run != run_id_for("s2", "k") and run != run_id_for("s1", "j")
    assert is_run_id(run)


def test_a_goal_carries_the_latest_history_bounded() -> None:
    assert goal_with_history("Draft the plan", []) == "Draft the plan"
    earlier = [said(i, f"message {i} " + "x" * 250, answer="y" * 400) for i in range(1, 40)]
    goal = goal_with_history("Also add the owner", earlier)
    assert goal.endswith("Now: Also add the owner")
    assert "message 39" in goal and "message 1 " not in goal
    kept = [line for line in goal.splitlines() if line.startswith("- ")]
    assert 0 < len(kept) <= HISTORY_MESSAGES and sum(map(len, kept)) <= HISTORY_CHARS
    assert len(goal_with_history("z" * 5000, earlier)) <= GOAL_CHARS
