"""Test helpers of notifications: outbox, retries, link pages, email confirmation."""
