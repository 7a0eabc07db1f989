# Cloud Scheduler jobs, calling the private functions with an OIDC token of the scheduler account.
locals {
  scheduler_jobs = {
    plan-daily-fanout = {
      target = "plan"
      path   = "/schedule"
      # Hourly: each run plans the tenants whose local planning hour is the current hour (per-tenant
      # time zones), so one job serves every time zone. Idempotent per tenant and day in the code.
      schedule         = "0 * * * *"
      attempt_deadline = "320s" # plan's timeout (300 s) plus delivery
      description      = "Enqueue one plan task per active tenant whose local planning hour has come."
    }
    sweep-stalled-runs = {
      target = "execute_step"
      path   = "/sweep"
      # Every 5 minutes: a stalled run waits at most ~5 min beyond its own lease before re-enqueue.
      schedule         = "*/5 * * * *"
      attempt_deadline = "180s"
      description      = "Re-enqueue the next step of runs whose cursor has not moved past their lease."
    }
    renew-mail-watches = {
      target = "plan"
      path   = "/mail-watches" # shared/mail/domain/mailboxes.py WATCHES_ROUTE
      # Hourly: Gmail's watches end after seven days; each mailbox whose watch ends within two days is
      # watched again (shared/mail/services/watches.py), a failure told to its workspace's owner.
      schedule         = "0 * * * *"
      attempt_deadline = "320s" # plan's timeout (300 s) plus delivery
      description      = "Renew Gmail's watches of agents' mailboxes before their seven days end."
    }
    calendar-tick = {
      target = "plan"
      path   = "/calendar/tick" # functions/tasks/caller.py CALENDAR_TICK
      # Every 5 minutes: a meeting's "N minutes before" run starts at most 5 minutes late; channels
      # ending within a day are renewed. Each run is named by its meeting's occurrence: repeats start none.
      schedule         = "*/5 * * * *"
      attempt_deadline = "320s" # plan's timeout (300 s) plus delivery
      description      = "Renew calendars' push channels before they end and start the runs meetings' rules ask for."
    }
    doctor = {
      target = "plan"
      path   = "/doctor/round" # functions/tasks/doctor.py ROUND_ROUTE
      # make doctor on a schedule: each round judges the check the previous round started (a hop
      # not answered by now logs doctor_hop_failed, alerted in monitoring.tf) and starts the next one:
      # one no-op task through each queue and one small model call, about 96 a day.
      schedule         = "*/15 * * * *"
      attempt_deadline = "320s" # plan's timeout (300 s) plus delivery
      description      = "make doctor on a schedule: judge the last round's check, send one task through each queue and one model call."
    }
  }
}

resource "google_cloud_scheduler_job" "job" {
  for_each = local.scheduler_jobs

  name             = each.key
  description      = each.value.description
  region           = var.region
  schedule         = each.value.schedule
  time_zone        = "Etc/UTC"
  attempt_deadline = each.value.attempt_deadline

  # A missed tick is covered by the next one, so retry briefly only: the sweeper queries what is
  # stalled, and daily planning plans the tenants of ticks missed since the last one it recorded (up
  # to 6 hours back: CATCH_UP in shared/agents/domain/schedule_task.py).
  retry_config {
    retry_count          = 2
    min_backoff_duration = "10s"
    max_backoff_duration = "60s"
    max_doublings        = 2
  }

  http_target {
    http_method = "POST"
    uri         = "${local.function_urls[each.value.target]}${each.value.path}"
    body        = base64encode("{}")
    headers = {
      "Content-Type" = "application/json"
    }

    # The audience is the function's base URL, the value the code's settings name it by (NA_PLAN_URL,
    # NA_EXECUTE_STEP_URL in settings.tf) and the audience of the Cloud Tasks it sends there
    # (Settings.target_url); the path (/schedule, /sweep) is only in the URI.
    oidc_token {
      service_account_email = google_service_account.platform["scheduler"].email
      audience              = local.function_urls[each.value.target]
    }
  }

  depends_on = [google_project_service.enabled, google_cloud_run_v2_service_iam_member.scheduler_invoker]
}
