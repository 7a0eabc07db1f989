"""Test helpers of workspaces: tenants, connections, skipped edits."""
