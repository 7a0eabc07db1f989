"""A workspace connected afresh by someone else after a disconnect: the earlier owner's runs and
notifications stay theirs. Through the real entry points (connect flow on api and oauth-callback, the
run routes) with fakes of every port. A disconnect ends the runs waiting for a person
(tests/unit/engine/decisions/test_disconnect_held_runs.py), so nobody decides them after it, the owner included."""

import json
from datetime import UTC, datetime
from typing import Any

from shared.notify.domain.notifications import NotificationStatus, new_record
from shared.notify.domain.notify_task import NotifyTask
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.runs.api_runs import auth, pump
from tests.support.workspace.connection_ownership import ADA, BOB, TENANT, connect_as, fakes

__all__ = ["fakes"]  # the fixture


def waiting_run(fakes: FakeContainer, session: str) -> tuple[str, str]:
    """A run started by ``session``'s owner, carried to its approval request: (run id, request id)."""
    steps = [("request_approval", {"summary": "publish it?"}), ("finish", {"summary": "done"})]
    fakes.model.script["PlanOut"] = [
        {
            "goal": "g",
            "on_reject": "end",
            "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps],
        }
    ]
    started = client("api", fakes).post(
        "/runs", json={"goal": "Publish the launch notes"}, headers=auth(session)
    )
    assert started.status_code == 202 and started.json is not None
    ask = pump(fakes)[-1].data
    return str(started.json["run_id"]), str(ask["request_id"])


def notified(fakes: FakeContainer, notification_id: str) -> None:
    now = datetime.now(UTC)
    task = NotifyTask(notification_id=notification_id, tenant_id=TENANT, subject="s", text="t")
    fakes.notifications.records[(TENANT, notification_id)] = new_record(
        task, now, 60, NotificationStatus.SENT, channel="email"
    )


def listed(answer: Any, key: str, id_key: str) -> list[str]:
    assert answer.status_code == 200, answer.json
    return [item[id_key] for item in answer.json[key]]


def test_someone_else_connecting_after_a_disconnect_gets_none_of_the_earlier_owners_runs(
    fakes: FakeContainer,
) -> None:
    api = client("api", fakes)
    ada = auth(connect_as(fakes, ADA, "code-ada")["session"])
    run_id, request_id = waiting_run(fakes, ada["Authorization"].removeprefix("Bearer "))
    notified(fakes, "ada-note")
    assert listed(api.get("/runs", headers=ada), "runs", "run_id") == [run_id]
    assert api.delete("/connection", headers=ada).status_code == 200
    cancelled = fakes.store.get_run(TENANT, run_id)
    assert cancelled is not None and cancelled.state.status == "cancelled"
    last_seq = cancelled.state.last_seq

    bob = auth(connect_as(fakes, BOB, "code-bob")["session"])
    notified(fakes, "bob-note")
    assert listed(api.get("/runs", headers=bob), "runs", "run_id") == []
    assert api.get(f"/runs/{run_id}", headers=bob).status_code == 404  # its log is what Ada's grant read
    for decision in ("approve", "reject"):  # it would go on with Bob's token, on Ada's plan
        answer = api.post(f"/runs/{run_id}/{decision}", json={"request_id": request_id}, headers=bob)
        assert answer.status_code == 404, answer.json
    for action in ("cancel", "pause", "resume"):
        assert api.post(f"/runs/{run_id}/{action}", headers=bob).status_code == 404
    assert listed(api.get("/notifications", headers=bob), "notifications", "notification_id") == ["bob-note"]
    run = fakes.store.get_run(TENANT, run_id)  # the disconnect cancelled it; Bob changed nothing
    assert run is not None and run.state.status == "cancelled" and run.state.last_seq == last_seq
    assert [n.notification_id for n in pump(fakes)] == [f"{run_id}-cancelled"]  # for Ada (notify drops it)

    # Bob's own runs are his as usual
    own, _ = waiting_run(fakes, bob["Authorization"].removeprefix("Bearer "))
    assert listed(api.get("/runs", headers=bob), "runs", "run_id") == [own]
    assert api.get(f"/runs/{own}", headers=bob).status_code == 200


def test_the_owner_connecting_again_after_a_disconnect_finds_their_runs_ended_by_it(
    fakes: FakeContainer,
) -> None:
    """Still theirs (listed, shown), but a disconnect stops the agent: a decision asked before it is
    not taken after a reconnect, which would carry out a plan made before the disconnect."""
    api = client("api", fakes)
    first = auth(connect_as(fakes, ADA, "code-1")["session"])
    run_id, request_id = waiting_run(fakes, first["Authorization"].removeprefix("Bearer "))
    assert api.delete("/connection", headers=first).status_code == 200
    again = auth(connect_as(fakes, ADA, "code-2")["session"])
    assert listed(api.get("/runs", headers=again), "runs", "run_id") == [run_id]
    shown = api.get(f"/runs/{run_id}", headers=again)
    assert shown.status_code == 200 and shown.json is not None and shown.json["status"] == "cancelled"
    answer = api.post(f"/runs/{run_id}/approve", json={"request_id": request_id}, headers=again)
    assert answer.status_code == 409


def test_an_instance_that_cached_the_earlier_owner_still_hides_their_runs(fakes: FakeContainer) -> None:
    """The owner check reads the workspace afresh: a tenant cached (for a minute) before the new
    owner connected must not open the earlier owner's waiting run to them."""
    api = client("api", fakes)
    ada = auth(connect_as(fakes, ADA, "code-ada")["session"])
    run_id, request_id = waiting_run(fakes, ada["Authorization"].removeprefix("Bearer "))
    fakes.engine(with_model=False).need_tenants().get(TENANT)  # this instance caches Ada's tenant
    assert api.delete("/connection", headers=ada).status_code == 200
    bob = auth(connect_as(fakes, BOB, "code-bob")["session"])
    answer = api.post(f"/runs/{run_id}/approve", json={"request_id": request_id}, headers=bob)
    assert answer.status_code == 404, answer.json
    assert listed(api.get("/runs", headers=bob), "runs", "run_id") == []
