# A spending guard on the whole project (optional: var.billing_account). The code's budgets bound the
# model spend of each tenant (default_budgets_usd); this one watches everything the project costs,
# instances, logging and a runaway loop included, and alerts the same people as the alert policies.
# It only alerts: Cloud Billing budgets never stop spending.
#
# Whoever applies needs roles/billing.costsManager on the billing account, and so does the
# pipeline's na-deployer (na-ci: roles/billing.viewer, to read the budget in its plan), granted once
# by a billing administrator (docs/deploy.md, "A budget on the project").
resource "google_billing_budget" "project" {
  count = var.billing_account == "" ? 0 : 1

  billing_account = var.billing_account
  display_name    = "Notion Agent ${var.project_id}"

  budget_filter {
    projects               = ["projects/${data.google_project.this.number}"]
    credit_types_treatment = "INCLUDE_ALL_CREDITS"
  }

  amount {
    specified_amount {
      # No currency_code: the billing account's own (a different one is refused).
      units = tostring(var.billing_budget.amount)
    }
  }

  dynamic "threshold_rules" {
    for_each = var.billing_budget.thresholds
    content {
      threshold_percent = threshold_rules.value
      spend_basis       = "CURRENT_SPEND"
    }
  }

  all_updates_rule {
    # At most 5 channels per budget; billing administrators get the default emails as well.
    monitoring_notification_channels = slice(local.notification_channels, 0, min(5, length(local.notification_channels)))
    disable_default_iam_recipients   = false
  }

  depends_on = [google_project_service.enabled]
}
