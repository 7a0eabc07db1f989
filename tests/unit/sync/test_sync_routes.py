"""The sync's api routes over fakes, within the team's roles: an admin connects Linear (the key
checked first, kept only in the secret store, never echoed), a viewer reads the status and the log but
may not connect; bad input is a 400 naming the field; Linear's public webhook refuses an unsigned or
oversized delivery and a workspace it does not know."""

from typing import Any

from shared.platform.config import Settings
from shared.sync.domain.connection import key_secret
from tests.support.platform.fake_container import client
from tests.support.sync.sync_fakes import KEY, TEAM
from tests.support.team.role_team import Team, team


def call(people: Team, role: str, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    answer = client("api", people.container).open(
        path, method=method, headers={"Authorization": f"Bearer {people.sessions[role]}"}, **kw
    )
    return answer.status_code, answer.get_json(silent=True)


def test_an_admin_connects_and_disconnects_linear_and_a_viewer_may_not() -> None:
    people = team()
    body = {"api_key": KEY, "team_id": TEAM["id"]}
    assert call(people, "viewer", "PUT", "/sync/linear", json=body)[0] == 403
    status, answer = call(people, "admin", "PUT", "/sync/linear", json={**body, "data_source_id": "0" * 32})
    assert status == 200 and answer["connected"] and KEY not in str(answer)
    assert people.container.secrets.get(key_secret("t1")) == KEY
    status, shown = call(people, "viewer", "GET", "/sync/linear")
    assert status == 200 and shown["team"]["name"] == "Engineering" and KEY not in str(shown)
    assert call(people, "viewer", "GET", "/sync/linear/log")[1] == {"entries": []}
    status, gone = call(people, "admin", "DELETE", "/sync/linear")
    assert status == 200 and gone["connected"] is False
    assert call(people, "viewer", "GET", "/sync/linear")[1] == {"tool": "linear", "connected": False}


def test_bad_input_is_a_400_naming_what_is_wrong() -> None:
    people = team()
    status, refused = call(
        people,
        "owner",
        "PUT",
        "/sync/linear",
        json={"api_key": "lin_api_wrong_key", "team_id": "team-1", "data_source_id": "0" * 32},
    )
    assert status == 400 and "api_key" in refused["reason"]
    status, refused = call(people, "owner", "PUT", "/sync/linear", data="not json")
    assert status == 400
    status, refused = call(people, "owner", "GET", "/sync/linear/log?days=90")
    assert status == 400 and "days" in refused["reason"]
    status, refused = call(
        people, "owner", "PUT", "/sync/linear/people", json={"people": {"not-an-email": "x"}}
    )
    assert status == 400 and "people" in refused["reason"]


def test_the_webhook_refuses_unsigned_oversized_and_unknown_deliveries() -> None:
    people = team()
    call(
        people,
        "owner",
        "PUT",
        "/sync/linear",
        json={"api_key": KEY, "team_id": TEAM["id"], "data_source_id": "0" * 32},
    )
    api = client("api", people.container)
    unsigned = api.post(
        "/sync/linear/webhook/t1", data=b'{"action": "update"}', headers={"Linear-Delivery": "d-00000001"}
    )
    assert unsigned.status_code == 401 and "Linear-Signature" in unsigned.get_json()["reason"]
    unknown = api.post("/sync/linear/webhook/t-nobody", data=b"{}")
    assert unknown.status_code == 404
    limit = Settings().webhook_max_body_bytes
    huge = api.post("/sync/linear/webhook/t1", data=b"x" * (limit + 1))
    assert huge.status_code == 413
