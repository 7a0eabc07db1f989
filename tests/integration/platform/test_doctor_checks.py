"""``make doctor``'s service on the Firestore emulator: who may start a check, what a check records
when a queue refuses its task, each hop's record and latency, and a failing model call recorded, not
raised (the end-to-end check on the local stack: tests/e2e/test_doctor.py)."""

from typing import Any

import pytest
from google.api_core import exceptions as gexc

from functions.tasks.doctor import ROUTE
from shared.platform.adapters.firestore_doctor import FirestoreDoctorChecks
from shared.platform.config import PlatformSecret
from shared.platform.domain import signed_tokens
from shared.platform.domain.doctor_task import DoctorTask
from shared.platform.errors import ConfigError, TransientError, Unauthenticated
from shared.platform.services import doctor
from shared.platform.topology import Queue
from shared.team.services.sessions import start_session
from tests.engine_fakes import FakeModel
from tests.fakes import FakeQueue, FakeSecrets

pytestmark = pytest.mark.integration
KEY = "k" * 32


class RefusingQueue(FakeQueue):
    """Refuses the deploy queue as a missing queue would, notify as IAM would (a client error whose
    message must not reach the record)."""

    def enqueue(self, queue: Queue, body: Any, task_id: str, delay_s: float = 0.0) -> bool:
        if queue == Queue.DEPLOY:
            raise ConfigError("queue projects/p/locations/r/queues/deploy does not exist: create it")
        if queue == Queue.NOTIFY:
            raise gexc.PermissionDenied("lacks iam.serviceAccounts.actAs: detail")  # type: ignore[no-untyped-call]  # google-api-core: unannotated
        return super().enqueue(queue, body, task_id, delay_s)


def test_only_an_operator_s_doctor_token_opens_the_routes() -> None:
    secrets = FakeSecrets({PlatformSecret.SESSION_SIGNING_KEY: KEY})
    doctor.check_operator(f"Doctor {doctor.operator_token(secrets)}", secrets)
    session = start_session("t1", secrets)
    refused = [
        "",
        f"Bearer {doctor.operator_token(secrets)}",
        f"Doctor {session}",  # a session is no operator's
        f"Doctor {signed_tokens.sign({'purpose': 'doctor'}, 'another key ' * 3, 60)}",
        f"Doctor {signed_tokens.sign({'purpose': 'doctor'}, KEY, -5)}",  # expired
    ]
    for header in refused:
        with pytest.raises(Unauthenticated):
            doctor.check_operator(header, secrets)


def test_a_check_records_what_each_queue_took_or_refused(firestore_db: Any) -> None:
    checks, queue = FirestoreDoctorChecks(firestore_db), RefusingQueue()
    started = doctor.start_check(queue, checks)
    sent = {q: e["sent"] for q, e in started["queues"].items()}
    assert [t[0] for t in queue.tasks] == [Queue.PLAN, Queue.EXECUTE_STEP]
    assert all(isinstance(t[1], DoctorTask) and t[1].ROUTE == ROUTE for t in queue.tasks)
    assert sent["deploy"]["error"].startswith("ConfigError: queue projects/p/locations/r/queues/deploy")
    assert sent["notify"]["error"] == "PermissionDenied"  # the client's message is not kept
    assert "error" not in sent["plan"] and sent["plan"]["task"] == f"doctor:{started['check_id']}:plan"
    stored = doctor.read_check(checks, started["check_id"])
    assert stored is not None and stored["queues"]["deploy"]["sent"] == sent["deploy"]
    assert all(e["hop"] is None for e in stored["queues"].values())


def test_each_hop_is_recorded_with_its_latency_and_the_model_s_call(firestore_db: Any) -> None:
    checks = FirestoreDoctorChecks(firestore_db)
    started = doctor.start_check(FakeQueue(), checks)
    check_id = started["check_id"]
    hop = doctor.answer_hop(DoctorTask(check_id=check_id, queue="plan"), "plan", 2, checks, FakeModel())
    assert hop["recorded"] and hop["function"] == "plan" and hop["attempt"] == 2
    assert hop["model"]["ok"] and hop["model"]["model"] == "fake" and hop["model"]["tokens"] > 0
    failing = FakeModel({"Draft": [TransientError("vertex: 429 quota")]})
    notify = DoctorTask(check_id=check_id, queue="notify")
    assert doctor.answer_hop(notify, "notify", 1, checks, failing)["model"] == {
        "ok": False,
        "error": "TransientError: vertex: 429 quota",
        "ms": pytest.approx(0, abs=1000),
    }
    view = doctor.read_check(checks, check_id)
    assert view is not None
    assert view["queues"]["plan"]["hop"]["function"] == "plan"
    assert view["queues"]["plan"]["latency_ms"] >= 0
    assert (
        view["queues"]["execute-step"]["hop"] is None and "latency_ms" not in view["queues"]["execute-step"]
    )
    unknown = DoctorTask(check_id="no-such-check", queue="deploy")
    assert doctor.answer_hop(unknown, "deploy", 1, checks)["recorded"] is False
    assert doctor.read_check(checks, "no-such-check") is None
