# Platform secrets (shared.config.PlatformSecret). Terraform creates the containers only; values are
# added by a person with `gcloud secrets versions add` (docs/deploy.md), so no value is ever in state.
locals {
  platform_secrets = {
    "notion-client-id" = {
      # oauth-callback exchanges codes; api builds the "connect your workspace" authorize URL.
      readers = ["oauth_callback", "api"]
    }
    "notion-client-secret" = {
      readers = ["oauth_callback"]
    }
    "notion-webhook-verification-token" = {
      # The key of X-Notion-Signature.
      readers = ["notion_webhook"]
    }
    "session-signing-key" = {
      # Signs OAuth state (oauth-callback checks it, api issues it), sessions (api) and the
      # approve/reject links in notifications (notify signs, api verifies).
      readers = ["oauth_callback", "api", "notify"]
    }
  }

  secret_reader_bindings = {
    for pair in flatten([
      for secret, spec in local.platform_secrets : [
        for reader in spec.readers : { secret = secret, reader = reader }
      ]
    ]) : "${pair.secret} ${pair.reader}" => pair
  }

  # Per-tenant Notion tokens are secrets named notion-token-<tenant>, created at run time. IAM on a
  # secret that does not exist yet can only be a project-level binding, so each of these is limited
  # by a condition on the secret name (versions' names start with it too).
  tenant_token_prefix    = "notion-token-"
  tenant_token_condition = "resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/${local.tenant_token_prefix}\")"

  # Who reads a tenant's token: the functions that call Notion on the tenant's behalf. api lists the
  # workspace's data sources on the settings screen. notion-webhook does not: it only routes signals.
  tenant_token_readers = ["plan", "execute_step", "notify", "api"]
}

resource "google_secret_manager_secret" "platform" {
  for_each = local.platform_secrets

  secret_id = each.key
  labels = {
    app = "notion-agent"
  }

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret_iam_member" "readers" {
  for_each = local.secret_reader_bindings

  secret_id = google_secret_manager_secret.platform[each.value.secret].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.function[each.value.reader].email}"
}

# oauth-callback stores a newly connected workspace's token: create the secret, add a version on
# reconnect. It cannot read tokens back, list other secrets, or touch any other secret name.
resource "google_project_iam_custom_role" "notion_token_writer" {
  role_id     = "notionAgentTokenWriter"
  title       = "Notion Agent tenant token writer"
  description = "Create notion-token-* secrets and add versions (granted with a name-prefix condition)."
  permissions = [
    "secretmanager.secrets.create",
    "secretmanager.secrets.get",
    "secretmanager.versions.add",
  ]
}

# api disconnects a workspace (and honours deletion requests): destroy the token's versions and
# delete the secret. Kept apart from reading so each grant says what it is for.
resource "google_project_iam_custom_role" "notion_token_revoker" {
  role_id     = "notionAgentTokenRevoker"
  title       = "Notion Agent tenant token revoker"
  description = "Destroy versions of and delete notion-token-* secrets (granted with a name-prefix condition)."
  permissions = [
    "secretmanager.secrets.delete",
    "secretmanager.secrets.get",
    "secretmanager.versions.destroy",
    "secretmanager.versions.list",
  ]
}

resource "google_project_iam_member" "tenant_token_writer" {
  project = var.project_id
  role    = google_project_iam_custom_role.notion_token_writer.name
  member  = "serviceAccount:${google_service_account.function["oauth_callback"].email}"

  condition {
    title       = "notion-token-secrets-only"
    description = "Only secrets whose id starts with notion-token-."
    expression  = local.tenant_token_condition
  }
}

resource "google_project_iam_member" "tenant_token_readers" {
  for_each = toset(local.tenant_token_readers)

  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = "serviceAccount:${google_service_account.function[each.key].email}"

  condition {
    title       = "notion-token-secrets-only"
    description = "Only secrets whose id starts with notion-token-."
    expression  = local.tenant_token_condition
  }
}

resource "google_project_iam_member" "tenant_token_revoker" {
  project = var.project_id
  role    = google_project_iam_custom_role.notion_token_revoker.name
  member  = "serviceAccount:${google_service_account.function["api"].email}"

  condition {
    title       = "notion-token-secrets-only"
    description = "Only secrets whose id starts with notion-token-."
    expression  = local.tenant_token_condition
  }
}
