"""Test helpers of the platform: logs, fakes of its ports, stand-ins' credentials, shared strategies."""
