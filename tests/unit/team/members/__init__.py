"""The team: invites (capped, mailed), members and their roles, a tenant stored before teams."""
