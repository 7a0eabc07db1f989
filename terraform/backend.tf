# State lives in a GCS bucket created once by hand (docs/deploy.md, "The state bucket"). The bucket
# name is given at init time so that this file holds no project-specific value:
#   terraform init -backend-config="bucket=<project>-tfstate" -backend-config="prefix=notion-agent"
terraform {
  backend "gcs" {}
}
