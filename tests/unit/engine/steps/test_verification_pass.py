"""The reviewer pass: before a write or an effect is done or asked for, another model call
checks it against the agent's instructions; its verdict and reasons are in the log. A failed review
is revised by the model, and after the run's bound of errors in a row the owner is asked."""

import json
from typing import Any

from shared.platform.adapters.offline_model import OfflineModel, verdict_for
from shared.platform.domain.model_replies import Verdict
from shared.runs.domain.events import ErrorRecorded, HumanRequested, ReviewRecorded, ToolResult
from shared.runs.domain.state import RunStatus
from shared.runs.services.deps import Deps
from tests.support.engine.engine_runs import forged_run, run_until_held
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

RULES = 'Summarise the week for the team. Never write "salary".'
FIX = "Summarise the week for the team."


def _run(text: str, fixes: list[str], review: str = "same") -> tuple[Deps, FakeNotion, FakeModel]:
    notion = FakeNotion()
    page = notion.add_page("Week")
    deps = forged_run(
        notion, page, ("append_blocks", {"page_id": page, "text": text}), review=review, review_against=RULES
    )
    answers: list[Any] = [{"args_json": json.dumps({"page_id": page, "text": t})} for t in fixes]
    model = FakeModel({"ArgsFix": answers})
    return deps._replace(model=model), notion, model


def _events(deps: Deps) -> list[Any]:
    return list(deps.store.list_events("t1", "r1"))


def test_a_passing_review_is_logged_before_the_write() -> None:
    deps, notion, _ = _run("Shipped the console.", [])
    assert run_until_held(deps).status == RunStatus.COMPLETED
    events = _events(deps)
    (verdict,) = [e for e in events if isinstance(e, ReviewRecorded)]
    assert verdict.passed and verdict.tool == "append_blocks" and verdict.reasons
    written = next(e for e in events if isinstance(e, ToolResult) and e.tool == "append_blocks")
    assert verdict.seq < written.seq and notion.writes["append_blocks"] == 1


def test_a_failed_review_is_revised_then_written() -> None:
    deps, notion, _ = _run("Alice's salary went up.", ["Alice joined the team."])
    assert run_until_held(deps).status == RunStatus.COMPLETED
    verdicts = [(e.passed, e.reasons) for e in _events(deps) if isinstance(e, ReviewRecorded)]
    assert verdicts == [
        (False, 'the instructions say never to write "salary"'),
        (True, "nothing in it goes against the instructions"),
    ]
    errors = [e.message for e in _events(deps) if isinstance(e, ErrorRecorded)]
    assert errors == ['the reviewer refused append_blocks: the instructions say never to write "salary"']
    (written,) = [e for e in _events(deps) if isinstance(e, ToolResult) and e.tool == "append_blocks"]
    assert written.args["text"] == "Alice joined the team." and notion.writes["append_blocks"] == 1


def test_a_review_failing_every_revision_asks_the_owner_and_writes_nothing() -> None:
    deps, notion, _ = _run("salary", ["Salary: 10k", "the SALARY table"])  # then echoed unchanged
    assert run_until_held(deps).status == RunStatus.WAITING_FOR_HUMAN
    (asked,) = [e for e in _events(deps) if isinstance(e, HumanRequested)]
    assert asked.purpose == "limit" and "reviewer refused" in asked.prompt and not asked.effects
    assert [e.passed for e in _events(deps) if isinstance(e, ReviewRecorded)] == [False, False, False]
    assert notion.writes["append_blocks"] == 0


def test_the_reviewer_may_be_the_other_model() -> None:
    for review, tier in (("same", "strong"), ("other", "fast")):
        deps, _, model = _run("Shipped.", [], review=review)
        run_until_held(deps)
        assert model.tiers == [tier], review  # the one call: the review (the append drafts nothing)


def test_without_a_reviewer_nothing_is_reviewed() -> None:
    deps, notion, model = _run("salary", [], review="")
    assert run_until_held(deps).status == RunStatus.COMPLETED
    assert not [e for e in _events(deps) if isinstance(e, ReviewRecorded)] and model.tiers == []
    assert notion.writes["append_blocks"] == 1


def test_the_offline_stand_in_s_verdicts_are_deterministic() -> None:
    review = {"instructions": RULES, "tool": "append_blocks", "args": {"text": "A SALARY table"}}
    assert (
        verdict_for(review)
        == verdict_for(dict(review))
        == {
            "passed": False,
            "reasons": 'the instructions say never to write "salary"',
        }
    )
    assert verdict_for(review | {"instructions": FIX})["passed"] is True
    prompt = "Review.\n```json\n" + json.dumps({"review": review}) + "\n```"
    first, second = (OfflineModel().generate("fast", prompt, Verdict).value for _ in range(2))
    assert first == second and first.passed is False


def test_an_agent_s_reviewer_is_set_through_its_input_and_recorded_in_its_runs() -> None:
    from datetime import UTC, datetime

    from shared.agents.domain.agents import Agent, AgentInput, InstructionsVersion
    from shared.agents.services.agents import RunAgent, view

    assert AgentInput.model_validate({"review": "other"}).review == "other"
    now = datetime(2026, 1, 5, tzinfo=UTC)
    words = InstructionsVersion(content_hash="0" * 16, text=RULES)
    agent = Agent(agent_id="w", name="W", created_at=now, updated_at=now, review="other", accepted=words)
    assert view(agent)["review"] == "other"
    recorded = RunAgent(agent, words.model_copy(update={"text": RULES})).recorded()
    assert recorded["review"] == "other" and recorded["review_against"] == RULES
