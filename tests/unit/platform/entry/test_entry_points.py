"""Entry points through functions-framework's own app, with the ports replaced by fakes."""

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from shared.bootstrap import Container
from shared.platform.logs import ERROR_EVENT_TYPE, CloudLoggingFormatter
from shared.team.services.sessions import start_session
from tests.support.platform.fake_container import PLAN_BODY, FakeContainer, client

SOURCE = str(Path(__file__).resolve().parents[4] / "functions" / "main.py")


def test_plan_creates_a_run_and_enqueues_step_one(fakes: FakeContainer) -> None:
    response = client("plan", fakes).post("/", json=PLAN_BODY)
    assert response.status_code == 200 and response.json == {"run_id": "r1", "created": True}
    assert [t[2] for t in fakes.queue.tasks] == ["step:t1:r1:1:2"]  # after the plan and its model usage


@pytest.mark.parametrize(
    ("target", "body", "field_name"),
    [
        ("plan", {**PLAN_BODY, "run_id": "bad id/with slash"}, "run_id"),
        ("plan", {k: v for k, v in PLAN_BODY.items() if k != "trigger"}, "trigger"),
        ("plan", {**PLAN_BODY, "trigger": {"kind": "telepathy"}}, "trigger.kind"),
        ("execute_step", {"tenant_id": "t1", "run_id": "r1", "step": 0}, "step"),
        ("notify", {"notification_id": "n1", "tenant_id": "t1", "subject": "", "text": "x"}, "subject"),
        ("deploy", {"tenant_id": "t1", "run_id": "r1", "step": "first"}, "step"),
        ("deploy", {"tenant_id": "t1", "run_id": "r1", "step": 1, "repository": "acme/site"}, "repository"),
    ],
)
def test_an_invalid_task_body_is_a_dead_letter_naming_the_field_and_runs_nothing(
    fakes: FakeContainer, target: str, body: dict[str, Any], field_name: str
) -> None:
    response = client(target, fakes).post("/", json=body)
    assert response.status_code == 200  # acknowledged: the queue must not retry what can never be valid
    assert response.json is not None and field_name in response.json["reason"].split(": ")[1].split(", ")
    [letter] = fakes.dead_letters.letters.values()
    assert letter.letter_id == response.json["dead_letter"] and field_name in letter.reason
    assert not fakes.store.runs and not fakes.queue.tasks and not fakes.notifier.delivered


@pytest.mark.parametrize("target", ["plan", "execute_step", "notify", "deploy"])
def test_a_non_json_body_is_a_dead_letter_and_a_get_is_a_405(fakes: FakeContainer, target: str) -> None:
    response = client(target, fakes).post("/", data=b"not json", content_type="text/plain")
    assert response.status_code == 200 and response.json is not None and "JSON" in response.json["reason"]
    assert "dead_letter" in response.json
    get = client(target, fakes).get("/")
    assert get.status_code == 405 and get.headers["Allow"] == "POST"


def test_an_unexpected_error_is_a_500_with_an_error_id_and_the_traceback_only_in_the_log(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_: object) -> None:
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(fakes.store, "create_run", explode)
    with caplog.at_level(logging.ERROR):
        response = client("plan", fakes).post("/", json=PLAN_BODY)
    assert response.status_code == 500 and response.json is not None
    error_id = response.json["error_id"]
    assert "internal detail" not in response.get_data(as_text=True)
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)
    # Error Reporting groups it: the line it becomes has the traceback in stack_trace, Python's format.
    [record] = [r for r in caplog.records if r.exc_info]
    entry = json.loads(CloudLoggingFormatter("proj").format(record))
    assert entry["severity"] == "ERROR" and entry["@type"] == ERROR_EVENT_TYPE
    assert entry["stack_trace"].startswith("Traceback (most recent call last):\n")
    assert ", in explode" in entry["stack_trace"]
    assert entry["stack_trace"].rstrip().endswith("RuntimeError: internal detail that must not leak")


def test_execute_step_acknowledges_a_step_of_an_unknown_run(fakes: FakeContainer) -> None:
    response = client("execute_step", fakes).post("/", json={"tenant_id": "t1", "run_id": "gone", "step": 1})
    assert response.status_code == 200 and response.json is not None and response.json["acted"] is False


def test_notify_delivers_once_per_notification_id(fakes: FakeContainer) -> None:
    body = {"notification_id": "n1", "tenant_id": "t1", "subject": "Hi", "text": "there"}
    first, second = client("notify", fakes).post("/", json=body), client("notify", fakes).post("/", json=body)
    assert first.json == {"notification_id": "n1", "delivered": True}
    assert second.json == {"notification_id": "n1", "delivered": False}
    assert list(fakes.notifier.delivered) == ["n1"]


def test_api_needs_a_session_and_hides_other_tenants_runs(fakes: FakeContainer) -> None:
    client("plan", fakes).post("/", json=PLAN_BODY)
    api = client("api", fakes)
    assert api.get("/runs/r1").status_code == 401
    own = start_session("t1", fakes.secrets)
    other = start_session("t2", fakes.secrets)
    response = api.get("/runs/r1", headers={"Authorization": f"Bearer {own}"})
    assert response.status_code == 200 and response.json is not None
    assert response.json["events"][0]["kind"] == "run_planned"
    assert api.get("/runs/r1", headers={"Authorization": f"Bearer {other}"}).status_code == 404
    assert api.get("/nowhere", headers={"Authorization": f"Bearer {own}"}).status_code == 404
    assert api.delete("/runs/r1", headers={"Authorization": f"Bearer {own}"}).status_code == 405


def test_oauth_callback_validates_its_query(fakes: FakeContainer) -> None:
    callback = client("oauth_callback", fakes)
    missing = callback.get("/?code=abc")
    assert missing.status_code == 400 and missing.json is not None and "state" in missing.json["reason"]
    assert callback.post("/").status_code == 405


def test_an_entry_points_lines_carry_the_requests_trace_span_and_execution_id() -> None:
    """Cloud Run functions sends X-Cloud-Trace-Context and Function-Execution-Id with each request."""
    from flask import Flask, request

    from functions._http import handle
    from tests.support.platform.cloud_log_lines import cloud_log_lines

    headers = {
        "X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000/2748;o=1",
        "Function-Execution-Id": "abc123def456",
    }
    with cloud_log_lines("test.entry", "proj") as (logger, lines):

        def inside(_: Container) -> tuple[dict[str, Any], int]:
            logger.info("inside")
            return {}, 200

        with Flask(__name__).test_request_context("/", method="POST", headers=headers):
            handle(request, ("POST",), inside)
    [entry] = lines
    assert entry["logging.googleapis.com/trace"] == "projects/proj/traces/105445aa7843bc8bf206b12000100000"
    assert entry["logging.googleapis.com/spanId"] == "0000000000000abc"
    assert entry["logging.googleapis.com/trace_sampled"] is True
    assert entry["logging.googleapis.com/labels"] == {"execution_id": "abc123def456"}
