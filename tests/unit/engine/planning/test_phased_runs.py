"""Read, then decide: a run plans its reads, then the rest from what it read (``plan_next``). Each
later phase is a ``run_replanned`` event in the timeline with its cost; phases are bounded by a
number and by the run's budget; a later phase uses only the first plan's tools, and its effects are
judged by the authority rules as any step's."""

import json
from typing import Any

from shared.engine.agent.plans import validate_plan
from shared.engine.planning.start import start_run
from shared.platform.domain.model_replies import PlanOut
from shared.platform.errors import ModelFixableError
from shared.runs.domain.approval_digests import effect_digest
from shared.runs.domain.events import (
    ErrorKind,
    ErrorRecorded,
    HumanRequested,
    ModelUsed,
    RunReplanned,
    ToolResult,
)
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunStatus, fold
from shared.runs.services.deps import Deps
from shared.workspace.domain.code_policy import CodePolicy
from tests.support.engine.engine_fakes import make_deps, raise_budget
from tests.support.engine.engine_runs import run_until_held
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

GOAL = "Read the page first, then decide what to note on it"


def plan(*steps: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}


def phased_run(notion: FakeNotion, page: str, model: FakeModel | None = None, **settings: Any) -> Deps:
    deps = make_deps(model=model or FakeModel(), notion=notion, **settings)
    trigger = Trigger(kind="api", page_id=page)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal=GOAL, trigger=trigger), deps)
    return deps


def events(deps: Deps) -> list[Any]:
    return list(deps.store.list_events("t1", "r1"))


def test_the_offline_model_reads_first_then_writes_from_what_it_read_and_the_timeline_shows_the_phase() -> (
    None
):
    notion = FakeNotion()
    page = notion.add_page("Launch", text="Ship on Friday\nTell support")
    deps = phased_run(notion, page)
    first = deps.store.get_run("t1", "r1")
    assert first is not None
    assert [s.tool for s in first.state.steps] == ["read_page", "plan_next"]
    assert set(first.state.tools) == {
        "read_page",
        "plan_next",
        "append_blocks",
        "add_comment",
        "finish",
        "request_approval",
    }
    done = run_until_held(deps)
    assert done.status == RunStatus.COMPLETED, done.last_error
    assert [s.tool for s in done.steps] == ["read_page", "plan_next", "append_blocks", "finish"]
    written = notion.children[page][-1]
    assert "Read 'Launch': 2 lines, starting with: Ship on Friday" in json.dumps(written)
    log = events(deps)
    [replanned] = [e for e in log if isinstance(e, RunReplanned)]
    paid = [e for e in log if isinstance(e, ModelUsed) and e.seq < replanned.seq and e.seq > 1]
    assert replanned.step == 2 and replanned.phase == 2 and done.phase == 2
    assert replanned.cost_usd == paid[-1].cost_usd > 0 and replanned.tokens > 0
    [result] = [e for e in log if isinstance(e, ToolResult) and e.tool == "plan_next"]
    assert result.output == {"phase": 2, "steps": 2}
    assert fold(log) == done


def test_an_empty_page_read_first_leads_to_a_question_not_a_note() -> None:
    notion = FakeNotion()
    page = notion.add_page("Blank")
    done = run_until_held(phased_run(notion, page))
    assert [s.tool for s in done.steps][2:] == ["add_comment", "finish"]
    assert notion.writes["add_comment"] == 1 and notion.writes["append_blocks"] == 0


def test_a_replan_past_the_bound_stops_the_run_saying_why() -> None:
    notion = FakeNotion()
    page = notion.add_page("Loop", text="again")
    again = plan(("read_page", {"page_id": page}), ("plan_next", {"reason": "more", "tools": ["read_page"]}))
    model = FakeModel({"PlanOut": [again, again, again]})
    deps = phased_run(notion, page, model, run_max_replans=1)
    done = run_until_held(deps)
    assert done.status == RunStatus.FAILED
    assert (
        "asked to plan phase 3, past its bound of 1 phases after the first (run_max_replans" in done.summary
    )
    assert done.phase == 2 and len([e for e in events(deps) if isinstance(e, RunReplanned)]) == 1
    assert len([p for p in model.prompts if p[0] == "PlanOut"]) == 2  # the first plan and phase 2 only


# What a shipping run's first plan names for its later phases (offline_release.RELEASE_TOOLS).
PIPELINE = ["push_fix", "await_checks", "await_review", "push_revision", "deploy_vercel", "finish"]


def _allow_site(deps: Deps, fix_attempts: int) -> None:
    """The owner allows acme/site with a policy of ``fix_attempts`` fixes (PATCH /settings)."""
    policy = CodePolicy(fix_attempts=fix_attempts)
    allowed = {"github_repositories": ["acme/site"], "code_policies": {"acme/site": policy}}

    def change(tenant: Any) -> Any:
        return tenant.model_copy(update={"settings": tenant.settings.model_copy(update=allowed)})

    deps.need_tenants().update("t1", change)


