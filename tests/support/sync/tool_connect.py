"""Connecting a synced tool through the api, within the team's roles (tests/support/team/role_team.py):
shared by each tool's route tests."""

import json
from typing import Any

from shared.sync.domain.connection import Tool, key_secret
from tests.support.team.role_team import Team, call


def admin_connects(people: Team, tool: Tool, body: dict[str, Any], key: str) -> dict[str, Any]:
    """``PUT /sync/<tool>`` with ``body``: refused to a viewer and an editor (403), done by an admin,
    ``key`` kept in the secret store and absent from the answer. The admin's answer."""
    for role in ("viewer", "editor"):
        assert call(people, role, "PUT", f"/sync/{tool}", json=body)[0] == 403
    status, answer = call(people, "admin", "PUT", f"/sync/{tool}", json=body)
    assert status == 200 and answer["connected"] and key not in json.dumps(answer)
    assert people.container.secrets.get(key_secret("t1", tool)) == key
    shown: dict[str, Any] = answer
    return shown
