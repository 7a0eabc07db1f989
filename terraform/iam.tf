# Identities and their grants. Rule: one service account per function, grants on the single resource
# (secret, queue, Cloud Run service, bucket, repository) wherever the API allows it. Project-level
# roles are listed in local.project_roles only; tests/infra/iam/test_iam.py holds them against an allowlist.

locals {
  # Accounts that are not a function's own.
  platform_accounts = {
    tasks_invoker = "Identity in the OIDC token Cloud Tasks sends to plan, execute-step, deploy and notify."
    scheduler     = "Identity in the OIDC token Cloud Scheduler sends to plan (/schedule) and execute-step (/sweep)."
    builder       = "Builds the function images from the source archive (Cloud Build, on behalf of Cloud Functions)."
    deployer      = "Applies an approved stored plan (notion-agent-apply): the only account that may change the project."
    ci            = "Runs the Cloud Build checks on pull requests: tests and a read-only terraform plan."
    release_build = "Runs the Cloud Build pipeline on pushes to main: installs, tests, package, a plan stored for approval; reads no data."
    eval          = "Runs make eval-agents by hand (cloudbuild-eval.yaml): a local stack in the build calls Vertex AI."
    gmail_push    = "Identity in the OIDC token Pub/Sub's push subscription to Gmail's notifications sends to api (/mail/push)."
  }

  # Project-level roles, which have no narrower resource to be granted on. Firestore IAM stops at the
  # database: every function whose entry point preloads a Firestore port (bootstrap.preload: store,
  # tenants, oauth_states, webhook_events, notifications, api_keys) reads and writes tenant data. Vertex AI model calls are
  # authorised on the project only: just the functions that call the model (Deps.need_model), with
  # model_caller (one permission, aiplatform.endpoints.predict), and the ranking API's one permission
  # (ranker) for the function whose search reranks (search_workspace's steps, on execute-step).
  # tests/infra/iam/test_code_access.py derives these lists from the code.
  project_roles = {
    oauth_callback = ["roles/datastore.user"]
    notion_webhook = ["roles/datastore.user"]
    plan           = ["roles/datastore.user", google_project_iam_custom_role.model_caller.name]
    execute_step = [
      "roles/datastore.user",
      google_project_iam_custom_role.model_caller.name,
      google_project_iam_custom_role.ranker.name,
    ]
    # api answers POST /ask with one model call (shared/memory/services/ask.py).
    api = ["roles/datastore.user", google_project_iam_custom_role.model_caller.name]
    # notify records each delivery (notifications) and reads the tenant's quiet hours and token
    # (tenants); it calls no model.
    notify = ["roles/datastore.user"]
    # deploy moves runs on (their GitHub/Vercel steps) and repairs a step's arguments with the model.
    deploy = ["roles/datastore.user", google_project_iam_custom_role.model_caller.name]
    # What Google's custom build service account example grants (docs/iam.md): build logs, the image
    # push, and the source archive, which 2nd-gen builds fetch from Google's managed
    # gcf-v2-sources-<number>-<region> bucket (a copy of ours), so a grant on our bucket is not enough.
    builder = ["roles/logging.logWriter", "roles/artifactregistry.writer", "roles/storage.objectAdmin"]
    # terraform apply of an approved plan (notion-agent-apply only) manages every resource type in this
    # configuration, in this project only, and reads no tenant data: Firestore's and Secret Manager's
    # configuration through custom roles without documents or secret values, queues without tasks.
    # docs/iam.md ("The deployer") says why it keeps each role; tests/infra/iam/test_build_accounts.py
    # fails when it regains one that reads data.
    # resourcemanager.projectIamAdmin is granted separately, limited by a condition to the roles here.
    deployer = [
      "roles/artifactregistry.admin",
      "roles/cloudbuild.builds.editor",
      "roles/cloudfunctions.admin",
      "roles/cloudscheduler.admin",
      "roles/cloudtasks.queueAdmin",     # queues and their IAM; no task (payloads) read or made
      "roles/compute.loadBalancerAdmin", # the public load balancer: address, NEGs, backends, URL maps, proxies, certificate, TLS policy
      "roles/compute.securityAdmin",     # the optional Cloud Armor policy (var.cloud_armor)
      google_project_iam_custom_role.deployer_firestore.name,
      "roles/iam.roleAdmin",
      "roles/iam.serviceAccountAdmin",
      "roles/iam.serviceAccountUser",
      "roles/logging.configWriter",
      "roles/logging.logWriter",
      "roles/monitoring.editor",
      "roles/pubsub.editor", # mail.tf's topic and push subscription to Gmail's notifications, their IAM
      "roles/run.admin",
      google_project_iam_custom_role.deployer_secrets.name,
      "roles/serviceusage.serviceUsageAdmin",
      "roles/storage.admin",
    ]
    # Build logs. The plan's reads are the custom role ci_plan_reader below (no basic or viewer role:
    # the PR trigger runs the pull request's own cloudbuild.yaml as this account).
    ci = ["roles/logging.logWriter"]
    # The push-to-main build (notion-agent-deploy) runs third-party code (npm ci, uv, make test) as
    # this account: build logs and the same configuration reader as ci, no data; its plan is stored
    # through a grant on the state bucket's plans/ folder only (release_build_stores_plans).
    release_build = ["roles/logging.logWriter", google_project_iam_custom_role.ci_plan_reader.name]
    # make eval-agents against Vertex AI (cloudbuild-eval.yaml): model calls and build logs; the
    # workspace is the Notion sandbox inside the build, so no tenant data, secret or document.
    eval = [google_project_iam_custom_role.model_caller.name, "roles/logging.logWriter"]
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

  # Roles the deployer may grant or revoke (the condition on its projectIamAdmin binding): the role of
  # every project-level google_project_iam_member of this configuration, and nothing else. The roles
  # granted outside local.project_roles are listed here; tests/infra/iam/test_iam.py fails when a
  # project-level binding's role is missing from these lists (terraform apply of it would be denied).
  # Changing this list changes the deployer's own condition, which the deployer may not do (its
  # projectIamAdmin is not grantable): an owner applies that change (docs/deploy.md).
  grantable_predefined_roles = [
    "roles/secretmanager.secretAccessor", # tenant, code and chat token readers (conditions on the name)
  ]
  grantable_custom_roles = [
    google_project_iam_custom_role.secret_creator.name,
    google_project_iam_custom_role.notion_token_writer.name,
    google_project_iam_custom_role.notion_token_rotator.name,
    google_project_iam_custom_role.notion_token_revoker.name,
    google_project_iam_custom_role.code_token_keeper.name,
  ]
  grantable_roles = distinct(concat(
    flatten(values(local.project_roles)),
    local.grantable_predefined_roles,
    local.grantable_custom_roles,
  ))
}

resource "google_service_account" "function" {
  for_each = local.functions

  account_id   = "na-${each.value.name}"
  display_name = "Notion Agent ${each.value.name}"
  description  = "Runtime identity of the ${each.value.name} function; nothing else runs as it."

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "platform" {
  for_each = local.platform_accounts

  account_id   = "na-${replace(each.key, "_", "-")}"
  display_name = "Notion Agent ${replace(each.key, "_", " ")}"
  description  = each.value

  depends_on = [google_project_service.enabled]
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

# The pull-request checks run `terraform plan` as na-ci, from a cloudbuild.yaml the pull request
# itself may change: whatever this account can read, a pull request can print. So it gets exactly
# the refresh of every resource type of this configuration (get, and getIamPolicy where Terraform
# manages a grant), and nothing that holds tenant data: no Firestore document (datastore.entities.*),
# no log entry (logging.logEntries.*), no secret value (secretmanager.versions.access), no task
# payload (cloudtasks.tasks.*), no object but the state and the source archive (bucket grants).
# tests/infra/iam/test_iam.py holds the list against the resource types and the forbidden prefixes.
resource "google_project_iam_custom_role" "ci_plan_reader" {
  role_id     = "notionAgentCiPlanReader"
  title       = "Notion Agent CI plan reader"
  description = "Read the configuration of the resources Notion Agent's Terraform manages; no data."
  permissions = [
    "artifactregistry.repositories.get",
    "artifactregistry.repositories.getIamPolicy",
    "cloudbuild.builds.get", # Cloud Build triggers are read with the builds permissions
    "cloudfunctions.functions.get",
    "cloudfunctions.functions.getIamPolicy",
    "cloudscheduler.jobs.get",
    "cloudtasks.queues.get",
    "cloudtasks.queues.getIamPolicy",
    "compute.backendBuckets.get",
    "compute.backendServices.get",
    "compute.globalAddresses.get",
    "compute.globalForwardingRules.get",
    "compute.regionNetworkEndpointGroups.get",
    "compute.securityPolicies.get",
    "compute.sslCertificates.get",
    "compute.sslPolicies.get",
    "compute.targetHttpProxies.get",
    "compute.targetHttpsProxies.get",
    "compute.urlMaps.get",
    "datastore.backupSchedules.get", # the daily backup (firestore.tf)
    "datastore.databases.get",
    "datastore.databases.getMetadata",
    "datastore.indexes.get", # composite indexes and TTL fields
    "datastore.indexes.list",
    "iam.roles.get",
    "iam.serviceAccounts.get",
    "iam.serviceAccounts.getIamPolicy",
    "logging.logMetrics.get",
    "monitoring.alertPolicies.get",
    "monitoring.dashboards.get",
    "monitoring.notificationChannels.get",
    "monitoring.uptimeCheckConfigs.get",
    "pubsub.subscriptions.get",
    "pubsub.topics.get",
    "pubsub.topics.getIamPolicy",
    "resourcemanager.projects.get",
    "resourcemanager.projects.getIamPolicy",
    "run.services.get",
    "run.services.getIamPolicy",
    "secretmanager.secrets.get",
    "secretmanager.secrets.getIamPolicy",
    "serviceusage.services.get",
    "serviceusage.services.list",
    "serviceusage.services.use", # the provider bills its calls to this project (user_project_override)
    "storage.buckets.get",
    "storage.buckets.getIamPolicy",
  ]

  depends_on = [google_project_service.enabled]
}

# Vertex AI model calls: Gemini's generateContent, Claude's rawPredict and the embeddings' predict on
# publisher models are all authorised by this one permission ("Make prompt requests", Vertex AI's
# generative AI access control); aiplatform.user would add datasets, endpoints, jobs and more.
resource "google_project_iam_custom_role" "model_caller" {
  role_id     = "notionAgentModelCaller"
  title       = "Notion Agent model caller"
  description = "Prompt requests to Vertex AI's models (Gemini, Claude, embeddings); nothing else of Vertex AI."
  permissions = ["aiplatform.endpoints.predict"]

  depends_on = [google_project_service.enabled]
}

# Vertex AI's ranking API (Discovery Engine's rankingConfigs.rank), which search's reranker calls
# (shared/memory/adapters/vertex_reranker.py): that one permission, no Discovery Engine data store.
resource "google_project_iam_custom_role" "ranker" {
  role_id     = "notionAgentRanker"
  title       = "Notion Agent ranker"
  description = "Rank search passages with the ranking API (default_ranking_config); nothing else."
  permissions = ["discoveryengine.rankingConfigs.rank"]

  depends_on = [google_project_service.enabled]
}

# What terraform apply does to Firestore: the database, its indexes and fields (TTL), the backup
# schedule, and the long-running operations it waits on. Never a document (datastore.entities.*),
# an export or an import: datastore.owner held them all.
resource "google_project_iam_custom_role" "deployer_firestore" {
  role_id     = "notionAgentDeployerFirestore"
  title       = "Notion Agent deployer: Firestore configuration"
  description = "Create and change the Firestore database, indexes, fields and backup schedule; no document."
  permissions = [
    "datastore.backupSchedules.create",
    "datastore.backupSchedules.delete",
    "datastore.backupSchedules.get",
    "datastore.backupSchedules.list",
    "datastore.backupSchedules.update",
    "datastore.databases.create",
    "datastore.databases.delete",
    "datastore.databases.get",
    "datastore.databases.getMetadata",
    "datastore.databases.list",
    "datastore.databases.update",
    "datastore.indexes.create",
    "datastore.indexes.delete",
    "datastore.indexes.get",
    "datastore.indexes.list",
    "datastore.indexes.update",
    "datastore.locations.get",
    "datastore.locations.list",
    "datastore.operations.get",
    "datastore.operations.list",
  ]

  depends_on = [google_project_service.enabled]
}

# What terraform apply does to Secret Manager: the platform secrets' containers and their grants
# (secrets.tf creates no version). Never a secret's value (secretmanager.versions.access) nor a
# version: secretmanager.admin held both, for every tenant's token.
resource "google_project_iam_custom_role" "deployer_secrets" {
  role_id     = "notionAgentDeployerSecrets"
  title       = "Notion Agent deployer: secret containers"
  description = "Create, change and grant the platform secrets' containers; never a secret's value or version."
  permissions = [
    "secretmanager.locations.get",
    "secretmanager.locations.list",
    "secretmanager.secrets.create",
    "secretmanager.secrets.delete",
    "secretmanager.secrets.get",
    "secretmanager.secrets.getIamPolicy",
    "secretmanager.secrets.list",
    "secretmanager.secrets.setIamPolicy",
    "secretmanager.secrets.update",
  ]

  depends_on = [google_project_service.enabled]
}

resource "google_project_iam_member" "ci_plan_reader" {
  project = var.project_id
  role    = google_project_iam_custom_role.ci_plan_reader.name
  member  = "serviceAccount:${google_service_account.platform["ci"].email}"
}

# The plan refreshes the source archive object (google_storage_bucket_object.source): its metadata.
resource "google_storage_bucket_iam_member" "ci_reads_source" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.platform["ci"].email}"
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

# The push-to-main build reads what ci reads (the state, the team's tfvars, the source archive's
# metadata) and plans with -lock=false, as ci does: it never holds the state lock.
resource "google_storage_bucket_iam_member" "release_build_state" {
  bucket = var.state_bucket
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.platform["release_build"].email}"
}

resource "google_storage_bucket_iam_member" "release_build_reads_source" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.platform["release_build"].email}"
}

