"""Thinking budgets per kind of model call: each call says what it is for (plan,
draft, review, answer), which sets its budget; the offline model reports thinking tokens as Gemini
does, within that budget, counted and priced as output tokens in the call's cost."""

from typing import Any

import pytest
from pydantic import BaseModel

from shared.engine.planning.start import start_run
from shared.engine.services.model_recorder import Recorder
from shared.platform.adapters.offline_model import NAME, OfflineModel, thoughts
from shared.platform.config import Settings
from shared.platform.domain.model_calls import THINKING, ModelReply, call_kind, calls_of, thinking_kind
from shared.platform.domain.model_replies import Draft, Verdict
from shared.platform.errors import ConfigError
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunState
from shared.runs.services.deps import RunRef
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeModel

PROMPT = 'Draft it.\n```json\n{"instructions": "a short note", "goal": "a note"}\n```\n' + "x" * 3200


def test_the_settings_give_each_kind_its_budget() -> None:
    budgets = {"plan": 1024, "draft": 4096, "review": 1024, "answer": 512, "code": 4096}  # code: a draft's
    # A plan asked again and a repair have their own, a plan's until measured (decision 0226).
    assert Settings().thinking_budgets() == budgets | {"replan": 1024, "repair": 1024}
    assert Settings(model_thinking_replan=256).thinking_budgets()["replan"] == 256
    assert set(Settings().thinking_budgets()) == set(budgets) | set(THINKING)  # each purpose its own
    assert Settings(model_thinking_draft=0).thinking_budgets()["code"] == 0
    with pytest.raises(ConfigError, match="NA_MODEL_THINKING_REVIEW: must be at least 0"):
        Settings(model_thinking_review=-1)


def test_the_offline_model_thinks_within_the_kinds_budget_and_bills_it_as_output() -> None:
    budgets = {"plan": 64, "draft": 1000, "review": 0, "answer": 8}
    model = OfflineModel({NAME: (1.0, 10.0)}, budgets)
    plain = OfflineModel({NAME: (1.0, 10.0)}).generate("strong", PROMPT, Draft).usage  # no budgets: none
    draft = model.generate("strong", PROMPT, Draft).usage
    assert draft.output_tokens - plain.output_tokens == thoughts(len(PROMPT), 1000) == len(PROMPT) // 16
    assert draft.cost_usd == pytest.approx((draft.input_tokens * 1.0 + draft.output_tokens * 10.0) / 1e6)
    assert draft.cost_usd > plain.cost_usd
    as_plan = model.generate("fast", PROMPT, Draft).usage  # the fast model: a plan's budget, 64
    assert as_plan.output_tokens - plain.output_tokens == 64
    with calls_of("review"):  # a review may not think (0): nothing added
        assert model.generate("fast", PROMPT, Draft).usage.output_tokens == plain.output_tokens
    with calls_of("answer"):
        assert model.generate("fast", PROMPT, Draft).usage.output_tokens == plain.output_tokens + 8
    with calls_of("plan", "replan"):  # a purpose without a budget of its own here: none
        assert model.generate("fast", PROMPT, Draft).usage.output_tokens == plain.output_tokens
    with calls_of("plan", "replan"):
        replan = OfflineModel({NAME: (1.0, 10.0)}, budgets | {"replan": 16}).generate("fast", PROMPT, Draft)
        assert replan.usage.output_tokens == plain.output_tokens + 16


