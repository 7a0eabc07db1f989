locals {
  apis = [
    "aiplatform.googleapis.com",       # Gemini and Claude on Vertex AI, embeddings (iam.tf's model_caller)
    "artifactregistry.googleapis.com", # function images
    "cloudbuild.googleapis.com",       # function builds and the CI/CD pipeline
    "cloudfunctions.googleapis.com",   # Cloud Run functions (2nd gen)
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",  # daily planning fan-out, stalled-run sweeper
    "cloudtasks.googleapis.com",      # every function-to-function call
    "compute.googleapis.com",         # the public load balancer (loadbalancer.tf)
    "discoveryengine.googleapis.com", # the ranking API search reranks with (NA_SEARCH_RERANK, iam.tf's ranker)
    "firestore.googleapis.com",       # all state
    "iam.googleapis.com",             # service accounts, custom roles
    "iamcredentials.googleapis.com",  # OIDC tokens minted for tasks and jobs
    "logging.googleapis.com",         # log-based metrics
    "monitoring.googleapis.com",      # alert policies
    "run.googleapis.com",             # the services behind the functions
    "secretmanager.googleapis.com",   # platform secrets and per-tenant Notion tokens
    "storage.googleapis.com",         # source archive bucket
  ]
}

locals {
  # The Budget API only when a budget is asked for (var.billing_account, budget.tf): the provider bills
  # its calls to this project (user_project_override), so the API must be on here.
  enabled_apis = concat(
    local.apis,
    var.billing_account == "" ? [] : ["billingbudgets.googleapis.com"],
    # Agents' mailboxes (mail.tf) only with the deployment's Google OAuth client.
    var.google_oauth_client_id == "" ? [] : ["gmail.googleapis.com", "pubsub.googleapis.com"],
    # People's calendars (calendar.tf): the same client.
    var.google_oauth_client_id == "" ? [] : ["calendar-json.googleapis.com"],
  )
}

resource "google_project_service" "enabled" {
  for_each = toset(local.enabled_apis)

  project = var.project_id
  service = each.value
  # Other workloads in the project may use the same APIs: never turn them off on destroy.
  disable_on_destroy = false
}
