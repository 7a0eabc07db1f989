"""``make demo-code`` on the whole local stack, as it runs: an idea row of the Notion sandbox becomes
requirements, then a draft pull request whose first checks fail and are fixed, a reviewer's comment
and its revision, a ready preview with its smoke check, the merge, production, a failing health check
and its rollback; a second idea holding a key-like string is stopped by the secret scan. Each RESULT
figure is counted from the sandboxes' state, and each is checked here against that state too."""

from collections.abc import Iterator
from typing import Any

import pytest

from local.demo_code import EXTRA_ENV, FAKE_KEY, REPOSITORY, REVIEW, result_line, run_demo_code
from local.stack import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(extra_env=EXTRA_ENV) as running:
        yield running


@pytest.fixture(scope="module")
def demo(stack: LocalStack) -> dict[str, Any]:
    return run_demo_code(stack)


def test_the_result_line_counts_every_stage(demo: dict[str, Any]) -> None:
    result = demo["result"]
    line = result_line(result)
    assert line.startswith("RESULT checks_fixed=")
    assert result["checks_fixed"] >= 1 and result["secrets_blocked"] >= 1, line
    for figure in ("pr_ready", "preview_ready_before_ask", "merged", "rollback_ok", "revised"):
        assert result[figure] == 1, line


def test_the_idea_run_went_through_each_stage_in_order(demo: dict[str, Any]) -> None:
    [shipped] = [r for r in demo["runs"] if r["status"] == "completed"]
    tools = [e["tool"] for e in shipped["events"] if e["kind"] == "tool_result"]
    order = ["write_requirements", "open_pull_request", "push_fix", "await_review", "push_revision"]
    order += ["merge_pull_request", "check_production"]
    assert [t for t in tools if t in order] == order
    results = {e["tool"]: e["output"] for e in shipped["events"] if e["kind"] == "tool_result"}
    health, review = results["check_production"], results["await_review"]
    assert health["healthy"] is False and health["status"] == 500 and health["rolled_back_to"]
    assert review["author"] == "rosa" and review["body"] == REVIEW


def test_the_merge_was_asked_with_the_ready_preview_and_its_smoke_check(demo: dict[str, Any]) -> None:
    asked = [s for s in demo["steps"] if "merge_pull_request(" in s]
    assert asked, demo["steps"]
    [shipped] = [r for r in demo["runs"] if r["status"] == "completed"]
    prompts = [e["prompt"] for e in shipped["events"] if e["kind"] == "human_requested"]
    [merge] = [p for p in prompts if "is READY at" in p]
    assert "smoke check: / answered 200" in merge


def test_the_secret_never_reached_github(demo: dict[str, Any], stack: LocalStack) -> None:
    [blocked] = [r for r in demo["runs"] if r["status"] == "failed"]
    assert "AWS Access Key" in blocked["summary"] and FAKE_KEY not in blocked["summary"]
    from local.code_sandbox.testing import Admin

    admin = Admin(stack.code_sandbox_url)
    repo = admin.repo(REPOSITORY)
    assert len(repo["pulls"]) == 1 and len(repo["branches"]) == 2  # main and the idea that shipped
    assert all(FAKE_KEY not in str(r) for r in admin.requests())
