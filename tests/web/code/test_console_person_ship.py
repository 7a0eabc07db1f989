"""An idea to production and back, as a person does it, on the shared stack as
``make stack`` runs it (its defaults; its GitHub's ``acme/site`` runs its test on each push and its
Vercel's ``site`` serves production, local/code_sandbox/stack_seed.py), following only what the docs
and the screens say. The owner connects GitHub and Vercel with the tokens ``make stack`` prints,
allows the repository and the project in Settings, lists a reviewer and the review wait on the
Repositories screen, makes an agent with words docs/local-stack.md gives, and names it in a comment
on an idea's page in the Notion sandbox's screen. Each decision is made on the run's page, whose
card names who decides; the reviewer follows the run page's pull request link to its page on the
GitHub sandbox and comments there, and the run answers with a revision; production ships healthy and the owner
rolls it back from the run's Code section. Six decisions: the five of docs/deploy.md, and the
revision the reviewer's comment asked for."""

import re
import time
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from local.code_sandbox.sandbox import SEED
from local.code_sandbox.stack_seed import SEED_KEY
from local.demo import wait_for
from local.stack import by_hand
from shared.code.adapters.vercel import VercelDeployer
from tests.web.browser import Console
from tests.web.workspace import LIVE_MS, Setup, connect_by_token

pytestmark = pytest.mark.e2e
IDEA = "A dashboard of open tasks"  # a row of Ideas
AGENT = "Shipper"
# docs/local-stack.md, "What the local model understands": the requirements row's example.
INSTRUCTIONS = (
    "write requirements, then a PR in acme/site, and ship it to production on the Vercel project site"
)
REVIEWER, ASKED = "rosa", "Red for overdue"
SHIP_S = 420.0  # checks, a fix, the review's wait (a minute), a revision, the release, on a busy machine


def _run(setup: Setup, run_id: str) -> dict[str, Any]:
    got = requests.get(f"{setup.stack.console_url}/api/runs/{run_id}", headers=setup.auth, timeout=30)
    return dict(got.json()) if got.status_code == 200 else {}


def _review(setup: Setup, run_id: str) -> None:
    """The reviewer follows the run page's "Pull request #n" link to the pull request's page on the
    GitHub sandbox and comments there as their login (before, only the sandbox's API)."""
    c = setup.tab()
    c.open(f"/#/runs/{run_id}")
    link = c.page.get_by_role("link", name=re.compile(r"^Pull request #\d+$"))
    with c.page.context.expect_page() as opened:
        link.click()
    pull = opened.value
    pull.wait_for_load_state()
    pull.get_by_label("Your GitHub login").fill(REVIEWER)
    pull.get_by_label("Comment", exact=True).fill(f'please add the line "{ASKED}"')
    pull.get_by_role("button", name="Comment").click()
    expect(pull.get_by_role("status")).to_contain_text("Your comment was posted.")
    expect(pull.locator("ul.conversation")).to_contain_text(ASKED)
    pull.close()


def _decide_until_it_ends(setup: Setup, c: Console, run_id: str, said: list[str]) -> list[str]:
    """The owner approves each request on the run's page, reading first who decides it and, for a code
    change, what it does in words (into ``said``) above its files' diffs; the reviewer comments once
    the pull request's checks pass. The requests approved, in order."""
    approved: list[str] = []
    commented = False
    deadline = time.monotonic() + SHIP_S
    while time.monotonic() < deadline:
        run = _run(setup, run_id)
        status = run.get("status")
        if status in ("completed", "failed", "cancelled", "rolled_back"):
            assert status == "completed", run.get("summary")
            return approved
        results = [e for e in run.get("events", []) if e["kind"] == "tool_result"]
        passed = any(e["tool"] == "await_checks" and e["output"].get("state") == "success" for e in results)
        if passed and not commented:
            _review(setup, run_id)
            commented = True
        waiting = run.get("waiting") or {}
        if status == "waiting_for_human" and waiting.get("request_id") not in approved:
            assert waiting["purpose"] == "approval", waiting
            c.open(f"/#/runs/{run_id}")
            card = c.page.locator("section.decision")
            expect(card).to_contain_text(
                re.compile(r"(The owner|An admin or the owner|An editor.*) decides\.")
            )
            words = card.locator("p.change-words")
            if words.count():
                said.append(words.inner_text())
                if said[-1].startswith(("Pushes", "Opens")):  # its diff, as the Code section shows one
                    expect(card.locator("li.file tr.add").first).to_be_visible()
            card.get_by_role("button", name="Approve").click()
            # This request is no longer asked (the run's next one may already show in its place).
            asked = c.page.locator(f'section.decision[data-request="{waiting["request_id"]}"]')
            expect(asked).to_have_count(0, timeout=LIVE_MS)
            approved.append(str(waiting["request_id"]))
        time.sleep(setup.every_s)  # the next look at the run, at the pace the owner's tabs leave
    raise AssertionError(f"run {run_id} did not end within {SHIP_S} s: {_run(setup, run_id).get('status')}")


