"""What the infrastructure's tests (tests/infra) share: Terraform's resources, grants, load balancer
and log metrics' filters, parsed from the HCL and evaluated as Google Cloud would."""
