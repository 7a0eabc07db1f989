# GitHub and Vercel tokens of tenants (code-token-<integration>-<tenant>, shared/workspace/domain/integrations.py).
# api stores them (PUT /integrations/<name>: create the secret if needed (secret_creator, secrets.tf), add a version, destroy the
# one it replaces) and deletes them (DELETE /integrations/<name>, and a workspace's disconnect); only
# deploy reads them, when a run's step opens a pull request or a deployment. Every grant is limited by
# an IAM condition to these secret names. tests/infra/iam/test_code_access.py derives both lists from the
# code's call sites.
locals {
  code_token_prefix    = "code-token-"
  code_token_condition = "resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/${local.code_token_prefix}\")"
  code_token_readers   = ["deploy"]
  code_token_keepers   = ["api"]
}

resource "google_project_iam_custom_role" "code_token_keeper" {
  role_id     = "notionAgentCodeTokenKeeper"
  title       = "Notion Agent integration token keeper"
  description = "Add versions to code-token-*, chat-token-* and webhook-* secrets, destroy replaced ones, delete (name-prefix conditions); creation is secret_creator."
  permissions = [
    "secretmanager.secrets.delete",
    "secretmanager.versions.add",
    "secretmanager.versions.destroy",
  ]

  depends_on = [google_project_service.enabled]
}

resource "google_project_iam_member" "code_token_readers" {
  for_each = toset(local.code_token_readers)

  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = "serviceAccount:${google_service_account.function[each.key].email}"

  condition {
    title       = "code-token-secrets-only"
    description = "Only secrets whose id starts with code-token-."
    expression  = local.code_token_condition
  }
}

resource "google_project_iam_member" "code_token_keepers" {
  for_each = toset(local.code_token_keepers)

  project = var.project_id
  role    = google_project_iam_custom_role.code_token_keeper.name
  member  = "serviceAccount:${google_service_account.function[each.key].email}"

  condition {
    title       = "integration-token-secrets-only"
    description = "Only secrets whose id starts with code-token-, chat-token- or webhook-."
    expression  = "${local.code_token_condition} || ${local.chat_token_condition} || ${local.webhook_secret_condition}"
  }
}

# Slack bot tokens of tenants (chat-token-slack-<tenant>, shared/workspace/domain/integrations.py): api stores
# and deletes them with the code tokens (PUT/DELETE /integrations/slack, a workspace's disconnect:
# code_token_keepers above); notify reads them, to post a tenant's notifications to Slack, and api, to
# answer a Slack event in its thread (POST /slack/events, docs/slack.md).
locals {
  chat_token_prefix    = "chat-token-"
  chat_token_condition = "resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/${local.chat_token_prefix}\")"
  chat_token_readers   = ["notify", "api"]
}

resource "google_project_iam_member" "chat_token_readers" {
  for_each = toset(local.chat_token_readers)

  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = "serviceAccount:${google_service_account.function[each.key].email}"

  condition {
    title       = "chat-token-secrets-only"
    description = "Only secrets whose id starts with chat-token-."
    expression  = local.chat_token_condition
  }
}
