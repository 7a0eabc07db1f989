"""A connected workspace (tenant): its record, settings, members and roles, trigger rules and integrations' records, and the store that keeps them."""
