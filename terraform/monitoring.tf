# Log-based metrics and alert policies.
#
# Contract with the code (shared/platform/logs.py writes one JSON line per record; `extra={"fields": {...}}`
# becomes jsonPayload.fields):
#   a run that ends failed logs          fields.event = "run_failed"
#   a run or tenant stopped by a budget  fields.event = "budget_exceeded"
#   a configured model answered 404      fields.event = "model_unavailable" (shared/platform/adapters/vertex_model.py)
#   a task body that can never be valid fields.event = "dead_letter" (shared/platform/services/dead_letters.py)
#   a task function refused its caller  fields.event = "task_caller_refused" (functions/tasks/caller.py;
#                                        fields.status 401|403 and fields.reason)
# shared/runs/services/alerts.py logs both. tests/infra/monitoring/test_monitoring.py reads the events the code logs
# and fails when a metric below counts one that no code writes.
# No metric reads a secret or a token from a log: the code never logs one (shared/platform/logs.py masks
# every secret it has read), and the webhook verification token lives only in Secret Manager.
#   the scheduled doctor found a hop  fields.event = "doctor_hop_failed" (shared/platform/services/doctor.py;
#   that did not answer               fields.hop: a queue or "model", fields.reason)
#   search's reranker was skipped      fields.event = "rerank_failed" (shared/memory/adapters/vertex_reranker.py;
#                                        fields.reason: an HTTP status, timeout, or the error's class)
#   a model call went to the other     fields.event = "model_fallback" (shared/platform/services/model_routing.py;
#   family                               fields.from, fields.to, fields.error)
#   the deployment's daily model cap   fields.event = "spend_cap_reached" (shared/runs/services/spend.py)
#   refused a call
# Webhook rejections are read from Cloud Run's request logs (4xx answers of notion-webhook), so
# they need nothing from the code; the uptime check's own GET (405 by design) is not one of them.
# Refused task calls are read there too (task_request_refused): Cloud Run's IAM front refuses a
# missing invoker grant, a wrong audience or a renamed service before our code runs, so only its
# request log (httpRequest.status 401/403) sees them; our own refusals are in the same log.
locals {
  # The functions that only Cloud Tasks and Cloud Scheduler call (functions.tf: not public).
  task_services = sort([for fn in local.functions : fn.name if !fn.public])
  # Cloud Monitoring's uptime checkers send this in their User-Agent (the uptime checks below).
  uptime_user_agent = "GoogleStackdriverMonitoring-UptimeChecks"
}

