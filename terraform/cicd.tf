# Cloud Build triggers for cloudbuild.yaml (created only when a GitHub repository is configured; the
# Cloud Build GitHub app must be installed on it first, see docs/deploy.md).
#
# - checks: every pull request to main runs validate, lint, tests, package and a read-only plan as
#   the `ci` account, which can read but not change the project. Nothing is stored.
# - deploy: a push to main runs the same pipeline as the `release_build` account with _STORE_PLAN=true:
#   the plan and what it was made from are stored under the state bucket (cloudbuild.yaml). It runs
#   third-party code (npm ci, uv, make test), so its account reads no data and changes nothing.
# - apply: run by hand with _PLAN_BUILD=<a deploy build's id>; approval_required holds it until a
#   person with roles/cloudbuild.builds.approver, having read that plan, approves it. It applies
#   exactly that plan (cloudbuild-apply.yaml), so nothing reaches the project without that decision.
#   It is the only trigger that runs as `deployer`, and it runs no install and no test.
# - eval: run by hand; make eval-agents against the deployment's models on Vertex AI, as `eval`
#   (cloudbuild-eval.yaml, docs/deploy.md "Measuring the agents"). It changes nothing in the project.
locals {
  cicd_enabled = var.github_owner != "" && var.github_repo != ""
  # The triggers run by hand build main's own file of this repository.
  github_uri = "https://github.com/${var.github_owner}/${var.github_repo}"
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
    _STORE_PLAN     = "false"
  }

  depends_on = [google_project_service.enabled]
}

resource "google_cloudbuild_trigger" "deploy" {
  count = local.cicd_enabled ? 1 : 0

  name            = "notion-agent-deploy"
  description     = "main: validate, lint, tests, package, terraform plan, the plan stored for notion-agent-apply."
  location        = var.region
  filename        = "cloudbuild.yaml"
  service_account = google_service_account.platform["release_build"].id

  github {
    owner = var.github_owner
    name  = var.github_repo
    push {
      branch = "^main$"
    }
  }

  # Only what the build needs before it has the team's variables; every other variable comes from
  # gs://<state_bucket>/notion-agent/terraform.tfvars (cloudbuild.yaml). A substitution the build
  # does not use would fail it.
  substitutions = {
    _DEPLOY_PROJECT = var.project_id
    _STATE_BUCKET   = var.state_bucket
    _STORE_PLAN     = "true"
  }

  depends_on = [google_project_service.enabled]
}

# A manual trigger: `gcloud builds triggers run notion-agent-apply --substitutions=_PLAN_BUILD=ID`.
resource "google_cloudbuild_trigger" "apply" {
  count = local.cicd_enabled ? 1 : 0

  name            = "notion-agent-apply"
  description     = "Apply one stored plan of notion-agent-deploy (_PLAN_BUILD), after manual approval."
  location        = var.region
  service_account = google_service_account.platform["deployer"].id

  source_to_build {
    uri       = local.github_uri
    ref       = "refs/heads/main"
    repo_type = "GITHUB"
  }

  git_file_source {
    path      = "cloudbuild-apply.yaml"
    uri       = local.github_uri
    revision  = "refs/heads/main"
    repo_type = "GITHUB"
  }

  approval_config {
    approval_required = true
  }

  substitutions = {
    _STATE_BUCKET = var.state_bucket
    _PLAN_BUILD   = ""
  }

  depends_on = [google_project_service.enabled]
}

resource "google_cloudbuild_trigger" "eval" {
  count = local.cicd_enabled ? 1 : 0

  name            = "notion-agent-eval"
  description     = "By hand: make eval-agents against this deployment's models on Vertex AI."
  location        = var.region
  service_account = google_service_account.platform["eval"].id

  source_to_build {
    uri       = local.github_uri
    ref       = "refs/heads/main"
    repo_type = "GITHUB"
  }

  git_file_source {
    path      = "cloudbuild-eval.yaml"
    uri       = local.github_uri
    revision  = "refs/heads/main"
    repo_type = "GITHUB"
  }

  substitutions = {
    _MODEL_PLAN     = var.model_plan
    _MODEL_DRAFT    = var.model_draft
    _MODEL_LOCATION = var.model_location
    _MIN_PASSED     = ""
  }

  depends_on = [google_project_service.enabled]
}
