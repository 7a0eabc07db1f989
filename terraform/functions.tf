# One Cloud Run function (2nd gen) per entry point of functions/main.py. The keys of local.functions
# are the entry points (shared.platform.topology.Target); tests/infra checks both directions.
locals {
  # Sizing, per function (why):
  # - cpu below 1 forces concurrency 1 (a platform rule), so fractional CPU only where traffic is rare.
  # - Functions that wait on Notion, Vertex AI or GitHub are I/O-bound: one vCPU serves several
  #   requests at once, which is cheaper than one instance per request.
  # - max_instances caps cost and protects per-workspace Notion rate limits; the queues' dispatch
  #   rates (tasks.tf) are the real throttle for task-driven functions.
  functions = {
    oauth_callback = {
      name = "oauth-callback"
      # Once per workspace connection, a person waits in the browser: small, short timeout.
      memory        = "512Mi"
      cpu           = "0.333"
      concurrency   = 1
      timeout       = 30
      max_instances = 5
      public        = true
    }
    notion_webhook = {
      name = "notion-webhook"
      # Bursty (a bulk edit sends many events); verify, de-duplicate, enqueue, answer within seconds.
      # No model SDK is imported here, so 512Mi holds 40 concurrent requests.
      memory        = "512Mi"
      cpu           = "1"
      concurrency   = 40
      timeout       = 15
      max_instances = 20
      public        = true
    }
    plan = {
      name = "plan"
      # Waits on Notion reads and one structured Gemini call (tens of seconds); builds bounded
      # context in memory. The hourly fan-out enqueues one task per due tenant within the timeout.
      memory        = "1Gi"
      cpu           = "1"
      concurrency   = 8
      timeout       = 300
      max_instances = 20
      public        = false
    }
    execute_step = {
      name = "execute-step"
      # One step: at most one model call (the draft model may take minutes for code) or one tool
      # call. 600 s stays under Cloud Tasks' default 10 min dispatch deadline; longer waits
      # become a task scheduled for later, never a sleeping function.
      memory        = "1Gi"
      cpu           = "1"
      concurrency   = 8
      timeout       = 600
      max_instances = 50
      public        = false
    }
    deploy = {
      name = "deploy"
      # GitHub and Vercel API calls; never polls a deployment to completion inside a request.
      memory        = "512Mi"
      cpu           = "1"
      concurrency   = 4
      timeout       = 300
      max_instances = 5
      public        = false
    }
    notify = {
      name = "notify"
      # Short HTTP calls to email/Slack/Notion; many at once.
      memory        = "512Mi"
      cpu           = "1"
      concurrency   = 20
      timeout       = 60
      max_instances = 10
      public        = false
    }
    api = {
      name = "api"
      # Interactive: frontends wait on it. Reads Firestore, enqueues tasks; no model calls.
      memory        = "512Mi"
      cpu           = "1"
      concurrency   = 40
      timeout       = 30
      max_instances = 20
      public        = true
    }
  }

  # Cloud Run gives every service a deterministic URL, https://SERVICE-PROJECT_NUMBER.REGION.run.app.
  # Using it (instead of the function's `url` attribute) lets every function receive every other
  # function's URL without a dependency cycle. It is also the OIDC audience of tasks and jobs.
  # The public functions' run.app URLs take internal traffic only: browsers and Notion use
  # local.public_endpoints (loadbalancer.tf).
  function_urls = {
    for key, fn in local.functions :
    key => "https://${fn.name}-${data.google_project.this.number}.${var.region}.run.app"
  }
}

data "google_project" "this" {
  project_id = var.project_id
}

# The artifact that `make package` builds, uploaded under a name that contains its hash: a code
# change is a new object, which changes build_config and so redeploys every function.
resource "google_storage_bucket_object" "source" {
  name   = "function-source-${filemd5(var.source_archive)}.zip"
  bucket = google_storage_bucket.source.name
  source = var.source_archive
}

# One block for every function. A public function (notion-webhook, api, oauth-callback) takes the
# internet's requests only through the load balancer (loadbalancer.tf, at https://PUBLIC_DOMAIN): its
# run.app URL answers nothing from the internet. A task-driven function accepts internal traffic only:
# Cloud Tasks and Cloud Scheduler of the same project count as internal on the default run.app URL,
# and IAM still requires the OIDC token of the tasks or scheduler account.
resource "google_cloudfunctions2_function" "function" {
  for_each = local.functions

  name        = each.value.name
  location    = var.region
  description = "Notion Agent: ${each.value.name} (entry point ${each.key})."

  build_config {
    runtime           = "python313"
    entry_point       = each.key
    service_account   = google_service_account.platform["builder"].id
    docker_repository = google_artifact_registry_repository.functions.id
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory                 = each.value.memory
    available_cpu                    = each.value.cpu
    max_instance_request_concurrency = each.value.concurrency
    timeout_seconds                  = each.value.timeout
    min_instance_count               = lookup(var.min_instances, each.key, 0)
    max_instance_count               = lookup(var.max_instances, each.key, each.value.max_instances)
    service_account_email            = google_service_account.function[each.key].email
    ingress_settings                 = each.value.public ? "ALLOW_INTERNAL_AND_GCLB" : "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision   = true
    environment_variables            = merge(local.settings_env, local.runtime_env[each.key])
  }

  # A rollback is kept until a person releases it (make rollback-release, docs/deploy.md "Rolling back
  # a release", decision 0140). Cloud Functions reads this back as false while an older revision
  # serves the traffic; ignored, an update sends that value, so a new revision is deployed without
  # traffic instead of taking it all back. `make release-traffic` sends the traffic to the latest
  # revision, the value reads true again, and releases take their traffic as before.
  lifecycle {
    ignore_changes = [service_config[0].all_traffic_on_latest_revision]
  }

  depends_on = [google_project_service.enabled, time_sleep.iam_propagation]
}

# The functions were two blocks, public and private, until they were one: each one's state moves (a
# whole-resource move cannot take two sources to one destination).
moved {
  from = google_cloudfunctions2_function.public["oauth_callback"]
  to   = google_cloudfunctions2_function.function["oauth_callback"]
}

moved {
  from = google_cloudfunctions2_function.public["notion_webhook"]
  to   = google_cloudfunctions2_function.function["notion_webhook"]
}

moved {
  from = google_cloudfunctions2_function.public["api"]
  to   = google_cloudfunctions2_function.function["api"]
}

moved {
  from = google_cloudfunctions2_function.private["plan"]
  to   = google_cloudfunctions2_function.function["plan"]
}

moved {
  from = google_cloudfunctions2_function.private["execute_step"]
  to   = google_cloudfunctions2_function.function["execute_step"]
}

moved {
  from = google_cloudfunctions2_function.private["deploy"]
  to   = google_cloudfunctions2_function.function["deploy"]
}

moved {
  from = google_cloudfunctions2_function.private["notify"]
  to   = google_cloudfunctions2_function.function["notify"]
}

locals {
  # The runtime's own settings, per function. functions-framework serves each instance with one
  # gunicorn worker of THREADS threads (default: 4 per vCPU): as many as the requests Cloud Run
  # sends it at once (max_instance_request_concurrency), or the rest queue inside the instance.
  runtime_env = { for key, fn in local.functions : key => { THREADS = tostring(fn.concurrency) } }

  # Every deployed function, keyed by entry point.
  deployed_functions = google_cloudfunctions2_function.function
}
