"""The hourly tick finds the routines due in the tenants it reads (``Tenant.agent_schedules``, kept in
step by the agents service): on the Firestore emulator, with every billed read counted, a tick reads
no agent; an agent's new schedule, pause and deletion reach the tick; a tenant stored before the copy
has its agents read once, at its first tick, and not again (decision 0081)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.agents.adapters.firestore_agents import FirestoreAgents
from shared.agents.domain.agents import Agent, AgentInput
from shared.agents.domain.schedule_task import ScheduleTask
from shared.agents.services import agents as agents_service
from shared.agents.services.daily_schedule import plan_due_tenants
from shared.runs.domain.plan_task import PlanTask
from shared.runs.services.deps import Deps
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore
from shared.workspace.domain.tenants import Tenant
from shared.workspace.domain.triggers import Schedule
from tests.perf.billing import OPS, TOUCHED, count_billed
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeQueue

pytestmark = pytest.mark.integration
H = timedelta(hours=1)
NINE = datetime(2026, 1, 9, 9, tzinfo=UTC)  # a Friday; every tenant here plans its day at 06:00


def _world(firestore_db: Any, tenants: int) -> tuple[Deps, FirestoreTenantStore, FirestoreAgents]:
    db = count_billed(firestore_db)
    store, agents = FirestoreTenantStore(db), FirestoreAgents(db)
    for i in range(tenants):
        store.save(
            Tenant.model_validate(
                {
                    "tenant_id": f"t{i}",
                    "workspace_id": f"w{i}",
                    "token_secret": "s",
                    "created_at": NINE,
                    "updated_at": NINE,
                    "settings": {"planning_hour": 6},
                    "agent_schedules": {},
                }
            )
        )
    deps = make_deps()._replace(tenants=store, agents_source=lambda: agents, queue=FakeQueue())
    return deps, store, agents


def _tick(deps: Deps, at: datetime) -> list[str]:
    """One tick's routine runs, its billed operations in TOUCHED."""
    assert isinstance(deps.queue, FakeQueue)
    deps.queue.tasks.clear()
    TOUCHED.clear()
    OPS.clear()
    plan_due_tenants(ScheduleTask(tick=at), deps._replace(clock=lambda: at))
    return sorted(b.run_id for _, b, _, _ in deps.queue.tasks if isinstance(b, PlanTask) and b.agent_id)


def _agents_read() -> list[str]:
    return [op for op in TOUCHED if "/agents" in op and not op.startswith("write")]


def test_a_tick_reads_no_agent_and_follows_their_schedules_pauses_and_deletions(firestore_db: Any) -> None:
    deps, tenants, agents = _world(firestore_db, 30)
    body = AgentInput.model_validate({"name": "Report", "schedules": [{"every": "daily", "hour": 9}]})
    made = agents_service.create_agent("t7", body, tenants, agents, None, now=NINE)
    stored = tenants.get("t7")
    assert stored is not None and stored.agent_schedules == {
        made["agent_id"]: (Schedule(every="daily", hour=9),)
    }

    assert _tick(deps, NINE) == [f"routine-{made['agent_id']}-0-2026010909"]
    assert _agents_read() == []
    assert OPS["reads"] == 30 + 2  # the tenants, the last tick (read, then read to record it): no agent
    assert _tick(deps, NINE + H) == []  # not its slot

    def edit(**sent: Any) -> None:
        change = AgentInput.model_validate(sent)
        agents_service.edit_agent("t7", made["agent_id"], change, tenants=tenants, agents=agents, notion=None)

    edit(schedules=[{"every": "daily", "hour": 9}, {"every": "daily", "hour": 11}])
    assert _tick(deps, NINE + 2 * H) == [f"routine-{made['agent_id']}-1-2026010911"]
    edit(paused=True)
    assert _tick(deps, NINE + 24 * H) == []  # paused: its slot passes
    edit(paused=False)
    assert _tick(deps, NINE + 48 * H) == [f"routine-{made['agent_id']}-0-2026011109"]
    agents_service.delete_agent("t7", made["agent_id"], tenants, agents)
    assert _tick(deps, NINE + 72 * H) == []
    assert _agents_read() == []


def test_a_tenant_stored_before_the_copy_has_its_agents_read_once(firestore_db: Any) -> None:
    deps, tenants, agents = _world(firestore_db, 3)
    firestore_db.collection("tenants").document("t1").update({"agent_schedules": firestore_delete()})
    weekly = Schedule(every="weekly", hour=9, days=["fri"])
    agents.create(
        "t1", Agent(agent_id="weekly", name="Weekly", created_at=NINE, updated_at=NINE, schedules=(weekly,))
    )
    before = tenants.get("t1")
    assert before is not None and before.agent_schedules is None

    assert _tick(deps, NINE) == ["routine-weekly-0-2026010909"]
    assert _agents_read() == ["query tenants/t1/agents/weekly"]  # once, for the tenant without the copy
    after = tenants.get("t1")
    assert after is not None and after.agent_schedules == {"weekly": (weekly,)}
    assert _tick(deps, NINE + 7 * 24 * H) == ["routine-weekly-0-2026011609"]
    assert _agents_read() == []


def firestore_delete() -> Any:
    from google.cloud import firestore

    return firestore.DELETE_FIELD
