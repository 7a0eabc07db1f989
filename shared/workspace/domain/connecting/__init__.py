"""Connecting a workspace: who may (the sign-up policy), Notion's OAuth grant, and the tenant's identity, token secret and OAuth state."""
