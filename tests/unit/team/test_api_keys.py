"""API keys through the api entry point (fakes): a session makes, lists and deletes them; a key acts for
its workspace on every other route until it is deleted or the workspace is disconnected."""

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.platform import logs
from shared.runs.domain.plan_task import PlanTask
from shared.team.domain import api_keys
from shared.team.domain.api_keys import SCOPES
from shared.team.services.sessions import start_session
from shared.workspace.domain.tenants import Tenant
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import ALL_SCOPES, auth, make_key, post_key, refused, secret_of
from tests.support.workspace.connection_ownership import ADA, TENANT, connect_as, fakes

__all__ = ["fakes"]  # the fixture: a workspace connected through the real flow (a real epoch)


def other_workspace(fakes: FakeContainer) -> str:
    """A second connected workspace and a session of it."""
    now = datetime.now(UTC)
    fakes.tenants.save(
        Tenant(tenant_id="t2", workspace_id="ws-2", token_secret="s2", created_at=now, updated_at=now)
    )
    return start_session("t2", fakes.secrets)


def test_a_key_acts_for_its_workspace_until_it_is_deleted(
    fakes: FakeContainer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    session = connect_as(fakes, ADA, "code-ada")["session"]
    api = client("api", fakes)
    made = make_key(fakes, session, "GitHub Actions")
    key, key_id = made["key"], made["key_id"]
    assert set(made) == {"key_id", "name", "created_at", "scopes", "key"} and made["name"] == "GitHub Actions"
    assert api_keys.parse(key) is not None and key.startswith(f"na_{key_id}_")

    runs = api.get("/runs", headers=auth(key))
    assert runs.status_code == 200 and runs.json == {"runs": [], "next_cursor": None}
    started = api.post("/runs", json={"goal": "Summarise the week"}, headers=auth(key))
    assert started.status_code == 202 and started.json is not None
    planned = [task[1] for task in fakes.queue.tasks if isinstance(task[1], PlanTask)]
    assert [task.tenant_id for task in planned] == [TENANT]  # queued for the key's workspace

    listed = api.get("/api-keys", headers=auth(session))
    assert listed.status_code == 200 and listed.json is not None
    assert listed.json["api_keys"] == [
        {"key_id": key_id, "name": "GitHub Actions", "created_at": made["created_at"], "scopes": ALL_SCOPES}
    ]
    secret = secret_of(key)
    assert secret not in listed.get_data(as_text=True)

    stored = fakes.api_keys.keys[key_id]
    assert stored.secret_sha256 == api_keys.secret_hash(secret) and stored.tenant_id == TENANT
    assert secret not in stored.model_dump_json()

    gone = api.delete(f"/api-keys/{key_id}", headers=auth(session))
    assert gone.status_code == 200 and gone.json == {"key_id": key_id, "deleted": True}
    refused(api.get("/runs", headers=auth(key)), 401, "not valid", key)
    assert api.delete(f"/api-keys/{key_id}", headers=auth(session)).status_code == 404  # once only
    assert api.get("/api-keys", headers=auth(session)).json == {"api_keys": []}

    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in caplog.records)
    assert secret not in logged and key not in logged
    assert logs.REDACTED in logs.redact(f"calling with {key}") and secret not in logs.redact(key)


def test_another_workspace_neither_sees_nor_deletes_a_key(fakes: FakeContainer) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    made = make_key(fakes, session)
    other = other_workspace(fakes)
    api = client("api", fakes)
    assert api.get("/api-keys", headers=auth(other)).json == {"api_keys": []}
    assert api.delete(f"/api-keys/{made['key_id']}", headers=auth(other)).status_code == 404
    assert api.get("/runs", headers=auth(made["key"])).status_code == 200  # still there, still works
    listed = api.get("/api-keys", headers=auth(session)).json
    assert listed is not None and [k["key_id"] for k in listed["api_keys"]] == [made["key_id"]]


def test_a_key_cannot_manage_keys(fakes: FakeContainer) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    made = make_key(fakes, session)
    key, api = made["key"], client("api", fakes)
    refused(api.get("/api-keys", headers=auth(key)), 403, "needs a session", key)
    refused(api.post("/api-keys", json={"name": "more"}, headers=auth(key)), 403, "needs a session", key)
    answer = api.delete(f"/api-keys/{made['key_id']}", headers=auth(key))
    refused(answer, 403, "needs a session", key)
    assert list(fakes.api_keys.keys) == [made["key_id"]]


