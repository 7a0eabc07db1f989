# Log-based metrics and alert policies.
#
# Contract with the code (shared/logs.py writes one JSON line per record; `extra={"fields": {...}}`
# becomes jsonPayload.fields):
#   a run that ends failed logs          fields.event = "run_failed"
#   a run or tenant stopped by a budget  fields.event = "budget_exceeded"
#   a configured model answered 404      fields.event = "model_unavailable" (shared/adapters/vertex_model.py)
#   a task body that can never be valid fields.event = "dead_letter" (shared/services/dead_letters.py)
# shared/services/alerts.py logs both. tests/infra/test_monitoring.py reads the events the code logs
# and fails when a metric below counts one that no code writes.
# No metric reads a secret or a token from a log: the code never logs one (shared/logs.py masks
# every secret it has read), and the webhook verification token lives only in Secret Manager.
# Webhook rejections are read from Cloud Run's request logs (4xx answers of notion-webhook), so
# they need nothing from the code.
locals {
  log_metrics = {
    run_failed = {
      description = "Runs that ended in the failed state."
      filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"run_failed\""
    }
    webhook_rejected = {
      description = "Notion webhook deliveries answered with a 4xx: missing or wrong signature (401), malformed (400), too large (413). Unknown workspaces are answered 200 and dropped."
      filter      = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"notion-webhook\" AND httpRequest.status>=400 AND httpRequest.status<500"
    }
    budget_exceeded = {
      description = "Model calls refused because a run or tenant budget was exhausted."
      filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"budget_exceeded\""
    }
    dead_letter = {
      description = "Task bodies that can never become valid, acknowledged and kept in Firestore dead_letters (never retried)."
      filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"dead_letter\""
    }
    model_unavailable = {
      description = "Model calls answered 404: the configured model is retired or misspelt (NA_MODEL_PLAN, NA_MODEL_DRAFT)."
      filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"model_unavailable\""
    }
  }

  notification_channels = concat(
    var.alert_notification_channels,
    [for channel in google_monitoring_notification_channel.email : channel.id],
  )

  # Alerts on the log-based metrics: the sum over a window above a threshold.
  log_alerts = {
    run_failed = {
      display_name = "Notion Agent: failed runs"
      window       = "300s"
      threshold    = var.alert_thresholds.failed_runs_per_5m
      runbook      = "Runs are failing. Open the run timelines (api) of the failing tenants and the execute-step logs; a burst across tenants points at a dependency (Notion, Vertex AI) or a bad release."
    }
    webhook_rejected = {
      display_name = "Notion Agent: webhook rejections"
      window       = "300s"
      threshold    = var.alert_thresholds.webhook_rejections_per_5m
      runbook      = "notion-webhook rejects deliveries. Mostly 401: the signing key (secret notion-webhook-verification-token) does not match the subscription's (re-created subscription, or no token stored yet: the log says 'an event arrived before Notion's verification token was stored'), or someone probing the public URL. See docs/deploy.md for replacing the token."
    }
    budget_exceeded = {
      display_name = "Notion Agent: budget exceeded"
      window       = "3600s"
      threshold    = var.alert_thresholds.budget_exceeded_per_hour
      runbook      = "A run or tenant hit its cost limit. Check for a looping run and the tenant's budget settings."
    }
    dead_letter = {
      display_name = "Notion Agent: dead letters"
      window       = "3600s"
      threshold    = 0 # any: a sender (this code, a release, a hand-made task) writes bodies nobody can run
      runbook      = "A task function received a body that can never become valid; it was acknowledged (2xx, never retried) and kept. List them with `make dead-letters` (docs/deploy.md, Dead letters): queue, tenant, reason and the body's SHA-256. A burst after a release points at a sender and a receiver that disagree on a task's shape."
    }
    model_unavailable = {
      display_name = "Notion Agent: model not available"
      window       = "300s"
      threshold    = 0 # any: every run that needs the model fails until the setting is changed
      runbook      = "Vertex AI answered 404 for a configured model: it was retired or is misspelt. The log entry names the model and the setting (jsonPayload.fields.setting). Set model_plan or model_draft (and its price in model_prices) to a current model (docs/deploy.md, Models) and apply."
    }
  }
}

resource "google_logging_metric" "metric" {
  for_each = local.log_metrics

  name        = "notion_agent/${each.key}"
  description = each.value.description
  filter      = each.value.filter

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key         = "service"
      value_type  = "STRING"
      description = "The function (Cloud Run service) that logged the entry."
    }
  }

  label_extractors = {
    service = "EXTRACT(resource.labels.service_name)"
  }

  depends_on = [google_project_service.enabled]
}

# Cloud Monitoring learns a new log-based metric up to 10 minutes after it is created; an alert
# policy on it created sooner fails with 404 "Cannot find metric(s)" (terraform-provider-google
# #11102). The policies wait here; the wait is repeated only when a metric is created or replaced.
resource "time_sleep" "log_metrics" {
  create_duration = var.log_metric_wait
  triggers = {
    metrics = join(",", sort([for key, metric in google_logging_metric.metric : metric.id]))
  }
}

resource "google_monitoring_notification_channel" "email" {
  count = var.alert_email == "" ? 0 : 1

  display_name = "Notion Agent alerts"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }

  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_alert_policy" "log_metric" {
  for_each = local.log_alerts

  display_name          = each.value.display_name
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "${each.value.display_name} above ${each.value.threshold} per ${each.value.window}"
    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.metric[each.key].name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = each.value.threshold
      duration        = "0s"
      aggregations {
        alignment_period     = each.value.window
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    content   = each.value.runbook
    mime_type = "text/markdown"
  }

  depends_on = [time_sleep.log_metrics]
}

# Cloud Tasks exports no "oldest task" gauge; task_attempt_delays (time between a task's scheduled
# time and its actual dispatch) grows with the age of the oldest waiting task, so its p99 per queue
# is the alert signal. A backlog that keeps growing raises it within minutes.
resource "google_monitoring_alert_policy" "task_age" {
  display_name          = "Notion Agent: tasks waiting too long"
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "p99 task dispatch delay above ${var.alert_thresholds.task_delay_p99_ms} ms"
    condition_threshold {
      filter          = "metric.type=\"cloudtasks.googleapis.com/queue/task_attempt_delays\" AND resource.type=\"cloud_tasks_queue\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_thresholds.task_delay_p99_ms
      duration        = "300s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_PERCENTILE_99"
        cross_series_reducer = "REDUCE_MAX"
        group_by_fields      = ["resource.label.queue_id"]
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    content   = "Tasks of a queue wait longer than they should. Check the queue's target function (errors, max instances) and the queue's rate limits in terraform/tasks.tf."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.enabled]
}