def test_a_code_run_on_the_default_bound_plans_each_stage_of_its_pipeline_and_no_more() -> None:
    """With the default run_max_replans (3) a code pipeline of a pull request, one fix, a
    review, a revision and the release (5 phases after the first) could not finish. Its bound is now
    one phase per stage its allow-list names, plus the policy's fixes: still a bound, a loop stops."""
    notion = FakeNotion()
    page = notion.add_page("Idea", text="ship it")
    again = plan(
        ("read_page", {"page_id": page}),
        ("plan_next", {"reason": "the next stage", "tools": ["open_pull_request", "draft_text", *PIPELINE]}),
    )
    model = FakeModel({"PlanOut": [again] * 12})
    deps = make_deps(model=model, notion=notion)
    assert deps.settings.run_max_replans == 3  # the default, unchanged
    _allow_site(deps, fix_attempts=1)
    start_run(
        PlanTask(tenant_id="t1", run_id="r1", goal=GOAL, trigger=Trigger(kind="api", page_id=page)), deps
    )
    done = run_until_held(deps)
    assert done.status == RunStatus.FAILED
    assert (
        done.phase == 6
    )  # the first, then 5: the pull request, one fix, the review, the revision, the release
    assert "asked to plan phase 7, past its bound of 5 phases after the first" in done.summary
    assert len([e for e in events(deps) if isinstance(e, RunReplanned)]) == 5


def test_a_run_naming_no_code_stage_keeps_the_settings_bound() -> None:
    notion = FakeNotion()
    page = notion.add_page("Loop", text="again")
    again = plan(("read_page", {"page_id": page}), ("plan_next", {"reason": "more", "tools": ["read_page"]}))
    deps = phased_run(notion, page, FakeModel({"PlanOut": [again] * 8}))
    _allow_site(deps, fix_attempts=3)
    done = run_until_held(deps)
    assert done.status == RunStatus.FAILED and done.phase == 4
    assert "past its bound of 3 phases" in done.summary


def test_no_replan_at_all_when_the_bound_is_zero() -> None:
    notion = FakeNotion()
    page = notion.add_page("Launch", text="x")
    done = run_until_held(phased_run(notion, page, run_max_replans=0))
    assert done.status == RunStatus.FAILED and "past its bound of 0 phases" in done.summary


def test_a_replan_past_the_run_s_budget_stops_for_the_owner_before_the_model_is_asked() -> None:
    notion = FakeNotion()
    page = notion.add_page("Launch", text="x")
    model = FakeModel(cost_usd=0.01)
    deps = make_deps(model=model, notion=notion)
    raise_budget(deps, max_cost_per_run_usd=0.01)  # the first plan spends it all
    start_run(
        PlanTask(tenant_id="t1", run_id="r1", goal=GOAL, trigger=Trigger(kind="api", page_id=page)), deps
    )
    held = run_until_held(deps)
    assert held.status == RunStatus.WAITING_FOR_HUMAN
    request = [e for e in events(deps) if isinstance(e, HumanRequested)][-1]
    assert request.purpose == "limit" and request.budget and request.step == 2
    assert not [e for e in events(deps) if isinstance(e, RunReplanned)]
    assert len(model.prompts) == 1  # the replan's call was never made


def test_the_second_phase_s_effects_are_judged_by_the_authority_rules() -> None:
    notion = FakeNotion()
    page, other = notion.add_page("Trigger", text="please tidy"), notion.add_page("Someone else's")
    theirs = notion.add_block(page, "a person's line")
    first = plan(
        ("read_page", {"page_id": page}),
        ("plan_next", {"reason": "see", "tools": ["append_blocks", "delete_block"]}),
    )
    second = plan(
        ("append_blocks", {"page_id": page, "text": "noted"}),
        ("append_blocks", {"page_id": other, "text": "copied from the trigger"}),
        ("delete_block", {"page_id": page, "block_id": theirs}),
        ("finish", {"summary": "done"}),
    )
    deps = phased_run(notion, page, FakeModel({"PlanOut": [first, second]}))
    held = run_until_held(deps)
    assert held.status == RunStatus.WAITING_FOR_HUMAN
    # The phase writes beyond the run's pages: it asks first, listing exactly the changes the rules
    # gate (the other page's write, the person's block), not the write to the trigger page.
    request = [e for e in events(deps) if isinstance(e, HumanRequested)][-1]
    assert request.effects == (
        effect_digest("append_blocks", {"page_id": other, "text": "copied from the trigger"}),
        effect_digest("delete_block", {"page_id": page, "block_id": theirs}),
    )
    assert notion.writes["append_blocks"] == notion.writes["delete_block"] == 0


def test_a_later_phase_may_use_only_the_tools_the_first_plan_named() -> None:
    notion = FakeNotion()
    page = notion.add_page("Trigger", text="x")
    first = plan(("read_page", {"page_id": page}), ("plan_next", {"reason": "see", "tools": ["add_comment"]}))
    wider = plan(("archive_page", {"page_id": page}), ("finish", {"summary": "done"}))
    deps = phased_run(notion, page, FakeModel({"PlanOut": [first, wider]}))
    run_until_held(deps, limit=3)
    [refused, *_] = [e for e in events(deps) if isinstance(e, ErrorRecorded)]
    assert refused.step == 2 and refused.error == ErrorKind.MODEL_FIXABLE
    assert "a later phase may use only the tools the run's first plan named" in refused.message
    assert refused.message.endswith("not archive_page") and notion.writes["trash_page"] == 0


def test_plan_next_ends_a_phase_only_as_its_last_step_and_names_known_tools() -> None:
    for steps, problem in (
        ([("plan_next", {"reason": "r"}), ("finish", {"summary": "s"})], "only the last"),
        ([("plan_next", {"reason": "r", "tools": ["teleport"]})], "unknown tools"),
    ):
        out = PlanOut.model_validate(plan(*steps))
        try:
            validate_plan(out, 10)
        except ModelFixableError as exc:
            assert problem in exc.reason
        else:
            raise AssertionError(f"accepted: {steps}")
