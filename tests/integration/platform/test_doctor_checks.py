"""``make doctor``'s service on the Firestore emulator: who may start a check, what a check records
when a queue refuses its task, each hop's record and latency, and a failing model call recorded, not
raised (the end-to-end check on the local stack: tests/e2e/test_doctor.py)."""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.api_core import exceptions as gexc

from functions.tasks.doctor import ROUND_ROUTE, ROUTE
from shared.platform.adapters.firestore_doctor import FirestoreDoctorChecks
from shared.platform.config import PlatformSecret, Settings
from shared.platform.domain import signed_tokens
from shared.platform.domain.doctor_task import DoctorTask
from shared.platform.errors import ConfigError, TransientError, Unauthenticated
from shared.platform.services import doctor
from shared.platform.topology import Queue
from shared.team.services.sessions import start_session
from tests.support.platform.platform_fakes import FakeModel, FakeQueue, FakeSecrets

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


def test_the_scheduled_round_judges_the_last_check_and_logs_each_failed_hop(
    firestore_db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """make doctor on a schedule: a round starts a check; the next round, once its grace
    has passed, logs one doctor_hop_failed line per hop that failed (the alert's metric), marks it
    judged, and starts the next. A healthy check logs nothing; a check started by hand is never judged."""
    checks = FirestoreDoctorChecks(firestore_db)
    t0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    by_hand = doctor.start_check(FakeQueue(), checks, t0)["check_id"]
    first = doctor.scheduled_round(RefusingQueue(), checks, t0)
    assert first["judged"] == {}
    a = first["started"]
    doctor.answer_hop(DoctorTask(check_id=a, queue="plan"), "plan", 1, checks, FakeModel())
    doctor.answer_hop(DoctorTask(check_id=a, queue="execute-step"), "execute_step", 1, checks)
    early = checks.due_for_judgement(t0 + doctor.ROUND_GRACE / 2)
    assert early == [], "not judged before its grace has passed"

    def failed_lines() -> dict[str, str]:
        return {
            r.fields["hop"]: r.fields["reason"]  # type: ignore[attr-defined]  # logging: extra fields
            for r in caplog.records
            if getattr(r, "fields", {}).get("event") == "doctor_hop_failed"
        }

    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="shared.platform.services.doctor"):
        second = doctor.scheduled_round(FakeQueue(), checks, t0 + timedelta(minutes=15))
    assert second["judged"][a] == ["deploy", "notify"]
    assert set(failed_lines()) == {"deploy", "notify"}
    assert failed_lines()["deploy"].startswith("not sent: ConfigError")
    assert failed_lines()["notify"] == "not sent: PermissionDenied"
    b = second["started"]
    for queue, function in (("plan", "plan"), ("execute-step", "execute_step"), ("deploy", "deploy")):
        doctor.answer_hop(
            DoctorTask(check_id=b, queue=queue), function, 1, checks, FakeModel() if queue == "plan" else None
        )
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="shared.platform.services.doctor"):
        third = doctor.scheduled_round(FakeQueue(), checks, t0 + timedelta(minutes=30))
    assert a not in third["judged"] and by_hand not in third["judged"]
    assert third["judged"][b] == ["notify"], "notify's task was sent and never answered"
    assert failed_lines() == {
        "notify": "not answered: the queue did not deliver it, or notify refused it (401/403)"
    }
    c = third["started"]
    for queue, function in (
        ("plan", "plan"),
        ("execute-step", "execute_step"),
        ("deploy", "deploy"),
        ("notify", "notify"),
    ):
        doctor.answer_hop(
            DoctorTask(check_id=c, queue=queue), function, 1, checks, FakeModel() if queue == "plan" else None
        )
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="shared.platform.services.doctor"):
        fourth = doctor.scheduled_round(FakeQueue(), checks, t0 + timedelta(minutes=45))
    assert fourth["judged"] == {c: []} and failed_lines() == {}
    stored = checks.get(c)
    assert stored is not None and "judge_after" not in stored and stored["failed_hops"] == []


def test_a_failed_model_call_is_a_failed_hop() -> None:
    ok = {"ok": True, "model": "m", "tokens": 3, "cost_usd": 0.0, "ms": 5}
    hops: dict[str, Any] = {q.value: {"function": q.value} for q in Queue}
    healthy = {"sent": {q.value: {"task": "t"} for q in Queue}, "hops": hops | {"plan": {"model": ok}}}
    assert doctor.failed_hops(healthy) == []
    failing = healthy | {"hops": hops | {"plan": {"model": {"ok": False, "error": "Forbidden"}}}}
    assert doctor.failed_hops(failing) == [("model", "Forbidden")]


