"""Alerts that read log fields are held against the log lines the code writes; no secret in a log.

shared/platform/logs.py turns ``extra={"fields": {...}}`` into jsonPayload.fields. A metric filtering on
``jsonPayload.fields.event="X"`` counts only if some code logs ``{"event": "X"}``.
"""

import ast
import re
from pathlib import Path

from tests.support.platform.log_events import logged_events
from tools.infra_drift import TERRAFORM_DIR, Terraform

ROOT = Path(__file__).resolve().parents[3]
_FIELD = re.compile(r'jsonPayload\.fields\.(\w+)\s*=\s*"([^"]*)"')

# Events a metric counts but the code does not log yet. Each is a log line the code must add (the
# infra report names them); once it is logged, this test fails until the name is removed here.
AWAITING_CODE: set[str] = set()


def metric_fields(tf: Terraform) -> dict[str, set[tuple[str, str]]]:
    """The jsonPayload.fields the filter of every log-based metric (alerts' and the dashboard's) needs."""
    metrics = tf.locals["log_metrics"] | tf.locals["dashboard_metrics"]
    return {name: set(_FIELD.findall(m["filter"])) for name, m in metrics.items()}


def test_log_field_metrics_count_what_the_code_logs(tf: Terraform) -> None:
    fields = metric_fields(tf)
    assert {field for pairs in fields.values() for field, _ in pairs} <= {"event"}
    wanted = {value for pairs in fields.values() for _, value in pairs}
    assert wanted >= AWAITING_CODE, "AWAITING_CODE names an event no metric counts"
    missing = wanted - logged_events()
    assert missing == AWAITING_CODE, (
        f"metrics count log events the code does not write: {sorted(missing - AWAITING_CODE)}; "
        f"now logged, remove from AWAITING_CODE: {sorted(AWAITING_CODE - missing)}"
    )


def test_the_extraction_finds_logged_events(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        'log.error("run %s failed", r, extra={"fields": {"event": "run_failed", "run": r}})\n'
        'log.info("run %s", r, extra={"fields": {"run": r}})\n'
        'other(extra={"event": "not_a_log_field"})\n'
    )
    assert logged_events([module]) == {"run_failed"}


def test_webhook_rejections_come_from_request_logs(tf: Terraform) -> None:
    rejected = tf.locals["log_metrics"]["webhook_rejected"]["filter"]
    assert 'resource.labels.service_name="notion-webhook"' in rejected
    assert "httpRequest.status>=400" in rejected and "jsonPayload" not in rejected


def test_no_secret_is_expected_in_a_log() -> None:
    """The webhook verification token is stored in Secret Manager, never logged or read from logs."""
    texts = [p.read_text() for p in sorted(TERRAFORM_DIR.glob("*.tf"))]
    texts.append((ROOT / "docs" / "deploy.md").read_text())
    for text in texts:
        assert "fields.verification_token" not in text
        assert "gcloud logging read" not in text
    intake = ast.parse((ROOT / "shared" / "runs" / "services" / "notion_intake.py").read_text())
    for node in ast.walk(intake):
        if isinstance(node, ast.Call) and ast.unparse(node.func).startswith("log."):
            assert "token" not in {ast.unparse(arg) for arg in node.args[1:]}, ast.unparse(node)


def test_the_contract_note_does_not_call_a_logged_event_missing() -> None:
    """monitoring.tf's header once said the code logged neither event, long after it did."""
    header = (TERRAFORM_DIR / "monitoring.tf").read_text().split("locals {", 1)[0]
    if not AWAITING_CODE:
        assert not re.search(r"logs neither|stay at zero|until the code adds", header)


def test_the_ranking_fallback_and_cap_are_counted_and_alerted(tf: Terraform) -> None:
    """Reranking failed as a warning nobody counted, the fallback's rate had no alert, and
    the only spend alert's runbook spoke of one tenant."""
    metrics, alerts = tf.locals["log_metrics"], tf.locals["log_alerts"]
    for event in ("rerank_failed", "model_fallback", "spend_cap_reached"):
        assert f'jsonPayload.fields.event=\\"{event}\\"' in metrics[event]["filter"].replace('"', '\\"')
        assert event in logged_events(), f"no code logs {event}"
    assert alerts["rerank_failed"]["threshold"] == "${var.alert_thresholds.rerank_failures_per_hour}"
    assert alerts["model_fallback"]["threshold"] == "${var.alert_thresholds.model_fallbacks_per_hour}"
    assert alerts["spend_cap_reached"]["threshold"] == 0
    cap = alerts["spend_cap_reached"]["runbook"]
    assert "deployment" in cap and "expected_tenants" in cap and "all workspaces" in cap
    assert "model_claude" in alerts["doctor_hop_failed"]["runbook"]