def test_a_key_runs_and_reads_but_cannot_change_settings_tokens_or_the_connection(
    fakes: FakeContainer,
) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    key, api = make_key(fakes, session)["key"], client("api", fakes)
    for path in ("/runs", "/settings", "/usage", "/integrations"):
        assert api.get(path, headers=auth(key)).status_code == 200, path
    before = fakes.tenants.get(TENANT)
    refused(api.patch("/settings", json={"planning_hour": 6}, headers=auth(key)), 403, "needs a session", key)
    refused(
        api.put("/integrations/github", json={"token": "ghp_" + "x" * 36}, headers=auth(key)),
        403,
        "needs a session",
        key,
    )
    refused(api.delete("/integrations/github", headers=auth(key)), 403, "needs a session", key)
    refused(api.delete("/connection", headers=auth(key)), 403, "needs a session", key)
    assert fakes.tenants.get(TENANT) == before  # a leaked script key changed nothing


def test_a_wrong_malformed_or_unknown_key_is_a_401_that_does_not_repeat_it(fakes: FakeContainer) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    made = make_key(fakes, session)
    key, key_id, secret = made["key"], made["key_id"], secret_of(made["key"])
    wrong = f"na_{key_id}_{'A' * 43}"
    unknown = f"na_{'Z' * 16}_{'B' * 43}"
    api = client("api", fakes)
    refused(api.get("/runs", headers=auth(wrong)), 401, "not valid", wrong)
    refused(api.get("/runs", headers=auth(unknown)), 401, "not valid", unknown)
    for malformed in ("na_", f"na_{key_id}", f"{key}x", f"na_{key_id}-{secret}", "na_é" + "x" * 60):
        refused(api.get("/runs", headers=auth(malformed)), 401, "malformed", malformed)
    assert api.get("/runs", headers=auth(key)).status_code == 200


def test_a_disconnect_ends_every_key(fakes: FakeContainer) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    keys = [make_key(fakes, session, f"key {n}")["key"] for n in range(3)]
    api = client("api", fakes)
    assert all(api.get("/runs", headers=auth(k)).status_code == 200 for k in keys)
    assert api.delete("/connection", headers=auth(session)).status_code == 200
    for key in keys:
        refused(api.get("/runs", headers=auth(key)), 401, "has ended", key)
    again = connect_as(fakes, ADA, "code-again")["session"]  # a fresh connection: a new epoch
    for key in keys:
        refused(api.get("/runs", headers=auth(key)), 401, "has ended", key)
    assert api.get("/api-keys", headers=auth(again)).json == {"api_keys": []}  # ended: not listed
    fresh = make_key(fakes, again)
    assert list(fakes.api_keys.keys) == [fresh["key_id"]]  # making one swept the ended ones
    assert api.get("/runs", headers=auth(fresh["key"])).status_code == 200


def test_the_eleventh_key_is_a_409_until_one_is_deleted(fakes: FakeContainer) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    made = [make_key(fakes, session, f"key {n}") for n in range(api_keys.MAX_KEYS)]
    api = client("api", fakes)
    eleventh = api.post("/api-keys", json={"name": "one more"}, headers=auth(session))
    assert eleventh.status_code == 409 and eleventh.json is not None
    assert "delete one" in eleventh.json["reason"] and len(fakes.api_keys.keys) == api_keys.MAX_KEYS
    listed = api.get("/api-keys", headers=auth(session)).json
    assert listed is not None
    assert [k["key_id"] for k in listed["api_keys"]] == [k["key_id"] for k in reversed(made)]  # newest first
    assert api.delete(f"/api-keys/{made[0]['key_id']}", headers=auth(session)).status_code == 200
    assert api.post("/api-keys", json={"name": "one more"}, headers=auth(session)).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x" * 101},
        {"name": "line\nbreak"},
        {"name": "   "},
        {"name": 7},
        {"name": "ok", "x": 1},
    ],
)
def test_a_bad_name_is_a_400_naming_the_field(fakes: FakeContainer, body: dict[str, Any]) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    answer = client("api", fakes).post("/api-keys", json=body, headers=auth(session))
    assert answer.status_code == 400 and answer.json is not None
    assert {"name", "x"} & {f["field"] for f in answer.json["fields"]}, answer.json
    assert fakes.api_keys.keys == {}


