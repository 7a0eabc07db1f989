"""Test helpers of the platform: logs, Cloud Logging filters, IAM and drift models, stand-ins' credentials."""
