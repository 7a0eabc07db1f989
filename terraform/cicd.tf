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

  # Only what the build needs before it has the team's variables; every other variable comes from
  # gs://<state_bucket>/notion-agent/terraform.tfvars (cloudbuild.yaml). A substitution the build
  # does not use would fail it.
  substitutions = {
    _DEPLOY_PROJECT = var.project_id
    _STATE_BUCKET   = var.state_bucket
    _APPLY          = "false"
  }

  depends_on = [google_project_service.enabled]
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

  # Only what the build needs before it has the team's variables; every other variable comes from
  # gs://<state_bucket>/notion-agent/terraform.tfvars (cloudbuild.yaml). A substitution the build
  # does not use would fail it.
  substitutions = {
    _DEPLOY_PROJECT = var.project_id
    _STATE_BUCKET   = var.state_bucket
    _APPLY          = "true"
  }

  depends_on = [google_project_service.enabled]
}
