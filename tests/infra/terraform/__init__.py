"""Infra checks of terraform/ itself: references, provider schemas, validations, drift, queues."""
