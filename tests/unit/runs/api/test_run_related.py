"""``GET /runs/{id}/related``: a run's lineage both ways: the runs that handed it
its work, nearest first, and the runs it started (a map's children, its hand-offs) with their status,
a bounded list with the total; another tenant's or an earlier owner's runs never appear."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.runs.domain.events import RunStatus
from shared.runs.domain.state import Run, RunState
from shared.runs.services.runs import MAX_CHILDREN_SHOWN
from shared.team.services.sessions import start_session
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.runs.api_runs import auth, fake_container

T0 = datetime.now(UTC) + timedelta(minutes=1)


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


def put(fakes: FakeContainer, tenant_id: str, run_id: str, minute: float, **state: object) -> None:
    at = T0 + timedelta(minutes=minute)
    fakes.store.runs[(tenant_id, run_id)] = Run(
        tenant_id=tenant_id,
        run_id=run_id,
        state=RunState.model_validate({"goal": f"goal of {run_id}"} | state),
        created_at=at,
        updated_at=at,
    )


def related(fakes: FakeContainer, run_id: str) -> dict[str, Any]:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    answer = api.get(f"/runs/{run_id}/related", headers=auth(token))
    assert answer.status_code == 200, answer.json
    assert isinstance(answer.json, dict)
    return answer.json


def test_a_parent_lists_its_map_children_and_hand_offs_with_their_status(fakes: FakeContainer) -> None:
    put(fakes, "t1", "root", 0, agent_name="Lead", status=RunStatus.COMPLETED)
    put(fakes, "t1", "root-h2", 1, parent_run_id="root", chain=["lead"], agent_name="Writer")
    for i, status in enumerate((RunStatus.COMPLETED, RunStatus.FAILED)):
        put(
            fakes,
            "t1",
            f"root-h2-m3-{i}",
            2 + i,
            parent_run_id="root-h2",
            chain=["lead", "writer"],
            status=status,
        )
    put(fakes, "t2", "root-h2-m3-9", 5, parent_run_id="root-h2")  # another tenant's: never shown
    mid = related(fakes, "root-h2")
    assert [a["run_id"] for a in mid["ancestors"]] == ["root"]
    children = mid["children"]
    assert isinstance(children, list)
    assert [(c["run_id"], c["how"], c["step"], c["status"]) for c in children] == [
        ("root-h2-m3-0", "map", 3, "completed"),
        ("root-h2-m3-1", "map", 3, "failed"),
    ]
    assert mid["children_total"] == 2 and mid["chain"] == ["lead"]
    root = related(fakes, "root")
    assert [(c["run_id"], c["how"], c["step"]) for c in root["children"]] == [("root-h2", "hand_off", 2)]
    leaf = related(fakes, "root-h2-m3-1")
    assert [a["run_id"] for a in leaf["ancestors"]] == ["root-h2", "root"]
    assert leaf["children"] == [] and leaf["children_total"] == 0


def test_the_children_are_a_bounded_list_with_their_total(fakes: FakeContainer) -> None:
    put(fakes, "t1", "big", 0)
    for i in range(MAX_CHILDREN_SHOWN + 10):
        put(fakes, "t1", f"big-m1-{i}", 1 + i / 100, parent_run_id="big")
    shown = related(fakes, "big")
    children = shown["children"]
    assert isinstance(children, list) and len(children) == MAX_CHILDREN_SHOWN
    assert shown["children_total"] == MAX_CHILDREN_SHOWN + 10
    assert children[0]["run_id"] == "big-m1-0"  # oldest first


def test_another_tenants_run_is_not_found(fakes: FakeContainer) -> None:
    put(fakes, "t2", "theirs", 0)
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    assert api.get("/runs/theirs/related", headers=auth(token)).status_code == 404
