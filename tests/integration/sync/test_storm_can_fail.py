"""The sync storm shown able to fail (issue 69): its scenario (tests/support/sync/storm_scenario.py)
reports issues or pages made twice when a create's idempotency lookup is switched off: GitLab's create
(``GitLabTracker.made`` finds nothing, as if the issue an earlier try made were not there), or the
scan's look-up of a page's Sync ID (a page made for a Motion task, seen before its link, gets a second
task)."""

import random
from typing import Any

import pytest

from local.gitlab_sandbox.app import PROJECT_PATH, TOKEN
from local.motion_sandbox.app import KEY as MOTION_KEY
from local.motion_sandbox.app import WORKSPACE_ID
from shared.sync.services.connect import connect_gitlab, set_people
from shared.sync.services.intake import ingest_gitlab
from shared.sync.services.mirror import run_gitlab_task, run_motion_task
from shared.sync.services.motion import connect_motion
from shared.sync.services.trackers import GitLabTracker
from tests.support.sync.gitlab_stack import GitLabStack
from tests.support.sync.motion_stack import MotionStack
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


def test_the_storm_finds_duplicates_when_a_page_s_sync_id_is_not_looked_up(
    mo: MotionStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    s: Any = mo
    connect_motion(s.tenant_id, {"api_key": MOTION_KEY, "workspace_id": WORKSPACE_ID}, s.linking)
    set_people(s.tenant_id, {"people": PEOPLE}, s.store, "motion")
    s.queue.tasks.clear()
    monkeypatch.setattr("shared.sync.services.mirror._keyed_issue", lambda *_args: None)  # the seam
    sc = Scenario(s, "motion", run_motion_task, None, None, random.Random(71))
    run_motion_task(sc.scan(), s.mirroring)  # the first mirror, calm
    s.motion.add_task("made in motion during the storm")
    sc.stormed([sc.scan()])  # the poll makes its page, the first try killed right after
    assert sc.killer.create_kills["create_page"] > 0
    items = {i: v["name"] for i, v in s.motion.tasks.items()}
    assert mirrored_duplicates(sc, items) > 0
