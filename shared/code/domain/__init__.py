"""Code's values: changes, pull requests, deployments."""
