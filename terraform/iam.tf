# Identities and their grants. Rule: one service account per function, grants on the single resource
# (secret, queue, Cloud Run service, bucket, repository) wherever the API allows it. Project-level
# roles are listed in local.project_roles only; tests/infra/test_iam.py holds them against an allowlist.

locals {
  # Accounts that are not a function's own.
  platform_accounts = {
    tasks_invoker = "Identity in the OIDC token Cloud Tasks sends to plan, execute-step, deploy and notify."
    scheduler     = "Identity in the OIDC token Cloud Scheduler sends to plan (/schedule) and execute-step (/sweep)."
    builder       = "Builds the function images from the source archive (Cloud Build, on behalf of Cloud Functions)."
    deployer      = "Runs the Cloud Build pipeline on main: terraform apply of this configuration."
    ci            = "Runs the Cloud Build checks on pull requests: tests and a read-only terraform plan."
  }

  # Project-level roles, which have no narrower resource to be granted on. Firestore IAM stops at the
  # database: every function whose entry point preloads a Firestore port (bootstrap.preload: store,
  # tenants, oauth_states, webhook_events, notifications) reads and writes tenant data. Vertex AI model calls are
  # authorised on the project only: just the two functions that call the model (Deps.need_model).
  # tests/infra/test_code_access.py derives both lists from the code.
  project_roles = {
    oauth_callback = ["roles/datastore.user"]
    notion_webhook = ["roles/datastore.user"]
    plan           = ["roles/datastore.user", "roles/aiplatform.user"]
    execute_step   = ["roles/datastore.user", "roles/aiplatform.user"]
    api            = ["roles/datastore.user"]
    # notify records each delivery (notifications) and reads the tenant's quiet hours and token
    # (tenants); it calls no model.
    notify = ["roles/datastore.user"]
    # deploy moves runs on (their GitHub/Vercel steps) and repairs a step's arguments with the model.
    deploy = ["roles/datastore.user", "roles/aiplatform.user"]
    # Build logs; image push and source read are granted on the repository and the bucket below.
    builder = ["roles/logging.logWriter"]
    # terraform apply manages every resource type in this configuration, in this project only.
    # resourcemanager.projectIamAdmin is granted separately, limited by a condition to the roles here.
    deployer = [
      "roles/artifactregistry.admin",
      "roles/cloudbuild.builds.editor",
      "roles/cloudfunctions.admin",
      "roles/cloudscheduler.admin",
      "roles/cloudtasks.admin",
      "roles/compute.loadBalancerAdmin", # the public load balancer: address, NEGs, backends, URL maps, proxies, certificate, TLS policy
      "roles/compute.securityAdmin",     # the optional Cloud Armor policy (var.cloud_armor)
      "roles/datastore.owner",
      "roles/iam.roleAdmin",
      "roles/iam.serviceAccountAdmin",
      "roles/iam.serviceAccountUser",
      "roles/logging.configWriter",
      "roles/logging.logWriter",
      "roles/monitoring.editor",
      "roles/run.admin",
      "roles/secretmanager.admin",
      "roles/serviceusage.serviceUsageAdmin",
      "roles/storage.admin",
    ]
    # A plan reads every managed resource; viewer and securityReviewer read configuration and IAM
    # policies but no secret value and no Firestore document.
    ci = ["roles/viewer", "roles/iam.securityReviewer", "roles/logging.logWriter"]
  }

  project_role_bindings = {
    for pair in flatten([
      for account, roles in local.project_roles : [
        for role in roles : { account = account, role = role }
      ]
    ]) : "${pair.account} ${pair.role}" => pair
  }

  account_emails = merge(
    { for key, sa in google_service_account.function : key => sa.email },
    { for key, sa in google_service_account.platform : key => sa.email },
  )

  # Roles the deployer may grant (the condition on its projectIamAdmin binding).
  grantable_roles = concat(
    distinct(flatten(values(local.project_roles))),
    [
      "roles/secretmanager.secretAccessor",
      "roles/secretmanager.secretVersionAdder",
      google_project_iam_custom_role.notion_token_writer.name,
      google_project_iam_custom_role.notion_token_revoker.name,
    ],
  )
}

