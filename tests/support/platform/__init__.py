"""Test helpers of the platform: logs, Cloud Logging filters, IAM and drift models, stand-ins' credentials.
Past the limit: one job, what the tests of every capability share of the platform; each module is one such helper."""
