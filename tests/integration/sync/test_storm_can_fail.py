"""The sync storm shown able to fail (issue 69): its scenario (tests/support/sync/storm_scenario.py) run
against GitLab's create with its idempotency lookup switched off (``GitLabTracker.made`` finds nothing,
as if the issue an earlier try made were not there) reports issues or pages made twice."""

import random
from typing import Any

import pytest

from local.gitlab_sandbox.app import PROJECT_PATH, TOKEN
from shared.sync.services.connect import connect_gitlab, set_people
from shared.sync.services.intake import ingest_gitlab
from shared.sync.services.mirror import run_gitlab_task
from shared.sync.services.trackers import GitLabTracker
from tests.support.sync.gitlab_stack import GitLabStack
from tests.support.sync.storm_scenario import PEOPLE, Scenario, mirrored_duplicates

pytestmark = pytest.mark.integration


def test_the_storm_finds_duplicates_when_gitlab_s_create_is_not_idempotent(
    lab: GitLabStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    s: Any = lab
    connect_gitlab(
        s.tenant_id, {"access_token": TOKEN, "project": PROJECT_PATH, "base_url": s.url}, s.linking
    )
    set_people(s.tenant_id, {"people": PEOPLE}, s.store, "gitlab")
    monkeypatch.setattr(GitLabTracker, "made", lambda _self, _page_id, _claimed: None)  # the seam
    sc = Scenario(s, "gitlab", run_gitlab_task, ingest_gitlab, s.gitlab.outbox, random.Random(70))
    sc.stormed([sc.scan()])  # the first mirror: each page's issue made, the first try killed after it
    assert sc.killer.create_kills["create_issue"] > 0  # a kill landed between a create and its link
    items = {str(i): v["title"] for i, v in s.gitlab.issues.items()}
    assert mirrored_duplicates(sc, items) > 0