locals {
  log_metrics = {
    run_failed = {
      description = "Runs that ended in the failed state."
      filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"run_failed\""
    }
    webhook_rejected = {
      description = "Notion webhook deliveries answered with a 4xx: missing or wrong signature (401), malformed (400), too large (413). Unknown workspaces are answered 200 and dropped."
      filter      = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"notion-webhook\" AND httpRequest.status>=400 AND httpRequest.status<500 AND NOT httpRequest.userAgent:\"${local.uptime_user_agent}\""
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
    task_caller_refused = {
      description = "Requests a task function (plan, execute-step, deploy, notify) answered 401 or 403: the caller's token was not Cloud Tasks' or Cloud Scheduler's for this function."
      filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"task_caller_refused\""
    }
    task_request_refused = {
      description = "Requests to a task function (${join(", ", local.task_services)}) answered 401 or 403, from Cloud Run's request log: refused by Cloud Run's IAM front (no invoker grant, wrong audience, renamed service) or by the function itself."
      filter      = "resource.type=\"cloud_run_revision\" AND log_id(\"run.googleapis.com/requests\") AND resource.labels.service_name=(${join(" OR ", [for name in local.task_services : "\"${name}\""])}) AND (httpRequest.status=401 OR httpRequest.status=403)"
    }
    doctor_hop_failed = {
      description = "Hops of the scheduled doctor's check (a queue's task, or plan's model calls, one per model family) that failed or were not answered in time."
      filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"doctor_hop_failed\""
    }
    rerank_failed = {
      description = "Search's calls to the ranking API (discoveryengine) that failed or timed out: the fused order stood, unreranked."
      filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"rerank_failed\""
    }
    model_fallback = {
      description = "Model calls the routed family could not answer, answered by the other family (Gemini to Claude or back)."
      filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"model_fallback\""
    }
    spend_cap_reached = {
      description = "Model calls refused because the deployment's daily model spend cap (NA_SPEND_CAP_DAY_USD, all workspaces) was reached."
      filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"spend_cap_reached\""
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
    task_caller_refused = {
      display_name = "Notion Agent: task caller refused"
      window       = "300s"
      threshold    = 0 # any: a refused task is work that does not happen (runs never plan or step)
      runbook      = "A task function answered 401 or 403 to its caller; the log entry gives the status and the reason (jsonPayload.fields.status, jsonPayload.fields.reason). After a release or an IAM change every task may be refused: check the tasks and scheduler service accounts, the functions' URLs (the token's audience) and docs/monitoring.md. A few refusals from unknown callers are someone probing a function's URL."
    }
    task_request_refused = {
      display_name = "Notion Agent: task request refused"
      window       = "300s"
      threshold    = 0 # any: Cloud Run refused a task or a scheduler job before the code ran, or the code did
      runbook      = "Cloud Run's request log shows a 401 or 403 on a task function (plan, execute-step, deploy, notify). Without a task_caller_refused line at the same time, Cloud Run's IAM front refused it before the code ran: the run.invoker grant of the tasks or scheduler account on that service (terraform/iam.tf), the token's audience (the function's run.app URL, NA_<FUNCTION>_URL) or a renamed service. Run `make doctor` (docs/monitoring.md) to see which hop fails; the queue keeps retrying the task meanwhile."
    }
    doctor_hop_failed = {
      display_name = "Notion Agent: scheduled doctor found a failed hop"
      window       = "3600s"
      threshold    = 0 # any: a queue that does not deliver, or a model that does not answer, stops runs
      runbook      = "The scheduled doctor (Cloud Scheduler job doctor, every 15 minutes) sent one task through each queue and plan made one model call to each model family (Gemini, and Claude, the fallback); a hop failed or was not answered by the next round. The log entry names the hop (jsonPayload.fields.hop: a queue, model or model_claude) and the reason. A failed model_claude means the fallback would fail during a Gemini outage: Claude not enabled in Model Garden, or no quota (docs/deploy.md, First deploy). Run `make doctor URL=... PROJECT=...` for the full report and the likely cause (docs/monitoring.md, make doctor)."
    }
    rerank_failed = {
      display_name = "Notion Agent: reranking failing"
      window       = "3600s"
      threshold    = var.alert_thresholds.rerank_failures_per_hour
      runbook      = "Search's reranker (Vertex AI's ranking API, NA_SEARCH_RERANK) failed or timed out; searches kept their fused order, so answers got worse, not slower. jsonPayload.fields.reason gives the cause: 403, execute-step's account lacks the ranker role or discoveryengine.googleapis.com is off (terraform/apis.tf, iam.tf; apply); 429, the ranking API's quota; timeout, raise rerank_budget_s or ignore a burst. Turn reranking off (search_rerank) if it cannot be fixed soon."
    }
    model_fallback = {
      display_name = "Notion Agent: model fallback rate"
      window       = "3600s"
      threshold    = var.alert_thresholds.model_fallbacks_per_hour
      runbook      = "More calls than usual went to the other model family (jsonPayload.fields.from, .to, .error): the routed family (usually Gemini) is failing, retired or out of quota. Each switch is priced at the answering model's rates, and if the fallback family fails too, runs fail. Check Vertex AI's status and quotas for the from-model, model_unavailable alerts (a retired model), and the scheduled doctor's model and model_claude hops."
    }
    spend_cap_reached = {
      display_name = "Notion Agent: deployment model spend cap reached"
      window       = "3600s"
      threshold    = 0 # any: every workspace's model calls stop until the next UTC day
      runbook      = "The deployment's daily model spend, all workspaces together, reached its cap (NA_SPEND_CAP_DAY_USD, jsonPayload.fields.day): every tenant's model calls are refused until 00:00 UTC, whatever each tenant's own budget says. The cap is ceil(expected_tenants x model_usd_per_tenant_day x spend_cap_headroom) unless spend_cap_day_usd sets it (terraform/variables.tf). If the deployment now serves more workspaces than expected_tenants, raise it and apply; if not, look for a runaway: the dashboard's model spend by tenant, budget exceeded alerts, a looping run. Raising spend_cap_day_usd for the day is the fast way back."
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

# The scheduled doctor's heartbeat: one doctor_round line per round (shared/platform/services/doctor.py,
# scheduler.tf's job doctor, every 15 minutes). No round for an hour means the job is paused or
# deleted, or plan never finishes a round: then no hop is checked, and this says so.
resource "google_logging_metric" "doctor_round" {
  name        = "notion_agent/doctor_round"
  description = "Rounds of the scheduled doctor (Cloud Scheduler job doctor, plan's /doctor/round)."
  filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"doctor_round\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }

  depends_on = [google_project_service.enabled]
}

resource "time_sleep" "doctor_round_metric" {
  create_duration = var.log_metric_wait
  triggers = {
    metric = google_logging_metric.doctor_round.id
  }
}

resource "google_monitoring_alert_policy" "doctor_silent" {
  display_name          = "Notion Agent: scheduled doctor silent"
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "No round of the scheduled doctor for an hour"
    condition_absent {
      filter   = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.doctor_round.name}\" AND resource.type=\"cloud_run_revision\""
      duration = "3600s"
      aggregations {
        alignment_period     = "900s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    content   = "The scheduled doctor (Cloud Scheduler job doctor, every 15 minutes, on plan's /doctor/round) has not finished a round for an hour, so no hop is being checked. Check the job in Cloud Scheduler (paused, deleted, its last result), the alert \"task request refused\" (plan refusing the scheduler) and plan's errors; `make doctor` checks the hops meanwhile."
    mime_type = "text/markdown"
  }

  depends_on = [time_sleep.log_metrics, time_sleep.doctor_round_metric]
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

# --- The dashboard (docs/monitoring.md) -----------------------------------------------------------
#
# Log-based metrics the dashboard reads and no alert counts. Each line is written once, where it
# happens (tests/infra/monitoring/test_monitoring.py holds the events against the code's log calls):
#   a run's status changed     fields.event = "run_status", fields.status, fields.from ("new": created)
#                               (shared/runs/services/alerts.py)
#   a model call was priced    fields.event = "model_used", fields.model, fields.cost_usd (US dollars)
#                               (shared/platform/adapters/vertex_model.py)
#   Notion refused a request   fields.event = "notion_refused", fields.status 429|529
#                               (shared/notion/adapters/notion.py)
locals {
  dashboard_metrics = {
    run_status = {
      description     = "Changes of a run's status: labels status (the new one) and from (the old one; new: the run was created)."
      filter          = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"run_status\""
      labels          = { status = "The run's new status.", from = "The run's status before; new when it was created." }
      value_extractor = null
    }
    model_spend = {
      description     = "Model calls, each with its price in US dollars as the budgets count it (a distribution: its sum is the spend)."
      filter          = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"model_used\""
      labels          = { model = "The model called." }
      value_extractor = "EXTRACT(jsonPayload.fields.cost_usd)"
    }
    notion_refused = {
      description     = "Notion requests refused with 429 (rate limited) or 529 (overloaded): label status."
      filter          = "resource.type=\"cloud_run_revision\" AND jsonPayload.fields.event=\"notion_refused\""
      labels          = { status = "Notion's HTTP status." }
      value_extractor = null
    }
  }

  # Only this deployment's Cloud Run services, whatever else runs in the project.
  run_services = "resource.type=\"cloud_run_revision\" AND resource.label.service_name=one_of(${join(", ", [for fn in local.functions : "\"${fn.name}\""])})"

  # One chart per entry, each a line per series (alignment over 5 minutes).
  dashboard_charts = [
    {
      title = "Runs: started, completed, failed, began waiting (per 5 min)"
      series = [
        { legend = "started", filter = "metric.type=\"logging.googleapis.com/user/notion_agent/run_status\" AND metric.label.from=\"new\"", aligner = "ALIGN_SUM", reducer = "REDUCE_SUM", group_by = [] },
        { legend = "completed", filter = "metric.type=\"logging.googleapis.com/user/notion_agent/run_status\" AND metric.label.status=\"completed\"", aligner = "ALIGN_SUM", reducer = "REDUCE_SUM", group_by = [] },
        { legend = "failed", filter = "metric.type=\"logging.googleapis.com/user/notion_agent/run_status\" AND metric.label.status=\"failed\"", aligner = "ALIGN_SUM", reducer = "REDUCE_SUM", group_by = [] },
        { legend = "waiting", filter = "metric.type=\"logging.googleapis.com/user/notion_agent/run_status\" AND metric.label.status=\"waiting_for_human\"", aligner = "ALIGN_SUM", reducer = "REDUCE_SUM", group_by = [] },
      ]
    },
    {
      title = "Task queues: depth (tasks in the queue)"
      series = [
        { legend = "$${resource.labels.queue_id}", filter = "metric.type=\"cloudtasks.googleapis.com/queue/depth\" AND resource.type=\"cloud_tasks_queue\"", aligner = "ALIGN_MAX", reducer = "REDUCE_MAX", group_by = ["resource.label.queue_id"] },
      ]
    },
    {
      title = "Task queues: p99 delay from a task's scheduled time to its dispatch (ms)"
      series = [
        { legend = "$${resource.labels.queue_id}", filter = "metric.type=\"cloudtasks.googleapis.com/queue/task_attempt_delays\" AND resource.type=\"cloud_tasks_queue\"", aligner = "ALIGN_PERCENTILE_99", reducer = "REDUCE_MAX", group_by = ["resource.label.queue_id"] },
      ]
    },
    {
      title = "Notion refusals: 429 and 529 (per 5 min)"
      series = [
        { legend = "$${metric.labels.status}", filter = "metric.type=\"logging.googleapis.com/user/notion_agent/notion_refused\"", aligner = "ALIGN_SUM", reducer = "REDUCE_SUM", group_by = ["metric.label.status"] },
      ]
    },
    {
      title = "4xx answers per function (per 5 min)"
      series = [
        { legend = "$${resource.labels.service_name}", filter = "metric.type=\"run.googleapis.com/request_count\" AND ${local.run_services} AND metric.label.response_code_class=\"4xx\"", aligner = "ALIGN_SUM", reducer = "REDUCE_SUM", group_by = ["resource.label.service_name"] },
      ]
    },
    {
      title = "5xx answers per function (per 5 min)"
      series = [
        { legend = "$${resource.labels.service_name}", filter = "metric.type=\"run.googleapis.com/request_count\" AND ${local.run_services} AND metric.label.response_code_class=\"5xx\"", aligner = "ALIGN_SUM", reducer = "REDUCE_SUM", group_by = ["resource.label.service_name"] },
      ]
    },
  ]

  # The model spend: the sum of the model_spend distribution's values (PromQL's _sum of it), per hour.
  model_spend_promql = "sum by (model) (increase(logging_googleapis_com:user_notion_agent_model_spend_sum{monitored_resource=\"cloud_run_revision\"}[1h]))"
}