resource "google_service_account" "function" {
  for_each = local.functions

  account_id   = "na-${each.value.name}"
  display_name = "Notion Agent ${each.value.name}"
  description  = "Runtime identity of the ${each.value.name} function; nothing else runs as it."
}

resource "google_service_account" "platform" {
  for_each = local.platform_accounts

  account_id   = "na-${replace(each.key, "_", "-")}"
  display_name = "Notion Agent ${replace(each.key, "_", " ")}"
  description  = each.value
}

resource "google_project_iam_member" "project_roles" {
  for_each = local.project_role_bindings

  project = var.project_id
  role    = each.value.role
  member  = "serviceAccount:${local.account_emails[each.value.account]}"
}

resource "google_project_iam_member" "deployer_iam_admin" {
  project = var.project_id
  role    = "roles/resourcemanager.projectIamAdmin"
  member  = "serviceAccount:${google_service_account.platform["deployer"].email}"

  condition {
    title       = "grants-of-this-configuration-only"
    description = "The pipeline may grant or revoke only the roles this configuration uses: never owner or editor."
    expression  = "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${join(", ", formatlist("'%s'", local.grantable_roles))}])"
  }
}

# Pipeline state: read/write for the deployer, read for the CI account (plans run with -lock=false).
resource "google_storage_bucket_iam_member" "deployer_state" {
  bucket = var.state_bucket
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.platform["deployer"].email}"
}

resource "google_storage_bucket_iam_member" "ci_state" {
  bucket = var.state_bucket
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.platform["ci"].email}"
}

# Function builds: read the archive, push the image. Nothing else.
resource "google_storage_bucket_iam_member" "builder_reads_source" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.platform["builder"].email}"
}

resource "google_artifact_registry_repository_iam_member" "builder_writer" {
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.platform["builder"].email}"
}

# Cloud Tasks and Cloud Scheduler call the private functions with OIDC tokens of their own accounts:
# run.invoker on the Cloud Run service behind each target function, nowhere else.
resource "google_cloud_run_v2_service_iam_member" "tasks_invoker" {
  for_each = toset(distinct([for queue in local.queues : queue.target]))

  project  = var.project_id
  location = var.region
  name     = local.deployed_functions[each.key].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.platform["tasks_invoker"].email}"
}

resource "google_cloud_run_v2_service_iam_member" "scheduler_invoker" {
  for_each = toset(distinct([for job in local.scheduler_jobs : job.target]))

  project  = var.project_id
  location = var.region
  name     = local.deployed_functions[each.key].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.platform["scheduler"].email}"
}

# Only the functions that face Notion or browsers are public; each authenticates its callers itself
# (signed single-use OAuth state, HMAC webhook signature, session token or API key). The internet
# reaches them only through the load balancer (ingress ALLOW_INTERNAL_AND_GCLB, functions.tf), which
# forwards requests without a Google identity: run.invoker for allUsers is what lets them through.
resource "google_cloud_run_v2_service_iam_member" "public" {
  # oauth-callback, notion-webhook and api are called by Notion and browsers without Google identities; each verifies its caller itself (DESIGN.md, Functions)
  for_each = { for key, fn in local.functions : key => fn if fn.public }

  project  = var.project_id
  location = var.region
  name     = local.deployed_functions[each.key].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# A function that creates a task with an OIDC token for tasks_invoker must be allowed to act as it,
# on that one account.
resource "google_service_account_iam_member" "enqueuers_act_as_tasks_invoker" {
  for_each = toset(distinct(flatten([for queue in local.queues : queue.enqueuers])))

  service_account_id = google_service_account.platform["tasks_invoker"].name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.function[each.key].email}"
}
