"""Planning holds a member's run to a page within its starter's reach (issue 77, decision 0137): a page
a person or a run named (an ``api`` or ``schedule`` trigger) that is no row of a data source the owner
chose, nor its parent run's own page, ends the run before its text is read, the page named by its id
only. The api refuses such a page first (tests/roles/test_starter_reach.py); this is the engine's
own line, for any task body that reaches it."""

import json
from datetime import UTC, datetime

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services import run_log
from shared.runs.domain.events import PlannedStep, RunFinished, RunPlanned
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunStatus
from shared.runs.services.deps import Deps
from shared.workspace.domain.tenants import Tenant
from tests.engine_fakes import FakeModel, FakeNotion, make_deps
from tests.support.team.team import put_settings

CHOSEN, OTHER = "ds-chosen", "ds-private"
SECRET = "The board's private plan: sell in May"
PLAN = {
    "goal": "g",
    "risk": "low",
    "on_reject": "end",
    "steps": [{"tool": "finish", "args_json": json.dumps({"summary": "ok"})}],
}


def _world() -> tuple[Deps, FakeNotion, FakeModel, str, str]:
    notion, model = FakeNotion(), FakeModel({"PlanOut": [PLAN] * 5})
    private = notion.add_page("Board plan", {"data_source_id": OTHER}, SECRET)
    row = notion.add_page("Roadmap", {"data_source_id": CHOSEN}, "Ship in May.")
    deps = make_deps(model=model, notion=notion)

    def known(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(update={"owner_user_id": "user-owner", "bot_id": "bot-1"})

    deps.need_tenants().update("t1", known)
    put_settings(deps.need_tenants(), "t1", {"data_source_ids": [CHOSEN]})
    return deps, notion, model, private, row


def _ended(deps: Deps, run_id: str) -> tuple[RunStatus, str]:
    run = deps.store.get_run("t1", run_id)
    assert run is not None
    end = [e for e in deps.store.list_events("t1", run_id) if isinstance(e, RunFinished)]
    return run.state.status, end[0].summary if end else ""


@pytest.mark.parametrize("kind", ["api", "schedule"])
def test_a_members_run_on_a_page_beyond_its_starters_reach_ends_unread(kind: str) -> None:
    deps, _, model, private, _ = _world()
    trigger = Trigger(kind=kind, page_id=private, by_owner=False, people=["user-editor"])
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="Summarise", trigger=trigger), deps)
    status, why = _ended(deps, "r1")
    assert status == RunStatus.FAILED and f"page {private} is not within what a run you start may read" in why
    assert model.prompts == []  # nothing planned: the page's text went into no prompt
    events = str([e.model_dump() for e in deps.store.list_events("t1", "r1")])
    assert SECRET not in events and "Board plan" not in events


def test_the_owners_run_and_a_members_run_on_a_chosen_row_are_planned() -> None:
    deps, _, model, private, row = _world()
    for run_id, page, owner in (("owner", private, True), ("member", row, False)):
        trigger = Trigger(kind="api", page_id=page, by_owner=owner)
        start_run(PlanTask(tenant_id="t1", run_id=run_id, goal="Summarise", trigger=trigger), deps)
        status, why = _ended(deps, run_id)
        assert status != RunStatus.FAILED and "is not within" not in why
    assert len(model.prompts) == 2


def test_a_members_hand_off_may_start_on_its_parents_page_and_no_other() -> None:
    deps, notion, model, private, _ = _world()
    at = datetime.now(UTC)
    head = RunPlanned(
        seq=1,
        at=at,
        goal="g",
        trigger="webhook",
        steps=[PlannedStep(tool="finish", args={})],
        page_id=private,
        member=True,
    )
    assert run_log.RunLog(deps, "t1", "parent").create([head])  # a member's Notion edit of that page
    own = Trigger(kind="api", page_id=private, by_owner=False)
    start_run(
        PlanTask(tenant_id="t1", run_id="parent-h1", goal="Go on", trigger=own, parent_run_id="parent"), deps
    )
    assert not _ended(deps, "parent-h1")[1].startswith("page ")
    other = notion.add_page("Salaries", {"data_source_id": OTHER}, SECRET)
    elsewhere = Trigger(kind="api", page_id=other, by_owner=False)
    start_run(
        PlanTask(tenant_id="t1", run_id="parent-h2", goal="Go on", trigger=elsewhere, parent_run_id="parent"),
        deps,
    )
    status, why = _ended(deps, "parent-h2")
    assert status == RunStatus.FAILED and f"page {other} is not within" in why
    assert len(model.prompts) == 1
