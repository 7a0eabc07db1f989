"""Slack, Discord, SMTP, the notification log and the outbox."""
