"""The tokens a provider's cache served (decision 0172) reach the run's log on each call's
``model_used`` event, the plan's and the steps' alike, and an event without them reads as none. And
every plan prompt opens with the same long prefix (the instructions and the tool catalogue), which
Vertex AI's implicit cache can serve: what varies (the step bound, goal, context) comes after it."""

from shared.engine.agent.context import plan_prompt
from shared.engine.agent.plans import catalogue
from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.runs.domain.events import ModelUsed
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from tests.support.engine.engine_fakes import make_deps, plan_answer
from tests.support.platform.platform_fakes import FakeModel


def test_each_calls_cached_and_thinking_tokens_are_kept_on_its_model_used_event() -> None:
    plan = plan_answer(("draft_text", {"instructions": "a note"}), ("finish", {"summary": "ok"}))
    model = FakeModel({"PlanOut": [plan]}, cached_tokens=300, thinking_tokens=7)
    deps = make_deps(model=model)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="do", trigger=Trigger(kind="api")), deps)
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    used = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ModelUsed)]
    assert [u.purpose for u in used] == ["plan", "draft"]
    assert {u.cached_tokens for u in used} == {300}
    assert {u.thinking_tokens for u in used} == {7}  # decision 0214: a run's thinking, counted apart
    assert "cached_tokens" in used[0].model_dump(mode="json")
    bare = used[0].model_copy(update={"cached_tokens": 0, "thinking_tokens": 0})
    assert not {"cached_tokens", "thinking_tokens"} & set(bare.model_dump(mode="json"))  # as older events
    again = ModelUsed.model_validate(bare.model_dump(mode="json"))
    assert again.cached_tokens == again.thinking_tokens == 0


# Vertex AI's implicit cache serves a prompt's prefix shared with a recent request, from 2,048
# tokens (docs/deploy.md, decision 0172); a token is about four characters here, as the offline model counts.
CACHE_MIN_TOKENS = 2048


def _shared_prefix(a: str, b: str) -> int:
    """Characters ``a`` and ``b`` share from their first."""
    return next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def test_every_plan_prompt_opens_with_the_same_cacheable_prefix() -> None:
    first = plan_prompt("Draft the launch note", {"trigger": {"kind": "api"}}, [], 12)
    replan = plan_prompt("Sort the inbox", {"phase": 2, "read": ["a page"]}, ["bad tool"], 7)
    shared = _shared_prefix(first, replan)
    assert first.index(catalogue()) + len(catalogue()) <= shared  # the whole catalogue is shared
    assert shared // 4 >= CACHE_MIN_TOKENS
    assert shared / (len(first) + len(replan)) * 2 > 0.7  # most of a plan prompt is cacheable