resource "google_logging_metric" "dashboard" {
  for_each = local.dashboard_metrics

  name        = "notion_agent/${each.key}"
  description = each.value.description
  filter      = each.value.filter

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = each.value.value_extractor == null ? "INT64" : "DISTRIBUTION"
    unit        = "1"
    labels {
      key         = "service"
      value_type  = "STRING"
      description = "The function (Cloud Run service) that logged the entry."
    }
    dynamic "labels" {
      for_each = each.value.labels
      content {
        key         = labels.key
        value_type  = "STRING"
        description = labels.value
      }
    }
  }

  value_extractor = each.value.value_extractor
  dynamic "bucket_options" {
    for_each = each.value.value_extractor == null ? [] : ["dollars"]
    content {
      exponential_buckets { # from a thousandth of a cent up, doubling
        num_finite_buckets = 40
        growth_factor      = 2
        scale              = 0.00001
      }
    }
  }

  label_extractors = merge(
    { service = "EXTRACT(resource.labels.service_name)" },
    { for key, _ in each.value.labels : key => "EXTRACT(jsonPayload.fields.${key})" },
  )

  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_dashboard" "main" {
  dashboard_json = jsonencode({
    displayName = "Notion Agent"
    mosaicLayout = {
      columns = 48
      tiles = concat(
        [
          for i, chart in local.dashboard_charts : {
            xPos   = (i % 2) * 24
            yPos   = floor(i / 2) * 16
            width  = 24
            height = 16
            widget = {
              title = chart.title
              xyChart = {
                dataSets = [
                  for series in chart.series : {
                    plotType       = "LINE"
                    targetAxis     = "Y1"
                    legendTemplate = series.legend
                    timeSeriesQuery = {
                      timeSeriesFilter = {
                        filter = series.filter
                        aggregation = {
                          alignmentPeriod    = "300s"
                          perSeriesAligner   = series.aligner
                          crossSeriesReducer = series.reducer
                          groupByFields      = series.group_by
                        }
                      }
                    }
                  }
                ]
              }
            }
          }
        ],
        [
          {
            xPos   = (length(local.dashboard_charts) % 2) * 24
            yPos   = floor(length(local.dashboard_charts) / 2) * 16
            width  = 24
            height = 16
            widget = {
              title = "Model spend, US dollars per hour"
              xyChart = {
                dataSets = [
                  {
                    plotType        = "LINE"
                    targetAxis      = "Y1"
                    timeSeriesQuery = { prometheusQuery = local.model_spend_promql }
                  }
                ]
              }
            }
          }
        ],
      )
    }
  })

  depends_on = [google_logging_metric.dashboard, google_project_service.enabled]
}

