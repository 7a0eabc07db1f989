"""The risk floor: a plan's approval does not depend on the risk the model claims. A code tool, or a
Notion write anywhere but the run's own pages (its trigger page, pages it created), asks a person
first; only a request_approval counts as asking; the approval lists the changes it lets happen."""

import json
from typing import Any

import pytest

from shared.engine.agent.plans import ValidPlan, validate_plan
from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.engine.services.stepping import _keep_targets
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.adapters.offline_model import daily_plan, plan_for
from shared.platform.domain.model_replies import PlanOut
from shared.platform.errors import ModelFixableError
from shared.platform.topology import Queue
from shared.runs.domain.events import Risk, RunPlanned
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunStatus
from shared.runs.domain.step_task import StepTask
from shared.tools import REGISTRY, resolve, validate
from tests.support.engine.engine_fakes import make_deps, raise_budget
from tests.support.engine.notion_validation import SELECT, refused
from tests.support.notion.notion_fakes import FakeNotion, asking
from tests.support.platform.platform_fakes import FakeModel, FakeQueue

TRIGGER = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
OTHER = "11111111-2222-3333-4444-555555555555"


def plan(*steps: tuple[str, dict[str, Any]], risk: str = "low") -> PlanOut:
    calls = [*steps, ("finish", {"summary": "done"})]
    return PlanOut.model_validate(
        {"goal": "g", "risk": risk, "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in calls]}
    )


def tools(valid: ValidPlan) -> list[str]:
    return [s.tool for s in valid.steps]


def test_a_low_risk_plan_that_comments_a_read_page_elsewhere_asks_first_and_says_what() -> None:
    leak = plan(
        ("read_page", {"page_id": "private"}),
        ("add_comment", {"page_id": OTHER, "text": "FYI: ${steps.1.text}"}),
    )
    valid = validate_plan(leak, max_steps=10, trigger_page_id=TRIGGER)
    assert tools(valid) == ["read_page", "request_approval", "add_comment", "finish"]
    assert valid.risk == Risk.HIGH
    summary = valid.steps[1].args["summary"]
    assert summary.startswith("Approve the next changes? It will: 3. add_comment(")
    assert f"page_id={OTHER}" in summary and "text=FYI: <step 1 read_page.text>" in summary
    assert "${" not in summary and resolve(valid.steps[1].args, {}) == valid.steps[1].args
    assert valid.steps[2].args["text"] == "FYI: ${steps.1.text}"  # the step itself is unchanged


def test_every_notion_write_off_the_trigger_page_raises_the_floor() -> None:
    writes: list[tuple[str, dict[str, Any]]] = [
        ("add_comment", {"page_id": OTHER, "text": "hi"}),
        ("append_blocks", {"page_id": OTHER, "text": "hi"}),
        ("update_properties", {"page_id": OTHER, "properties": {"Done": {"checkbox": True}}}),
        ("create_page", {"parent_page_id": OTHER, "title": "t"}),
        ("create_page", {"data_source_id": "ds1", "title": "t"}),  # a data source is elsewhere
        ("append_blocks", {"page_id": "${steps.1.page_id}", "text": "hi"}),  # a page a read found
    ]
    for tool, args in writes:
        valid = validate_plan(
            plan(("read_page", {"page_id": TRIGGER}), (tool, args)), 10, trigger_page_id=TRIGGER
        )
        assert tools(valid) == ["read_page", "request_approval", tool, "finish"], (tool, args)


def test_a_run_without_a_trigger_page_asks_before_writing_to_any_page() -> None:
    valid = validate_plan(plan(("add_comment", {"page_id": TRIGGER, "text": "hi"})), 10, trigger_page_id=None)
    assert tools(valid) == ["request_approval", "add_comment", "finish"]


def test_a_preview_is_decided_at_its_step_and_a_plan_listing_it_still_lists_it() -> None:
    """Decision 0148: a preview is high risk, but no approval is inserted for it: code decides at its
    step (unasked for the run's own pull request's branch, else asked then, tests/integration/code).
    A plan's own approval before it still lists it, and is still asked."""
    preview = {"project": "site", "repository": "acme/site", "ref": "main"}
    valid = validate_plan(plan(("deploy_vercel", preview)), 10, trigger_page_id=TRIGGER)
    assert tools(valid) == ["deploy_vercel", "finish"] and valid.risk == Risk.HIGH
    asked = plan(("request_approval", {"summary": "Preview?"}), ("deploy_vercel", preview))
    valid = validate_plan(asked, 10, trigger_page_id=TRIGGER)
    assert tools(valid) == ["request_approval", "deploy_vercel", "finish"]
    assert "2. deploy_vercel(" in valid.steps[0].args["summary"]
    production = preview | {"target": "production"}
    valid = validate_plan(plan(("deploy_vercel", production)), 10, trigger_page_id=TRIGGER)
    assert tools(valid) == ["request_approval", "deploy_vercel", "finish"]  # production: asked first


def test_a_push_or_a_merge_is_one_decision_asked_at_its_own_step() -> None:
    """Before, "Approve the next changes?" before a pull request, then "Allow this change beyond
    the run's own pages?" at it, were two decisions on one change, the first granting nothing (a push
    is asked for at its step, where its diff is read). A code effect asked at its own step gets no
    approval inserted before it; it is still high risk and still asked for (tests/integration/code)."""
    files = [{"path": ".github/workflows/x.yml", "content": "on: push"}]
    pull = {"repository": "acme/site", "title": "CI", "files": files}
    fix = {"repository": "acme/site", "branch": "b", "message": "m", "files": files}
    merge = {"repository": "acme/site", "branch": "b", "sha": "a" * 40}
    for steps in (
        [("open_pull_request", pull)],
        [("push_fix", fix)],
        [("merge_pull_request", merge)],
    ):
        valid = validate_plan(plan(*steps), 10, trigger_page_id=TRIGGER)
        assert tools(valid) == [*(t for t, _ in steps), "finish"] and valid.risk == Risk.HIGH
    production = {"project": "site", "repository": "acme/site", "ref": "main", "target": "production"}
    mixed = validate_plan(
        plan(("open_pull_request", pull), ("deploy_vercel", production)), 10, trigger_page_id=TRIGGER
    )
    assert tools(mixed) == ["request_approval", "open_pull_request", "deploy_vercel", "finish"]
    assert "3. deploy_vercel(" in mixed.steps[0].args["summary"]  # the deployment it covers


def test_plans_that_only_touch_the_trigger_page_and_the_pages_they_create_are_unchanged() -> None:
    ctx = {
        "page": {"id": TRIGGER, "title": "Idea", "properties": {"Status": "New"}},
        "data_source": {
            "id": "ds1",
            "properties": {"Status": {"type": "status", "options": ["New", "Exploring"]}},
        },
        "trigger": {"kind": "webhook"},
    }
    idea = PlanOut.model_validate(plan_for(ctx, ""))
    for trigger in (TRIGGER, TRIGGER.replace("-", ""), TRIGGER.upper()):  # Notion writes ids both ways
        valid = validate_plan(idea, max_steps=10, trigger_page_id=trigger)
        assert [s.args for s in valid.steps] == [json.loads(s.args_json) for s in idea.steps]
        assert valid.risk == Risk.MEDIUM
    own = plan(
        ("create_page", {"parent_page_id": TRIGGER, "title": "Notes"}),
        ("append_blocks", {"page_id": "${steps.1.page_id}", "text": "more"}),
        ("add_comment", {"page_id": "${steps.2.page_id}", "text": "done"}),
    )
    assert tools(validate_plan(own, 10, trigger_page_id=TRIGGER)) == [
        "create_page", "append_blocks", "add_comment", "finish",
    ]  # fmt: skip
    daily = PlanOut.model_validate(daily_plan("ds1", "Plan my day (today)"))
    valid = validate_plan(daily, max_steps=10, trigger_page_id=None)
    assert len(valid.steps) == len(daily.steps) and valid.risk == Risk.LOW  # reads and notifies the owner


def test_a_question_is_not_the_approval_a_high_risk_plan_needs() -> None:
    asked = plan(
        ("ask_question", {"question": "Which section?"}),
        ("append_blocks", {"page_id": TRIGGER, "text": "${steps.1.answer}"}),
        risk="high",
    )
    valid = validate_plan(asked, max_steps=10, trigger_page_id=TRIGGER)
    assert tools(valid) == ["ask_question", "request_approval", "append_blocks", "finish"]
    assert valid.steps[2].args["text"] == "${steps.1.answer}"
    assert "text=<step 1 ask_question.answer>" in valid.steps[1].args["summary"]


def test_the_models_own_approval_of_a_risky_plan_lists_the_changes_too() -> None:
    worded = plan(
        ("read_page", {"page_id": TRIGGER}),
        ("request_approval", {"summary": "Approve tidying this page? ${steps.1.url}"}),
        ("add_comment", {"page_id": OTHER, "text": "x" * 1900}),
    )
    valid = validate_plan(worded, max_steps=10, trigger_page_id=TRIGGER)
    assert tools(valid) == ["read_page", "request_approval", "add_comment", "finish"]
    summary = valid.steps[1].args["summary"]  # an earlier output is named, not referenced
    assert summary.startswith("Approve tidying this page? <step 1 read_page.url> It will: 3. add_comment(")
    assert len(summary) < 700


def test_a_reference_in_the_models_summary_is_named_so_resolving_cannot_overflow_it() -> None:
    # ${steps.1.text} is up to 4,000 characters once resolved: over the summary's 2,000, a fixable
    # error whose repair (the model's words alone) would drop the list of changes
    worded = plan(
        ("read_page", {"page_id": TRIGGER}),
        ("request_approval", {"summary": "Approve? " + "${steps.1.text} " * 3}),
        ("add_comment", {"page_id": OTHER, "text": "t"}),
    )
    summary = validate_plan(worded, max_steps=10, trigger_page_id=TRIGGER).steps[1].args["summary"]
    assert "${" not in summary and "<step 1 read_page.text>" in summary
    assert summary == resolve({"s": summary}, {"1": {"text": "z" * 4000}})["s"]
    assert f"3. add_comment(page_id={OTHER}" in summary


def test_the_inserted_summary_lists_every_change_however_long_the_arguments() -> None:
    many = [("add_comment", {"page_id": OTHER, "text": "y" * 1900}) for _ in range(8)]
    valid = validate_plan(plan(*many), max_steps=20, trigger_page_id=TRIGGER)
    summary = valid.steps[0].args["summary"]
    assert summary.startswith("Approve the next changes? It will: 2. add_comment(") and len(summary) <= 2000
    assert all(f"{n}. add_comment(page_id={OTHER}" in summary for n in range(2, 10))


def test_a_write_elsewhere_is_listed_even_behind_many_harmless_changes() -> None:
    harmless = [("append_blocks", {"page_id": TRIGGER, "text": "note " * 100}) for _ in range(40)]
    risky = ("add_comment", {"page_id": OTHER, "text": "the plans"})
    valid = validate_plan(plan(*harmless, risky), max_steps=50, trigger_page_id=TRIGGER)
    summary = valid.steps[0].args["summary"]
    assert len(summary) <= 2000 and "more changes (steps " in summary
    assert f"42. add_comment(page_id={OTHER})" in summary  # step 41 shifted by the inserted approval
    assert ValidPlan.model_validate(valid.model_dump())  # still a valid request_approval summary
    validate(valid.steps[0].tool, valid.steps[0].args)


LEAK = {
    "goal": "share",
    "risk": "low",
    "steps": [
        {"tool": "add_comment", "args_json": json.dumps({"page_id": OTHER, "text": "secret plans"})},
        {"tool": "finish", "args_json": json.dumps({"summary": "ok"})},
    ],
}


def drive(trigger: Trigger, *, budget_stop: bool = False) -> tuple[RunStatus, FakeNotion, list[NotifyTask]]:
    """Plan ``LEAK`` for a run of ``trigger`` and carry out its steps: its status, Notion, the notices.
    ``budget_stop``: its first plan stops on a run budget of 0, the owner raises it and approves, and
    the approval's follow-up (a plan task of kind ``manual``) plans it again."""
    notion = FakeNotion()
    notion.pages[TRIGGER] = {"id": TRIGGER, "parent": {}, "properties": {}, "url": "https://n/t"}
    notion.children[TRIGGER] = []
    notion.comments[TRIGGER] = [asking("c1", notion.bot_id, " share the plans on the other page")]
    budget: dict[str, Any] = {"default_run_budget_usd": 0.0} if budget_stop else {}
    deps = make_deps(model=FakeModel({"PlanOut": [LEAK]}), notion=notion, **budget)
    assert start_run(PlanTask(tenant_id="t1", run_id="r1", goal="share", trigger=trigger), deps)
    queue = deps.queue
    assert isinstance(queue, FakeQueue)
    if budget_stop:
        queue.tasks.clear()  # the budget notice
        raise_budget(deps, max_cost_per_run_usd=5.0)
        humans.respond(deps, "t1", "r1", "approve")
    notes: list[NotifyTask] = []
    while queue.tasks:
        q, body, _, _ = queue.take()
        if q == Queue.PLAN and isinstance(body, PlanTask):
            assert body.trigger.kind == "manual"
            start_run(body, deps)
        elif q == Queue.EXECUTE_STEP and isinstance(body, StepTask):
            run_step(body, deps)
        elif isinstance(body, NotifyTask):
            notes.append(body)
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    return run.state.status, notion, notes


def test_a_low_risk_run_commenting_on_another_page_waits_for_a_person_who_sees_the_change() -> None:
    comment = Trigger(
        kind="webhook", event_id="e1", event_type="comment.created", page_id=TRIGGER, comment_id="c1"
    )
    status, notion, notes = drive(comment)  # the goal comes from a comment: any member's words
    assert status == RunStatus.WAITING_FOR_HUMAN
    assert not notion.writes
    assert "2. add_comment(page_id=" in notes[-1].text and "text=secret plans" in notes[-1].text


def test_a_run_the_owner_asked_for_in_the_app_gets_no_discount() -> None:
    # POST /runs: the goal is the person's own, but the model still reads the page
    status, notion, notes = drive(Trigger(kind="api"))
    assert status == RunStatus.WAITING_FOR_HUMAN and not notion.writes
    assert "add_comment(page_id=" in notes[-1].text


def test_a_replan_after_a_rejection_is_held_to_the_floor() -> None:
    # humans._replan: a new run of kind manual, whose goal is the rejected run's (perhaps a page's)
    status, notion, _ = drive(Trigger(kind="manual", page_id=TRIGGER))
    assert status == RunStatus.WAITING_FOR_HUMAN and not notion.writes


def test_a_page_run_planned_again_after_a_budget_stop_is_still_held_to_the_floor() -> None:
    page_change = Trigger(kind="webhook", event_id="e1", event_type="page.content_updated", page_id=TRIGGER)
    status, notion, notes = drive(page_change, budget_stop=True)  # the follow-up's task says manual
    assert status == RunStatus.WAITING_FOR_HUMAN and not notion.writes
    assert "2. add_comment(page_id=" in notes[-1].text


def test_a_run_the_owner_asked_for_gets_no_discount_after_a_budget_stop_either() -> None:
    status, notion, _ = drive(Trigger(kind="api"), budget_stop=True)
    assert status == RunStatus.WAITING_FOR_HUMAN and not notion.writes


def test_a_repair_cannot_move_a_write_to_another_page() -> None:
    # a low-risk plan (it writes only its trigger page) meets Notion's 400; the repair the model
    # answers (its prompt holds what the run read) names a private page instead
    notion = FakeNotion()
    trigger = notion.add_page("Shared page", Status="Doing")
    private = notion.add_page("Private page", Status="Doing")
    wrong = {"Status": {"select": {"name": "Done"}}}
    planned = plan(("update_properties", {"page_id": trigger, "properties": wrong}))
    valid = validate_plan(planned, 10, trigger_page_id=trigger)
    assert valid.risk == Risk.LOW and tools(valid) == ["update_properties", "finish"]
    moved = {"page_id": private, "properties": {"Status": {"status": {"name": "Done"}}}}
    deps = make_deps(model=FakeModel({"ArgsFix": [{"args_json": json.dumps(moved)}]}), notion=notion)
    head = RunPlanned(
        seq=1,
        at=deps.clock(),
        goal="g",
        trigger="webhook",
        steps=valid.steps,
        tools=valid.tools,
        page_id=trigger,
    )
    assert deps.store.create_run("t1", "r1", [head])
    notion.fail["update_page_properties"] = [refused(*SELECT)]
    step = StepTask(tenant_id="t1", run_id="r1", step=1)
    assert not run_step(step, deps).acted  # Notion refused: fixable
    assert not run_step(step, deps).acted  # the repair moved the write: refused before any intent
    run = deps.store.get_run("t1", "r1")
    assert run is not None and "not where it writes; keep page_id=" in run.state.last_error
    assert not notion.writes


def test_a_repair_keeps_a_deployments_target_left_at_its_default() -> None:
    deploy = REGISTRY["deploy_vercel"]
    planned = {"project": "site", "repository": "acme/site", "ref": "main"}
    _keep_targets(deploy, 3, planned, planned | {"target": "preview", "ref": "fix"})  # default, spelled out
    _keep_targets(deploy, 3, planned, planned | {"project": "docs"})  # the tool checks the owner's list
    with pytest.raises(ModelFixableError, match="keep target='preview'"):
        _keep_targets(deploy, 3, planned, planned | {"target": "production"})
