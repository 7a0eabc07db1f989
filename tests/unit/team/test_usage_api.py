"""GET /usage: what the session's workspace spent on models today and this month, against its
budgets, read from its runs' model_used events (another workspace's spend never shows)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.runs.domain.events import RunStatus
from shared.team.services.sessions import start_session
from shared.workspace.domain.tenants import Tenant
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.runs.api_runs import auth, fake_container, waiting_run


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


def usage(c: FakeContainer, token: str) -> dict[str, Any]:
    answer = client("api", c).get("/usage", headers=auth(token))
    assert answer.status_code == 200, answer.json
    result: dict[str, Any] = json_body(answer)
    return result


def test_usage_counts_the_workspaces_model_calls_against_its_budgets(fakes: FakeContainer) -> None:
    now = datetime.now(UTC)
    fakes.tenants.save(
        Tenant(tenant_id="t2", workspace_id="w2", token_secret="s", created_at=now, updated_at=now)
    )
    t1, t2 = start_session("t1", fakes.secrets), start_session("t2", fakes.secrets)
    before = usage(fakes, t1)
    assert before["day"]["spent_usd"] == 0 and before["month"]["spent_usd"] == 0 and before["paused"] is None
    waiting_run(fakes, client("api", fakes), t1)  # planned, then a draft step: each call at the fake's $0.001
    paid = 0.001 * len(fakes.model.prompts)
    assert paid > 0
    after = usage(fakes, t1)
    day, month = after["day"], after["month"]
    assert day["date"] == now.strftime("%Y-%m-%d") and month["month"] == now.strftime("%Y-%m")
    assert day["spent_usd"] == pytest.approx(paid) and month["spent_usd"] == pytest.approx(paid)
    assert (after["day"]["budget_usd"], after["month"]["budget_usd"], after["run_budget_usd"]) == (
        5.0,
        50.0,
        1.0,
    )
    assert usage(fakes, t2)["day"]["spent_usd"] == 0  # the other workspace's session sees its own only
    # The month's forecast: what it spent, and the last 7 days' daily average for each day left.
    left = ((now.replace(day=28) + timedelta(days=4)).replace(day=1).date() - now.date()).days - 1
    assert after["forecast_month_usd"] == pytest.approx(paid + paid / 7 * left, abs=1e-6)
    assert before["forecast_month_usd"] == 0


def test_a_spent_day_budget_says_the_workspace_is_paused(fakes: FakeContainer) -> None:
    token = start_session("t1", fakes.secrets)
    waiting_run(fakes, client("api", fakes), token)
    tenant = fakes.tenants.get("t1")
    assert tenant is not None
    low = tenant.settings.model_copy(update={"max_cost_per_day_usd": 0.0005})
    fakes.tenants.save(tenant.model_copy(update={"settings": low}))
    paused = usage(fakes, token)["paused"]
    assert isinstance(paused, str) and "daily budget" in paused


def test_a_day_budget_past_80_percent_is_warned_of_until_it_is_spent(fakes: FakeContainer) -> None:
    token = start_session("t1", fakes.secrets)
    waiting_run(fakes, client("api", fakes), token)
    spent = usage(fakes, token)["day"]["spent_usd"]
    assert spent > 0 and usage(fakes, token)["warnings"] == []
    tenant = fakes.tenants.get("t1")
    assert tenant is not None
    for budget, warned in ((spent / 0.85, 1), (spent / 0.75, 0), (spent, 0)):  # 85 %, 75 %, spent
        low = tenant.settings.model_copy(update={"max_cost_per_day_usd": budget})
        fakes.tenants.save(tenant.model_copy(update={"settings": low}))
        shown = usage(fakes, token)
        assert len(shown["warnings"]) == warned, budget
        assert all(w.startswith(f"${spent:.4f} of the workspace's daily budget") for w in shown["warnings"])
    assert usage(fakes, token)["paused"] is not None  # at 100 %: paused, not warned


def test_usage_needs_a_session(fakes: FakeContainer) -> None:
    assert client("api", fakes).get("/usage").status_code == 401
    assert client("api", fakes).post("/usage").status_code == 405


def test_each_day_counts_the_runs_started_and_failed(fakes: FakeContainer) -> None:
    token = start_session("t1", fakes.secrets)
    assert usage(fakes, token)["days"][-1] | {"date": ""} == {
        "date": "",
        "spend_usd": 0.0,
        "budget_usd": 5.0,
        "runs": 0,
        "failed": 0,
    }
    waiting_run(fakes, client("api", fakes), token)
    (key, run), *_ = fakes.store.runs.items()
    failed = run.state.model_copy(update={"status": RunStatus.FAILED})
    fakes.store.runs[(key[0], "failed-1")] = run.model_copy(update={"run_id": "failed-1", "state": failed})
    old = run.created_at - timedelta(days=3)
    fakes.store.runs[(key[0], "old-1")] = run.model_copy(update={"run_id": "old-1", "created_at": old})
    days = {d["date"]: (d["runs"], d["failed"]) for d in usage(fakes, token)["days"]}
    assert days[run.created_at.strftime("%Y-%m-%d")] == (2, 1)
    assert days[old.strftime("%Y-%m-%d")] == (1, 0)
    assert sum(r for r, _ in days.values()) == 3
