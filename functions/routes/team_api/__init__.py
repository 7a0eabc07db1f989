"""The api's routes of the team: members, sessions, keys, audit, settings, integrations."""
