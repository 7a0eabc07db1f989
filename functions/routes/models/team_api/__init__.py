"""Models of what the team's routes answer (``functions.routes.team_api``), for the contract only:
the session, the owner's settings and integrations, API keys, the team and the audit log. One module
per route module of ``team_api``, of the same name."""
