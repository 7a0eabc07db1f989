"""The optional spending guard on the whole project (budget.tf): a Cloud Billing budget."""

from tools.infra_drift import Terraform


def test_a_budget_only_with_a_billing_account(tf: Terraform) -> None:
    budget = tf.resources["google_billing_budget"]["project"]
    assert budget["count"] == '${var.billing_account == "" ? 0 : 1}'
    assert tf.variables["billing_account"]["default"] == ""
    assert budget["billing_account"] == "${var.billing_account}"


def test_the_budget_api_is_enabled_only_when_used(tf: Terraform) -> None:
    assert "billingbudgets.googleapis.com" not in tf.locals["apis"]
    assert tf.locals["enabled_apis"].startswith(
        '${concat(local.apis, var.billing_account == "" ? [] : ["billingbudgets.googleapis.com"]'
    )
    assert tf.resources["google_project_service"]["enabled"]["for_each"] == "${toset(local.enabled_apis)}"
    assert (
        "${google_project_service.enabled}" in tf.resources["google_billing_budget"]["project"]["depends_on"]
    )


def test_the_budget_watches_this_project_and_alerts_the_alert_channels(tf: Terraform) -> None:
    budget = tf.resources["google_billing_budget"]["project"]
    assert budget["budget_filter"][0]["projects"] == ["projects/${data.google_project.this.number}"]
    rule = budget["all_updates_rule"][0]
    assert "local.notification_channels" in rule["monitoring_notification_channels"]
    assert "min(5," in rule["monitoring_notification_channels"]  # the API takes at most 5
    thresholds = budget["dynamic"][0]["threshold_rules"]
    assert thresholds["for_each"] == "${var.billing_budget.thresholds}"
    assert tf.variables["billing_budget"]["default"]["thresholds"] == [0.5, 0.9, 1.0]
