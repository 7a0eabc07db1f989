"""A code run's page and the repository policy screen in a real browser.

The code run's log is the one the pipeline writes (tests/support/code/code_run_log.py; the integration
tests under tests/integration/code write it for real), put into the stack's Firestore: its change
diffed and highlighted with unchanged lines folded, its failing check's output, its preview and
production states, its approvals; the same at a phone's width. The owner saves a policy with
auto-merge, the tests' command and smoke paths; an admin sees the form disabled and the api refuses her."""

import os
import uuid
from typing import Any
from unittest import mock

import pytest
from playwright.sync_api import expect

from local.stack import PROJECT, LocalStack
from tests.support.code.code_run_log import (
    FAILING_OUTPUT,
    PREVIEW_URL,
    ROLLED_BACK,
    code_run_log,
    waiting_merge_log,
)
from tests.web.browser import Figures
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e
PHONE = 390


def _store(stack: LocalStack) -> Any:
    from google.cloud import firestore

    from shared.runs.adapters.firestore_store import FirestoreRunStore

    with mock.patch.dict(os.environ, {"FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{stack.firestore_port}"}):
        return FirestoreRunStore(firestore.Client(project=PROJECT))


@pytest.fixture(scope="module")
def code_run(setup: Setup) -> str:
    """The released code run, in this workspace's store: its id."""
    tenant_id = setup.api("GET", "/session")["tenant_id"]
    run_id = f"code-{uuid.uuid4().hex[:12]}"
    assert _store(setup.stack).create_run(tenant_id, run_id, code_run_log())
    return run_id


@pytest.fixture(scope="module")
def healthy_run(setup: Setup) -> str:
    """A released code run whose production passed its health check: its id."""
    tenant_id = setup.api("GET", "/session")["tenant_id"]
    run_id = f"code-{uuid.uuid4().hex[:12]}"
    assert _store(setup.stack).create_run(tenant_id, run_id, code_run_log(healthy=True))
    return run_id


def test_a_code_runs_change_shows_highlighted_with_unchanged_lines_folded(
    setup: Setup, code_run: str
) -> None:
    view = setup.api("GET", f"/runs/{code_run}/code")  # the api's part, before the screen's
    assert [f["path"] for f in view["files"]] == ["src/app.py"]
    c = setup.tab()
    c.open(f"/#/runs/{code_run}")
    page = c.page
    expect(page.get_by_role("heading", name="Code: acme/site")).to_be_visible(timeout=LIVE_MS)
    diff = page.locator("table.diff")
    expect(diff.locator("tr.del")).to_contain_text("return 10  # number 10")
    expect(diff.locator("tr.add")).to_contain_text('return "ten"  # now a word')
    expect(diff.locator("tr.add .tok-keyword").first).to_have_text("return")
    expect(diff.locator("tr.add .tok-string")).to_have_text('"ten"')
    expect(diff.locator("tr.add .tok-comment")).to_have_text("# now a word")
    expect(diff.locator("tr.ctx .tok-keyword", has_text="def").first).to_be_visible()
    folds = diff.locator("tr.fold")
    expect(folds).to_have_count(2)  # before the change and after it
    expect(folds.first).to_contain_text("Show 16 unchanged lines")
    rows = diff.locator("tbody tr").count()
    c.press("button", "Show 16 unchanged lines")
    expect(folds).to_have_count(1)
    expect(diff.locator("tbody tr")).to_have_count(rows - 1 + 16)
    expect(diff.locator("tr.ctx", has_text="def f1():")).to_be_visible()
    c.screen("run-code", "Ten as a word")


def test_a_code_runs_checks_deployments_and_approvals_show(setup: Setup, code_run: str) -> None:
    c = setup.tab()
    c.open(f"/#/runs/{code_run}")
    page = c.page
    section = page.locator("section.code-view")
    expect(section).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_role("heading", name="Checks: failure")).to_be_visible()
    expect(section.locator("li.check.failure")).to_contain_text("tests: failure")
    expect(section.locator("li.check.failure pre.check-output")).to_have_text(FAILING_OUTPUT)
    expect(section.locator("li.check.success")).to_contain_text("lint: success")
    deployments = section.locator("ul.deployments > li")
    expect(deployments).to_have_count(2)
    expect(deployments.nth(0)).to_contain_text("Preview: READY")
    expect(deployments.nth(0).get_by_role("link", name=PREVIEW_URL)).to_have_attribute("href", PREVIEW_URL)
    # The run's own outcome, the deployment's last state, nothing left to roll back.
    expect(page.locator("span.status-rolled_back").first).to_have_text("Rolled back")
    expect(page.get_by_text(ROLLED_BACK).first).to_be_visible()
    expect(deployments.nth(1)).to_contain_text("Production: ROLLED BACK (failed its health check)")
    expect(section.locator("p.merge")).to_contain_text("Merged as bbbbbbbbbbbb.")
    expect(section.locator("p.health")).to_contain_text(
        "failed its health check (it answered 500); rolled back to dpl_prod1."
    )
    expect(page.get_by_role("button", name="Roll production back")).to_have_count(0)
    approvals = section.locator("ul.approvals > li")
    expect(approvals).to_have_count(4)
    expect(approvals.nth(2)).to_contain_text("Step 5, merge_pull_request: approved by Ada")


