"""The sync storm shown able to fail: its scenario (tests/support/sync/storm_scenario.py)
reports issues or pages made twice when a create's idempotency lookup is switched off: GitLab's create
(``GitLabTracker.made`` finds nothing, as if the issue an earlier try made were not there), or the
scan's look-up of a page's Sync ID (a page made for a Motion task, seen before its link, gets a second
task), or the Sync ID column a data source lacks never added (decision 0132)."""

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
from tests.support.sync.storm_scenario import PEOPLE, Scenario, mirrored_duplicates, without_its_sync_id

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


def motion_storm_duplicates(s: Any) -> int:
    """Motion's pages and tasks made twice after a storm in which a task made in Motion is mirrored,
    the first try of its page's task killed right after the page was made (the seam already set)."""
    connect_motion(s.tenant_id, {"api_key": MOTION_KEY, "workspace_id": WORKSPACE_ID}, s.linking)
    set_people(s.tenant_id, {"people": PEOPLE}, s.store, "motion")
    s.queue.tasks.clear()
    sc = Scenario(s, "motion", run_motion_task, None, None, random.Random(71))
    run_motion_task(sc.scan(), s.mirroring)  # the first mirror, calm
    s.motion.add_task("made in motion during the storm")
    sc.stormed([sc.scan()])  # the poll makes its page, the first try killed right after
    assert sc.killer.create_kills["create_page"] > 0
    return mirrored_duplicates(sc, {i: v["name"] for i, v in s.motion.tasks.items()})


def test_the_storm_finds_duplicates_when_a_page_s_sync_id_is_not_looked_up(
    mo: MotionStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shared.sync.services.mirror._keyed_issue", lambda *_args: None)  # the seam
    assert motion_storm_duplicates(mo) > 0


def test_the_storm_finds_duplicates_when_a_data_source_s_sync_id_column_is_not_added(
    mo: MotionStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_its_sync_id(mo)  # as the reliability storm's Motion run starts
    seam = "shared.sync.services.mirror.with_sync_key"
    monkeypatch.setattr(seam, lambda _notion, _source, schema: (schema, ""))  # the column never added
    assert motion_storm_duplicates(mo) > 0