def test_a_key_costs_one_read_of_itself_and_nothing_is_stored_but_its_hash(fakes: FakeContainer) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    key = make_key(fakes, session, "CI")["key"]
    reads = fakes.api_keys.reads
    assert client("api", fakes).get("/runs", headers=auth(key)).status_code == 200
    assert fakes.api_keys.reads == reads + 1
    assert client("api", fakes).get("/runs", headers=auth(session)).status_code == 200
    assert fakes.api_keys.reads == reads + 1  # a session reads no key
    secret = secret_of(key)
    stored = json.dumps([k.model_dump(mode="json") for k in fakes.api_keys.keys.values()])
    assert secret not in stored and key not in stored
    assert secret not in json.dumps(fakes.secrets.values) and secret not in str(fakes.tenants.tenants)


def test_a_retry_with_the_same_idempotency_key_makes_that_key_again_with_a_new_secret(
    fakes: FakeContainer,
) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    api = client("api", fakes)
    first = make_key(fakes, session, "CI", "deploy-2026-01-05")
    again = make_key(fakes, session, "CI", "deploy-2026-01-05")  # the first answer was lost: a retry
    assert again["key_id"] == first["key_id"] == api_keys.idempotent_key_id(TENANT, "deploy-2026-01-05")
    assert again["key"] != first["key"] and again["name"] == "CI"
    listed = api.get("/api-keys", headers=auth(session)).json
    assert listed is not None and [k["key_id"] for k in listed["api_keys"]] == [first["key_id"]]
    assert list(fakes.api_keys.keys) == [first["key_id"]]
    refused(api.get("/runs", headers=auth(first["key"])), 401, "not valid", first["key"])
    assert api.get("/runs", headers=auth(again["key"])).status_code == 200


def test_the_same_idempotency_key_with_another_name_is_a_409_that_changes_nothing(
    fakes: FakeContainer,
) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    made = make_key(fakes, session, "CI", "once")
    before = dict(fakes.api_keys.keys)
    answer = post_key(fakes, session, "Nightly", "once")
    assert answer.status_code == 409 and answer.json is not None
    assert "Idempotency-Key was already used for another key name" in answer.json["reason"]
    assert fakes.api_keys.keys == before
    assert client("api", fakes).get("/runs", headers=auth(made["key"])).status_code == 200


@pytest.mark.parametrize("header", ["", "x" * 101, "with space", "tab\there", "caf\u00e9", "\x7f"])
def test_an_invalid_idempotency_key_is_a_400_naming_the_header_and_stores_nothing(
    fakes: FakeContainer, header: str
) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    answer = post_key(fakes, session, "CI", header)
    assert answer.status_code == 400 and answer.json is not None
    assert answer.json["fields"] == [{"field": "Idempotency-Key"}]
    assert "Idempotency-Key" in answer.json["reason"] and "printable ASCII" in answer.json["reason"]
    assert fakes.api_keys.keys == {}


