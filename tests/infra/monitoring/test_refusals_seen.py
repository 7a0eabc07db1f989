"""Every refused task call is seen: the log metrics over Cloud Run's request log,
held against entries shaped as Cloud Run writes them (tests/support/infra/log_filter.py reads the filters);
the doctor on a schedule with its alert; the uptime check's own 405s never counted as rejected
webhooks."""

import re
from typing import Any

from functions.tasks.caller import SCHEDULER_ROUTES
from functions.tasks.doctor import ROUND_ROUTE
from tests.support.infra.log_filter import matches
from tools.infra_drift import Terraform

PROJECT = "acme-agent"
REQUESTS_LOG = f"projects/{PROJECT}/logs/run.googleapis.com%2Frequests"
STDOUT_LOG = f"projects/{PROJECT}/logs/run.googleapis.com%2Fstdout"
UPTIME_AGENT = "GoogleStackdriverMonitoring-UptimeChecks(https://cloud.google.com/monitoring)"


def task_services(tf: Terraform) -> list[str]:
    """local.task_services as Terraform computes it: the names of the functions that are not public."""
    assert tf.locals["task_services"] == "${sort([for fn in local.functions : fn.name if !fn.public])}"
    return sorted(fn["name"] for fn in tf.locals["functions"].values() if not fn["public"])


def rendered(tf: Terraform, metric: str) -> str:
    """The metric's filter with the locals it interpolates filled in, as Terraform would."""
    text = str(tf.locals["log_metrics"][metric]["filter"])
    names = " OR ".join(f'"{name}"' for name in task_services(tf))
    text = text.replace('${join(" OR ", [for name in local.task_services : "\\"${name}\\""])}', names)
    text = text.replace("${local.uptime_user_agent}", str(tf.locals["uptime_user_agent"]))
    assert "${" not in text, f"an interpolation this test does not fill in: {text}"
    return text


def request(
    service: str, status: int, agent: str = "Google-Cloud-Tasks", method: str = "POST"
) -> dict[str, Any]:
    """A line of Cloud Run's request log (its httpRequest, as LogEntry documents it)."""
    return {
        "logName": REQUESTS_LOG,
        "resource": {"type": "cloud_run_revision", "labels": {"service_name": service}},
        "httpRequest": {"status": status, "userAgent": agent, "requestMethod": method},
    }


def test_task_request_refusals_are_counted_from_cloud_runs_request_log(tf: Terraform) -> None:
    """A 401/403 on any task function, including the ones Cloud Scheduler calls, counts: the ones
    Cloud Run's IAM front answers never reach the code, so only its request log has them."""
    refused = rendered(tf, "task_request_refused")
    services = task_services(tf)
    assert services == ["deploy", "execute-step", "notify", "plan"]
    scheduled = {
        tf.locals["functions"][job["target"]]["name"] for job in tf.locals["scheduler_jobs"].values()
    }
    assert scheduled <= set(services)
    queued = {tf.locals["functions"][queue["target"]]["name"] for queue in tf.locals["queues"].values()}
    assert queued <= set(services)
    for service in services:
        assert matches(refused, request(service, 403))  # IAM: no invoker grant, or a renamed service
        assert matches(refused, request(service, 401))  # a wrong audience
        assert matches(refused, request(service, 403, agent="Google-Cloud-Scheduler"))
        assert not matches(refused, request(service, 200))
        assert not matches(refused, request(service, 404))
        assert not matches(refused, request(service, 500))
    assert not matches(refused, request("api", 401))  # a public function: a visitor's session
    assert not matches(refused, request("notion-webhook", 401))
    stdout = request("plan", 403) | {"logName": STDOUT_LOG}
    assert not matches(refused, stdout), "only the request log: a log line that quotes a 403 is not one"


def test_the_refusal_metric_has_its_alert_at_the_first_one(tf: Terraform) -> None:
    for metric in ("task_request_refused", "doctor_hop_failed"):
        alert = tf.locals["log_alerts"][metric]
        assert alert["threshold"] == 0, metric
        assert alert["runbook"] and alert["display_name"].startswith("Notion Agent: ")
    policy = tf.resources["google_monitoring_alert_policy"]["log_metric"]
    assert policy["for_each"] == "${local.log_alerts}"
    assert policy["notification_channels"] == "${local.notification_channels}"
    condition = policy["conditions"][0]["condition_threshold"][0]
    assert "${google_logging_metric.metric[each.key].name}" in condition["filter"]


