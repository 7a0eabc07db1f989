"""``make demo-code`` on the whole local stack, as it runs: an idea row of the Notion sandbox becomes
requirements, then a draft pull request whose first checks fail and are fixed, a ready preview with
its smoke check, the merge, production, a failing health check and its rollback; a second idea holding
a key-like string is stopped by the secret scan; a finished run's pull request revised from a signed
review comment. Each RESULT figure is counted from the sandboxes' state, and checked here too."""

from collections.abc import Iterator
from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from local.demo_code import (
    ASKED,
    EXTRA_ENV,
    FAKE_KEY,
    NOTE_PATH,
    REPOSITORY,
    REVIEWER,
    result_line,
    run_demo_code,
)
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
    """On the stack's defaults (no NA_RUN_MAX_REPLANS), ending as its own outcome."""
    [shipped] = [r for r in demo["runs"] if r["status"] == "rolled_back"]
    assert shipped["summary"].startswith("Rolled back: production of ")
    tools = [e["tool"] for e in shipped["events"] if e["kind"] == "tool_result"]
    order = ["write_requirements", "open_pull_request", "push_fix", "await_review"]
    order += ["merge_pull_request", "check_production"]
    assert [t for t in tools if t in order] == order
    results = {e["tool"]: e["output"] for e in shipped["events"] if e["kind"] == "tool_result"}
    health, review = results["check_production"], results["await_review"]
    assert health["healthy"] is False and health["status"] == 500 and health["rolled_back_to"]
    assert review["state"] == "none"  # nobody commented while it waited: it went on


def test_the_merge_was_asked_with_the_ready_preview_and_its_smoke_check(demo: dict[str, Any]) -> None:
    asked = [s for s in demo["steps"] if "merge_pull_request(" in s]
    assert asked, demo["steps"]
    [shipped] = [r for r in demo["runs"] if r["status"] == "rolled_back"]
    prompts = [e["prompt"] for e in shipped["events"] if e["kind"] == "human_requested"]
    [merge] = [p for p in prompts if "is READY at" in p]
    assert "smoke check: / answered 200" in merge


def test_the_secret_never_reached_github(demo: dict[str, Any], stack: LocalStack) -> None:
    [blocked] = [r for r in demo["runs"] if r["status"] == "failed"]
    assert "AWS Access Key" in blocked["summary"] and FAKE_KEY not in blocked["summary"]
    admin = Admin(stack.code_sandbox_url)
    repo = admin.repo(REPOSITORY)
    assert len(repo["pulls"]) == 2 and len(repo["branches"]) == 3  # main, the idea shipped, the note
    assert all(FAKE_KEY not in str(r) for r in admin.requests())


def test_the_revision_came_from_a_signed_review_comment_after_its_run_ended(
    demo: dict[str, Any], stack: LocalStack
) -> None:
    note, revision = demo["note"], demo["revision"]
    assert note["status"] == "completed" and revision["status"] == "completed"
    assert revision["parent_run_id"] == note["run_id"] and revision["created_at"] > note["updated_at"]
    assert ASKED in revision["goal"] and "untrusted" in revision["goal"]
    admin = Admin(stack.code_sandbox_url)
    [delivered] = [d for d in admin.deliveries() if d["event"] == "pull_request_review_comment"]
    assert delivered["answers"] == [200] and "/github/webhook/" in delivered["url"]  # signed, taken once
    assert delivered["payload"]["comment"]["user"]["login"] == REVIEWER
    made = [e["output"] for e in note["events"] if e["kind"] == "tool_result"]
    [opened] = [o for o in made if "branch" in o and "number" in o]
    done = [e for e in revision["events"] if e["kind"] == "tool_result" and e["tool"] == "push_revision"]
    [pushed] = [e["output"] for e in done]
    assert pushed["branch"] == opened["branch"]
    [pull] = [p for p in admin.repo(REPOSITORY)["pulls"] if p["head"] == opened["branch"]]
    assert pull["head_sha"] == pushed["head_sha"] and not pull["merged"]
    lines = admin.files(REPOSITORY, opened["branch"])[NOTE_PATH].splitlines()
    assert lines[-1] == ASKED
