# Platform secrets (shared.platform.config.PlatformSecret). Terraform creates the containers only, so no value
# is ever in state: a person adds the Notion client id and secret, the session key and (for email)
# the mail relay's password with `gcloud secrets versions add` (docs/deploy.md); notion-webhook adds
# the webhook verification token itself when Notion sends it.
#
# Who holds what follows the code's calls (SecretStore.get/put/delete in shared/services), and
# tests/infra/iam/test_code_access.py derives it from them: a grant the code does not use, or a call
# without its grant, fails the test.
locals {
  # Where every secret's payload is stored: var.secret_locations, else the deployment's region.
  secret_locations = length(var.secret_locations) > 0 ? var.secret_locations : [var.region]

  platform_secrets = {
    "notion-client-id" = {
      # api: the authorize URL (GET /connect) and the revoke on disconnect; oauth-callback: the code
      # exchange; plan, execute-step and notify: refreshing a tenant's token after a 401 (NotionAccess).
      readers        = ["oauth_callback", "api", "plan", "execute_step", "notify"]
      version_adders = []
    }
    "notion-client-secret" = {
      readers        = ["oauth_callback", "api", "plan", "execute_step", "notify"]
      version_adders = []
    }
    "notion-webhook-verification-token" = {
      # The key of X-Notion-Signature. notion-webhook also stores it: Notion's one-time verification
      # request carries the token, and the function adds it as this secret's first version
      # (SecretStore.put adds a version to the existing secret; it never needs secrets.create).
      readers        = ["notion_webhook"]
      version_adders = ["notion_webhook"]
    }
    "session-signing-key" = {
      # Signs OAuth state (api issues it, oauth-callback checks it), sessions (oauth-callback issues,
      # api verifies) and the links mailed to a person, approve/reject and address confirmations
      # (notify mints them as it sends; api verifies them).
      readers        = ["oauth_callback", "api", "notify"]
      version_adders = []
    }
    "linear-oauth-client-secret" = {
      # The sync's Linear OAuth app (var.sync_oauth): api exchanges codes and revokes; plan (the
      # mirror), execute-step (a run's tracker writes) and api refresh a token about to expire.
      readers        = ["api", "plan", "execute_step"]
      version_adders = []
    }
    "gitlab-oauth-client-secret" = {
      readers        = ["api", "plan", "execute_step"]
      version_adders = []
    }
    "slack-signing-secret" = {
      # The Slack app's signing secret (docs/slack.md): api checks each event Slack posts with it.
      readers        = ["api"]
      version_adders = []
    }
    "slack-client-secret" = {
      # The Slack app's client secret (var.slack_client_id): api exchanges an install's code with it.
      readers        = ["api"]
      version_adders = []
    }
    "google-oauth-client-secret" = {
      # The Google OAuth client's secret (var.google_oauth_client_id, docs/mail.md): api refreshes an
      # agent mailbox's access token with it when Gmail notifies a change, and a person's calendar's
      # on its push; notify, to answer in a mail thread; plan, to renew the mailboxes' watches and
      # the calendars' channels (docs/calendar.md).
      readers        = ["api", "notify", "plan"]
      version_adders = []
    }
    "smtp-password" = {
      # The mail relay's password (var.smtp): notify sends email notifications. Read only when
      # var.smtp.host is set; without email it stays empty (no version, nothing billed).
      readers        = ["notify"]
      version_adders = []
    }
  }

  secret_reader_bindings = {
    for pair in flatten([
      for secret, spec in local.platform_secrets : [
        for reader in spec.readers : { secret = secret, account = reader }
      ]
    ]) : "${pair.secret} ${pair.account}" => pair
  }

  secret_version_adder_bindings = {
    for pair in flatten([
      for secret, spec in local.platform_secrets : [
        for adder in spec.version_adders : { secret = secret, account = adder }
      ]
    ]) : "${pair.secret} ${pair.account}" => pair
  }

  # Per-tenant Notion tokens are secrets named notion-token-<tenant>-<connection> (one per connect),
  # created at run time. IAM on a secret that does not exist yet can only be a project-level binding,
  # so each of these is limited by a condition on the secret name (versions' names start with it too).
  tenant_token_prefix    = "notion-token-"
  tenant_token_condition = "resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/${local.tenant_token_prefix}\")"

  # Who reads a tenant's token: plan and execute-step call Notion with it, notify posts its Notion
  # comments with it; api reads it on disconnect to revoke it at Notion. notion-webhook does not: it
  # only routes signals.
  tenant_token_readers = ["plan", "execute_step", "notify", "api"]
  # Who adds a version to an existing token secret: plan, execute-step and notify store a refreshed
  # token after Notion answered 401 (NotionAccess.renewed). They never create one.
  tenant_token_version_adders = ["plan", "execute_step", "notify"]
  # Who deletes a token secret: api on disconnect; oauth-callback the secret of a connect it refused
  # and the one a reconnect replaced (each connect writes a secret of its own).
  tenant_token_deleters = ["api", "oauth_callback"]

  # The Linear sync's secrets of a tenant (docs/sync.md): its API key, sync-token-linear-<tenant>, and
  # its webhook's signing secret, sync-hook-linear-<tenant>. api writes and deletes them (connect,
  # disconnect) and reads them (the signed intake, disconnect); plan reads them (the mirror's tasks);
  # deploy reads GitLab's token for the code pipeline's merge requests (decision 0126).
  sync_token_condition = "resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/sync-\")"
  # An OAuth token (decision 0125) is refreshed where it is used: plan and execute-step rewrite it too.
  sync_token_writers = ["api", "plan", "execute_step"]
  # execute-step: a run's tracker writes. notify reads none of them (decision 0202).
  sync_token_readers  = ["api", "plan", "execute_step", "deploy"]
  sync_token_deleters = ["api"] # connect's failures, disconnect

  # Outgoing webhooks' signing keys (decision 0202): webhook-<tenant>-<endpoint>, a prefix no other
  # secret has. api writes, reads (a create's repeat shows it) and deletes them; notify reads them to
  # sign a delivery. Keys registered before 0202 stay where they were, sync-hook-out-<tenant>-<endpoint>:
  # their readers read that narrower prefix too (no tracker's secret starts with it).
  webhook_secret_prefix    = "webhook-"
  webhook_secret_condition = "resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/${local.webhook_secret_prefix}\")"
  webhook_secret_readers   = ["notify", "api"] # api keeps them with the integration tokens (code_tokens.tf)
  legacy_webhook_prefix    = "sync-hook-out-"
  legacy_webhook_condition = "resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/${local.legacy_webhook_prefix}\")"
}