def test_plan_answers_the_round_to_cloud_scheduler_only(firestore_db: Any) -> None:
    """POST /doctor/round on plan (terraform/scheduler.tf's job doctor): the scheduler's token for
    plan's URL runs a round; a token of another account is a 403 (counted by task_request_refused)
    and starts nothing."""
    from tests.support.platform.fake_container import FakeContainer, client
    from tests.support.platform.task_tokens import SCHEDULER, TASKS, bearer

    checks = FirestoreDoctorChecks(firestore_db)
    container = FakeContainer(Settings(tasks_service_account=TASKS))
    container.instance.built["doctor_checks"] = checks  # not a port (bootstrap builds it on first use)
    plan, url = client("plan", container), container.settings.plan_url
    refused = plan.post(ROUND_ROUTE, json={}, headers=bearer("someone@proj.iam.gserviceaccount.com", url))
    assert refused.status_code == 403 and not container.queue.tasks
    answer = plan.post(ROUND_ROUTE, json={}, headers=bearer(SCHEDULER, url))
    assert answer.status_code == 200, answer.json
    assert answer.json is not None and answer.json["judged"] == {}
    started = checks.get(answer.json["started"])
    assert started is not None and started["judge_after"] > started["started_at"]
    assert sorted(task[0] for task in container.queue.tasks) == sorted(Queue)


class _Family:
    """One model family's adapter: answers as ``name``, or raises ``error``."""

    def __init__(self, name: str, error: Exception | None = None) -> None:
        self.name, self.error, self.calls = name, error, 0

    def generate(self, tier: str, prompt: str, schema: Any) -> Any:
        from shared.platform.domain.model_calls import ModelReply, ModelUsage

        self.calls += 1
        if self.error is not None:
            raise self.error
        return ModelReply(schema(text="OK"), ModelUsage(self.name, 40, 2, 0.0001))


def _routed(gemini: _Family, claude: _Family | None) -> Any:
    from shared.platform.services.model_routing import Family, RoutedModel

    families = {"gemini": Family("gemini", lambda: gemini, {"fast": gemini.name})}
    if claude is not None:
        families["claude"] = Family("claude", lambda: claude, {"fast": claude.name})
    return RoutedModel(families, {}, fallback=True)  # type: ignore[arg-type]  # fake families


def test_the_doctor_calls_both_model_families_and_a_fallback_is_a_failure(firestore_db: Any) -> None:
    """The health check called Gemini only, so a Claude that was never enabled in Model
    Garden showed only during a Gemini outage. Each family is asked first in turn; an answer that
    only the other family gave (the fallback) fails the family asked."""
    from shared.platform.errors import ModelUnavailable

    checks = FirestoreDoctorChecks(firestore_db)
    task = DoctorTask(check_id=doctor.start_check(FakeQueue(), checks)["check_id"], queue="plan")
    gemini, claude = _Family("gemini-3.5-flash-lite"), _Family("claude-haiku-4-5")
    hop = doctor.answer_hop(task, "plan", 1, checks, _routed(gemini, claude))
    assert hop["model"]["ok"] and hop["model"]["model"] == "gemini-3.5-flash-lite"
    assert hop["model_claude"]["ok"] and hop["model_claude"]["model"] == "claude-haiku-4-5"
    assert gemini.calls == claude.calls == 1
    not_enabled = _Family("claude-haiku-4-5", ModelUnavailable("claude-haiku-4-5 is not enabled (404)"))
    hop = doctor.answer_hop(task, "plan", 1, checks, _routed(_Family("gemini-3.5-flash-lite"), not_enabled))
    assert hop["model"]["ok"] and not hop["model_claude"]["ok"]
    assert hop["model_claude"]["error"].startswith("NotAnswered: claude-haiku-4-5 was not available")
    assert hop["model_claude"]["model"] == "gemini-3.5-flash-lite"  # who answered instead
    stored = checks.get(task.check_id)
    assert stored is not None
    # the other queues' tasks were never answered here; plan's Gemini call passed, its Claude call did not
    assert {hop for hop, _ in doctor.failed_hops(stored)} == {
        "execute-step",
        "deploy",
        "notify",
        "model_claude",
    }
    missing = doctor.answer_hop(task, "plan", 1, checks, _routed(_Family("gemini-3.5-flash-lite"), None))
    assert missing["model_claude"]["error"] == "NotAnswered: claude is not configured"


def test_the_doctor_checks_the_families_the_deployment_uses() -> None:
    assert doctor.families_of(Settings()) == ("gemini", "claude")  # the fallback is on by default
    assert doctor.families_of(Settings(model_fallback=False)) == ("gemini",)
    assert doctor.families_of(Settings(model_fallback=False, model_routes={"draft": "claude"})) == (
        "gemini",
        "claude",
    )
