"""The cap arithmetic of a model call (decision 0102): the reservation is the most the call can be
billed, the output cap is chosen from the room every budget has left, and a call whose least cap
does not fit is not made."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.platform.domain.call_caps import (
    ANSWER_TOKENS,
    MIN_ANSWER_TOKENS,
    REQUEST_OVERHEAD_TOKENS,
    CallBound,
    current_limit,
    input_tokens,
    output_cap,
)
from shared.platform.domain.embeddings import Embedded
from shared.platform.domain.model_replies import Draft
from shared.platform.errors import BudgetSpent
from shared.platform.services.model_routing import call_bound, schema_text
from shared.runs.services import spend
from shared.runs.services.deps import Deps, RunRef
from tests.support.engine.engine_fakes import make_deps

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
BOUND = CallBound(1_000, 2.0, 10.0, 1_024 + ANSWER_TOKENS, 1_024 + MIN_ANSWER_TOKENS)


def test_input_is_bounded_by_its_utf8_bytes_and_the_requests_framing() -> None:
    assert input_tokens("abc") == 3 + REQUEST_OVERHEAD_TOKENS
    assert input_tokens("é", "日本") == 2 + 6 + REQUEST_OVERHEAD_TOKENS


def test_cost_of_a_cap_and_the_largest_cap_within_an_amount() -> None:
    assert BOUND.cost(2_000) == pytest.approx((1_000 * 2.0 + 2_000 * 10.0) / 1e6)
    assert BOUND.most == BOUND.cost(17_024) and BOUND.least == BOUND.cost(2_048)
    assert BOUND.cap_within(1.0) == BOUND.normal_cap  # room for all: the normal cap, no more
    cap = BOUND.cap_within(0.1)
    assert cap == 9_800 and BOUND.cost(cap) <= 0.1 < BOUND.cost(cap + 1)
    assert BOUND.cap_within(BOUND.least) == BOUND.least_cap
    assert BOUND.cap_within(BOUND.least - 1e-9) == 0  # not even the least: no call
    for usd in (0.0215, 0.05, 0.123456789, 0.17):  # never above the amount, whatever its last bit
        assert BOUND.cost(BOUND.cap_within(usd)) <= usd


def test_an_unpriced_output_is_sent_with_its_normal_cap() -> None:
    free = BOUND._replace(price_out=0.0)
    assert free.cap_within(free.least) == free.normal_cap


def test_a_calls_bound_takes_the_dearest_model_that_may_answer_and_its_kinds_thinking() -> None:
    deps = make_deps(model_backend="vertex", model_fallback=False)
    s = deps.settings
    bound = call_bound(s, "draft", "strong", "plan it", Draft)
    assert (bound.price_in, bound.price_out) == s.model_prices[s.model_draft]
    assert call_bound(s, "draft", "fast", "p", Draft).price_out == s.model_prices[s.model_plan][1]
    assert bound.normal_cap == s.model_thinking_draft + ANSWER_TOKENS
    assert bound.least_cap == s.model_thinking_draft + MIN_ANSWER_TOKENS
    assert bound.input_tokens > len("plan it") + REQUEST_OVERHEAD_TOKENS  # the schema counts too
    with_claude = call_bound(s.replace(model_fallback=True), "answer", "fast", "q", Draft)
    assert with_claude.price_out == s.model_prices[s.model_claude_plan][1]  # the dearer family
    assert with_claude.normal_cap == s.model_thinking_answer + ANSWER_TOKENS


def test_a_calls_bound_counts_its_schemas_text_made_once_per_answer_type() -> None:
    """The schema's bytes count in the bound as ``json.dumps`` of its JSON schema, made once per
    answer type (decision 0154): a second call of the same type makes it no more."""
    s = make_deps(model_backend="vertex").settings
    schema_text.cache_clear()
    first = call_bound(s, "draft", "strong", "plan it", Draft)
    assert (schema_text.cache_info().misses, schema_text.cache_info().hits) == (1, 0)
    assert call_bound(s, "draft", "strong", "plan it", Draft) == first
    assert (schema_text.cache_info().misses, schema_text.cache_info().hits) == (1, 1)
    assert schema_text(Draft) == json.dumps(Draft.model_json_schema())
    assert first.input_tokens == input_tokens("plan it", json.dumps(Draft.model_json_schema()))


def _deps(**settings: Any) -> Deps:
    defaults: dict[str, Any] = {"default_run_budget_usd": 1.0, "default_day_budget_usd": 100.0}
    return make_deps(**(defaults | settings))._replace(clock=lambda: NOW)


def test_a_call_reserves_its_most_and_is_sent_its_normal_cap_when_every_budget_has_room() -> None:
    deps = _deps()
    with spend.model_call(deps, "t1", 0.0, 0, run=RunRef(deps, "t1", "r"), bound=BOUND) as call:
        limit = current_limit()
        assert not call.problem and limit is not None
        assert limit == (BOUND.normal_cap, BOUND.most) and output_cap(99_999) == BOUND.normal_cap
    assert current_limit() is None  # outside the call: no limit left behind


def test_near_the_run_budget_the_cap_shrinks_to_the_room_then_the_call_is_refused() -> None:
    deps = _deps()
    room = 0.05
    with spend.model_call(deps, "t1", 1.0 - room, 0, run=RunRef(deps, "t1", "r"), bound=BOUND) as call:
        limit = current_limit()
        assert not call.problem and limit is not None
        assert limit.output_tokens == BOUND.cap_within(room) < BOUND.normal_cap
        assert limit.reserved_usd == BOUND.cost(limit.output_tokens) <= room + 1e-12
    spent = 1.0 - BOUND.least + 1e-6
    with spend.model_call(deps, "t1", spent, 0, run=RunRef(deps, "t1", "s"), bound=BOUND) as call:
        assert call.problem.startswith("the run spent $") and current_limit() is None


def test_near_the_deployments_cap_the_cap_shrinks_to_what_the_counter_has_left() -> None:
    deps = _deps(spend_cap_day_usd=0.06)
    with spend.model_call(deps, "t1", 0.0, 0, bound=BOUND) as call:
        limit = current_limit()
        assert not call.problem and limit is not None
        assert limit.reserved_usd <= 0.06 and limit.output_tokens == BOUND.cap_within(0.06)
        call.paid(limit.reserved_usd)
    with spend.model_call(deps, "t1", 0.0, 0, bound=BOUND) as call:
        assert call.problem == spend.SPEND_CAP_REACHED


class Embedder:
    """Bills every byte of its texts as a token at the model's price, as much as any embedding can."""

    model = "gemini-embedding-001"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str], task: Any) -> Embedded:
        self.calls += 1
        tokens = sum(len(t.encode()) for t in texts)
        return Embedded(self.model, [[0.0] for _ in texts], tokens, tokens * 0.15 / 1e6)


def test_an_embedding_reserves_its_texts_bytes_and_is_refused_when_they_would_pass_a_budget() -> None:
    deps = _deps(default_day_budget_usd=0.5)  # the fixed reservation ($0.01 here) fits it many times
    inner = Embedder()
    paid = spend.PaidEmbedder(deps, "t1", inner)
    with pytest.raises(BudgetSpent, match="daily budget"):
        paid.embed(["x" * 2_000] * 2_000, "document")  # 4 MB: up to $0.60
    assert inner.calls == 0  # before 0102 it was made, and the day ended at $0.60
    done = paid.embed(["y" * 2_000] * 1_000, "document")  # 2 MB: $0.30, within
    assert inner.calls == 1 and done.cost_usd == pytest.approx(0.3)
