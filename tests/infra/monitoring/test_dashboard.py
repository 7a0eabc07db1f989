"""The operator's view: the dashboard, the uptime checks and the 5xx alert in
terraform/monitoring.tf, held against the log lines the code writes and the routes it serves.

The log-based metrics of the dashboard count lines the code writes (test_monitoring.py checks the
events); here each label a metric extracts, and the value the spend sums, must be a field of that
line, so a chart cannot read a field nobody writes.
"""

import re
from typing import Any

from shared.runs.domain.events import RunStatus
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.platform.log_events import logged_fields
from tools.infra_drift import Terraform

_USER_METRIC = re.compile(r'metric\.type="logging\.googleapis\.com/user/notion_agent/(\w+)"')
_LABEL = re.compile(r'metric\.label\.(\w+)="([^"]*)"')


def _event(metric: dict[str, Any]) -> str:
    (event,) = re.findall(r'jsonPayload\.fields\.event="(\w+)"', metric["filter"])
    return str(event)


def test_each_label_and_value_of_a_dashboard_metric_is_a_field_the_code_logs(tf: Terraform) -> None:
    logged = logged_fields()
    body = tf.resources["google_logging_metric"]["dashboard"]
    assert body["for_each"] == "${local.dashboard_metrics}"
    for name, metric in tf.locals["dashboard_metrics"].items():
        fields = logged[_event(metric)]
        assert set(metric["labels"]) <= fields, f"{name}: labels the log line lacks"
        extractor = metric["value_extractor"]
        if extractor is not None:
            (value,) = re.findall(r"^EXTRACT\(jsonPayload\.fields\.(\w+)\)$", extractor)
            assert value in fields, f"{name}: its value is not a field of the log line"
    spend = tf.locals["dashboard_metrics"]["model_spend"]
    assert spend["value_extractor"] == "EXTRACT(jsonPayload.fields.cost_usd)" and "model" in spend["labels"]
    # Labels are extracted from those fields; a distribution for a metric with a value.
    assert "EXTRACT(jsonPayload.fields.${key})" in str(body["label_extractors"])
    descriptor = body["metric_descriptor"][0]
    assert descriptor["value_type"] == '${each.value.value_extractor == null ? "INT64" : "DISTRIBUTION"}'


def _label(text: str) -> tuple[str, str]:
    """The first ``metric.label.NAME="VALUE"`` of a filter: (NAME, VALUE)."""
    found = _LABEL.search(text)
    assert found is not None, text
    return found[1], found[2]


def _series(tf: Terraform) -> dict[str, list[dict[str, Any]]]:
    return {chart["title"]: chart["series"] for chart in tf.locals["dashboard_charts"]}


def _all_series(tf: Terraform) -> list[dict[str, Any]]:
    return [s for chart in tf.locals["dashboard_charts"] for s in chart["series"]]


def test_the_dashboard_shows_every_signal_of_the_issue(tf: Terraform) -> None:
    charts = _series(tf)
    filters = [s["filter"] for series in charts.values() for s in series]
    runs = next(series for title, series in charts.items() if title.startswith("Runs:"))
    shown = {_label(s["filter"].split("AND", 1)[1]) for s in runs}
    assert shown == {
        ("from", "new"),  # started
        ("status", RunStatus.COMPLETED.value),
        ("status", RunStatus.FAILED.value),
        ("status", RunStatus.WAITING_FOR_HUMAN.value),
    }
    assert any('"cloudtasks.googleapis.com/queue/depth"' in f for f in filters)
    assert any('"cloudtasks.googleapis.com/queue/task_attempt_delays"' in f for f in filters)
    assert any("/notion_refused" in f for f in filters)
    for code_class in ("4xx", "5xx"):
        [series] = [s for s in _all_series(tf) if f'response_code_class="{code_class}"' in s["filter"]]
        assert "run.googleapis.com/request_count" in series["filter"]
        assert series["group_by"] == ["resource.label.service_name"]  # per function
        assert "${local.run_services}" in series["filter"]
    assert "user_notion_agent_model_spend_sum" in tf.locals["model_spend_promql"]
    dashboard = tf.resources["google_monitoring_dashboard"]["main"]["dashboard_json"]
    assert "local.dashboard_charts" in dashboard and "local.model_spend_promql" in dashboard


