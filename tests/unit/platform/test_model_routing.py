"""The routing table by kind of call and the fallback decision (shared.platform.services.model_routing),
over scripted families; the real SDKs against their stand-ins are in tests/integration/platform."""

import ast
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from shared.platform.config import Settings
from shared.platform.domain.model_calls import (
    CALL_KINDS,
    TIER_KIND,
    TIERS,
    ModelReply,
    ModelUsage,
    Tier,
    calls_of,
)
from shared.platform.domain.model_replies import Draft
from shared.platform.errors import (
    ConfigError,
    ModelFixableError,
    ModelUnavailable,
    PermanentError,
    TransientError,
    UnusableReply,
)
from shared.platform.services.model_routing import Family, FamilyName, RoutedModel, falls_back, other, route
from tests.support.platform.log_events import fields_logged

DRAFT = Draft(title="t", text="x")


@dataclass
class Scripted:
    """A family's adapter: raises the next scripted error, else answers; ``asked``: the purposes."""

    name: str
    errors: list[Exception] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    def generate[T: BaseModel](self, tier: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        self.asked.append(tier)
        if self.errors:
            raise self.errors.pop(0)
        model = f"{self.name}-{tier}"
        return ModelReply(schema.model_validate(DRAFT.model_dump()), ModelUsage(model, 10, 5, 0.5))


def routed(
    gemini: Scripted, claude: Scripted, routes: dict[str, str] | None = None, **options: object
) -> RoutedModel:
    families = {
        "gemini": Family("gemini", lambda: gemini, {"fast": "gemini-fast", "strong": "gemini-strong"}),
        "claude": Family("claude", lambda: claude, {"fast": "claude-fast", "strong": "claude-strong"}),
    }
    return RoutedModel(families, routes or {}, **options)  # type: ignore[arg-type]  # str keys and **options, not the Literals


def test_each_kind_goes_to_its_routed_family_and_the_purpose_picks_its_model() -> None:
    gemini, claude = Scripted("gemini"), Scripted("claude")
    model = routed(
        gemini, claude, {"plan": "gemini", "draft": "claude", "code": "claude", "answer": "gemini"}
    )
    answered = {}
    for kind in CALL_KINDS:
        with calls_of(kind):
            answered[kind] = model.generate("strong", "p", Draft).usage.model
    assert answered == {
        "plan": "gemini-strong",  # an agent of tier "best" plans on the strong model
        "draft": "claude-strong",
        "review": "gemini-strong",  # a kind the table leaves out is Gemini's
        "code": "claude-strong",
        "answer": "gemini-strong",
    }
    assert model.generate("fast", "p", Draft).usage.model == "gemini-fast"  # no kind said: its tier's (plan)


def test_a_reviewer_pass_may_go_to_the_family_that_does_not_draft() -> None:
    assert route({"draft": "gemini", "review": "gemini"}, "review", "other") == "claude"
    assert route({"draft": "claude"}, "review", "other") == "gemini"
    assert route({"draft": "gemini", "review": "gemini"}, "review", "route") == "gemini"
    gemini, claude = Scripted("gemini"), Scripted("claude")
    with calls_of("review"):
        assert (
            routed(gemini, claude, review="other").generate("fast", "p", Draft).usage.model == "claude-fast"
        )
    assert not gemini.asked


@pytest.mark.parametrize(
    "error",
    [
        TransientError("model: HTTP 429"),
        TransientError("model: ReadTimeout"),
        TransientError("model: HTTP 503"),
        ModelUnavailable("the model 'gemini-2.5-pro' is not available; set NA_MODEL_DRAFT"),
        ConfigError("model refused the call: HTTP 403 denied"),
    ],
)
def test_a_family_that_cannot_answer_hands_the_call_to_the_other_and_says_so(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    gemini, claude = Scripted("gemini", [error]), Scripted("claude")
    with caplog.at_level(logging.WARNING):
        reply = routed(gemini, claude).generate("strong", "p", Draft)
    assert reply.usage.model == "claude-strong" and reply.usage.cost_usd == 0.5  # priced as Claude's answer
    assert reply.usage.fallback.startswith("gemini-strong ")
    assert (
        str(error.args[0])[:40] in reply.usage.fallback
        and "claude-strong answered instead" in reply.usage.fallback
    )
    [logged] = fields_logged(caplog.records, "model_fallback")
    assert (logged["from"], logged["to"]) == ("gemini-strong", "claude-strong")
    assert gemini.asked == claude.asked == ["strong"]


def test_an_answer_off_the_schema_is_not_a_switch_but_the_models_to_fix() -> None:
    unusable = UnusableReply("the answer did not match", ModelUsage("gemini-strong", 1, 1, 0.1))
    for error in (unusable, ModelFixableError("bad args"), PermanentError("not the model's")):
        gemini, claude = Scripted("gemini", [error]), Scripted("claude")
        with pytest.raises(type(error)):
            routed(gemini, claude).generate("strong", "p", Draft)
        assert not claude.asked
        assert not falls_back(error)


def test_without_the_fallback_the_routed_familys_error_is_the_calls() -> None:
    gemini, claude = Scripted("gemini", [TransientError("model: HTTP 429")]), Scripted("claude")
    with pytest.raises(TransientError, match="429"):
        routed(gemini, claude, fallback=False).generate("strong", "p", Draft)
    assert not claude.asked


def test_when_both_fail_a_passing_failure_wins_else_the_routed_familys() -> None:
    retired = ModelUnavailable("set NA_MODEL_DRAFT")
    gemini = Scripted("gemini", [retired])
    claude = Scripted("claude", [TransientError("model: HTTP 429")])
    with pytest.raises(TransientError):  # the queue retries: Claude may answer later
        routed(gemini, claude).generate("strong", "p", Draft)
    gemini = Scripted("gemini", [retired])
    claude = Scripted("claude", [ModelUnavailable("set NA_MODEL_CLAUDE_DRAFT")])
    with pytest.raises(ModelUnavailable, match="NA_MODEL_DRAFT"):  # the run fails naming the setting
        routed(gemini, claude).generate("strong", "p", Draft)


def test_a_family_is_built_when_first_asked_and_one_that_cannot_be_built_cannot_answer() -> None:
    gemini = Scripted("gemini")
    built: list[str] = []

    def unbuildable() -> Scripted:
        built.append("claude")
        raise ConfigError("the vertex model is only reachable in production")

    families: dict[FamilyName, Family] = {
        "gemini": Family("gemini", lambda: gemini, {"strong": "gemini-strong"}),
        "claude": Family("claude", unbuildable, {"strong": "claude-strong"}),
    }
    model = RoutedModel(families, {})
    assert model.generate("strong", "p", Draft).usage.model == "gemini-strong"  # Claude never built
    assert built == []
    gemini.errors.append(TransientError("model: HTTP 503"))
    with pytest.raises(TransientError, match="503"):
        model.generate("strong", "p", Draft)
    assert built == ["claude"]


def test_the_settings_route_every_kind_and_price_both_families() -> None:
    settings = Settings()
    assert set(settings.model_routes) == set(CALL_KINDS)
    assert settings.thinking_budgets()["code"] == settings.model_thinking_draft
    vertex = settings.replace(model_backend="vertex")
    for name in (vertex.model_plan, vertex.model_draft, vertex.model_claude_plan, vertex.model_claude_draft):
        assert vertex.model_prices[name][1] > 0
    assert set(get_args(Settings.model_fields["model_routes"].annotation)[0].__args__) == set(CALL_KINDS)
    with pytest.raises(ConfigError, match="NA_MODEL_ROUTES"):
        settings.replace(model_routes={"planning": "claude"})
    with pytest.raises(ConfigError, match="NA_MODEL_ROUTES"):
        settings.replace(model_routes={"plan": "gpt"})
    with pytest.raises(ConfigError, match="NA_MODEL_CLAUDE_PLAN and NA_MODEL_CLAUDE_DRAFT"):
        vertex.replace(model_claude_draft="claude-opus-4-7")
    # No fallback and no route to Claude: its models need no price.
    vertex.replace(model_claude_draft="claude-opus-4-7", model_fallback=False)


WHAT = {
    "plan": "a plan, a repair of a step's arguments",
    "draft": "a draft of text",
    "review": "a reviewer pass over a step's effect",
    "code": "a draft in a run that opens a pull request or deploys",
    "answer": "an Ask answer from the workspace index",
}


def routes_table(s: Settings) -> str:
    """docs/models.md's routing table, from the settings' defaults."""

    def priced(model: str) -> str:
        price_in, price_out = s.model_prices[model]
        return f"`{model}` ({price_in:.2f} / {price_out:.2f})"

    models = {
        "gemini": (s.model_plan, s.model_draft),
        "claude": (s.model_claude_plan, s.model_claude_draft),
    }
    lines = [
        "| kind | what it is | family | fast model (price in / out) | strong model (price in / out) "
        "| the other family, on a failure |",
        "|---|---|---|---|---|---|",
    ]
    for kind in CALL_KINDS:
        family = route(s.model_routes, kind, s.model_review_family)
        fast, strong = models[family]
        other_fast, other_strong = models[other(family)]
        fallback = (
            f"{other(family)}: {priced(other_fast)}, {priced(other_strong)}" if s.model_fallback else "none"
        )
        lines.append(f"| {kind} | {WHAT[kind]} | {family} | {priced(fast)} | {priced(strong)} | {fallback} |")
    return "\n".join(lines)


def test_the_routing_table_in_the_docs_is_the_settings() -> None:
    text = (Path(__file__).parents[3] / "docs" / "models.md").read_text()
    documented = text.split("<!-- routes:begin -->\n", 1)[1].split("\n<!-- routes:end -->", 1)[0]
    assert documented == routes_table(Settings())


def test_every_model_call_names_a_tier_not_a_purpose() -> None:
    """Decision 0159: the port's first argument is the model's tier (fast, strong); a call's purpose is
    its kind (``calls_of``). No call in the repository asks ``generate`` for anything else."""
    assert get_args(Tier.__value__) == TIERS and set(TIER_KIND) == set(TIERS)
    root = Path(__file__).resolve().parents[3]
    asked = []
    for folder in ("shared", "functions", "local", "tests", "tools"):
        for path in (root / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "generate"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    asked.append((node.args[0].value, f"{path.relative_to(root)}:{node.lineno}"))
    assert asked and not [where for tier, where in asked if tier not in TIERS]


@dataclass
class Streaming(Scripted):
    """A family that streams: its reply's JSON in two pieces, failing after the first when told."""

    fail_after_first: Exception | None = None

    def stream[T: BaseModel](self, tier: str, prompt: str, schema: type[T], on_text: Any) -> ModelReply[T]:
        reply = self.generate(tier, prompt, schema)
        text = reply.value.model_dump_json()
        on_text(text[:5])
        if self.fail_after_first is not None:
            raise self.fail_after_first
        on_text(text[5:])
        return reply


def test_a_stream_gives_the_reply_as_written_and_falls_back_only_before_its_first_piece() -> None:
    got: list[str] = []
    gemini, claude = Streaming("gemini", [TransientError("busy")]), Scripted("claude")
    reply = routed(gemini, claude).stream("fast", "p", Draft, got.append)
    assert reply.usage.fallback and "".join(got) == DRAFT.model_dump_json()  # claude's, whole, one piece
    assert len(got) == 1
    got.clear()
    broken = Streaming("gemini", fail_after_first=TransientError("cut"))
    with pytest.raises(TransientError, match="cut"):
        routed(broken, claude).stream("fast", "p", Draft, got.append)
    assert got == [DRAFT.model_dump_json()[:5]] and claude.asked == ["fast"]  # not asked again
    got.clear()
    reply = routed(Streaming("gemini"), claude).stream("fast", "p", Draft, got.append)
    assert len(got) == 2 and "".join(got) == reply.value.model_dump_json()


def test_the_offline_model_streams_in_pieces_and_holds_its_last_until_released() -> None:
    import threading

    from shared.memory.services.ask import AskOut
    from shared.platform.adapters.offline_model import OfflineModel

    hold, got = threading.Event(), list[str]()
    prompt = 'Answer.\n```json\n{"question": "q", "earlier_turns": [], "passages": []}\n```'
    model = OfflineModel(hold=hold)
    done = threading.Thread(target=lambda: model.stream("fast", prompt, AskOut, got.append))
    done.start()
    done.join(0.5)
    assert done.is_alive() and got  # the first pieces are out, the last is held
    before = len(got)
    hold.set()
    done.join(5)
    assert len(got) == before + 1
    assert "".join(got) == model.generate("fast", prompt, AskOut).value.model_dump_json()
