"""A model that is not found (retired or misspelt) stops the run once, naming the setting to change;
nothing retries it, and the adapter logs the event the operator's alert counts."""

import logging
from types import SimpleNamespace

import pytest
from google.genai import errors

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.platform.adapters.vertex_model import OnVertex, VertexModel
from shared.platform.domain.model_replies import PlanOut
from shared.platform.errors import ConfigError, ModelUnavailable
from shared.runs.domain.events import RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

RETIRED = ModelUnavailable(
    "the model 'gemini-2.5-pro' is not available; set NA_MODEL_DRAFT to a current model"
)


def _adapter(monkeypatch: pytest.MonkeyPatch, code: int, status: str) -> VertexModel:
    model = VertexModel(
        OnVertex("proj", "europe-west1", "http://127.0.0.1:9"),
        {"fast": "gemini-2.5-flash", "strong": "gemini-2.5-pro"},
        {"gemini-2.5-flash": (0.3, 2.5), "gemini-2.5-pro": (1.25, 10.0)},
    )
    body = {"error": {"code": code, "message": "Publisher Model was not found", "status": status}}

    def refuse(**_: object) -> None:
        raise errors.ClientError(code, body)

    monkeypatch.setattr(model, "_client", SimpleNamespace(models=SimpleNamespace(generate_content=refuse)))
    return model


def test_a_model_not_found_names_its_setting_and_is_logged_for_the_alert(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    model = _adapter(monkeypatch, 404, "NOT_FOUND")
    with caplog.at_level(logging.ERROR), pytest.raises(ModelUnavailable) as raised:
        model.generate("strong", "write it", PlanOut)
    assert "NA_MODEL_DRAFT" in raised.value.reason and "gemini-2.5-pro" in raised.value.reason
    assert "model_draft" in raised.value.reason  # the terraform variable too
    fields: list[dict[str, object]] = [getattr(r, "fields", {}) for r in caplog.records]
    [logged] = [f for f in fields if f.get("event") == "model_unavailable"]
    assert logged == {
        "event": "model_unavailable",
        "model": "gemini-2.5-pro",
        "setting": "NA_MODEL_DRAFT",
    }
    with pytest.raises(ModelUnavailable, match="NA_MODEL_PLAN"):
        model.generate("fast", "plan it", PlanOut)


def test_other_refusals_stay_configuration_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as raised:
        _adapter(monkeypatch, 403, "PERMISSION_DENIED").generate("fast", "p", PlanOut)
    assert not isinstance(raised.value, ModelUnavailable)


def test_planning_with_a_retired_model_fails_the_run_once() -> None:
    model = FakeModel({"PlanOut": [RETIRED, RETIRED]})
    deps = make_deps(model=model, notion=FakeNotion())
    task = PlanTask(tenant_id="t1", run_id="r1", goal="do", trigger=Trigger(kind="api"))
    assert start_run(task, deps) is True  # returns: the request answers 2xx, the queue does not retry
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.FAILED
    assert "NA_MODEL_DRAFT" in run.state.summary  # the reason names the setting to change
    assert len(model.prompts) == 1  # once: no re-ask of a model that does not exist
    assert start_run(task, deps) is False and len(model.prompts) == 1  # a repeat delivery: nothing


def test_a_step_with_a_retired_model_fails_the_run_and_is_not_retried() -> None:
    plan = {
        "goal": "g",
        "risk": "low",
        "steps": [{"tool": "draft_text", "args_json": '{"instructions": "w"}'}],
    }
    model = FakeModel({"PlanOut": [plan], "Draft": [RETIRED]})
    deps = make_deps(model=model, notion=FakeNotion())
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="do", trigger=Trigger(kind="api")), deps)
    step = StepTask(tenant_id="t1", run_id="r1", step=1)
    outcome = run_step(step, deps)  # returns: the request answers 2xx, the queue does not retry
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.FAILED
    assert "NA_MODEL_DRAFT" in (run.state.summary or run.state.last_error)
    calls = len(model.prompts)
    run_step(step, deps)  # a duplicate delivery: the run is over, no model call again
    assert len(model.prompts) == calls
    assert outcome.status == RunStatus.FAILED
