"""execute-step and deploy acknowledge (200) a step of a run that does not exist; the follow-up that
asks a person needs no secret (notify mints the links as it sends: without the session signing key
notify answers 503 and is retried, tests/unit/notify/test_decision_links.py), so it is enqueued even when
the key has no enabled version."""

import logging
from datetime import UTC, datetime

import pytest

from functions._http import app
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.config import PlatformSecret
from shared.runs.domain.events import HumanRequested, PlannedStep, RunPlanned
from tests.support.platform.fake_container import FakeContainer
from tests.support.platform.platform_fakes import FakeSecrets

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def container(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    built = FakeContainer(secrets=FakeSecrets())  # no session signing key (no enabled version)
    steps = [PlannedStep(tool="request_approval", args={"summary": "ok?"}), PlannedStep(tool="finish")]
    planned = RunPlanned(seq=1, at=NOW, goal="g", trigger="api", steps=steps, tools=["request_approval"])
    asked = HumanRequested(seq=2, at=NOW, request_id="approval-1", step=1, purpose="approval", prompt="ok?")
    assert built.store.create_run("t1", "r1", [planned, asked])  # the run waits for its owner
    return built


@pytest.mark.parametrize("target", ["execute_step", "deploy"])
def test_a_missing_run_is_acknowledged_and_asking_a_person_needs_no_signing_key(
    container: FakeContainer, target: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = app(target, container).test_client()
    gone = client.post("/", json={"tenant_id": "t1", "run_id": "gone", "step": 1})
    assert gone.status_code == 200 and gone.json is not None and gone.json["acted"] is False

    with caplog.at_level(logging.ERROR):
        response = client.post("/", json={"tenant_id": "t1", "run_id": "r1", "step": 1})
    assert response.status_code == 200 and not caplog.records
    asks = [b for _, b, _, _ in container.queue.tasks if isinstance(b, NotifyTask)]
    assert [b.notification_id for b in asks] == ["r1-approval-1"]
    assert PlatformSecret.SESSION_SIGNING_KEY not in container.secrets.values
