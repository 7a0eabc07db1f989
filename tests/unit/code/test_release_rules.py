"""The release's rules that need no sandbox (issue 68, points 5 and 6): a merge is asked for at its own
step (never granted by a plan's approval, which lists steps before their previews exist), counts as
production, and its arguments name a full commit sha; a health path stays a path on the site."""

from datetime import UTC, datetime
from typing import Any

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
