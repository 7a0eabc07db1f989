"""A run's decisions on its page fold into one comment. The engine names the decision
each request's notification replaces (the one the run asked before), and the Notion channel updates
that comment rather than adding one (tests/integration/notify/test_notify_live.py, on the sandbox)."""

from datetime import UTC, datetime

from shared.engine.services.followups import enqueue_followup
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.topology import Queue
from shared.runs.domain.events import HumanRequested, HumanResponded, PlannedStep, RunEvent, RunPlanned
from shared.runs.domain.state import fold
from shared.runs.services.deps import RunRef
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeQueue

AT = datetime(2026, 11, 28, tzinfo=UTC)


def _asked(seq: int, request_id: str) -> HumanRequested:
    return HumanRequested(
        seq=seq, at=AT, request_id=request_id, step=1, purpose="approval", prompt=request_id
    )


def test_a_runs_second_decision_replaces_its_first_and_its_first_replaces_none() -> None:
    deps = make_deps()
    steps = [PlannedStep(tool="request_approval", args={"summary": "go?"})]
    head = RunPlanned(
        seq=1, at=AT, goal="g", trigger="api", steps=steps, tools=["request_approval"], page_id="p1"
    )
    first: list[RunEvent] = [head, _asked(2, "e1")]
    log: list[RunEvent] = [
        *first,
        HumanResponded(seq=3, at=AT, request_id="e1", decision="approve"),
        _asked(4, "e2"),
    ]
    assert deps.store.create_run("t1", "r1", log)
    enqueue_followup(RunRef(deps, "t1", "r1"), fold(first))
    enqueue_followup(RunRef(deps, "t1", "r1"), fold(log))
    assert isinstance(deps.queue, FakeQueue)
    asks = [b for q, b, _, _ in deps.queue.tasks if q == Queue.NOTIFY and isinstance(b, NotifyTask)]
    assert [(a.notification_id, a.data.get("replaces")) for a in asks] == [
        ("r1-e1", None),
        ("r1-e2", "r1-e1"),
    ]
