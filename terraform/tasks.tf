# Cloud Tasks queues (shared.platform.topology.Queue), one per task-driven function (QUEUE_TARGETS).
# Handlers are idempotent (docs/engine.md), so retries are safe; a body that can never validate is kept
# as a dead letter and answered 200, so Cloud Tasks does not retry it (functions/_http.py,
# shared/platform/services/dead_letters.py). A long Retry-After is not a retry here: the code schedules a new
# task for later. A task carries its enqueuer's trace (traceparent; shared/platform/adapters/cloud_tasks.py). Runs that exhaust their retries are picked up by the
# stalled-run sweeper (scheduler.tf).
#
# Cloud Tasks stops retrying a task only once it has made max_attempts attempts AND
# max_retry_duration has passed since its first attempt. The backoff starts at min_backoff, doubles
# max_doublings times, then grows by the last doubled interval up to max_backoff. Each queue's two
# limits are set to end at the same attempt: max_retry_duration falls between the last two of the
# max_attempts attempts, so max_attempts is the number of attempts made. tests/infra/terraform/test_task_retries.py
# computes each schedule and holds it against the code's windows.
#
# enqueuers: the functions whose code creates tasks on the queue (TaskQueue.enqueue); each gets
# cloudtasks.enqueuer on that queue and actAs on the tasks_invoker account. tests/infra/iam/test_code_access.py
# derives them from the enqueue calls in the code, both ways.
locals {
  queues = {
    plan = {
      target = "plan"
      # notion-webhook: a Notion event; api: POST /runs and a rejected plan's replan; plan and
      # execute-step: the follow-up of a run that has no plan yet (after a budget approval, the sweeper).
      # deploy shares the engine's follow-ups (shared/engine/services/followups.py), that case included.
      enqueuers = ["notion_webhook", "plan", "execute_step", "api", "deploy"]
      # Each dispatch makes one planning model call and several Notion reads. 10/s drains a 10,000-
      # tenant planning hour in ~17 min while staying well inside default Gemini quotas; 50 in flight
      # matches plan's 20 instances x 8 concurrency with headroom for other traffic.
      max_dispatches_per_second = 10
      max_concurrent_dispatches = 50
      # A plan that cannot start within an hour is stale (the day has moved on): 12 attempts, the last
      # ~59 min after the first (10 s, 20 s, ... 160 s, then 320 s, 480 s and every 600 s).
      max_attempts       = 12
      max_retry_duration = "3000s"
      min_backoff        = "10s"
      max_backoff        = "600s"
      max_doublings      = 4
    }
    execute-step = {
      target = "execute_step"
      # The next step, after planning (plan), a step (execute-step, deploy, the sweeper) or a
      # decision (api); a Runs row's write (after any transition) and a row's decision (notion-webhook).
      enqueuers = ["notion_webhook", "plan", "execute_step", "api", "deploy"]
      # The hot queue: every step of every run. Notion pacing is per tenant in the code; this caps the
      # total against Notion's per-integration limits and Vertex quotas. 400 in flight = 50 x 8.
      max_dispatches_per_second = 50
      max_concurrent_dispatches = 400
      # Transient failures (429/5xx/timeouts): 10 attempts, the last ~29 min after the first (5 s
      # doubling to 160 s, then 320 s, 480 s, 600 s). After that the sweeper owns the run: it
      # re-enqueues a run idle for NA_SWEEP_STALL_S and fails one idle for a day (sweeper.GIVE_UP_AFTER).
      max_attempts       = 10
      max_retry_duration = "1500s"
      min_backoff        = "5s"
      max_backoff        = "600s"
      max_doublings      = 5
    }
    deploy = {
      target = "deploy"
      # A run's GitHub/Vercel step (followups.enqueue_step routes it here), after planning (plan), a
      # step (execute-step, deploy) or a decision (api).
      enqueuers = ["plan", "execute_step", "api", "deploy"]
      # GitHub's secondary rate limits punish bursts of content-creating requests and Vercel limits
      # deployments per hour: a slow, narrow queue.
      max_dispatches_per_second = 2
      max_concurrent_dispatches = 10
      # 8 attempts, the last ~46 min after the first (30 s doubling to 480 s, then every 900 s); then
      # the sweeper owns the run, as for execute-step.
      max_attempts       = 8
      max_retry_duration = "2700s"
      min_backoff        = "30s"
      max_backoff        = "900s"
      max_doublings      = 4
    }
    notify = {
      target = "notify"
      # Run ended or needs a person (followups), the send_notification tool (execute-step), the
      # reconnect notice when a tenant's token is refused (NotionAccess in plan, execute-step and
      # notify), and notify itself: a normal notification in quiet hours is enqueued for their end.
      # deploy: a run that ended or needs a person after one of its steps.
      enqueuers = ["plan", "execute_step", "notify", "api", "deploy"]
      # Email/Slack/Notion comments; quiet hours are tasks scheduled for later, not retries.
      # A notification is still worth delivering for a day; notify de-duplicates by notification id.
      # 56 attempts over 24 h (10 s doubling to 640 s, then 1280 s, then every 30 min): the
      # window shared/notify/services/delivery.py relies on (NOTIFY_RETRY_WINDOW, GIVE_UP_AFTER = 12 h).
      max_dispatches_per_second = 20
      max_concurrent_dispatches = 100
      max_attempts              = 56
      max_retry_duration        = "86400s"
      min_backoff               = "10s"
      max_backoff               = "1800s"
      max_doublings             = 6
    }
  }

  queue_enqueuer_bindings = {
    for pair in flatten([
      for queue, spec in local.queues : [
        for enqueuer in spec.enqueuers : { queue = queue, enqueuer = enqueuer }
      ]
    ]) : "${pair.queue} ${pair.enqueuer}" => pair
  }
}

resource "google_cloud_tasks_queue" "queue" {
  for_each = local.queues

  name     = each.key
  location = var.region

  rate_limits {
    max_dispatches_per_second = each.value.max_dispatches_per_second
    max_concurrent_dispatches = each.value.max_concurrent_dispatches
  }

  retry_config {
    max_attempts       = each.value.max_attempts
    max_retry_duration = each.value.max_retry_duration
    min_backoff        = each.value.min_backoff
    max_backoff        = each.value.max_backoff
    max_doublings      = each.value.max_doublings
  }

  stackdriver_logging_config {
    sampling_ratio = var.tasks_log_sampling_ratio
  }

  depends_on = [google_project_service.enabled]
}

resource "google_cloud_tasks_queue_iam_member" "enqueuers" {
  for_each = local.queue_enqueuer_bindings

  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.queue[each.value.queue].name
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.function[each.value.enqueuer].email}"
}
