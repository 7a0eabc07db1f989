"""The audit log through the api (fakes): a sign-in, a change and a refused change are recorded with
who, when, what and the surface, never a body; an admin lists them with filters and exports them as
JSON lines; the owner sets how long they are kept; a viewer may not read them."""

import json
from datetime import timedelta

from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import auth
from tests.support.team.team import CAROL, editor_with_key, join, member_id
from tests.support.workspace.connection_ownership import ADA, TENANT, connect_as, fakes

__all__ = ["fakes"]


def test_actions_are_recorded_and_listed_with_filters(fakes: FakeContainer) -> None:
    ada, bob, key = editor_with_key(fakes)
    api = client("api", fakes)
    assert api.post("/runs", json={"goal": "Sum up"}, headers=auth(key)).status_code == 202
    token = {"token": "ghp_" + "s3cret" * 6}
    refused = api.put("/integrations/github", json=token, headers=auth(bob["session"]))
    assert refused.status_code == 403

    listed = api.get("/audit", headers=auth(ada["session"]))
    assert listed.status_code == 200 and listed.json is not None
    seen = [(e["action"], e["surface"], e["email"], e["status"]) for e in listed.json["entries"]]
    assert seen == [
        ("PUT /integrations/<name>", "api", "bob@example.com", 403),
        ("POST /runs", "key", "bob@example.com", 202),
        ("POST /api-keys", "api", "bob@example.com", 201),
        ("sign_in", "oauth", "bob@example.com", 200),
        ("POST /team/invites", "api", "ada@example.com", 201),
        ("connect", "oauth", "ada@example.com", 200),
    ]
    assert listed.json["entries"][0]["target"] == {"name": "github"}
    assert token["token"] not in listed.get_data(as_text=True)  # never a body

    bob_id = member_id(fakes, ada["session"], "bob@example.com")
    mine = api.get("/audit", query_string={"actor": bob_id, "surface": "key"}, headers=auth(ada["session"]))
    assert mine.json is not None and [e["action"] for e in mine.json["entries"]] == ["POST /runs"]
    paged = api.get("/audit", query_string={"limit": 4}, headers=auth(ada["session"])).json
    assert paged is not None and len(paged["entries"]) == 4 and paged["next_cursor"]
    rest = api.get(
        "/audit", query_string={"limit": 4, "cursor": paged["next_cursor"]}, headers=auth(ada["session"])
    )
    assert rest.json is not None and [e["action"] for e in rest.json["entries"]] == [
        "POST /team/invites",
        "connect",
    ]
    assert rest.json["next_cursor"] is None
    for path in ("/audit", "/audit/export"):  # a bare number is no moment (pydantic read 0.5 as 1970)
        odd = api.get(path, query_string={"until": "0.5"}, headers=auth(ada["session"]))
        assert odd.status_code == 400 and odd.json is not None and "until" in odd.json["reason"]

    exported = api.get("/audit/export", query_string={"actor": bob_id}, headers=auth(ada["session"]))
    assert exported.status_code == 200 and exported.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in exported.get_data(as_text=True).splitlines()]
    assert [line["action"] for line in lines] == [e[0] for e in seen[:4]]
    assert all(line["actor"] == bob_id and "expires_at" not in line for line in lines)


def test_a_viewer_may_not_read_the_log_and_the_owner_sets_its_retention(fakes: FakeContainer) -> None:
    ada = connect_as(fakes, ADA, "code-ada")
    carol = join(fakes, ada["session"], CAROL, "viewer", "code-carol")
    api = client("api", fakes)
    assert api.get("/audit", headers=auth(carol["session"])).status_code == 403
    assert api.get("/audit/export", headers=auth(carol["session"])).status_code == 403
    assert api.put("/audit/retention", json={"days": 0}, headers=auth(ada["session"])).status_code == 400
    for not_days in (True, "30", 30.5):  # never taken as a number of days (true was taken as 1)
        refused = api.put("/audit/retention", json={"days": not_days}, headers=auth(ada["session"]))
        assert refused.status_code == 400, (not_days, refused.get_data(as_text=True))
    kept = api.put("/audit/retention", json={"days": 30}, headers=auth(ada["session"]))
    assert kept.status_code == 200 and kept.json == {"days": 30}
    (entry,) = [
        e for e in fakes.audit.entries[TENANT] if e.action == "PUT /audit/retention" and e.status == 200
    ]
    assert entry.expires_at - entry.at == timedelta(days=365)  # recorded under the retention it changed
    assert api.delete("/session", headers=auth(carol["session"])).status_code == 200
    signed_out = fakes.audit.entries[TENANT][-1]
    assert signed_out.action == "DELETE /session" and signed_out.expires_at - signed_out.at == timedelta(
        days=30
    )
