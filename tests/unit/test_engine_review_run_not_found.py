"""execute-step and deploy acknowledge (200) a step of a run that does not exist, and only that: any
other NotFound on the way (the session signing key with no enabled version, read by the follow-up
that asks a person after the step was recorded) is an error, 500 and logged, so the queue retries it
instead of dropping the task while the run waits for a message that is never sent."""

import logging
from datetime import UTC, datetime

import functions_framework
import pytest

from shared import bootstrap
from shared.config import PlatformSecret
from shared.domain.events import HumanRequested, PlannedStep, RunPlanned
from shared.domain.tasks.notify import NotifyTask
from tests.fakes import FakeSecrets
from tests.unit.test_entry_points import SOURCE, FakeContainer

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def container(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    built = FakeContainer(secrets=FakeSecrets())  # no session signing key (no enabled version)
    monkeypatch.setattr(bootstrap, "container", lambda: built)
    steps = [PlannedStep(tool="request_approval", args={"summary": "ok?"}), PlannedStep(tool="finish")]
    planned = RunPlanned(seq=1, at=NOW, goal="g", trigger="api", steps=steps, tools=["request_approval"])
    asked = HumanRequested(seq=2, at=NOW, request_id="approval-1", step=1, purpose="approval", prompt="ok?")
    assert built.store.create_run("t1", "r1", [planned, asked])  # the run waits for its owner
    return built


@pytest.mark.parametrize("target", ["execute_step", "deploy"])
def test_only_a_missing_run_is_acknowledged_anything_else_not_found_is_a_logged_500(
    container: FakeContainer, target: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = functions_framework.create_app(target, SOURCE).test_client()
    gone = client.post("/", json={"tenant_id": "t1", "run_id": "gone", "step": 1})
    assert gone.status_code == 200 and gone.json is not None and gone.json["acted"] is False

    with caplog.at_level(logging.ERROR):
        response = client.post("/", json={"tenant_id": "t1", "run_id": "r1", "step": 1})
    assert response.status_code == 500 and response.json is not None
    assert "secret" in response.json["reason"] and any("secret" in r.getMessage() for r in caplog.records)
    assert not container.queue.tasks  # the person was not asked: the task must not be dropped

    container.secrets.values[PlatformSecret.SESSION_SIGNING_KEY] = "k" * 32  # the key is enabled again
    assert client.post("/", json={"tenant_id": "t1", "run_id": "r1", "step": 1}).status_code == 200
    asks = [b for _, b, _, _ in container.queue.tasks if isinstance(b, NotifyTask)]
    assert [b.notification_id for b in asks] == ["r1-approval-1"]
