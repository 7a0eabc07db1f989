"""api: runs and decisions with the tenant's session, and the signed single-use links (fakes)."""

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.notify.services.links import DECISION_PURPOSE as LINK_PURPOSE
from shared.platform.config import PlatformSecret
from shared.platform.domain import signed_tokens
from shared.team.services.sessions import start_session
from shared.workspace.domain.connecting.connection import tenant_from_grant
from tests.link_tokens import decision_tokens
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.runs.api_runs import PLAN, auth, fake_container, pump, waiting_run


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


def test_approve_by_session_resumes_and_a_second_approve_is_a_conflict(fakes: FakeContainer) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run_id, ask = waiting_run(fakes, api, token)
    assert ask.data["purpose"] == "approval"
    other = start_session("t2", fakes.secrets)
    decision = {"request_id": ask.data["request_id"]}
    assert api.post(f"/runs/{run_id}/approve", json=decision, headers=auth(other)).status_code == 404
    assert api.post(f"/runs/{run_id}/approve", json=decision, headers=auth(token)).json == {
        "run_id": run_id,
        "status": "running",
    }
    assert api.post(f"/runs/{run_id}/approve", json=decision, headers=auth(token)).status_code == 409
    pump(fakes)
    listed: Any = api.get("/runs", headers=auth(token)).json
    assert [(r["run_id"], r["status"]) for r in listed["runs"]] == [(run_id, "completed")]
    assert api.get("/runs", headers=auth(other)).json == {"runs": [], "next_cursor": None}


def test_a_link_is_signed_safe_to_open_and_single_use(fakes: FakeContainer) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run_id, ask = waiting_run(fakes, api, token)
    approve, reject = decision_tokens(fakes, ask)
    shown: Any = api.post("/links/preview", json={"token": approve}).json
    assert shown["decision"] == "approve" and shown["status"] == "waiting_for_human"
    assert api.post("/links/decide", json={"token": f"{approve[:-2]}xx"}).status_code == 401  # forged
    assert api.post("/links/decide", json={"token": approve}).status_code == 200
    assert api.post("/links/decide", json={"token": approve}).status_code == 409  # used
    assert api.post("/links/decide", json={"token": reject}).status_code == 409  # its pair is spent too
    pump(fakes)
    run: Any = api.get(f"/runs/{run_id}", headers=auth(token)).json
    assert run["status"] == "completed"
    assert [e["via"] for e in run["events"] if e["kind"] == "human_responded"] == ["link"]


def test_a_link_sent_before_a_disconnect_no_longer_works_after_anyone_connects_again(
    fakes: FakeContainer,
) -> None:
    """A decision link carries the connection's session epoch: a disconnect ends it, as it ends every
    session, so a link the earlier owner was mailed cannot decide for whoever connects next."""
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run_id, ask = waiting_run(fakes, api, token)
    approve, reject = decision_tokens(fakes, ask)
    assert api.post("/links/preview", json={"token": approve}).status_code == 200

    assert api.delete("/connection", headers=auth(token)).status_code == 200
    for action in ("preview", "decide"):  # disconnected: refused, and nothing is recorded
        refused = api.post(f"/links/{action}", json={"token": approve})
        assert refused.status_code == 403 and refused.json is not None
        assert "no longer works" in refused.json["reason"]

    grant = {"workspace_id": "w1", "owner": {"type": "user", "user": {"id": "bob"}}}
    fakes.tenants.update(
        "t1", lambda t: tenant_from_grant("t1", grant, t, datetime.now(UTC), "notion-token-t1-bob")
    )
    for link in (approve, reject):
        for action in ("preview", "decide"):
            answer = api.post(f"/links/{action}", json={"token": link})
            assert answer.status_code == 403 and answer.json is not None, link
            assert "decide in the app" in answer.json["reason"]
    # nor can Bob decide it in the app: the run was the earlier owner's (tests/unit/engine/authority/test_owner_change_runs.py)
    bob = start_session("t1", fakes.secrets, epoch=fakes.tenants.tenants["t1"].session_epoch)
    decision = {"request_id": ask.data["request_id"]}
    assert api.post(f"/runs/{run_id}/reject", json=decision, headers=auth(bob)).status_code == 404
    run = fakes.store.get_run("t1", run_id)  # the disconnect cancelled it, undecided
    assert run is not None and run.state.status == "cancelled"
    assert not [e for e in fakes.store.list_events("t1", run_id) if e.kind == "human_responded"]


