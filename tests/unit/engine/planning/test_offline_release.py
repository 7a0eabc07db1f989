"""The offline model's way from requirements to production (shared.platform.domain.offline_release):
each phase planned from the outputs the run keeps; a fix from what the failing check printed; a
revision from what the reviewer asked; the release only once the checks pass after the review."""

import json
import re
from pathlib import Path
from typing import Any, cast

from shared.platform.adapters.offline_model import answer_for, plan_for
from shared.platform.domain.offline_release import recovered, release_project
from shared.tools.base import ToolContext, idempotency_key
from shared.tools.code.pull_request import branch_for

GOAL = (
    "Turn a ready idea into requirements for a pull request in acme/site, fix its failing checks, and "
    "ship it to production on the Vercel project site."
)
REQ = {
    "goal": "Dark mode",
    "title": "Dark mode",
    "slug": "dark-mode",
    "brief": "**Goal:** Dark mode",
    "repository": "acme/site",
}
RUN = ("t1", "r1")  # the run the phases are of: its pull request's branch is named from its key
BRANCH = {"branch": branch_for(idempotency_key(*RUN, 7, 1))}
DRAFT = {"text": "# Dark mode\n- Goal: a toggle"}
MISSING = 'tests: failure\nnotes/dark-mode.md: missing the line "Status: proposed"'
FAILED = {
    "state": "failure",
    "fixes_left": 2,
    "head_sha": "a" * 40,
    "failing": [{"name": "tests", "output": MISSING}],
}
NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
PASSED = {"state": "success", "fixes_left": 1, "head_sha": "b" * 40}
COMMENT = {"state": "comment", "ignored": 0, "comment_id": 7, "body": 'please add the line "Red for overdue"'}