def test_at_a_phones_width_the_code_view_fits_the_screen(
    setup: Setup, code_run: str, figures: Figures
) -> None:
    phone = setup.tab(setup.context(width=PHONE))
    phone.open(f"/#/runs/{code_run}")
    expect(phone.page.locator("table.diff tr.add")).to_be_visible(timeout=LIVE_MS)
    expect(phone.page.locator("ul.deployments > li").first).to_contain_text("Preview: READY")
    wide = phone.overflowing()
    figures.phone_overflow = (figures.phone_overflow or 0) + len(wide)
    assert wide == []
    phone.screen("run-code-phone", "Ten as a word")


def test_a_roll_back_pressed_twice_asks_the_owner_in_one_run(setup: Setup, healthy_run: str) -> None:
    """The action makes one run whose one effect waits for the owner's approval (tests/integration/code
    test_release: it is done once); pressed again, the same run, nothing more asked."""
    c = setup.tab()
    c.open(f"/#/runs/{healthy_run}")
    c.press("button", "Roll production back")
    said = c.page.get_by_role("status").filter(has_text="production goes back from dpl_prod2")
    expect(said).to_contain_text("Asked:")
    link = said.get_by_role("link", name="its run")
    first = link.get_attribute("href")
    c.press("button", "Roll production back")
    expect(said).to_contain_text("Already asked:")
    assert link.get_attribute("href") == first and first
    run_id = first.removeprefix("#/runs/")
    assert setup.api("GET", f"/runs/{run_id}")["goal"].startswith(
        "Roll production of site back from dpl_prod2"
    )
    rollbacks = [r for r in setup.api("GET", "/runs")["runs"] if r["run_id"].startswith("rollback-")]
    assert [r["run_id"] for r in rollbacks] == [run_id]


def test_the_owner_approves_the_pending_merge_in_the_code_view(setup: Setup) -> None:
    """The merge's approval decided in place, through the decision route the inbox uses."""
    tenant_id = setup.api("GET", "/session")["tenant_id"]
    run_id = f"code-{uuid.uuid4().hex[:12]}"
    assert _store(setup.stack).create_run(tenant_id, run_id, waiting_merge_log())
    [pending] = [a for a in setup.api("GET", f"/runs/{run_id}/code")["approvals"] if not a["decision"]]
    assert pending["tool"] == "merge_pull_request"
    c = setup.tab()
    c.open(f"/#/runs/{run_id}")
    # What approving lets happen is said in words, never as its digest
    said = "Approving lets the change described above happen beyond the run's own pages, to production."
    expect(c.page.locator("section.decision p.effects")).to_have_text(said, timeout=LIVE_MS)
    expect(c.page.locator("section.decision")).not_to_contain_text("prod:")
    merge = c.page.locator("ul.approvals > li").filter(has_text="merge_pull_request")
    expect(merge).to_contain_text("waiting for the owner", timeout=LIVE_MS)
    c.press("button", "Approve the merge")
    expect(merge.get_by_role("status")).to_have_text("Merge approved.")
    decided = {a["request_id"]: a for a in setup.api("GET", f"/runs/{run_id}/code")["approvals"]}
    assert decided[pending["request_id"]]["decision"] == "approve"


def _policy(setup: Setup) -> dict[str, Any]:
    listed = setup.api("GET", "/repositories/policies")["repositories"]
    return next(r["policy"] for r in listed if r["repository"] == "acme/site")