def test_a_link_without_the_connections_epoch_is_refused(fakes: FakeContainer) -> None:
    """Links signed before they carried the epoch name no connection: refused, like a stale one."""
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run_id, ask = waiting_run(fakes, api, token)
    key = fakes.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    claims = {"purpose": LINK_PURPOSE, "tenant_id": "t1", "run_id": run_id, "decision": "approve"}
    legacy = signed_tokens.sign(claims | {"request_id": ask.data["request_id"]}, key, 3600)
    assert api.post("/links/decide", json={"token": legacy}).status_code == 403
    epoch = fakes.tenants.tenants["t1"].session_epoch
    current = signed_tokens.sign(claims | {"request_id": ask.data["request_id"], "epoch": epoch}, key, 3600)
    assert api.post("/links/decide", json={"token": current}).status_code == 200


def test_reject_ends_the_run_and_pause_resume_cancel(fakes: FakeContainer) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run_id, ask = waiting_run(fakes, api, token)
    assert api.post(f"/runs/{run_id}/pause", headers=auth(token)).json == {
        "run_id": run_id,
        "status": "paused",
    }
    assert api.post(f"/runs/{run_id}/pause", headers=auth(token)).status_code == 409
    assert api.post(f"/runs/{run_id}/resume", headers=auth(token)).json == {
        "run_id": run_id,
        "status": "waiting_for_human",
    }
    reject = {"request_id": ask.data["request_id"], "text": "not now"}
    answer = api.post(f"/runs/{run_id}/reject", json=reject, headers=auth(token))
    assert answer.json == {"run_id": run_id, "status": "cancelled"}
    assert api.post(f"/runs/{run_id}/cancel", headers=auth(token)).status_code == 409
    assert [n.notification_id for n in pump(fakes)] == [f"{run_id}-cancelled"]


def test_a_budget_the_owner_just_raised_counts_at_once_for_usage_approval_and_the_next_step(
    fakes: FakeContainer,
) -> None:
    """The engine reads tenants through a per-instance cache; a budget is read past it. Told by a
    limit stop to raise the day budget, the owner does, approves, and the run goes on (it does not
    stop again at the old budget, on api nor on execute-step, whose caches hold the tenant)."""
    tenant = fakes.tenants.get("t1")
    assert tenant is not None
    spent = tenant.settings.model_copy(update={"max_cost_per_day_usd": 0.0})
    fakes.tenants.save(tenant.model_copy(update={"settings": spent}))
    token, api = start_session("t1", fakes.secrets), client("api", fakes)
    assert json_body(api.get("/usage", headers=auth(token)))["day"]["budget_usd"] == 0.0  # now cached
    fakes.model.script["PlanOut"] = [PLAN]
    run_id = json_body(api.post("/runs", json={"goal": "Write a note"}, headers=auth(token)))["run_id"]
    pump(fakes)
    waiting = json_body(api.get(f"/runs/{run_id}", headers=auth(token)))["waiting"]
    decision = {"request_id": waiting["request_id"]}
    refused = api.post(f"/runs/{run_id}/approve", json=decision, headers=auth(token))
    assert refused.status_code == 409 and "max_cost_per_day_usd" in json_body(refused)["reason"]

    raised = api.patch("/settings", headers=auth(token), json={"max_cost_per_day_usd": 5.0})
    assert raised.status_code == 200
    assert json_body(api.get("/usage", headers=auth(token)))["day"]["budget_usd"] == 5.0
    assert api.post(f"/runs/{run_id}/approve", json=decision, headers=auth(token)).status_code == 200
    pump(fakes)
    run = json_body(api.get(f"/runs/{run_id}", headers=auth(token)))
    assert run["waiting"]["purpose"] == "approval"  # the plan's own approval step, not the limit again