resource "google_secret_manager_secret" "platform" {
  for_each = local.platform_secrets

  secret_id = each.key
  labels = {
    app = "notion-agent"
  }

  # User-managed: the secret's payloads are stored only in local.secret_locations (an organisation's
  # resource-location policy refuses automatic replication). The code creates tenants' secrets with
  # the same locations (NA_SECRET_LOCATIONS, settings.tf). Replication cannot change on an existing
  # secret: a new list replaces the secrets (docs/deploy.md, Where data lives).
  replication {
    user_managed {
      dynamic "replicas" {
        for_each = local.secret_locations
        content {
          location = replicas.value
        }
      }
    }
  }

  depends_on = [google_project_service.enabled]
}

# Data Access audit logs for Secret Manager: every read of a secret's value (AccessSecretVersion,
# DATA_READ) and every version added, destroyed or disabled (DATA_WRITE), with the caller's identity.
# Admin Activity logs (secrets created, deleted, IAM changes) are always on. The functions read
# secrets through a per-instance cache (NA_SECRET_CACHE_TTL_S), so the volume stays small.
resource "google_project_iam_audit_config" "secret_manager" {
  project = var.project_id
  service = "secretmanager.googleapis.com"

  audit_log_config {
    log_type = "DATA_READ"
  }

  audit_log_config {
    log_type = "DATA_WRITE"
  }

  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret_iam_member" "readers" {
  for_each = local.secret_reader_bindings

  secret_id = google_secret_manager_secret.platform[each.value.secret].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.function[each.value.account].email}"
}

# Adding versions, on the one secret each holder writes (notion-webhook: the verification token).
resource "google_secret_manager_secret_iam_member" "version_adders" {
  for_each = local.secret_version_adder_bindings

  secret_id = google_secret_manager_secret.platform[each.value.secret].id
  role      = "roles/secretmanager.secretVersionAdder"
  member    = "serviceAccount:${google_service_account.function[each.value.account].email}"
}

# Creating a secret is a request on the project (secretmanager.secrets.create is checked on the
# parent, projects/<number>), so a condition on the new secret's name never matches it: creation is
# granted without one, to the two functions that create tenants' secrets (oauth-callback: Notion
# tokens; api: integration tokens). Creating grants nothing on the secret; every version added, read,
# destroyed or deleted afterwards is checked on the secret itself, under a name condition (docs/iam.md).
locals {
  secret_creators = ["oauth_callback", "api"]
}

resource "google_project_iam_custom_role" "secret_creator" {
  role_id     = "notionAgentSecretCreator"
  title       = "Notion Agent secret creator"
  description = "Create Secret Manager secrets (empty: adding, reading or deleting versions are separate, name-conditioned grants)."
  permissions = [
    "secretmanager.secrets.create",
  ]

  depends_on = [google_project_service.enabled]
}

resource "google_project_iam_member" "secret_creators" {
  for_each = toset(local.secret_creators)

  project = var.project_id
  role    = google_project_iam_custom_role.secret_creator.name
  member  = "serviceAccount:${google_service_account.function[each.key].email}"
}