# --- Uptime checks on the public endpoints (the load balancer's domain) -----------------------------
locals {
  uptime_checks = {
    # The console's page, from the bucket.
    console = { path = "/", status = 200 }
    # The api: its contract answers without a session (functions/routes/contract.py).
    api = { path = "/api/openapi.json", status = 200 }
    # The webhook answers only signed POSTs: a GET is 405, which shows the route and the function up.
    notion_webhook = { path = "/notion/webhook", status = 405 }
  }
}

resource "google_monitoring_uptime_check_config" "public" {
  for_each = local.uptime_checks

  display_name = "Notion Agent: ${each.key} (${each.value.path})"
  timeout      = "10s"
  period       = "300s"
  checker_type = "STATIC_IP_CHECKERS"

  http_check {
    path           = each.value.path
    port           = 443
    use_ssl        = true
    validate_ssl   = true
    request_method = "GET"
    accepted_response_status_codes {
      status_value = each.value.status
    }
  }

  monitored_resource {
    type = "uptime_url"
    labels = {
      project_id = var.project_id
      host       = var.public_domain
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_alert_policy" "uptime" {
  display_name          = "Notion Agent: public endpoint down"
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "An uptime check fails from more than one region"
    condition_threshold {
      filter          = "metric.type=\"monitoring.googleapis.com/uptime_check/check_passed\" AND resource.type=\"uptime_url\" AND metric.label.check_id=one_of(${join(", ", [for check in google_monitoring_uptime_check_config.public : "\"${check.uptime_check_id}\""])})"
      comparison      = "COMPARISON_GT"
      threshold_value = 1
      duration        = "600s"
      aggregations {
        alignment_period     = "1200s"
        per_series_aligner   = "ALIGN_NEXT_OLDER"
        cross_series_reducer = "REDUCE_COUNT_FALSE"
        group_by_fields      = ["resource.label.host", "metric.label.check_id"]
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    content   = "A public endpoint of ${var.public_domain} fails its uptime check (the console's page, GET /api/openapi.json, or GET /notion/webhook expecting 405). All three at once: the load balancer, its certificate or DNS. One: that function (its logs, its latest revision) or the console's bucket."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.enabled]
}

# --- 5xx rate ---------------------------------------------------------------------------------------
resource "google_monitoring_alert_policy" "http_5xx" {
  display_name          = "Notion Agent: 5xx answers"
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "A function's 5xx share of its requests above ${var.alert_thresholds.http_5xx_share} over 5 minutes"
    condition_threshold {
      filter             = "metric.type=\"run.googleapis.com/request_count\" AND ${local.run_services} AND metric.label.response_code_class=\"5xx\""
      denominator_filter = "metric.type=\"run.googleapis.com/request_count\" AND ${local.run_services}"
      comparison         = "COMPARISON_GT"
      threshold_value    = var.alert_thresholds.http_5xx_share
      duration           = "300s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
      denominator_aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    content   = "A function answers 5xx to a share of its requests. An unhandled exception is a 500 with an error id: Error Reporting groups them with their stack traces (docs/monitoring.md). A task function's 5xx is retried by its queue; a burst across functions points at Firestore, Secret Manager or a bad release."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.enabled]
}
