resource "google_storage_bucket" "source" {
  # checkov:skip=CKV_GCP_62: access logs of a bucket holding only build archives add cost and no signal; Cloud Audit Logs record who wrote objects
  name                        = "${var.project_id}-notion-agent-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  # Old archives are only needed for a rollback: keep the last 10 versions, at most 90 days.
  lifecycle_rule {
    condition {
      num_newer_versions = 10
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
  lifecycle_rule {
    condition {
      age        = 90
      with_state = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

# Function images built from the archive; a repository of our own (instead of the implicit
# gcf-artifacts) so the build account gets writer on this repository only.
resource "google_artifact_registry_repository" "functions" {
  # checkov:skip=CKV_GCP_84: images are rebuilt from the source archive at every deploy and hold no data; Google-managed encryption suffices, a customer-managed key is the deploying organisation's choice
  location      = var.region
  repository_id = "notion-agent-functions"
  description   = "Images of the Notion Agent functions, built by Cloud Build from the source archive."
  format        = "DOCKER"

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.enabled]
}
