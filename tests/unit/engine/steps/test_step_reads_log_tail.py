"""A step decides on the run's log, not only its document. A step's intent is created without the run
document, so after a delivery died holding one, the document lags the log. A retry that read only the
document paid for a repair the intent already held, and then recorded a budget stop or a fixable
error at the intent's seq, where the log refused it: it was taken for another delivery's record and
dropped (200), so nothing was recorded, no one was asked, and every sweep did the same again."""

import json
from datetime import timedelta
from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.engine.services.run_log import StepHeld
from shared.platform.errors import ModelFixableError, TransientError
from shared.runs.domain.events import HumanRequested, RunStatus, ToolIntent, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunState
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.engine_fakes import Answer, FakeModel, FakeNotion, make_deps, raise_budget

STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


class Died(BaseException):
    """The instance is killed (no handler runs, not even the engine's for unexpected errors)."""


def fix(page: str, text: str) -> dict[str, Any]:
    return {"args_json": json.dumps({"page_id": page, "text": text})}


def refused(*texts: str) -> tuple[Deps, FakeModel, FakeNotion, str]:
    """A run whose comment the tool refused once; the model repairs it as ``texts``, one a repair."""
    notion = FakeNotion()
    page = notion.add_page("P")
    steps = [("add_comment", {"page_id": page, "text": "x"}), ("finish", {"summary": "ok"})]
    plan = {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}
    model = FakeModel({"PlanOut": [plan], "ArgsFix": [fix(page, t) for t in texts]})
    deps = make_deps(model=model, notion=notion)
    # The run comments its own trigger page: no approval is asked (tests/unit/engine/authority/test_authority.py).
    start_run(
        PlanTask(tenant_id="t1", run_id="r1", goal="do", trigger=Trigger(kind="api", page_id=page)), deps
    )
    notion.fail["add_comment"] = [ModelFixableError("the text is too long")]
    run_step(STEP, deps)
    return deps, model, notion, page


def refused_then_died(*fixes: Answer, write_first: bool = False) -> tuple[Deps, FakeModel, FakeNotion, str]:
    """:func:`refused`; then the next delivery paid for a repair ("repaired", then ``fixes``),
    recorded its intent and died (``write_first``: after Notion wrote the comment)."""
    deps, model, notion, page = refused("repaired")
    model.script["ArgsFix"].extend(fixes)
    write = notion.add_comment

    def dies(token: str, page_id: str, text: str) -> dict[str, Any]:
        if write_first:
            write(token, page_id, text)
        raise Died()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(notion, "add_comment", dies)
        with pytest.raises(Died):
            run_step(STEP, deps)
    return deps, model, notion, page


def document(deps: Deps) -> RunState:
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    return run.state


def later(deps: Deps) -> Deps:
    """The same deps once the dead delivery's lease has run out."""
    at = deps.clock() + timedelta(seconds=deps.settings.step_lease_s + 1)
    return deps._replace(clock=lambda: at)


def repairs(model: FakeModel) -> int:
    return [name for name, _ in model.prompts].count("ArgsFix")


@pytest.mark.parametrize("write_first", [False, True], ids=["died-before-writing", "died-after-writing"])
def test_a_retry_after_the_budget_ran_out_takes_the_dead_intent_over_instead_of_dropping_a_stop(
    write_first: bool,
) -> None:
    deps, model, notion, page = refused_then_died(write_first=write_first)
    assert isinstance(deps.store.list_events("t1", "r1")[-1], ToolIntent)  # past the document
    raise_budget(deps, max_cost_per_day_usd=0.0)  # the workspace's day is spent meanwhile

    outcome = run_step(STEP, later(deps))

    assert outcome.acted and outcome.reason == ""  # not "recorded by another delivery"
    assert repairs(model) == 1  # the repair the intent holds: no model call, so no budget stop
    [done] = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult)]
    assert done.args["text"] == "repaired" and done.reconciled is write_first
    assert notion.writes["add_comment"] == 1 and len(notion.comments[page]) == 1  # once, either way
    assert document(deps).cursor == 2


def test_a_retry_whose_repair_would_be_refused_takes_the_dead_intent_over_instead_of_dropping_it() -> None:
    deps, model, notion, page = refused_then_died(fix("another-page", "moved"))
    outcome = run_step(STEP, later(deps))
    assert outcome.acted and outcome.reason == ""
    assert repairs(model) == 1  # a second repair (moving the comment) would have been refused
    assert [c["rich_text"][0]["plain_text"].split("\n")[0] for c in notion.comments[page]] == ["repaired"]


def test_a_delivery_that_finds_the_step_held_answers_503_without_paying_for_a_repair() -> None:
    deps, model, notion, _ = refused_then_died()
    before = deps.store.list_events("t1", "r1")
    with pytest.raises(StepHeld, match="in progress elsewhere") as raised:
        run_step(STEP, deps)  # the intent's lease still runs: its holder may be writing
    assert raised.value.retry_after_s is not None and 0 < raised.value.retry_after_s <= 30
    assert repairs(model) == 1 and deps.store.list_events("t1", "r1") == before  # nothing paid or written
    assert notion.writes["add_comment"] == 0


def test_a_stop_whose_seq_an_intent_took_meanwhile_is_retried_not_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deps, _, notion, page = refused("again", "and again")
    for _ in range(2):  # two more refusals: the next delivery stops for a person (errors in a row)
        notion.fail["add_comment"] = [ModelFixableError("the text is too long")]
        run_step(STEP, deps)
    state = document(deps)
    assert state.consecutive_errors == 3
    now = deps.clock()
    other = ToolIntent(
        seq=state.last_seq + 1,
        at=now,
        step=1,
        tool="add_comment",
        args={"page_id": page, "text": "x"},
        key="k",
        lease_until=now + timedelta(seconds=deps.settings.step_lease_s),
    )
    store, append = deps.store, deps.store.append

    def another_attempt_first(*args: Any) -> Any:  # another delivery's intent lands just before
        monkeypatch.setattr(store, "append", append)
        assert store.add_event("t1", "r1", other)
        return append(*args)

    monkeypatch.setattr(store, "append", another_attempt_first)
    with pytest.raises(TransientError, match="another attempt began meanwhile"):
        run_step(STEP, deps)  # nothing recorded: the queue tries again; not acknowledged as done
    assert deps.store.list_events("t1", "r1")[-1] == other

    run_step(STEP, later(deps))  # once that attempt's lease is over, the stop is recorded after it
    events = deps.store.list_events("t1", "r1")
    assert isinstance(events[-1], HumanRequested) and events[-2] == other
    assert document(deps).status == RunStatus.WAITING_FOR_HUMAN
