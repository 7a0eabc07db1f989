"""`make eval-agents`' code tasks through the whole local stack, with a test double
of the model only: Gemini's HTTP side answering as the offline model does, except that the change a
plan proposes is a fixture. The pipeline, the sandboxes and the harness are the real ones. A known-good
change passes, a known-bad one fails, and each reports its minutes and the cost its runs spent."""

import json
from collections.abc import Iterator
from typing import Any

import pytest

from local.eval_agents import evaluate
from local.eval_code import CodeOutcome, load_code_tasks, metrics
from local.stack import LocalStack
from shared.platform.adapters.offline_model import answer_for
from tests.support.platform.gemini_server import GeminiServer
from tests.support.platform.google_credentials import service_account_file

pytestmark = pytest.mark.e2e

TASKS = {t.name: t for t in load_code_tasks()}
GOOD, BAD = TASKS["code-lru-recency"], TASKS["code-leap-years"]
# Known-bad: 1900 is no longer a leap year, but neither is 2000.
SCHEMAS = (('"steps"', "PlanOut"), ('"args_json"', "ArgsFix"), ('"passed"', "Verdict"), ('"text"', "Draft"))
HALF_FIX = {"dates.py": BAD.files["dates.py"].replace("year % 4 == 0", "year % 4 == 0 and year % 100 != 0")}


class FixtureChanges:
    """The model's answers: the offline model's for the prompt's schema, with every
    ``open_pull_request`` step's files replaced by ``changes[repository]``."""

    def __init__(self, changes: dict[str, dict[str, str]]) -> None:
        self.changes = changes
        self.proposed: list[str] = []  # the repositories a plan proposed a fixture for

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        prompt = "".join(p.get("text", "") for c in request.get("contents", []) for p in c.get("parts", []))
        config = request.get("generationConfig") or {}
        schema = json.dumps(config.get("responseSchema") or config.get("responseJsonSchema") or {})
        name = next(n for key, n in SCHEMAS if key in schema)
        reply = answer_for(name, prompt)
        assert reply is not None, name
        for step in reply.get("steps", []) if name == "PlanOut" else []:
            if step["tool"] == "open_pull_request":
                args = json.loads(step["args_json"])
                change = self.changes[args["repository"]]
                args["files"] = [
                    {"path": p, "content": t, "rewrite": True, "why": "the fix"} for p, t in change.items()
                ]
                step["args_json"] = json.dumps(args)
                self.proposed.append(args["repository"])
        text = json.dumps(reply)
        candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
        usage = {"promptTokenCount": len(prompt) // 4, "candidatesTokenCount": len(text) // 4}
        return {"candidates": [candidate], "usageMetadata": usage | {"totalTokenCount": sum(usage.values())}}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, CodeOutcome], FixtureChanges]]:
    model = FixtureChanges({GOOD.repository: GOOD.solution, BAD.repository: HALF_FIX})
    server = GeminiServer(model)
    credentials = service_account_file(tmp_path_factory.mktemp("adc") / "sa.json", server.url + "/token")
    env = {
        "NA_MODEL_BACKEND": "vertex",
        "NA_MODEL_BASE_URL": server.url,
        "GOOGLE_APPLICATION_CREDENTIALS": str(credentials),
    }
    try:
        with LocalStack(extra_env=env) as stack:
            outcomes = evaluate(stack, [GOOD, BAD], workers=2)
    finally:
        server.stop()
    yield {o.task: o for o in outcomes if isinstance(o, CodeOutcome)}, model


def test_a_known_good_change_opened_by_the_pipeline_passes_with_its_minutes_and_cost(
    run: tuple[dict[str, CodeOutcome], FixtureChanges],
) -> None:
    outcomes, model = run
    good = outcomes[GOOD.name]
    assert good.passed, good.failures
    assert good.pull == "PR #1" and good.failures == []
    assert good.minutes is not None and 0 < good.minutes < 10
    assert good.cost_usd > 0  # the runs' spend at Gemini's prices, from the double's token counts
    assert GOOD.repository in model.proposed


def test_a_known_bad_change_fails_naming_the_failing_test(
    run: tuple[dict[str, CodeOutcome], FixtureChanges],
) -> None:
    outcomes, _ = run
    bad = outcomes[BAD.name]
    assert not bad.passed and bad.pull == "PR #1"
    assert "the repository's tests fail on" in bad.failures[0] and "test_centuries" in bad.failures[0]
    figures = metrics(list(outcomes.values()))
    assert (figures.tasks, figures.passed, figures.pass_rate) == (2, 1, 0.5)
    assert figures.max_cost_usd == max(o.cost_usd for o in outcomes.values()) > 0