def test_the_owner_saves_a_repositorys_policy_with_auto_merge(setup: Setup) -> None:
    setup.api("PATCH", "/settings", {"github_repositories": ["acme/site"]})
    assert _policy(setup)["auto_merge"] is False  # off by default
    c = setup.tab()
    c.open("/#/repositories")
    expect(c.page.get_by_role("heading", name="acme/site")).to_be_visible(timeout=LIVE_MS)
    c.fill("Paths a run may write, one pattern a line (* also crosses /)", "src/*\ntests/*")
    c.fill("Largest file, in bytes", "50000")
    tests = c.page.get_by_label("The tests' command", exact=False)
    expect(tests).to_have_value("")  # the api kept it; the screen shows it
    c.fill("The tests' command, when the repository's AGENTS.md or CONTRIBUTING.md does not say", "make test")
    smoke = "Smoke paths: what the ready preview must answer before the merge is asked for, one path a line starting with /"
    expect(c.page.get_by_label(smoke)).to_have_value("/")  # the default
    c.fill(smoke, "/\n/api/health")
    c.tick("Auto-merge: a change that passes every check inside the allowed paths may merge without asking")
    c.press("button", "Save the policy of acme/site")
    expect(c.page.get_by_role("status").filter(has_text="Saved: auto-merge is on.")).to_be_visible()
    saved = _policy(setup)
    assert (saved["allowed_paths"], saved["max_file_bytes"], saved["auto_merge"]) == (
        ["src/*", "tests/*"],
        50000,
        True,
    )
    assert (saved["test_command"], saved["smoke_paths"]) == ("make test", ["/", "/api/health"])
    c.fill(smoke, "api/health")  # not a path on the site: refused with the reason, nothing stored
    c.press("button", "Save the policy of acme/site")
    expect(c.page.get_by_text("starting with '/'", exact=False).first).to_be_visible()
    assert _policy(setup)["smoke_paths"] == ["/", "/api/health"]
    c.screen("repositories", "Repositories")


def test_an_admin_may_not_change_a_repositorys_policy(setup: Setup) -> None:
    setup.api("PATCH", "/settings", {"github_repositories": ["acme/site"]})
    before = _policy(setup)
    m = setup.teammate_tab("admin")
    m.open("/#/repositories")
    expect(
        m.page.get_by_text("Your role (admin) may not change a repository's policy: the owner does.")
    ).to_be_visible(timeout=LIVE_MS)
    expect(m.page.get_by_role("button", name="Save the policy of acme/site")).to_be_disabled()
    status, body = m.api(
        "PUT",
        "/repositories/acme/site/policy",
        {"allowed_paths": ["*"], "auto_merge": not before["auto_merge"]},
    )
    assert status == 403, body
    status, body = m.api("PATCH", "/settings", {"code_policies": {"acme/site": {"auto_merge": True}}})
    assert status == 403 and "owner" in body["reason"], body
    assert _policy(setup) == before


REVIEWERS = (
    "Reviewers: the GitHub logins whose comments on a run's pull request ask it for a revision, one a line"
)
WAIT = "Wait for a reviewer's comment, in minutes after the last push"


def test_the_owner_lists_reviewers_and_the_review_wait_on_the_repositories_screen(setup: Setup) -> None:
    """The wait for a code review and who may ask for a revision were set only through the
    api; with nobody listed a run waited a day, unsaid. The form says what happens, and sets both."""
    setup.api("PATCH", "/settings", {"github_repositories": ["acme/site"]})
    setup.api("PUT", "/repositories/acme/site/policy", _policy(setup) | {"reviewers": []})
    c = setup.tab()
    c.open("/#/repositories")
    expect(c.page.get_by_role("heading", name="acme/site")).to_be_visible(timeout=LIVE_MS)
    reviewers = c.page.get_by_label(REVIEWERS)
    expect(reviewers).to_have_value("")
    expect(reviewers).to_have_accessible_description(
        "Nobody is listed: a run waits for no review and says so in its timeline."
    )
    expect(c.page.get_by_label(WAIT)).to_have_value("1440")  # the default day, in minutes
    c.fill(REVIEWERS, "rosa\n@ada-l")
    c.fill(WAIT, "5")
    expect(reviewers).to_have_accessible_description(
        "A run waits for their comment after its checks pass, then revises or ships."
    )
    c.press("button", "Save the policy of acme/site")
    expect(c.page.get_by_role("status").filter(has_text="Saved:")).to_be_visible()
    saved = _policy(setup)
    assert (saved["reviewers"], saved["review_wait_s"]) == (["rosa", "ada-l"], 300)
    c.fill(REVIEWERS, "rosa\nnot a login")  # refused with the reason, nothing stored
    c.press("button", "Save the policy of acme/site")
    expect(c.page.get_by_text("Give at most 50 GitHub logins", exact=False)).to_be_visible()
    assert _policy(setup)["reviewers"] == ["rosa", "ada-l"]