class KindsModel(FakeModel):
    """The fake model, noting the kind of each call it gets."""

    kinds: list[str]
    thinking: list[str]  # each call's thinking budget's key: its kind's, or its purpose's

    def generate[T: BaseModel](self, tier: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        self.kinds.append(call_kind(tier))
        self.thinking.append(thinking_kind(tier))
        return super().generate(tier, prompt, schema)


def _kinds_model(**kwargs: Any) -> KindsModel:
    model = KindsModel(**kwargs)
    model.kinds, model.thinking = [], []
    return model


def test_planning_drafting_and_reviewing_say_what_their_calls_are_for() -> None:
    model = _kinds_model()
    deps = make_deps(model=model)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="Tidy", trigger=Trigger(kind="api")), deps)
    assert model.kinds == ["plan"]
    state = RunState(goal="g", trigger="api", model_tier="fast")  # a fast agent drafts on the plan model
    recorder = Recorder(deps, "t1", state, run=RunRef(deps, "t1", "r1"))
    recorder.generate("strong", "p", Draft)
    recorder.generate("fast", "p", Verdict, tiered=False, kind="review")
    assert model.kinds == ["plan", "draft", "review"]
    assert model.tiers[1:] == ["fast", "fast"]  # the models that answered: not the kinds
    assert (call_kind("fast"), call_kind("strong")) == ("plan", "draft")  # outside any call: its tier's


def test_an_ask_is_an_answer() -> None:
    from shared.memory.services.ask import answer_question
    from shared.memory.services.workspace_index import index_page
    from tests.support.memory.memory import FakePassages, WordCountEmbedder
    from tests.support.notion.notion_fakes import FakeNotion

    model = _kinds_model(script={"AskOut": [{"answer": "Three tiers.", "cited": [1]}]})
    notion, store, embedder = FakeNotion(), FakePassages(), WordCountEmbedder()
    page = notion.add_page("Pricing", text="# Decision\n\nWe decided the pricing: three tiers.\n")
    deps = make_deps(model=model, notion=notion)._replace(memory=lambda: (embedder, store))
    index_page("t1", page, notion.with_token("t"), embedder, store)
    answer_question(deps, "t1", "What did we decide about pricing?", [])
    assert model.kinds == ["answer"] and model.tiers == ["fast"]


def test_a_plan_asked_again_a_next_phase_and_a_repair_think_within_their_own_budgets() -> None:
    """Decision 0226: routed as plans (their kind), each with its purpose's thinking budget."""
    from shared.engine.services.engine import run_step
    from shared.platform.errors import ModelFixableError
    from shared.runs.domain.step_task import StepTask
    from tests.support.engine.engine_fakes import plan_answer
    from tests.support.engine.engine_runs import run_until_held
    from tests.support.notion.notion_fakes import FakeNotion

    model = _kinds_model(script={"PlanOut": [{"not": "a plan"}]})  # off the schema: asked again
    start_run(
        PlanTask(tenant_id="t1", run_id="r1", goal="Tidy", trigger=Trigger(kind="api")),
        make_deps(model=model),
    )
    assert (model.kinds, model.thinking) == (["plan", "plan"], ["plan", "replan"])

    notion = FakeNotion()
    page = notion.add_page("Launch", text="Ship on Friday")
    model = _kinds_model()
    deps = make_deps(model=model, notion=notion)
    trigger = Trigger(kind="api", page_id=page)
    goal = "Read the page first, then decide what to note on it"  # the offline model plans in phases
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal=goal, trigger=trigger), deps)
    run_until_held(deps)
    assert model.thinking == ["plan", "replan"] and model.kinds == ["plan", "plan"]

    model = _kinds_model(
        script={"PlanOut": [plan_answer(("read_page", {"page_id": page}), ("finish", {"summary": "ok"}))]}
    )
    deps = make_deps(model=model, notion=notion)
    start_run(PlanTask(tenant_id="t1", run_id="r2", goal="do", trigger=Trigger(kind="api")), deps)
    notion.fail["retrieve_page"] = [ModelFixableError("no such page")]
    run_step(StepTask(tenant_id="t1", run_id="r2", step=1), deps)
    run_step(StepTask(tenant_id="t1", run_id="r2", step=1), deps)  # the arguments repaired
    assert model.thinking == ["plan", "repair"] and model.kinds == ["plan", "plan"]
