"""The Gemini stand-in's implicit cache (tests/support/platform/implicit_cache.py), as Vertex AI
documents it, and the real google-genai SDK reading what it reports through the Vertex adapter."""

from collections.abc import Iterator

import pytest
from google.oauth2.credentials import Credentials

from shared.engine.agent.context import plan_prompt
from shared.platform.adapters.vertex_model import OnVertex, VertexModel
from shared.platform.domain.model_replies import PlanOut
from tests.support.platform.implicit_cache import ImplicitCache, common_prefix
from tests.support.platform.offline_gemini import OfflineGemini

pytestmark = pytest.mark.integration
MODEL = "/v1/projects/p/locations/global/publishers/google/models/gemini-test:generateContent"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_common_prefix_counts_the_shared_leading_characters() -> None:
    assert common_prefix("abcdef", "abcxyz") == 3
    assert common_prefix("abc", "abc") == 3
    assert common_prefix("", "abc") == 0 and common_prefix("xbc", "abc") == 0


def test_a_recent_prefix_of_the_minimum_is_served_the_first_request_pays_in_full() -> None:
    clock = Clock()
    cache = ImplicitCache(minimum_tokens=1000, window_s=300, clock=clock)
    shared = "s" * 4800  # 1,200 tokens
    assert cache.served(MODEL, shared + "first question") == 0  # it creates the cache, at full price
    clock.now += 299
    assert cache.served(MODEL, shared + "second one") == 1200
    assert cache.served(MODEL, shared + "second one!") == (len(shared) + len("second one")) // 4


def test_no_hit_under_the_minimum_past_the_window_or_on_another_model() -> None:
    clock = Clock()
    cache = ImplicitCache(minimum_tokens=1000, window_s=300, clock=clock)
    cache.served(MODEL, "s" * 4000 + "a" * 4000)
    assert cache.served(MODEL, "s" * 3996 + "b" * 4000) == 0  # 999 tokens shared: under the minimum
    assert cache.served(MODEL, "s" * 200) == 0  # the request itself is under the minimum
    assert cache.served(MODEL.replace("gemini-test", "gemini-other"), "s" * 4000 + "a" * 4000) == 0
    clock.now += 301  # every earlier request is out of the window now
    assert cache.served(MODEL, "s" * 4000 + "a" * 4000) == 0
    assert cache.served(MODEL, "s" * 4000 + "a" * 4000) == 2000  # the one just sent is recent


@pytest.fixture
def gemini() -> Iterator[OfflineGemini]:
    server = OfflineGemini(ImplicitCache(minimum_tokens=4096))
    yield server
    server.stop()


def test_two_plan_calls_the_second_served_its_shared_prefix_at_a_tenth(gemini: OfflineGemini) -> None:
    """Through google-genai: the stand-in reports ``cachedContentTokenCount``, the adapter prices it."""
    token = Credentials(token="fake")  # type: ignore[no-untyped-call]  # google-auth: unannotated
    model = VertexModel(
        OnVertex("p", "global", gemini.url, credentials=token),
        {"fast": "gemini-test", "strong": "gemini-test"},
        {"gemini-test": (1.0, 0.0)},
        thinking={"plan": 64},
    )
    page = {"id": "p1", "title": "Notes", "text": "hello"}
    first = plan_prompt("Summarise the page", {"page": page, "trigger": {"kind": "manual"}}, [], 10)
    second = plan_prompt("Plan my day", {"trigger": {"kind": "schedule"}, "data_source": {"id": "d"}}, [], 20)
    one = model.generate("fast", first, PlanOut).usage
    two = model.generate("fast", second, PlanOut).usage
    assert one.cached_tokens == 0 and one.input_tokens == len(first) // 4
    cached = common_prefix(first, second) // 4
    assert cached >= 4096 and two.cached_tokens == cached
    assert two.cost_usd == pytest.approx((two.input_tokens - cached + cached * 0.1) / 1e6)
    assert [c.cached_tokens for c in gemini.calls] == [0, cached]  # the token grant is no call
    assert one.thinking_tokens == two.thinking_tokens == 64  # within the budget the request sent
    assert [c.budget for c in gemini.calls] == [64, 64]  # the budget sent, for the bench's split
