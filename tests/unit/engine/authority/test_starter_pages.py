"""Planning holds a member's run to a page within its starter's reach (decisions 0137, 0147):
a page a person named (an ``api`` or ``schedule`` trigger, or Run again's) that is no row of a data
source the owner chose makes the run wait, its title and text unread, for the approval of someone who
may read it (the role that approves reads beyond a run's reach): never its starter, nor an API key.
Approved, it is planned with the page read; rejected, it ends saying so. A hand-off's or map child's
page (its parent named it) that is neither chosen nor its parent's own ends the run, unread."""

import json
from datetime import UTC, datetime
from typing import Literal

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services import humans, run_log
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import Forbidden
from shared.platform.topology import Queue
from shared.runs.domain.approval_digests import page_digest
from shared.runs.domain.events import PlannedStep, RunFinished, RunPlanned
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunStatus
from shared.runs.services.deps import Deps
from shared.workspace.domain.members import Approvers, Member
from shared.workspace.domain.tenants import Tenant
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel, FakeQueue
from tests.support.team.team import put_settings

CHOSEN, OTHER = "ds-chosen", "ds-private"
AT = datetime(2026, 1, 1, tzinfo=UTC)
EDITOR = Member(member_id="m-ed", notion_user_id="user-editor", name="Eve", role="editor", added_at=AT)
ADMIN = Member(member_id="m-ad", notion_user_id="user-admin", name="Ada", role="admin", added_at=AT)
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
        team = [EDITOR, ADMIN]
        return tenant.model_copy(update={"owner_user_id": "user-owner", "bot_id": "bot-1", "members": team})

    deps.need_tenants().update("t1", known)
    put_settings(deps.need_tenants(), "t1", {"data_source_ids": [CHOSEN]})
    return deps, notion, model, private, row


def _ended(deps: Deps, run_id: str) -> tuple[RunStatus, str]:
    run = deps.store.get_run("t1", run_id)
    assert run is not None
    end = [e for e in deps.store.list_events("t1", run_id) if isinstance(e, RunFinished)]
    return run.state.status, end[0].summary if end else ""


def _waiting(deps: Deps, private: str, kind: str = "api", beyond: bool = False) -> None:
    """A run an editor started (by ``kind``) on the private page: planned as far as it may go."""
    trigger = Trigger(kind=kind, page_id=private, by_owner=False, people=["user-editor"], beyond=beyond)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="Summarise", trigger=trigger), deps)


def _queue(deps: Deps) -> FakeQueue:
    assert isinstance(deps.queue, FakeQueue)
    return deps.queue


def _plan_queued(deps: Deps) -> None:
    """The plan task a decision queued, carried out (as the plan queue would)."""
    tasks = [t for q, t, _, _ in _queue(deps).tasks if q == Queue.PLAN and isinstance(t, PlanTask)]
    start_run(tasks[-1], deps)


@pytest.mark.parametrize(("kind", "beyond"), [("api", False), ("schedule", False), ("manual", True)])
def test_a_members_run_on_a_page_beyond_its_starters_reach_waits_unread(kind: str, beyond: bool) -> None:
    deps, _, model, private, _ = _world()
    _waiting(deps, private, kind, beyond)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN and run.state.page_beyond
    waiting = run.state.waiting
    assert waiting is not None and waiting.request_id.startswith("reach-")
    assert waiting.effects == (page_digest(private),)  # bound to this page's start, and only it
    assert f"start from page {private}" in waiting.prompt and "Eve (editor) started it" in waiting.prompt
    assert "Who may decide: an admin or the owner" in waiting.prompt
    assert model.prompts == []  # nothing planned: the page's text went into no prompt
    events = str([e.model_dump() for e in deps.store.list_events("t1", "r1")])
    assert SECRET not in events and "Board plan" not in events
    notes = [t for q, t, _, _ in _queue(deps).tasks if q == Queue.NOTIFY and isinstance(t, NotifyTask)]
    assert notes and all(t.data.get("page_id") != private for t in notes)  # no comment on the page


def test_someone_with_the_pages_reach_lets_it_in_and_the_run_plans_with_it_read() -> None:
    deps, _, model, private, _ = _world()
    _waiting(deps, private)
    refused: tuple[tuple[str, Member | None, Literal["session", "key"]], ...] = (
        ("editor", EDITOR, "session"),
        ("owner", None, "key"),
    )
    for role, by, via in refused:
        with pytest.raises(Forbidden):  # below the role that approves reads beyond reach; a key
            humans.respond(deps, "t1", "r1", "approve", role=role, by=by, via=via)
    humans.respond(deps, "t1", "r1", "approve", role="admin", by=ADMIN)
    _plan_queued(deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status != RunStatus.WAITING_FOR_HUMAN and run.state.steps
    assert not run.state.page_beyond and run.state.page_title == "Board plan"
    assert len(model.prompts) == 1 and "private plan: sell in May" in model.prompts[0][1]


def test_its_starter_may_not_approve_it_even_with_a_role_that_may_now() -> None:
    deps, _, _, private, _ = _world()
    _waiting(deps, private)

    def editors_approve(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(update={"approvers": Approvers(beyond_reach="editor")})

    deps.need_tenants().update("t1", editors_approve)
    with pytest.raises(Forbidden, match="you started this run"):
        humans.respond(deps, "t1", "r1", "approve", role="editor", by=EDITOR)


def test_rejected_the_run_ends_saying_so_its_page_unread() -> None:
    deps, _, model, private, _ = _world()
    _waiting(deps, private)
    humans.respond(deps, "t1", "r1", "reject", role="editor", by=ADMIN)
    status, _ = _ended(deps, "r1")
    run = deps.store.get_run("t1", "r1")
    assert run is not None and status == RunStatus.CANCELLED
    assert f"not started: Ada did not let it read page {private}" in run.state.summary
    assert model.prompts == []
    notes = [t for q, t, _, _ in _queue(deps).tasks if q == Queue.NOTIFY and isinstance(t, NotifyTask)]
    assert all(t.data.get("page_id") != private and t.channel != "notion_comment" for t in notes)


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


def test_a_rejected_plans_replan_of_a_page_let_in_waits_for_its_own_approval() -> None:
    deps, _, model, private, _ = _world()
    _waiting(deps, private)
    humans.respond(deps, "t1", "r1", "approve", role="admin", by=ADMIN)
    _plan_queued(deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and page_digest(private) in run.state.approved
    humans._replan(deps, "t1", "r1-re9", run.state, "not like this")
    _plan_queued(deps)
    again = deps.store.get_run("t1", "r1-re9")
    assert again is not None and again.state.status == RunStatus.WAITING_FOR_HUMAN and again.state.page_beyond
    assert again.state.waiting is not None and "Eve (editor) started it" in again.state.waiting.prompt
    assert len(model.prompts) == 1  # the first run's plan only


def test_a_run_planned_again_after_a_budget_stop_is_held_to_nothing_new() -> None:
    """A member's run of the api (say an owner's made a member's by a member's text on its page)
    stopped by its budget before its plan, approved, is planned again as it was: its page was read
    when it was first planned, and no second approval is asked."""
    deps, _, model, private, _ = _world()
    head = RunPlanned(
        seq=1, at=datetime.now(UTC), goal="g", trigger="api", steps=[], page_id=private, member=True
    )
    assert run_log.RunLog(deps, "t1", "r1").create([head])
    again = Trigger(kind="manual", page_id=private, by_owner=False)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="g", trigger=again), deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.steps and run.state.status != RunStatus.WAITING_FOR_HUMAN
    assert len(model.prompts) == 1
