# Agents' mailboxes (docs/mail.md, decision 0219), only with var.google_oauth_client_id: Gmail publishes
# each change of a watched inbox to this topic (users.watch names it); the push subscription posts it
# to api's /mail/push with an OIDC token for the gmail_push account, which api checks (audience,
# Google's signature, the account's email). The refresh tokens of mailboxes are tenant secrets
# mail-<tenant>-<address hash>, read by mail_token_readers only.
locals {
  mail_on            = var.google_oauth_client_id != ""
  mail_push_audience = local.mail_on ? "${local.public_endpoints["api"]}/mail/push" : ""
  mail_push_invoker  = local.mail_on ? google_service_account.platform["gmail_push"].email : ""
  mail_secret_prefix = "mail-"
  # Who reads a mailbox's refresh token: api (Gmail's pushes), notify (replies in a mail thread), plan
  # (the watches renewed by the scheduler's hourly call).
  mail_token_readers    = ["api", "notify", "plan"]
  mail_secret_condition = "resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/${local.mail_secret_prefix}\")"
}

resource "google_pubsub_topic" "gmail" {
  # checkov:skip=CKV_GCP_83: Gmail's notifications carry a mailbox's address and a history id, never a mail; Google-managed encryption suffices, a customer-managed key is the deploying organisation's choice
  count = local.mail_on ? 1 : 0

  name                       = "na-gmail-push"
  message_retention_duration = "86400s"

  depends_on = [google_project_service.enabled]
}

# Gmail's own publisher, as Google's push guide asks: only it may publish to the topic.
resource "google_pubsub_topic_iam_member" "gmail_publishes" {
  count = local.mail_on ? 1 : 0

  topic  = google_pubsub_topic.gmail[0].id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:gmail-api-push@system.gserviceaccount.com"
}

resource "google_pubsub_subscription" "gmail_push" {
  count = local.mail_on ? 1 : 0

  name                       = "na-gmail-push"
  topic                      = google_pubsub_topic.gmail[0].id
  ack_deadline_seconds       = 60        # api answers within it; a later answer is a repeat, which reads nothing
  message_retention_duration = "604800s" # 7 days of retries, as the ledger's memory of mails

  push_config {
    push_endpoint = local.mail_push_audience
    oidc_token {
      service_account_email = google_service_account.platform["gmail_push"].email
      audience              = local.mail_push_audience
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  expiration_policy {
    ttl = "" # never expires for inactivity
  }
}

# Pub/Sub's service agent mints the push's OIDC tokens as gmail_push.
resource "google_service_account_iam_member" "pubsub_signs_as_gmail_push" {
  count = local.mail_on ? 1 : 0

  service_account_id = google_service_account.platform["gmail_push"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_project_iam_member" "mail_token_readers" {
  for_each = local.mail_on ? toset(local.mail_token_readers) : toset([])

  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = "serviceAccount:${google_service_account.function[each.key].email}"

  condition {
    title       = "mail-secrets-only"
    description = "Only secrets whose id starts with mail-: agents' mailboxes' refresh tokens."
    expression  = local.mail_secret_condition
  }
}

# Erasing a workspace (api) deletes its mailboxes' and its people's calendars' refresh tokens, as it
# deletes its other tokens (calendar.tf: calendars are on with the same Google OAuth client).
resource "google_project_iam_member" "mail_token_revoker" {
  count = local.mail_on ? 1 : 0

  project = var.project_id
  role    = google_project_iam_custom_role.notion_token_revoker.name
  member  = "serviceAccount:${google_service_account.function["api"].email}"

  condition {
    title       = "mail-and-calendar-secrets-only"
    description = "Only secrets whose id starts with mail- or calendar-: erasing a workspace deletes those tokens."
    expression  = "${local.mail_secret_condition} || ${local.calendar_secret_condition}"
  }
}

# Connect Google's redirect (api) keeps a mailbox's or a calendar's refresh token: a new secret
# (api already creates secrets, secret_creators) and its version, the one a reconnect replaces
# destroyed (SecretStore.put), under those prefixes only.
resource "google_project_iam_member" "google_token_writer" {
  count = local.mail_on ? 1 : 0

  condition {
    title       = "mail-and-calendar-secrets-only"
    description = "Only secrets whose id starts with mail- or calendar-: Connect Google keeps those tokens."
    expression  = "${local.mail_secret_condition} || ${local.calendar_secret_condition}"
  }
  role    = google_project_iam_custom_role.notion_token_rotator.name
  member  = "serviceAccount:${google_service_account.function["api"].email}"
  project = var.project_id
}
