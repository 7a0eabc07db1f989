"""Firestore indexes and TTLs, queues, scheduler jobs, source archive, alerts: as docs/architecture.md describes."""

import pytest

from tools.infra_drift import Terraform


def test_firestore_is_native(tf: Terraform) -> None:
    """Indexes and TTL policies are held against the code in test_firestore.py."""
    database = tf.resources["google_firestore_database"]["main"]
    assert database["type"] == "FIRESTORE_NATIVE"


def test_every_queue_has_rate_limits_and_bounded_retries(tf: Terraform) -> None:
    for queue_id, queue in tf.locals["queues"].items():
        assert 0 < queue["max_dispatches_per_second"] <= 500, queue_id
        assert 0 < queue["max_concurrent_dispatches"] <= 5000, queue_id
        assert 1 < queue["max_attempts"] <= 100, queue_id  # test_task_retries.py: the schedule
        assert queue["max_retry_duration"].endswith("s"), queue_id
    body = tf.resources["google_cloud_tasks_queue"]["queue"]
    assert body["retry_config"][0]["max_attempts"] == "${each.value.max_attempts}"
    assert body["rate_limits"][0]["max_dispatches_per_second"] == "${each.value.max_dispatches_per_second}"


def test_scheduler_jobs_call_with_oidc(tf: Terraform) -> None:
    jobs = tf.locals["scheduler_jobs"]
    assert (jobs["plan-daily-fanout"]["target"], jobs["plan-daily-fanout"]["path"]) == ("plan", "/schedule")
    assert jobs["plan-daily-fanout"]["schedule"] == "0 * * * *"
    assert (jobs["sweep-stalled-runs"]["target"], jobs["sweep-stalled-runs"]["path"]) == (
        "execute_step",
        "/sweep",
    )
    assert jobs["sweep-stalled-runs"]["schedule"] == "*/5 * * * *"
    target = tf.resources["google_cloud_scheduler_job"]["job"]["http_target"][0]
    oidc = target["oidc_token"][0]
    assert oidc["service_account_email"] == '${google_service_account.platform["scheduler"].email}'
    assert oidc["audience"] == "${local.function_urls[each.value.target]}"


def test_scheduler_calls_the_urls_the_code_names(tf: Terraform) -> None:
    """The job's audience is the function URL of the settings (NA_PLAN_URL, as Cloud Tasks use it);
    the path is the route the code serves (ScheduleTask.ROUTE on plan, /sweep on execute-step)."""
    from shared.agents.domain.schedule_task import ScheduleTask
    from shared.platform.config import Settings
    from shared.platform.topology import Target

    env = tf.locals["settings_env"]
    jobs = tf.locals["scheduler_jobs"]
    target = tf.resources["google_cloud_scheduler_job"]["job"]["http_target"][0]
    assert target["uri"] == "${local.function_urls[each.value.target]}${each.value.path}"
    assert target["oidc_token"][0]["audience"] == "${local.function_urls[each.value.target]}"
    for job in jobs.values():
        assert env[f"NA_{job['target'].upper()}_URL"] == f'${{local.function_urls["{job["target"]}"]}}'
    assert jobs["plan-daily-fanout"]["path"] == ScheduleTask.ROUTE
    settings = Settings(plan_url="https://plan.example", execute_step_url="https://step.example")
    assert settings.target_url(Target.PLAN) == settings.plan_url  # the audience of plan's tasks too


def test_source_archive_is_uploaded_under_its_hash(tf: Terraform) -> None:
    source = tf.resources["google_storage_bucket_object"]["source"]
    assert "${filemd5(var.source_archive)}" in source["name"]
    assert source["source"] == "${var.source_archive}"
    bucket = tf.resources["google_storage_bucket"]["source"]
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["versioning"][0]["enabled"] is True


def test_functions_run_python313_with_min_instances_variable(tf: Terraform) -> None:
    for body in tf.resources["google_cloudfunctions2_function"].values():
        assert body["build_config"][0]["runtime"] == "python313"
        assert body["service_config"][0]["min_instance_count"] == "${lookup(var.min_instances, each.key, 0)}"
    for key, fn in tf.locals["functions"].items():
        assert fn["concurrency"] == 1 or float(fn["cpu"]) >= 1, f"{key}: concurrency > 1 needs a whole vCPU"


def test_alerts_cover_the_nine_signals(tf: Terraform) -> None:
    assert set(tf.locals["log_metrics"]) == {
        "run_failed",
        "webhook_rejected",
        "budget_exceeded",
        "model_unavailable",
        "dead_letter",
        "task_caller_refused",
        "task_request_refused",  # Cloud Run's request log: refusals before the code runs
        "doctor_hop_failed",  # the scheduled doctor (scheduler.tf, job doctor)
        "rerank_failed",  # search's ranking API calls that failed
        "model_fallback",  # calls the other model family answered: its rate alerts
        "spend_cap_reached",  # the deployment's daily model cap, all workspaces
    }
    assert set(tf.locals["log_alerts"]) == set(tf.locals["log_metrics"])
    task_age = tf.resources["google_monitoring_alert_policy"]["task_age"]
    assert (
        "cloudtasks.googleapis.com/queue/task_attempt_delays"
        in task_age["conditions"][0]["condition_threshold"][0]["filter"]
    )


def test_variables_are_typed_and_described(tf: Terraform) -> None:
    for name, variable in tf.variables.items():
        assert variable.get("type") and variable.get("description"), name
    for name, output in tf.outputs.items():
        assert output.get("description"), name


def test_each_functions_threads_equal_its_concurrency(tf: Terraform) -> None:
    """Cloud Run sends an instance up to max_instance_request_concurrency requests at once; with fewer
    gunicorn threads the rest queue inside it, counted against the request's timeout."""
    runtime_env = tf.locals["runtime_env"]
    assert runtime_env == "${{for key, fn in local.functions : key => {THREADS = tostring(fn.concurrency)}}}"
    for body in tf.resources["google_cloudfunctions2_function"].values():
        service = body["service_config"][0]
        assert service["environment_variables"] == "${merge(local.settings_env, local.runtime_env[each.key])}"
        assert service["max_instance_request_concurrency"] == "${each.value.concurrency}"


def test_functions_framework_reads_its_thread_count_from_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mechanism runtime_env relies on, in the functions-framework version uv.lock pins."""
    from flask import Flask
    from functions_framework._http.gunicorn import GunicornApplication

    def threads() -> object:
        app = GunicornApplication(Flask(__name__), "127.0.0.1", 0, False)  # type: ignore[no-untyped-call]  # functions-framework: unannotated
        return app.options["threads"]

    monkeypatch.setenv("THREADS", "40")
    assert threads() == 40
    monkeypatch.delenv("THREADS")
    assert threads() != 40
