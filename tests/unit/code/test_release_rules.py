"""The release's rules that need no sandbox: a merge is asked for at its own
step (never granted by a plan's approval, which lists steps before their previews exist), counts as
production, and its arguments name a full commit sha; a health path stays a path on the site."""

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from shared.engine.agent import approvals
from shared.platform.errors import ModelFixableError
from shared.runs.domain.approval_digests import PRODUCTION, effect_digest, is_production
from shared.runs.domain.events import PlannedStep, RunPlanned
from shared.runs.domain.state import RunState, fold
from shared.tools import REGISTRY, validate

SHA = "a" * 40
MERGE = {"repository": "acme/site", "branch": "notion-agent/x-r1-1-1", "sha": SHA, "preview_project": "site"}
PREVIEW = {"project": "site", "repository": "acme/site", "ref": "main"}


def _state(*steps: tuple[str, dict[str, Any]]) -> RunState:
    planned = [PlannedStep(tool=t, args=a) for t, a in steps]
    tools = sorted({t for t, _ in steps})
    return fold(
        [RunPlanned(seq=1, at=datetime.now(UTC), goal="g", trigger="api", steps=planned, tools=tools)]
    )


def test_a_plans_approval_lists_a_literal_preview_but_never_a_merge() -> None:
    state = _state(
        ("request_approval", {"summary": "s"}), ("deploy_vercel", PREVIEW), ("merge_pull_request", MERGE)
    )
    listed = [(n, p.tool) for n, p, _ in approvals.covered(state, 1)]
    assert listed == [(2, "deploy_vercel")]


def test_a_merge_is_a_production_effect_whose_approval_a_workspace_read_spends() -> None:
    assert is_production("merge_pull_request", MERGE)
    digest = approvals.gated(_state(("merge_pull_request", MERGE)), REGISTRY["merge_pull_request"], MERGE)
    assert digest == effect_digest("merge_pull_request", MERGE, production=True) and digest.startswith(
        PRODUCTION
    )


@pytest.mark.parametrize(
    ("tool", "args", "said"),
    [
        ("merge_pull_request", MERGE | {"sha": "main"}, "at least 40 characters"),
        ("merge_pull_request", MERGE | {"sha": SHA.upper()}, "full commit sha"),
        (
            "check_production",
            {"project": "site", "deployment_id": "dpl_1", "path": "//evil.example/x"},
            "path",
        ),
        (
            "check_production",
            {"project": "site", "deployment_id": "dpl_1", "path": "https://evil.example"},
            "path",
        ),
        ("check_production", {"project": "site", "deployment_id": "dpl_1", "path": "/a/../b"}, "path"),
        ("await_deployment", {"project": "site", "deployment_id": "dpl 1"}, "deployment id"),
    ],
)
def test_arguments_a_release_refuses(tool: str, args: dict[str, object], said: str) -> None:
    with pytest.raises(ModelFixableError, match=said):
        validate(tool, args)


def test_the_request_for_a_merge_carries_what_code_checked_after_the_effect() -> None:
    facts = "Code checked: pull request #1 is open; its preview dpl_1 is READY at https://site-x.vercel.app."
    prompt = approvals.effect_request("merge_pull_request", MERGE, "ship it", facts=facts)
    assert prompt.startswith("Allow this change to production? It will: merge_pull_request(")
    assert prompt.index(facts) < prompt.index("The agent's own words")


def test_a_preview_runs_unasked_only_of_a_branch_the_run_opened() -> None:
    """Decision 0148 (docs/deploy.md: previews do not wait): a preview of the run's own pull request's
    branch, or in a revision run of the branch the run it revises opened, runs without asking; a
    preview of any other branch or commit, one of another run's branch, and production are asked."""
    from shared.code.domain.revisions import revision_run_id
    from shared.tools.base import ToolContext, idempotency_key
    from shared.tools.code.pull_request import branch_for

    tool = REGISTRY["deploy_vercel"]
    check = tool.unasked
    assert check is not None

    def unasked(run_id: str, ref: str, target: str = "preview") -> str | None:
        ctx = ToolContext("t1", run_id, 3, "", None, cast(Any, None), cast(Any, None), str)
        args = tool.args.model_validate(
            {"project": "site", "repository": "acme/site", "ref": ref, "target": target}
        )
        return check(ctx, args)

    own = branch_for(idempotency_key("t1", "r1", 2))
    said = unasked("r1", own)
    assert said is not None and said.startswith(f"a preview of {own}, the branch of this run's pull request")
    revision = revision_run_id("r1", "gh-7")
    assert revision is not None and unasked(revision, own) is not None  # the run it revises opened it
    for run_id, ref in (("r1", "main"), ("r1", SHA), ("r2", own), ("r1", own + "x")):
        assert unasked(run_id, ref) is None, (run_id, ref)
    assert unasked("r1", own, "production") is None
    other = branch_for(idempotency_key("t2", "r1", 2))  # another workspace's run of the same id
    assert unasked("r1", other) is None


def test_a_roll_back_is_a_production_change_the_owner_decides() -> None:
    """Found by the person flow: the console says production goes back "once the owner
    approves it", yet the rollback's request was classed beyond the run's own pages, which an admin
    decides by default. It is a production change: asked "to production", the owner's to decide."""
    from shared.runs.domain.state import Waiting, role_needed
    from shared.workspace.domain.members import Approvers

    args = {"project": "site", "deployment_id": "dpl_1"}
    assert is_production("roll_back_production", args)
    digest = approvals.gated(_state(("roll_back_production", args)), REGISTRY["roll_back_production"], args)
    assert digest is not None and digest.startswith(PRODUCTION)
    waiting = Waiting(request_id="effect-1-2", purpose="approval", prompt="p", step=1, effects=(digest,))
    assert role_needed(Approvers(), waiting) == "owner"
    assert approvals.effect_request("roll_back_production", args, "").startswith(
        "Allow this change to production?"
    )