def test_every_metric_a_chart_reads_exists_with_the_labels_it_filters_on(tf: Terraform) -> None:
    metrics = tf.locals["dashboard_metrics"]
    for series in _all_series(tf):
        for name in _USER_METRIC.findall(series["filter"]):
            assert name in metrics, f"{series['legend']}: no metric {name}"
            for label, _ in _LABEL.findall(series["filter"]):
                if label != "response_code_class":
                    assert label in metrics[name]["labels"], f"{name} has no label {label}"
        for field in series["group_by"]:
            if field.startswith("metric.label."):
                (name,) = _USER_METRIC.findall(series["filter"])
                assert field.removeprefix("metric.label.") in metrics[name]["labels"]


def test_requests_are_counted_for_every_function_and_only_them(tf: Terraform) -> None:
    services = tf.locals["run_services"]
    assert services.startswith('resource.type="cloud_run_revision" AND resource.label.service_name=one_of(')
    assert "for fn in local.functions" in services and "fn.name" in services


def test_the_5xx_alert_is_a_share_per_function(tf: Terraform) -> None:
    policy = tf.resources["google_monitoring_alert_policy"]["http_5xx"]
    condition = policy["conditions"][0]["condition_threshold"][0]
    assert 'response_code_class="5xx"' in condition["filter"]
    assert "response_code_class" not in condition["denominator_filter"]
    for side in ("aggregations", "denominator_aggregations"):
        assert condition[side][0]["group_by_fields"] == ["resource.label.service_name"]
    assert condition["threshold_value"] == "${var.alert_thresholds.http_5xx_share}"
    assert tf.variables["alert_thresholds"]["default"]["http_5xx_share"] == 0.05
    assert policy["notification_channels"] == "${local.notification_channels}"


def test_the_task_caller_alert_counts_the_refusal_line(tf: Terraform) -> None:
    metric = tf.locals["log_metrics"]["task_caller_refused"]
    assert _event(metric) == "task_caller_refused"
    assert tf.locals["log_alerts"]["task_caller_refused"]["threshold"] == 0  # any refusal


def test_uptime_checks_expect_what_the_endpoints_answer(tf: Terraform) -> None:
    """Each check's path and status are what the function (or the console's bucket) answers to a GET."""
    checks = tf.locals["uptime_checks"]
    assert {c["path"] for c in checks.values()} == {"/", "/api/openapi.json", "/notion/webhook"}
    body = tf.resources["google_monitoring_uptime_check_config"]["public"]
    assert body["monitored_resource"][0]["labels"]["host"] == "${var.public_domain}"
    assert body["http_check"][0]["use_ssl"] is True and body["http_check"][0]["validate_ssl"] is True
    endpoints = tf.locals["public_endpoints"]
    assert endpoints["api"] == "${local.public_url}/api" and endpoints["notion_webhook"].endswith(
        "/notion/webhook"
    )
    # The load balancer strips /api (loadbalancer.tf's path_prefix_rewrite): the api serves /openapi.json.
    assert client("api", FakeContainer()).get("/openapi.json").status_code == checks["api"]["status"]
    webhook = client("notion_webhook", FakeContainer()).get("/")
    assert webhook.status_code == checks["notion_webhook"]["status"]
    uptime = tf.resources["google_monitoring_alert_policy"]["uptime"]
    assert (
        "google_monitoring_uptime_check_config.public"
        in uptime["conditions"][0]["condition_threshold"][0]["filter"]
    )
