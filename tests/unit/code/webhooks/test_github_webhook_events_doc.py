"""docs/deploy.md ("GitHub's webhook") subscribes GitHub to every event the route acts on, by the names
GitHub's webhook settings show, and ``GET /github/webhook`` lists the same (the docs left out
``pull_request_review``, so a review's text never started a revision)."""

import re
from pathlib import Path

from functions.routes.runs_api.github_hook import EVENTS
from shared.code.domain.github_events import COMMENT_EVENTS
from shared.code.domain.revisions import REVISION_EVENTS

DEPLOY_MD = (Path(__file__).resolve().parents[4] / "docs" / "deploy.md").read_text()
# GitHub's names of its webhook events in a repository's settings ("Let me select individual events")
SHOWN = {
    "Check runs": "check_run",
    "Statuses": "status",
    "Issue comments": "issue_comment",
    "Pull request review comments": "pull_request_review_comment",
    "Pull request reviews": "pull_request_review",
}


def documented() -> set[str]:
    section = DEPLOY_MD.split("#### GitHub's webhook", 1)[1].split("\n\n", 2)[1]
    named = re.findall(r"\*([A-Z][a-z ]+)\*", section)
    assert named and all(name in SHOWN for name in named), named
    return {SHOWN[name] for name in named}


def test_the_documented_events_are_every_event_the_route_acts_on() -> None:
    handled = {"check_run", "status", *COMMENT_EVENTS, *REVISION_EVENTS}  # check_wakeups.receive's
    assert set(EVENTS) == handled
    assert documented() == handled
