"""The workspace's values: the tenant, its settings, members, triggers."""