# oauth-callback stores a newly connected workspace's token in a secret of that connection's:
# SecretStore.put creates it (secret_creator) and adds its first version here (there is no earlier
# version to destroy). It cannot read tokens back or add versions to any other secret name.
resource "google_project_iam_custom_role" "notion_token_writer" {
  role_id     = "notionAgentTokenWriter"
  title       = "Notion Agent tenant token writer"
  description = "Add versions to notion-token-* secrets (granted with a name-prefix condition)."
  permissions = [
    "secretmanager.versions.add",
  ]

  depends_on = [google_project_service.enabled]
}

# plan, execute-step and notify store a refreshed token: a new version of the tenant's existing
# secret, and the version it replaces is destroyed at once (SecretStore.put), since every enabled
# version is billed monthly and a refresh can come often. Never create, read other names, or delete.
resource "google_project_iam_custom_role" "notion_token_rotator" {
  role_id     = "notionAgentTokenRotator"
  title       = "Notion Agent tenant token rotator"
  description = "Add a version to notion-token-* secrets and destroy the one it replaces (name-prefix condition)."
  permissions = [
    "secretmanager.versions.add",
    "secretmanager.versions.destroy",
  ]

  depends_on = [google_project_service.enabled]
}

# api disconnects a workspace, and oauth-callback drops the secret of a refused or replaced
# connection: SecretStore.delete deletes the token's secret (with its versions). Kept apart from
# reading so each grant says what it is for (oauth-callback never reads a token).
resource "google_project_iam_custom_role" "notion_token_revoker" {
  role_id     = "notionAgentTokenRevoker"
  title       = "Notion Agent tenant token revoker"
  description = "Delete notion-token-* secrets (granted with a name-prefix condition)."
  permissions = [
    "secretmanager.secrets.delete",
  ]

  depends_on = [google_project_service.enabled]
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

# A refreshed token is a new version of the tenant's existing secret; the replaced one is destroyed.
resource "google_project_iam_member" "tenant_token_version_adders" {
  for_each = toset(local.tenant_token_version_adders)

  project = var.project_id
  role    = google_project_iam_custom_role.notion_token_rotator.name
  member  = "serviceAccount:${google_service_account.function[each.key].email}"

  condition {
    title       = "notion-token-secrets-only"
    description = "Only secrets whose id starts with notion-token-."
    expression  = local.tenant_token_condition
  }
}

resource "google_project_iam_member" "tenant_token_revoker" {
  for_each = toset(local.tenant_token_deleters)

  project = var.project_id
  role    = google_project_iam_custom_role.notion_token_revoker.name
  member  = "serviceAccount:${google_service_account.function[each.key].email}"

  condition {
    title       = "notion-token-secrets-only"
    description = "Only secrets whose id starts with notion-token-."
    expression  = local.tenant_token_condition
  }
}

# The sync's secrets, as the Notion tokens' above but on their own prefix (a separate condition, so
# api, which never writes a Notion token, may write only these).
resource "google_project_iam_member" "sync_token_writer" {
  for_each = toset(local.sync_token_writers)

  project = var.project_id
  role    = google_project_iam_custom_role.notion_token_rotator.name # a reconnect replaces a version
  member  = "serviceAccount:${google_service_account.function[each.key].email}"

  condition {
    title       = "sync-secrets-only"
    description = "Only secrets whose id starts with sync-."
    expression  = local.sync_token_condition
  }
}

resource "google_project_iam_member" "sync_token_readers" {
  for_each = toset(local.sync_token_readers)

  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = "serviceAccount:${google_service_account.function[each.key].email}"

  condition {
    title       = "sync-secrets-only"
    description = "Only secrets whose id starts with sync-."
    expression  = local.sync_token_condition
  }
}

resource "google_project_iam_member" "sync_token_revoker" {
  for_each = toset(local.sync_token_deleters)

  project = var.project_id
  role    = google_project_iam_custom_role.notion_token_revoker.name
  member  = "serviceAccount:${google_service_account.function[each.key].email}"

  condition {
    title       = "sync-secrets-only"
    description = "Only secrets whose id starts with sync-."
    expression  = local.sync_token_condition
  }
}

# Outgoing webhooks' signing keys (decision 0202): read by notify and api on their own prefix, and on
# the legacy keys' (api reads sync- anyway); api adds and deletes them (code_token_keepers).
resource "google_project_iam_member" "webhook_secret_readers" {
  for_each = toset(local.webhook_secret_readers)

  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = "serviceAccount:${google_service_account.function[each.key].email}"

  condition {
    title       = "webhook-secrets-only"
    description = "Only secrets whose id starts with webhook- or sync-hook-out- (keys registered before 0202)."
    expression  = "${local.webhook_secret_condition} || ${local.legacy_webhook_condition}"
  }
}