# ... and stores its plan under notion-agent/plans/ only (the state bucket has uniform bucket-level
# access, docs/deploy.md, so the condition holds). objectCreator cannot replace an object: a plan
# once stored stays as the approver read it; the state and the tfvars are out of its reach.
resource "google_storage_bucket_iam_member" "release_build_stores_plans" {
  bucket = var.state_bucket
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.platform["release_build"].email}"

  condition {
    title       = "plans-folder-only"
    description = "The push-to-main build writes its stored plan, nothing else of the state bucket."
    expression  = "resource.name.startsWith(\"projects/_/buckets/${var.state_bucket}/objects/notion-agent/plans/\")"
  }
}

# The console's files: the deploy pipeline uploads web/dist after an approved apply
# (cloudbuild-apply.yaml). objectUser creates objects and replaces index.html (a replacement needs
# delete); no IAM on objects, nothing on any other bucket.
resource "google_storage_bucket_iam_member" "deployer_publishes_console" {
  bucket = google_storage_bucket.console.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.platform["deployer"].email}"
}

# IAM is eventually consistent: a grant can take minutes to reach every check. The functions' builds
# run as the builder and their first revisions as the function accounts, so they wait for the grants
# (as Google's custom build service account example does). Only a grant created or replaced in this
# apply waits again (triggers); later applies pass straight through.
resource "time_sleep" "iam_propagation" {
  create_duration = var.iam_propagation_wait
  triggers = {
    project_roles = join(",", sort([for key, member in google_project_iam_member.project_roles : member.id]))
  }
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
  # oauth-callback, notion-webhook and api are called by Notion and browsers without Google identities; each verifies its caller itself (docs/security.md)
  for_each = { for key, fn in local.functions : key => fn if fn.public }

  project  = var.project_id
  location = var.region
  name     = local.deployed_functions[each.key].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# The load balancer reads a backend bucket's objects without credentials: the console's built files
# are readable by anyone (what every browser downloads anyway). Reading this bucket's
# objects by name only (storage.objects.get): no listing, no write, no other bucket. A path that names
# no object answers 403, never a listing of the bucket. Under domain-restricted sharing or enforced
# public access prevention this binding is refused; docs/iam.md gives the organisation-policy steps.
resource "google_storage_bucket_iam_member" "console_public" {
  # checkov:skip=CKV_GCP_28: the console's built files, served by the load balancer's backend bucket, which reads public objects only (docs/decisions/0032)
  bucket = google_storage_bucket.console.name
  role   = "roles/storage.legacyObjectReader"
  member = "allUsers"
}

# A function that creates a task with an OIDC token for tasks_invoker must be allowed to act as it,
# on that one account.
resource "google_service_account_iam_member" "enqueuers_act_as_tasks_invoker" {
  for_each = toset(distinct(flatten([for queue in local.queues : queue.enqueuers])))

  service_account_id = google_service_account.platform["tasks_invoker"].name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.function[each.key].email}"
}
