"""Motion's api routes over fakes, within the team's roles: an owner or admin connects a Motion workspace
(the key checked first, kept only in the secret store, never echoed), an editor or viewer may not; a key
Motion refuses is a 400 naming api_key and stores nothing; disconnect deletes our secret; the user mapping
and the sync log are Motion's own."""

import json

import pytest

from shared.platform.errors import NotFound
from shared.sync.domain.connection import key_secret
from shared.sync.domain.sync_task import SyncTask
from tests.support.sync.sync_fakes import MOTION_KEY, MOTION_WORKSPACE
from tests.support.sync.tool_connect import admin_connects
from tests.support.team.role_team import call, team

SOURCE = "0" * 32
BODY = {"api_key": MOTION_KEY, "workspace_id": MOTION_WORKSPACE["id"], "data_source_id": SOURCE}


def test_an_owner_or_admin_connects_motion_and_an_editor_or_viewer_may_not() -> None:
    people = team()
    answer = admin_connects(people, "motion", BODY, MOTION_KEY)
    assert answer["workspace"] == {"id": "ws-1", "name": "Demo", "team": False}
    [task] = [t for _, t, _, _ in people.container.queue.tasks if isinstance(t, SyncTask)]
    assert (task.tool, task.kind) == ("motion", "scan")
    status, shown = call(people, "viewer", "GET", "/sync/motion")
    assert status == 200 and shown["workspace"]["id"] == "ws-1" and MOTION_KEY not in json.dumps(shown)
    people_map = {"people": {"ada@example.com": "1" * 32}}
    assert call(people, "editor", "PUT", "/sync/motion/people", json=people_map)[0] == 403
    assert call(people, "admin", "PUT", "/sync/motion/people", json=people_map)[1] == {
        "people": {"ada@example.com": "1" * 32}
    }
    assert call(people, "viewer", "GET", "/sync/motion/log")[1] == {"entries": []}
    assert call(people, "viewer", "DELETE", "/sync/motion")[0] == 403
    status, gone = call(people, "owner", "DELETE", "/sync/motion")
    assert status == 200 and gone == {"tool": "motion", "connected": False, "webhook_deleted": False}
    with pytest.raises(NotFound):
        people.container.secrets.get(key_secret("t1", "motion"))
    assert call(people, "viewer", "GET", "/sync/motion")[1] == {"tool": "motion", "connected": False}
    assert call(people, "viewer", "GET", "/sync/gitlab")[1] == {"tool": "gitlab", "connected": False}


def test_a_key_motion_refuses_or_a_bad_body_is_a_400_that_stores_nothing() -> None:
    people = team()
    for body, field in (
        ({**BODY, "api_key": "motion-wrong-key-1"}, "api_key"),
        ({**BODY, "workspace_id": "ws-other"}, "workspace_id"),
        ({**BODY, "workspace_id": "../x"}, "workspace_id"),
        ({**BODY, "extra": 1}, "extra"),
    ):
        status, answer = call(people, "admin", "PUT", "/sync/motion", json=body)
        assert status == 400 and field in json.dumps(answer), answer
        assert "motion-wrong-key-1" not in json.dumps(answer)
    assert call(people, "viewer", "GET", "/sync/motion")[1] == {"tool": "motion", "connected": False}
    assert people.container.queue.tasks == []
