"""Shared by several test modules: helpers first written for ``tests/infra/iam/test_iam.py``."""

# docs/architecture.md, "Functions, queues, jobs"
PUBLIC_FUNCTIONS = {"oauth_callback", "notion_webhook", "api"}