@pytest.mark.person_flow
def test_an_idea_goes_to_production_answers_a_review_and_is_rolled_back(setup: Setup) -> None:
    tokens = by_hand(setup.stack)["integration_tokens"]  # what `make stack` prints
    c = setup.tab()
    connect_by_token(c, tokens, {"github": "GitHub", "vercel": "Vercel"})

    c.open("/#/settings")
    c.fill("GitHub repositories runs may open pull requests in (owner/name, comma separated)", "acme/site")
    c.fill("Vercel projects runs may deploy (comma separated)", "site")
    c.press("button", "Save settings")
    setup.within(lambda: setup.api("GET", "/settings")["settings"]["vercel_projects"] or None, "saved", 30)

    c.open("/#/repositories")
    c.fill(
        "Reviewers: the GitHub logins whose comments on a run's pull request ask it for a revision, one a line",
        REVIEWER,
    )
    c.fill("Wait for a reviewer's comment, in minutes after the last push", "1")
    c.press("button", "Save the policy of acme/site")
    expect(c.page.get_by_role("status")).to_be_visible(timeout=LIVE_MS)

    c.open("/#/agents")
    c.fill("Name", AGENT)
    c.fill("Its instructions (written into its page in Notion)", INSTRUCTIONS)
    c.press("button", "Make the agent")
    expect(c.page.get_by_text("starts only when named", exact=False).first).to_be_visible(timeout=LIVE_MS)

    before = {r["run_id"] for r in setup.api("GET", "/runs")["runs"]}
    s = Console(setup.context(signed_in=False).new_page(), setup.stack.sandbox_url, setup.figures)
    s.open(f"/screen/{setup.workspace}/")
    s.press("link", IDEA, exact=True)
    s.choose("Mention", "Notion Agent (the agent)")
    s.fill("Comment", f"{AGENT}, please ship this idea")
    s.press("button", "Comment")
    expect(s.page.get_by_role("status")).to_contain_text("comment.created")

    def started() -> str | None:
        runs = setup.api("GET", "/runs")["runs"]
        return next(
            (str(r["run_id"]) for r in runs if r["run_id"] not in before and not r.get("parent_run_id")), None
        )

    run_id = setup.within(started, "the run naming the agent to start", 60)
    said: list[str] = []
    approved = _decide_until_it_ends(setup, c, run_id, said)
    run = _run(setup, run_id)
    tools = [e["tool"] for e in run["events"] if e["kind"] == "tool_result"]
    for tool in (
        "write_requirements",
        "open_pull_request",
        "push_fix",
        "push_revision",
        "merge_pull_request",
    ):
        assert tool in tools, (tool, tools)
    assert len(approved) == 6, [e["prompt"][:80] for e in run["events"] if e["kind"] == "human_requested"]
    assert [w.split(" ", 1)[0] for w in said] == ["Opens", "Pushes", "Pushes", "Merges", "Deploys"], said
    assert not [w for w in said if re.search(r"prod:|[0-9a-f]{40}", w)], said  # no digest, no full sha
    view = setup.api("GET", f"/runs/{run_id}/code")
    shipped = next(d["id"] for d in view["deployments"] if d["target"] == "production")

    c.open(f"/#/runs/{run_id}")
    code = c.page.locator("section.code-view")
    expect(code.get_by_role("link", name=re.compile(r"Pull request #\d+"))).to_be_visible(timeout=LIVE_MS)
    code.get_by_role("button", name="Roll production back").click()
    asked = code.get_by_role("status").filter(has_text="once the owner approves it in")
    expect(asked).to_be_visible(timeout=LIVE_MS)
    asked.get_by_role("link", name="its run").click()
    card = c.page.locator("section.decision")
    expect(card).to_contain_text("Rolls production of the Vercel project site back", timeout=LIVE_MS)
    expect(card).to_contain_text("The owner decides.")  # a production change (decision 0148)
    card.get_by_role("button", name="Approve").click()
    vercel = VercelDeployer(setup.stack.code_sandbox_url + "/vercel", 5.0)
    seeded = vercel.find_deployment(SEED["vercel_token"], SEED["project"], SEED_KEY)
    assert seeded is not None

    def back() -> str | None:
        now = vercel.production(SEED["vercel_token"], SEED["project"])
        return now.id if now is not None and now.id != shipped else None

    assert wait_for(back, "production to be rolled back", 90) == seeded.id
    c.open(f"/#/runs/{run_id}")
    expect(code.get_by_role("link", name=re.compile(r"Pull request #\d+"))).to_be_visible(timeout=LIVE_MS)
    c.screen("person-ship-rolled-back", run["title"])
