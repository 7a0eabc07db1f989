"""Outbound: events sent out to the webhook endpoints a workspace registers, signed and retried
(README.md)."""