def _phase(outputs: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return plan_for({"phase": 2, "read": {"outputs": {str(k): v for k, v in outputs.items()}}}, GOAL)


def _tools(plan: dict[str, Any]) -> list[str]:
    return [s["tool"] for s in plan["steps"]]


def _args(plan: dict[str, Any], n: int) -> dict[str, Any]:
    args: dict[str, Any] = json.loads(plan["steps"][n - 1]["args_json"])
    return args


def test_the_first_code_phase_opens_a_draft_and_waits_for_its_checks() -> None:
    plan = _phase({3: REQ})
    assert _tools(plan) == ["draft_text", "open_pull_request", "await_checks", "plan_next"]
    assert _args(plan, 2)["draft"] is True and _args(plan, 2)["files"][0]["path"] == "notes/dark-mode.md"


def test_a_failing_check_gets_the_line_it_printed_and_nothing_else() -> None:
    plan = _phase({3: REQ, 5: DRAFT, 7: BRANCH, 8: FAILED})
    assert _tools(plan) == ["push_fix", "await_checks", "plan_next"]
    [fixed] = _args(plan, 1)["files"]
    assert fixed["content"] == "# Dark mode\n- Goal: a toggle\nStatus: proposed\n"
    unreadable = FAILED | {"failing": [{"name": "tests", "output": "segfault"}]}
    assert _tools(_phase({3: REQ, 5: DRAFT, 7: BRANCH, 8: unreadable})) == ["finish"]


def test_passing_checks_wait_for_a_review_then_the_comment_is_answered_then_it_ships() -> None:
    assert _tools(_phase({3: REQ, 5: DRAFT, 7: BRANCH, 8: FAILED, 12: PASSED})) == [
        "await_review",
        "plan_next",
    ]
    revise = _phase({3: REQ, 5: DRAFT, 7: BRANCH, 8: FAILED, 12: PASSED, 14: COMMENT})
    assert _tools(revise) == ["push_revision", "await_checks", "plan_next"]
    assert _args(revise, 1)["comment_id"] == 7
    assert _args(revise, 1)["files"][0]["content"].endswith("Status: proposed\nRed for overdue\n")
    ship = _phase({3: REQ, 5: DRAFT, 7: BRANCH, 8: FAILED, 12: PASSED, 14: COMMENT, 18: PASSED})
    assert _tools(ship) == [
        "deploy_vercel",
        "merge_pull_request",
        "deploy_vercel",
        "await_deployment",
        "check_production",
        "finish",
    ]
    assert _args(ship, 2)["sha"] == "b" * 40 and "smoke_paths" not in _args(ship, 2)
    assert _args(ship, 3)["target"] == "production"


def test_a_goal_that_ships_nothing_is_left_to_the_other_plans() -> None:
    assert release_project("open a pull request in acme/site") is None
    assert release_project(GOAL) == "site"


def test_a_context_cut_at_the_prompts_size_is_read_as_far_as_it_is_whole() -> None:
    context = {
        "goal": GOAL,
        "phase": 2,
        "why": "go on",
        "read": {"page": None, "outputs": {"3": REQ}, "recent": ["x" * 9000]},
    }
    text = json.dumps(context, ensure_ascii=False, indent=1)[:6000]
    got = recovered({"truncated": text})
    assert got == {"goal": GOAL, "phase": 2, "why": "go on", "read": {"page": None, "outputs": {"3": REQ}}}
    assert recovered({"goal": "g"}) == {"goal": "g"}
    first = json.dumps({"goal": GOAL, "page": {"text": "x" * 9000}}, indent=1)[:6000]
    assert recovered({"truncated": first}) == {"truncated": first}  # a first plan's: left as it was
    prompt = "plan\n```json\n" + json.dumps({"truncated": text}) + "\n```"
    answer = answer_for("PlanOut", prompt)
    assert answer is not None and [s["tool"] for s in answer["steps"]][:2] == [
        "draft_text",
        "open_pull_request",
    ]


def test_a_revision_run_patches_the_file_after_the_line_its_comment_quotes_on_its_branch() -> None:
    """Decision 0127's revision run, offline: its goal as ``revision_goal`` writes it."""
    from shared.code.domain import revisions

    r = revisions.Revision("acme/site", 2, "notion-agent/y-1", "rosa", 91, "acme/site#2")
    asked = (
        '@notion-agent please add the line "Red for overdue" after the line "- Goal: a toggle" in notes/d.md'
    )
    plan = plan_for({}, revisions.revision_goal(r, asked, "r9"))
    assert _tools(plan) == ["push_revision", "finish"]
    push = json.loads(plan["steps"][0]["args_json"])
    assert (push["repository"], push["branch"], push["comment_id"]) == ("acme/site", "notion-agent/y-1", 91)
    [change] = push["files"]
    assert change["path"] == "notes/d.md"
    assert change["edits"] == [{"search": "- Goal: a toggle", "replace": "- Goal: a toggle\nRed for overdue"}]
    other = plan_for({}, revisions.revision_goal(r, "@notion-agent rename it all", "r9"))
    assert _tools(other) == ["finish"]


def _unasked(step: Any) -> bool:
    """Whether code lets this code effect run without asking, as the engine decides it at its step
    (``Tool.unasked``) for a preview: its branch is the run's own pull request's (decision 0148)."""
    from shared.runs.domain.approval_digests import is_production
    from shared.tools import REGISTRY

    tool = REGISTRY[step.tool]
    if tool.unasked is None or is_production(step.tool, step.args):
        return False  # a merge's auto-merge is the owner's policy, off by default: asked
    ctx = ToolContext(
        *RUN, step=1, key="", notion=None, model=cast(Any, None), queue=cast(Any, None), prompt=str
    )
    return tool.unasked(ctx, tool.args.model_validate(step.args)) is not None


def _decisions(steps: list[Any]) -> list[str]:
    """What a phase asks the owner, as the engine asks it: each request_approval, each code effect
    asked for at its own step (unless code lets it run unasked), and any other code effect no
    approval before it in the phase covers."""
    from shared.engine.agent.approvals import asks_at_its_step
    from shared.tools import REGISTRY, SideEffect

    asked: list[str] = []
    for n, step in enumerate(steps):
        code = REGISTRY[step.tool].effect == SideEffect.CODE
        before = any(s.tool == "request_approval" for s in steps[:n])
        if code and _unasked(step):
            continue
        if step.tool == "request_approval" or (code and (asks_at_its_step(step) or not before)):
            asked.append(
                step.tool
                if step.tool != "deploy_vercel"
                else f"deploy_vercel {step.args.get('target', 'preview')}"
            )
    return asked


def test_an_idea_reaches_production_in_five_decisions() -> None:
    """As docs/deploy.md states it: an idea whose first checks fail once and
    that no reviewer comments on takes five decisions: the requirements, the pull request, the fix, the
    merge, production (the number and the list read from docs/deploy.md). Each phase as the offline
    model plans it and the engine checks it. Before, a seventh ("Approve the next changes?") came
    before the pull request, which is asked for anyway, and a sixth was the release phase's approval inserted for its preview (previews do not wait: 0148)."""
    from shared.engine.agent.plans import validate_phase, validate_plan
    from shared.platform.domain.model_replies import PlanOut
    from shared.platform.domain.offline_ideas import idea_plan
    from shared.platform.domain.offline_release import RELEASE_TOOLS

    page = {"id": "p1", "title": "Dark mode", "text": "A toggle"}
    first = validate_plan(
        PlanOut.model_validate(idea_plan(page, GOAL, "acme/site", RELEASE_TOOLS)), 50, trigger_page_id="p1"
    )
    none = {"state": "none", "ignored": 0, "number": 1}
    later: list[dict[int, dict[str, Any]]] = [
        {3: REQ},
        {3: REQ, 5: DRAFT, 7: BRANCH, 8: FAILED},
        {3: REQ, 5: DRAFT, 7: BRANCH, 8: FAILED, 12: PASSED},
        {3: REQ, 5: DRAFT, 7: BRANCH, 8: FAILED, 12: PASSED, 14: none},
    ]
    asked, done = _decisions(list(first.steps)), len(first.steps)
    for outputs in later:
        plan = PlanOut.model_validate(_phase(outputs))
        steps = validate_phase(plan, 50 - done, done, tuple(first.tools), trigger_page_id="p1")
        asked, done = asked + _decisions(steps), done + len(steps)
    assert asked == [
        "request_approval",  # the requirements, edited on the page
        "open_pull_request",
        "push_fix",
        "merge_pull_request",  # its preview, of the run's own branch, was not asked
        "deploy_vercel production",
    ]
    # The number docs/deploy.md states, and the decisions it names, are the ones counted here.
    deploy_md = " ".join((Path(__file__).parents[4] / "docs" / "deploy.md").read_text().split())
    stated = re.search(r"reaches production in \*\*(\w+) decisions\*\*: ([^(]+) \(", deploy_md)
    assert stated is not None, "docs/deploy.md no longer states how many decisions an idea takes"
    assert (NUMBERS.index(stated[1]), len(stated[2].split(", "))) == (len(asked), len(asked)), stated[0]
