# Cloud Build triggers for cloudbuild.yaml (created only when a GitHub repository is configured; the
# Cloud Build GitHub app must be installed on it first, see docs/deploy.md).
#
# - checks: every pull request to main runs lint, tests, package and a read-only plan as the `ci`
#   account, which can read but not change the project. _APPLY=false, so the apply step is skipped.
# - deploy: a push to main runs the same pipeline as the `deployer` account with _APPLY=true.
#   approval_required holds the build before its first step until a person with
#   roles/cloudbuild.builds.approver approves it in the console (or `gcloud builds approve`), so
#   nothing reaches the project without a human decision.
locals {
  cicd_enabled = var.github_owner != "" && var.github_repo != ""
}

resource "google_cloudbuild_trigger" "checks" {
  count = local.cicd_enabled ? 1 : 0

  name            = "notion-agent-checks"
  description     = "Pull requests: lint, tests, package, terraform plan (read-only)."
  location        = var.region
  filename        = "cloudbuild.yaml"
  service_account = google_service_account.platform["ci"].id

  github {
    owner = var.github_owner
    name  = var.github_repo
    pull_request {
      branch = "^main$"
      # Pull requests from forks run only after a maintainer comments /gcbrun.
      comment_control = "COMMENTS_ENABLED_FOR_EXTERNAL_CONTRIBUTORS_ONLY"
    }
  }

  substitutions = {
    _REGION         = var.region
    _DEPLOY_PROJECT = var.project_id
    _STATE_BUCKET   = var.state_bucket
    _PUBLIC_DOMAIN  = var.public_domain # required by the plan (the load balancer's host and certificate)
    _FRONTEND_URL   = var.frontend_url
    _ALERT_EMAIL    = var.alert_email
    _GITHUB_OWNER   = var.github_owner
    _GITHUB_REPO    = var.github_repo
    _APPLY          = "false"
  }
}

resource "google_cloudbuild_trigger" "deploy" {
  count = local.cicd_enabled ? 1 : 0

  name            = "notion-agent-deploy"
  description     = "main: lint, tests, package, terraform plan and apply, after manual approval."
  location        = var.region
  filename        = "cloudbuild.yaml"
  service_account = google_service_account.platform["deployer"].id

  github {
    owner = var.github_owner
    name  = var.github_repo
    push {
      branch = "^main$"
    }
  }

  approval_config {
    approval_required = true
  }

  substitutions = {
    _REGION         = var.region
    _DEPLOY_PROJECT = var.project_id
    _STATE_BUCKET   = var.state_bucket
    _PUBLIC_DOMAIN  = var.public_domain # required by the plan (the load balancer's host and certificate)
    _FRONTEND_URL   = var.frontend_url
    _ALERT_EMAIL    = var.alert_email
    _GITHUB_OWNER   = var.github_owner
    _GITHUB_REPO    = var.github_repo
    _APPLY          = "true"
  }
}