def test_idempotency_keys_of_1_to_100_printable_characters_are_taken() -> None:
    for text in ("a", "~" * 100, "0b7c-4e1f_2026.01/05:x=1", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"):
        assert api_keys.is_idempotency_key(text), text
        assert api_keys.is_key_id(api_keys.idempotent_key_id(TENANT, text))
    ids = {api_keys.idempotent_key_id(t, k) for t in ("t1", "t2") for k in ("a", "b", "t1\na")}
    assert len(ids) == 6  # per tenant and per key


def test_other_idempotency_keys_make_other_keys_and_no_header_a_new_key_each_time(
    fakes: FakeContainer,
) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    a, b = make_key(fakes, session, "CI", "a"), make_key(fakes, session, "CI", "b")
    assert [a["key_id"], b["key_id"]] == [api_keys.idempotent_key_id(TENANT, k) for k in ("a", "b")]
    plain = [make_key(fakes, session, "CI"), make_key(fakes, session, "CI")]
    assert len({k["key_id"] for k in (a, b, *plain)}) == 4 and len(fakes.api_keys.keys) == 4
    api = client("api", fakes)
    assert all(api.get("/runs", headers=auth(k["key"])).status_code == 200 for k in (a, b, *plain))


def test_a_replacement_is_not_counted_against_the_cap_but_a_new_idempotency_key_is(
    fakes: FakeContainer,
) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    made = [make_key(fakes, session, f"key {n}", f"k{n}") for n in range(api_keys.MAX_KEYS)]
    again = make_key(fakes, session, "key 0", "k0")
    assert again["key_id"] == made[0]["key_id"] and len(fakes.api_keys.keys) == api_keys.MAX_KEYS
    answer = post_key(fakes, session, "one more", "k-new")
    assert answer.status_code == 409 and answer.json is not None and "delete one" in answer.json["reason"]


def test_a_key_of_an_earlier_connection_under_the_idempotency_key_is_made_anew(
    fakes: FakeContainer,
) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    old = make_key(fakes, session, "CI", "ci")
    assert client("api", fakes).delete("/connection", headers=auth(session)).status_code == 200
    again = connect_as(fakes, ADA, "code-again")["session"]
    fresh = make_key(fakes, again, "Nightly", "ci")  # the old key has ended: no name to match
    assert fresh["key_id"] == old["key_id"] and list(fakes.api_keys.keys) == [old["key_id"]]
    assert fakes.api_keys.keys[old["key_id"]].name == "Nightly"
    assert client("api", fakes).get("/runs", headers=auth(fresh["key"])).status_code == 200


def test_a_retry_that_loses_to_another_is_a_409_and_leaves_the_winner(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    make_key(fakes, session, "CI", "ci")
    read = fakes.api_keys.list_for(TENANT)  # what a retry reads before another retry replaces the key
    winner = make_key(fakes, session, "CI", "ci")
    monkeypatch.setattr(fakes.api_keys, "list_for", lambda tenant_id: read)
    answer = post_key(fakes, session, "CI", "ci")
    assert answer.status_code == 409 and answer.json is not None
    assert "another request with this Idempotency-Key is in progress" in answer.json["reason"]
    assert client("api", fakes).get("/runs", headers=auth(winner["key"])).status_code == 200


def test_a_new_key_reads_only_unless_it_asks_for_more(fakes: FakeContainer) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    api = client("api", fakes)
    reader = make_key(fakes, session, "dashboard", scopes=None)
    assert reader["scopes"] == ["read"]
    assert api.get("/runs", headers=auth(reader["key"])).status_code == 200
    refused = api.post("/runs", json={"goal": "Summarise the week"}, headers=auth(reader["key"]))
    assert refused.status_code == 403 and refused.json is not None
    assert "lacks the scope 'runs:start'" in refused.json["reason"]
    starter = make_key(fakes, session, "CI", scopes=["runs:start", "read"])
    assert starter["scopes"] == ["read", "runs:start"]  # in their own order
    started = api.post("/runs", json={"goal": "Summarise the week"}, headers=auth(starter["key"]))
    assert started.status_code == 202
    assert (
        api.post("/runs/r-x/approve", json={"request_id": "a"}, headers=auth(starter["key"])).status_code
        == 403
    )


def test_an_unknown_scope_is_refused_with_its_name(fakes: FakeContainer) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    answer = post_key(fakes, session, "CI", None, ["read", "runs:approve_everything"])
    assert answer.status_code == 400 and answer.json is not None
    assert "scopes" in answer.json["reason"] and not fakes.api_keys.keys


def test_a_key_made_before_scopes_keeps_what_it_could_do(fakes: FakeContainer) -> None:
    session = connect_as(fakes, ADA, "code-ada")["session"]
    made = make_key(fakes, session, "old script")
    stored = fakes.api_keys.keys[made["key_id"]]
    fakes.api_keys.keys[made["key_id"]] = stored.model_copy(update={"scopes": None})  # as stored before
    listed = client("api", fakes).get("/api-keys", headers=auth(session)).json
    assert listed is not None and listed["api_keys"][0]["scopes"] == list(SCOPES)
    started = client("api", fakes).post("/runs", json={"goal": "Summarise"}, headers=auth(made["key"]))
    assert started.status_code == 202
