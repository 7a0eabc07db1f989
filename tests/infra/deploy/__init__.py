"""Infra checks of the deploy: cloudbuild, docs/deploy.md's commands, the local stand-ins."""