def test_the_uptime_checks_own_405s_are_not_rejected_webhooks(tf: Terraform) -> None:
    """The uptime check GETs /notion/webhook and expects 405 every 5 minutes from each region: those
    answers are the check passing, not a delivery refused."""
    rejected = rendered(tf, "webhook_rejected")
    assert tf.locals["uptime_checks"]["notion_webhook"] == {"path": "/notion/webhook", "status": 405}
    assert tf.locals["uptime_user_agent"] == "GoogleStackdriverMonitoring-UptimeChecks"
    assert not matches(rejected, request("notion-webhook", 405, agent=UPTIME_AGENT, method="GET"))
    assert matches(rejected, request("notion-webhook", 401, agent="Notion-Webhooks/1.0"))
    assert matches(rejected, request("notion-webhook", 405, agent="curl/8.5.0", method="GET"))
    assert matches(rejected, request("notion-webhook", 413))
    assert not matches(rejected, request("notion-webhook", 200))
    assert not matches(rejected, request("api", 401))


def test_the_doctor_runs_on_a_schedule_and_its_failed_hops_are_counted(tf: Terraform) -> None:
    """Cloud Scheduler calls plan's round route (OIDC, the scheduler account, like the other jobs);
    plan answers it only from the scheduler (functions/tasks/caller.py SCHEDULER_ROUTES); a failed hop is
    one doctor_hop_failed line (tests/infra/monitoring/test_monitoring.py holds that the code logs it)."""
    job = tf.locals["scheduler_jobs"]["doctor"]
    assert (job["target"], job["path"]) == ("plan", ROUND_ROUTE)
    assert ROUND_ROUTE in SCHEDULER_ROUTES
    minutes = re.fullmatch(r"\*/(\d+) \* \* \* \*", job["schedule"])
    assert minutes and int(minutes.group(1)) <= 60, "at least hourly"
    failed = rendered(tf, "doctor_hop_failed")
    line = {
        "logName": STDOUT_LOG,
        "resource": {"type": "cloud_run_revision", "labels": {"service_name": "plan"}},
        "jsonPayload": {"fields": {"event": "doctor_hop_failed", "hop": "deploy"}},
    }
    assert matches(failed, line)
    assert not matches(failed, line | {"jsonPayload": {"fields": {"event": "doctor_round"}}})


def test_the_filter_reader_refuses_what_it_cannot_read() -> None:
    """A filter the reader does not understand fails the test instead of matching nothing."""
    import pytest

    with pytest.raises(ValueError):
        matches('severity>=ERROR AND regex(textPayload, "x")', {"severity": "ERROR"})
    assert matches('a.b=("x" OR "y") AND NOT c:"Bot"', {"a": {"b": "y"}, "c": "curl"})
    assert not matches('a.b=("x" OR "y")', {"a": {"b": "z"}})


def test_a_doctor_that_stops_running_is_seen(tf: Terraform) -> None:
    """Each round logs doctor_round (a line the code writes); an hour without one (the job paused,
    deleted, or plan never finishing a round) fires "scheduled doctor silent"."""
    from tests.support.platform.log_events import logged_events

    metric = tf.resources["google_logging_metric"]["doctor_round"]
    assert (
        metric["filter"] == 'resource.type="cloud_run_revision" AND jsonPayload.fields.event="doctor_round"'
    )
    assert "doctor_round" in logged_events()
    line = {
        "logName": STDOUT_LOG,
        "resource": {"type": "cloud_run_revision", "labels": {"service_name": "plan"}},
        "jsonPayload": {"fields": {"event": "doctor_round", "judged": 1}},
    }
    assert matches(metric["filter"], line)
    policy = tf.resources["google_monitoring_alert_policy"]["doctor_silent"]
    absent = policy["conditions"][0]["condition_absent"][0]
    assert "${google_logging_metric.doctor_round.name}" in absent["filter"]
    job_minutes = int(tf.locals["scheduler_jobs"]["doctor"]["schedule"].split()[0].removeprefix("*/"))
    assert int(absent["duration"].removesuffix("s")) >= 3 * job_minutes * 60, (
        "a missed round or two is no alarm"
    )
    assert "${time_sleep.doctor_round_metric}" in policy["depends_on"]
    assert tf.resources["time_sleep"]["doctor_round_metric"]["triggers"] == {
        "metric": "${google_logging_metric.doctor_round.id}"
    }
