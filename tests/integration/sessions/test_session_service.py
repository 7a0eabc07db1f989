"""The sessions' service (shared/sessions/services/sessions.py) on the Firestore emulator, its index and
Ask's conversations there too, with the local embedder: a message answered as Ask within the person's
reach, a message turned into one run of the session's agent however often it is delivered, and
another person's session not found."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.memory.adapters.firestore_passages import FirestorePassages
from shared.memory.adapters.local_embedder import LocalEmbedder
from shared.platform.errors import NotFound
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask
from shared.runs.services.deps import Deps
from shared.sessions.adapters.firestore_sessions import FirestoreSessions
from shared.sessions.services.sessions import open_session, post_message, session_of
from shared.workspace.domain.members import Member
from shared.workspace.domain.tenants import Tenant
from tests.support.engine.engine_fakes import make_deps
from tests.support.memory.ask_reach import SALARY, WITHIN, citing_model, index_pages, reach_editor
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeQueue

pytestmark = pytest.mark.integration


class Attempts(FakeQueue):
    """The queue, counting every enqueue asked of it (a repeat's too, which the queue refuses by name)."""

    asked: list[str]

    def enqueue(self, queue: Queue, body: Any, task_id: str, delay_s: float = 0.0) -> bool:
        self.asked.append(task_id)
        return super().enqueue(queue, body, task_id, delay_s)


def _queue(deps: Deps) -> "Attempts":
    """The test's counting queue, as the deps hold it."""
    assert isinstance(deps.queue, Attempts)
    return deps.queue


def _setup(db: Any) -> tuple[Deps, FirestoreSessions, Tenant, Member, Member]:
    """An editor and the owner of ``t1``, its index holding the reach pages, the queue counted."""
    embedder, passages = LocalEmbedder(), FirestorePassages(db)
    notion = FakeNotion()
    index_pages("t1", notion, embedder, passages)
    queue = Attempts()
    queue.asked = []
    deps = make_deps(model=citing_model(), notion=notion)._replace(
        memory=lambda: (embedder, passages), queue=queue
    )
    tenant, editor = reach_editor(deps.need_tenants())
    return deps, FirestoreSessions(db), tenant, editor, tenant.owner_member()


def test_a_message_is_answered_as_ask_within_the_persons_reach(firestore_db: Any) -> None:
    deps, store, tenant, editor, _ = _setup(firestore_db)
    session = open_session(store, "t1", editor, "writer", "open-1")
    said = post_message(
        deps, store, deps.need_tenants(), tenant, editor,
        session_id=session.session_id, text="What is the pricing plan and the salary?", act="ask", key="m1",
    )  # fmt: skip
    assert said.state == "answered" and said.place == 1
    assert {c["title"] for c in said.cited} == WITHIN and SALARY not in said.answer
    kept = session_of(store, "t1", editor, session.session_id)
    assert kept.conversation_id and kept.count == 1  # its Ask conversation, for a follow-up
    assert _queue(deps).tasks == []  # an answer starts nothing


def test_a_message_delivered_twice_starts_one_run_of_the_agent(firestore_db: Any) -> None:
    deps, store, tenant, editor, _ = _setup(firestore_db)
    tenants = deps.need_tenants()
    session = open_session(store, "t1", editor, "writer", "open-1")
    post_message(
        deps, store, tenants, tenant, editor,
        session_id=session.session_id, text="Who owns the roadmap?", act="ask", key="m1",
    )  # fmt: skip

    def deliver(_: int) -> Any:
        return post_message(
            deps, store, tenants, tenant, editor,
            session_id=session.session_id, text="Draft the launch note", act="run", key="m2",
        )  # fmt: skip

    with ThreadPoolExecutor(4) as pool:  # delivered at once, then again later
        delivered = [*pool.map(deliver, range(4)), deliver(5)]
    assert {m.run_id for m in delivered} == {delivered[0].run_id} and delivered[0].run_id
    assert {m.place for m in delivered} == {2}  # one message, in one place
    tasks: list[Any] = _queue(deps).tasks
    assert len(tasks) == 1 and len(set(_queue(deps).asked)) == 1
    plan = tasks[0][1]
    assert isinstance(plan, PlanTask) and plan.run_id == delivered[0].run_id
    assert (plan.agent_id, plan.tenant_id) == ("writer", "t1")
    assert plan.trigger.people == ["user-3"] and not plan.trigger.by_owner  # the editor's reach
    assert plan.goal.endswith("Now: Draft the launch note") and "Who owns the roadmap?" in plan.goal
    found = session_of(store, "t1", editor, session.session_id)
    assert found.run_id == plan.run_id and found.count == 2


def test_another_persons_session_is_not_found(firestore_db: Any) -> None:
    deps, store, tenant, editor, owner = _setup(firestore_db)
    session = open_session(store, "t1", editor, "writer", "open-1")
    with pytest.raises(NotFound):
        session_of(store, "t1", owner, session.session_id)
    with pytest.raises(NotFound):
        post_message(
            deps, store, deps.need_tenants(), tenant, owner,
            session_id=session.session_id, text="Draft it", act="run", key="m1",
        )  # fmt: skip
    assert store.messages("t1", editor.member_id, session.session_id, 0, 10) == []
    assert _queue(deps).tasks == []
